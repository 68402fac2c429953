"""The case card a link worker works from: the case's details and the buttons for what can be done next.

One card per case per chat: an action edits the card it was tapped on, and opening the case again replaces the
previous card (deleted, or blanked when Telegram no longer lets it be deleted), so identifiers are not copied down
the chat. Identifiers are shown in full only to the link worker who claimed the case; everyone else sees them masked
until claim, and an admin can break glass with a recorded reason (`casework.referrals.open_case`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import tzinfo

from sqlmodel import Session
from telegram import Message

from casework import safeguarding
from casework.case_cards import remember_card, shown_card
from casework.crisis import risk_flag_note
from casework.models import (
    BEST_TIME_LABELS,
    CLOSURE_LABELS,
    ROUTE_LABELS,
    SAFEGUARDING_LABELS,
    URGENCY_LABELS,
    CaseStatus,
    Referral,
    ReferralOn,
    ReferralSource,
    Role,
    Safeguarding,
)
from casework.providers import answer_label, referrals_on_for
from casework.referrals import BREAK_GLASS_REASONS, CaseView, get_referral, open_case, reason_labels
from casework.support import equity_line, plan_lines, plan_of
from core.clock import local_time
from handlers.kit import Buttons, Turn

log = logging.getLogger(__name__)
PRIVATE_ONLY = "For privacy, cases can only be opened in a private chat with me."
NOT_FOUND = "I couldn't find that case. References look like SP-7K3Q9X."
REPLACED = "Case {reference}: this card was replaced by a newer one further down."
MASKED_NOTE = "Identifiers are masked: they are shown only to the link worker who has claimed this open case."
CaseCheck = Callable[[Referral, int, Role | None], str | None]  # why this person may not act on the case, or None


def checked_case(turn: Turn, reference: str, check: CaseCheck) -> Referral | None:
    """The case if it exists and `check` finds no problem for this person; otherwise says why and returns None."""
    referral = get_referral(turn.session, reference)
    problem = NOT_FOUND if referral is None else check(referral, turn.user_id, turn.role)
    if problem:
        turn.say(problem)
        return None
    return referral


def private_case(turn: Turn, reference: str, check: CaseCheck) -> Referral | None:
    """`checked_case`, in a private chat only: what follows shows or asks for the client's details."""
    if not turn.is_private:
        turn.say(PRIVATE_ONLY)
        return None
    return checked_case(turn, reference, check)


def case_buttons(referral: Referral, view: CaseView, role: Role | None, viewer: int) -> Buttons:
    ref = referral.reference
    may_break_glass = role == Role.ADMIN and not view.identifiers_shown
    glass = [[("🔓 Show identifiers (break glass)", f"c:bg:{ref}")]] if may_break_glass else []
    wellbeing = [("📊 Wellbeing", f"c:wb:{ref}")]
    if referral.status == CaseStatus.CLOSED:  # closure and 3/6-month answers can still be recorded
        return [wellbeing, *glass] if referral.claimed_by == viewer or role == Role.ADMIN else glass
    if referral.status == CaseStatus.NEW:
        return [[("Claim", f"c:claim:{ref}")], *glass]
    rows: list[list[tuple[str, str]]] = [[("📞 Tried, no answer", f"c:try:{ref}")]]
    if referral.first_contact_at is None:
        rows[0].append(("✅ First contact made", f"c:first:{ref}"))
    rows.append([("➡ Signpost to a service", f"c:sp:{ref}"), ("📲 Client check-in code", f"c:code:{ref}")])
    rows.append([("🛡 Safeguarding", f"c:rag:{ref}"), *wellbeing])
    rows.append([("🕑 Log support", f"c:sc:{ref}"), ("📝 Support plan", f"c:plan:{ref}"),
                 ("👥 Equity", f"c:eq:{ref}")])
    rows.append([("🖨 Large-print handout", f"hd:{ref}")])
    rows.append([("Close case", f"c:close:{ref}")])
    return [*rows, *glass]


def case_text(
    view: CaseView, service_names: dict[str, str], tz: tzinfo, provider_says: dict[str, str] | None = None
) -> str:
    """The case card's text; times as the team's clock shows them (`tz`, Europe/London by default);
    `provider_says`: for services the client was referred on to, the provider's latest answer ("referred on;
    accepted 03/03/2027")."""
    red = view.safeguarding == Safeguarding.RED
    discharge = view.expected_discharge.strftime("%d/%m/%Y") if view.expected_discharge else "not known"
    says = provider_says or {}
    signposted = (
        "\n".join(
            f"   – {service_names.get(sid, sid)}: " + (says[sid] if sid in says else state.replace('_', ' '))
            for sid, state in view.signposted_services
        )
        or "   none yet"
    )
    lines = [
        f"Case {view.reference} — {view.status.value}" + (f" {safeguarding.RED_MARK}" if red else ""),
        *filter(None, [risk_flag_note(view.risk_flag, view.risk_concern)]),
        f"Referred: {local_time(view.created_at, tz):%d/%m/%Y %H:%M} from {view.ward}",
        *(_self_referral_lines(view) if view.source == ReferralSource.SELF else [
            f"Patient: {view.client_initials} · Hospital ref: {view.hospital_ref}"
            + (f" · NHS: {view.nhs_number}" if view.nhs_number else "")]),
        f"Reasons: {reason_labels(view.reasons)}",
        f"Urgency: {URGENCY_LABELS[view.urgency]} · Contact by: {ROUTE_LABELS[view.contact_route]}",
        f"Expected discharge: {discharge}",
        f"Risks: {view.risks}",
        f"Safeguarding: {safeguarding.label(view.safeguarding)}",
        *([view.equity] if view.equity else []),
        f"Contact attempts: {view.contact_attempts}"
        + (f" · First contact: {local_time(view.first_contact_at, tz):%d/%m/%Y}" if view.first_contact_at else ""),
        f"Signposted to:\n{signposted}",
    ]
    if view.closure_reason:
        lines.append(f"Closed: {CLOSURE_LABELS[view.closure_reason]}")
    if not view.identifiers_shown:
        lines.append(MASKED_NOTE)
    return "\n".join(lines)


def _self_referral_lines(view: CaseView) -> list[str]:
    """Who asked and how to reach them (the number masked until claimed, like every identifier)."""
    who = ("Asked for by a carer or family member, for someone else (third party)" if view.for_someone_else
           else "Asked for by the client themselves")
    how = f"Call back on: {view.contact_phone}" if view.contact_phone else "Reply in Telegram (no phone given)"
    when = BEST_TIME_LABELS.get(view.best_time, "not given")
    return [f"Self-referral: {who}", f"{how} · Best time: {when}"]


def show_case(turn: Turn, reference: str, *, in_place: bool = False, note: str = "",
              break_glass: str | None = None) -> None:
    """The case card, in private chat only; the view is audited.

    `in_place`: edit the message that was tapped (a button on the card, or on a message about the case) into the
    card. Otherwise a new card is sent. Either way an older card of the case in this chat is removed.
    """
    if not turn.is_private:
        turn.say(PRIVATE_ONLY)
        return
    referral = get_referral(turn.session, reference)
    if referral is None:
        turn.say(NOT_FOUND)
        return
    view = open_case(turn.session, referral, turn.user_id, turn.role, turn.runtime.cipher, break_glass)
    if view.identifiers_shown:  # equity and the plan are special-category / the client's words: need to know
        assert referral.id is not None
        plan = plan_lines(plan_of(turn.session, referral.id, turn.runtime.cipher))
        view = replace(view, equity="\n".join([equity_line(referral), *plan]))
    if break_glass is not None:
        log.warning("break-glass view of %s by user %s", referral.reference, turn.user_id)
    names = {sid: record.name if (record := turn.index.get(sid)) else sid for sid, _ in view.signposted_services}
    says = {sid: _provider_line(row) for sid, row in referrals_on_for(turn.session, referral.id or 0).items()}
    text = (f"{note}\n\n" if note else "") + case_text(view, names, turn.settings.tz, says)
    buttons = case_buttons(referral, view, turn.role, turn.user_id)
    assert referral.id is not None
    referral_id, chat_id = referral.id, turn.chat_id

    def remember(session: Session, message: Message) -> None:
        remember_card(session, chat_id, referral_id, message.message_id)

    target = turn.tapped_message_id if in_place else None
    previous = shown_card(turn.session, chat_id, referral_id)
    if previous is not None and previous != target:
        turn.delete(previous, instead=REPLACED.format(reference=referral.reference))
    if target is not None:
        turn.edit(text, buttons, remember=remember)
    else:
        turn.say(text, buttons, remember=remember)


def _provider_line(referral_on: ReferralOn) -> str:
    when = referral_on.status_at or referral_on.created_at
    return f"referred on; {answer_label(referral_on)} ({when:%d/%m/%Y})"


def ask_break_glass_reason(turn: Turn, referral: Referral) -> None:
    """An admin asked to see a case's identifiers: why? (the answer is recorded in the case's audit trail)."""
    ref = referral.reference
    rows = [[(label, f"c:bgr:{ref}:{code}")] for code, label in BREAK_GLASS_REASONS.items()]
    rows.append([("◀ Back to the case", f"c:card:{ref}")])
    turn.edit(
        f"Why do you need the identifiers of {ref}? Your name, the time and the reason are recorded in the case's "
        "audit trail.",
        rows,
    )


def ask_safeguarding(turn: Turn, referral: Referral) -> None:
    """The card asks for the new rating (with the history so far), with a way back."""
    ref = referral.reference
    assert referral.id is not None
    history = safeguarding.rating_history(turn.session, referral.id)
    lines = [f"Safeguarding for {ref}: {safeguarding.label(referral.safeguarding)}"]
    lines += [f"  {local_time(change.at, turn.settings.tz):%d/%m/%Y %H:%M} {safeguarding.short_label(change.old)} → "
              f"{safeguarding.short_label(change.new)}" for change in history[-5:]]
    rows = [[(label, f"c:rag:{ref}:{rating.value}")] for rating, label in SAFEGUARDING_LABELS.items()]
    rows.append([("◀ Back to the case", f"c:card:{ref}")])
    turn.edit("\n".join([*lines, "", "Choose the rating now:"]), rows)
