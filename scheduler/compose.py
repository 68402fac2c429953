"""Turning a claimed follow-up into a message, after checking it still matters. Reads the database, never writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from casework.models import CaseStatus, Engagement, ProviderStatus, Referral, ReferralOn, Signposting, Urgency
from casework.outcomes import ONS4_MEASURE
from casework.providers import answer_buttons
from core.i18n import translator
from core.preferences import PersonPreference
from directory.models import Service
from scheduler import messages
from scheduler.models import CLIENT_KINDS, ENDS_WITH_CASE, LISTING_KINDS, FollowUp, FollowUpKind, FollowUpStatus
from scheduler.outcome_checks import WHEN, parts_of
from scheduler.planning import seen_before_discharge
from scheduler.policy import FollowUpPolicy
from scheduler.recipients import case_owner, team_chat

# Once one of these is recorded there is nothing left to ask about a signposting.
SETTLED = frozenset(Engagement) - {Engagement.UNKNOWN, Engagement.WAITING, Engagement.COULDNT_GET_THROUGH}


@dataclass(frozen=True)
class Outgoing:
    """A message ready to send."""

    chat_id: int
    text: str
    buttons: messages.Keyboard = ()


@dataclass(frozen=True)
class Skip:
    """Why a follow-up will not be sent: cancelled as no longer relevant, or failed when nobody can receive it."""

    reason: str
    failed: bool = False


@dataclass(frozen=True)
class FollowUpContext:
    """A follow-up with the rows its message is about."""

    followup: FollowUp
    referral: Referral | None
    signposting: Signposting | None
    service_name: str
    about: FollowUp | None
    referral_on: ReferralOn | None = None  # when the signposting was referred on to the service
    language: str = ""  # the client's chosen language (client check-ins)


def load_contexts(session: Session, followups: Sequence[FollowUp]) -> list[FollowUpContext]:
    """Contexts for a batch of follow-ups, with a handful of queries whatever the batch size."""
    referrals = _by_id(session, Referral, {f.referral_id for f in followups})
    signpostings = _by_id(session, Signposting, {f.signposting_id for f in followups})
    abouts = _by_id(session, FollowUp, {f.about_id for f in followups})
    service_ids = {s.service_id for s in signpostings.values()}
    names = dict(session.exec(select(Service.id, Service.name).where(col(Service.id).in_(service_ids))).all())
    referrals_on = {row.signposting_id: row for row in session.exec(
        select(ReferralOn).where(col(ReferralOn.signposting_id).in_(list(signpostings)))).all()} if signpostings else {}
    clients = {s.client_chat_id for s in signpostings.values() if s.client_chat_id is not None}
    languages = dict(session.exec(
        select(PersonPreference.telegram_user_id, PersonPreference.language)
        .where(col(PersonPreference.telegram_user_id).in_(clients))
    ).all()) if clients else {}
    contexts = []
    for followup in followups:
        signposting = signpostings.get(followup.signposting_id)
        service = names.get(signposting.service_id) if signposting else None
        language = languages.get(signposting.client_chat_id, "") if signposting else ""
        contexts.append(FollowUpContext(followup, referrals.get(followup.referral_id), signposting,
                                        service or "the service", abouts.get(followup.about_id),
                                        referrals_on.get(followup.signposting_id), language))
    return contexts


def compose(context: FollowUpContext, policy: FollowUpPolicy) -> Outgoing | Skip:
    """The message for a due follow-up, or why it should not go out."""
    if context.followup.kind == FollowUpKind.FAILURE_DIGEST:  # about many cases: no referral of its own
        return _to(context.followup.recipient_chat_id, context.followup.body or "")
    if context.followup.kind in LISTING_KINDS:  # about a listing, not a case
        return _listing(context)
    referral = context.referral
    if referral is None:
        return Skip("case not found")
    if referral.status == CaseStatus.CLOSED and context.followup.kind in ENDS_WITH_CASE:
        return Skip("case closed")
    return _COMPOSERS[context.followup.kind](context, referral, policy)


def _engagement_check(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    signposting, followup = context.signposting, context.followup
    if signposting is None:
        return Skip("signposting not found")
    if signposting.engagement in SETTLED:
        return Skip(f"engagement already recorded: {signposting.engagement}")
    if context.referral_on is not None and context.referral_on.first_answer_at is not None:
        return Skip(f"the provider has answered: {context.referral_on.status}")
    text = messages.engagement_prompt(
        referral.reference,
        context.service_name,
        final=followup.sequence == 3,
        reminder=followup.resends > 0,
        signposted_on=messages.day_label(signposting.created_at, policy.tz),
    )
    return _to(case_owner(referral, signposting), text, messages.engagement_buttons(_id(followup), policy.snooze_days))


def _client_check(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    signposting = context.signposting
    if signposting is None or signposting.client_chat_id is None:
        return Skip("client stopped check-ins")
    if signposting.engagement in SETTLED:
        return Skip(f"engagement already recorded: {signposting.engagement}")
    t = translator(context.language)
    text = messages.client_prompt(context.service_name, reminder=context.followup.resends > 0,
                                  phone=policy.talk_phone, t=t)
    return _to(signposting.client_chat_id, text, messages.client_buttons(_id(context.followup), t))


def _first_contact(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    if referral.first_contact_at is not None:
        return Skip("first contact recorded")
    claimed, urgent = referral.claimed_by is not None, referral.urgency == Urgency.URGENT
    received_on = messages.day_label(referral.created_at, policy.tz)
    if context.followup.kind == FollowUpKind.FIRST_CONTACT_REMINDER:
        text = messages.first_contact_reminder(referral.reference, received_on, claimed=claimed, urgent=urgent)
        return _to(referral.claimed_by if claimed else team_chat(policy), text, () if claimed else _claim(referral))
    discharge = seen_before_discharge(referral)
    text = messages.first_contact_escalation(
        referral.reference, received_on, claimed=claimed, working_days=policy.first_contact_escalation_working_days,
        urgent=urgent, discharge_on=f"{discharge:%a} {discharge.day} {discharge:%b}" if discharge else None,
    )
    return _to(team_chat(policy), text, () if claimed else _claim(referral))


def _claim(referral: Referral) -> messages.Keyboard:
    """The Claim button under a team-chat message about an unclaimed referral."""
    return [[("Claim", f"c:claim:{referral.reference}")]]


def _unanswered(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    about = context.about
    if about is None or about.status != FollowUpStatus.SENT:
        return Skip("prompt answered or withdrawn")
    about_client = about.kind == FollowUpKind.CLIENT_CHECK
    text = messages.unanswered_escalation(referral.reference, context.service_name, about_client=about_client)
    return _to(context.followup.recipient_chat_id, text)


def _client_reply(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    answer = context.about.answer if context.about else None
    if answer is None:
        return Skip("no answer to pass on")
    return _to(context.followup.recipient_chat_id, messages.client_reply(referral.reference, context.service_name,
                                                                          answer))


def _failure_notice(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    about = context.about
    if about is None:
        return Skip("nothing to report")
    if about.kind in CLIENT_KINDS and about.last_error == messages.BLOCKED:
        about_what = context.service_name if about.kind == FollowUpKind.CLIENT_CHECK else "how they are (wellbeing)"
        text = messages.client_blocked_notice(referral.reference, about_what)
    else:
        text = messages.failure_notice(referral.reference, _id(about), about.kind, about.last_error or "unknown error")
    return _to(context.followup.recipient_chat_id, text)


def _inactivity_warning(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    close_on = context.followup.created_at + timedelta(days=policy.inactive_case_notice_days)
    text = messages.inactivity_warning(
        referral.reference, messages.day_label(referral.created_at, policy.tz), messages.day_label(close_on, policy.tz)
    )
    return _to(case_owner(referral) or team_chat(policy), text)

def _outcome_reminder(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    if referral.anonymised or referral.closed_at is None:
        return Skip("case anonymised or reopened")
    text = messages.outcome_reminder(referral.reference, context.followup.sequence,
                                     messages.day_label(referral.closed_at, policy.tz))
    return _to(case_owner(referral) or team_chat(policy), text)


def _outcome_check(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    followup = context.followup
    if referral.anonymised or followup.recipient_chat_id is None:
        return Skip("client stopped check-ins")
    timepoint, index = parts_of(followup.sequence)
    measure = ONS4_MEASURE
    text = messages.outcome_prompt(measure.items[index].question, index + 1, len(measure.items),
                                   "Tap a number from 0 (not at all) to 10 (completely).", WHEN[timepoint])
    return _to(followup.recipient_chat_id, text, messages.outcome_buttons(_id(followup),
                                                                            [v for v, _ in measure.scores]))


def _team_post(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    if referral.status != CaseStatus.NEW:
        return Skip("claimed before it was posted")
    return _to(context.followup.recipient_chat_id, context.followup.body or "", _claim(referral))


def _provider_referral(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    """A referral on (or its one chase) with the answers the provider can give now."""
    referral_on = context.referral_on
    if referral_on is None:
        return Skip("referral on not found")
    if context.followup.kind == FollowUpKind.PROVIDER_CHASE and referral_on.status != ProviderStatus.SENT:
        return Skip("provider answered")
    return _to(context.followup.recipient_chat_id, context.followup.body or "", answer_buttons(referral_on))


def _listing(context: FollowUpContext) -> Outgoing | Skip:
    followup = context.followup
    buttons: messages.Keyboard = ()
    if followup.kind == FollowUpKind.LISTING_CHECK:
        buttons = messages.listing_check_buttons(_id(followup))
    return _to(followup.recipient_chat_id, followup.body or "", buttons)


def _stored_text(context: FollowUpContext, referral: Referral, policy: FollowUpPolicy) -> Outgoing | Skip:
    return _to(context.followup.recipient_chat_id, context.followup.body or "")


_COMPOSERS: dict[FollowUpKind, Callable[[FollowUpContext, Referral, FollowUpPolicy], Outgoing | Skip]] = {
    FollowUpKind.ENGAGEMENT_CHECK: _engagement_check,
    FollowUpKind.CLIENT_CHECK: _client_check,
    FollowUpKind.FIRST_CONTACT_REMINDER: _first_contact,
    FollowUpKind.FIRST_CONTACT_ESCALATION: _first_contact,
    FollowUpKind.UNANSWERED_ESCALATION: _unanswered,
    FollowUpKind.CLIENT_REPLY: _client_reply,
    FollowUpKind.FAILURE_NOTICE: _failure_notice,
    FollowUpKind.INACTIVITY_WARNING: _inactivity_warning,
    FollowUpKind.OUTCOME_REMINDER: _outcome_reminder,
    FollowUpKind.OUTCOME_CHECK: _outcome_check,

    FollowUpKind.TEAM_POST: _team_post,
    FollowUpKind.REFERRER_NOTICE: _stored_text,
    FollowUpKind.PROVIDER_REFERRAL: _provider_referral,
    FollowUpKind.PROVIDER_CHASE: _provider_referral,
    FollowUpKind.PROVIDER_ANSWER: _stored_text,
}


def _to(chat_id: int | None, text: str, buttons: messages.Keyboard = ()) -> Outgoing | Skip:
    if chat_id is None:
        return Skip("no recipient configured", failed=True)
    return Outgoing(chat_id, text, buttons)


def _id(followup: FollowUp) -> int:
    assert followup.id is not None
    return followup.id


def _by_id(session: Session, model: type, ids: set[int | str | None]) -> dict:
    wanted = [value for value in ids if value is not None]
    if not wanted:
        return {}
    return {row.id: row for row in session.exec(select(model).where(col(model.id).in_(wanted))).all()}
