"""Messages to the link-worker team chat and to referrers about their referrals (references only, never patients).

Both are owed by the change that causes them, so they are outbox rows written in the same transaction
(`scheduler.outbox`) and sent at least once, straight after it commits and again until they go out.
"""

from __future__ import annotations

from casework.crisis import risk_flag_note
from casework.models import BEST_TIME_LABELS, URGENCY_LABELS, ContactRoute, Referral, ReferralSource
from casework.referral_form import UNDER_AGE
from casework.referrals import CaseOutcome, reason_labels
from casework.safeguarding import RED_MARK, is_red
from handlers.kit import Turn
from scheduler.outbox import notify_referrer, post_new_referral


def team_text(referral: Referral, heading: str = "New referral") -> str:
    """What the whole team sees: no patient details, just enough to triage."""
    discharge = referral.expected_discharge.strftime("%d/%m") if referral.expected_discharge else "not known"
    flag = risk_flag_note(referral.risk_flag, referral.risk_concern)
    if referral.source == ReferralSource.SELF:
        who = "a carer, for someone else" if referral.for_someone_else else "the client"
        contact = "phone call" if referral.contact_route == ContactRoute.PHONE else "Telegram message"
        return (
            f"{heading.replace('referral', 'self-referral')} {referral.reference}\n"
            f"Asked for by {who} · wants a {contact} ({BEST_TIME_LABELS.get(referral.best_time, 'any time')})\n"
            f"About: {reason_labels(referral.reasons)}"
        )
    return (
        f"{heading} {referral.reference}\n"
        f"Ward: {referral.source_ward}\n"
        f"Reasons: {reason_labels(referral.reasons)}\n"
        f"Urgency: {URGENCY_LABELS[referral.urgency]} · Discharge: {discharge}"
    ) + (f"\n{flag}" if flag else "") + (f"\n{RED_MARK} Safeguarding: red" if is_red(referral) else "") + (
        "\n⚠ Eligibility to check: under 18" if referral.age_band == UNDER_AGE else "")


def announce_new_referral(turn: Turn, referral: Referral, heading: str = "New referral", occasion: str = "new") -> None:
    """Owe the link-worker team chat a post about the referral, with a Claim button: once per `occasion` (a new
    referral; a case handed back when its worker left)."""
    post_new_referral(turn.session, referral, team_text(referral, heading), turn.services.followups.policy,
                      occasion=occasion)


def tell_referrer(turn: Turn, outcome: CaseOutcome) -> None:
    """Owe the referrer the 'picked up' / 'closed' notice, when an action owes one."""
    if outcome.ok and outcome.referrer_notice and outcome.referral:
        notify_referrer(turn.session, outcome.referral, outcome.referrer_notice)
