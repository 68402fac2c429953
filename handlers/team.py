"""Messages to the link-worker team chat and to referrers about their referrals (references only, never patients).

Both are owed by the change that causes them, so they are outbox rows written in the same transaction
(`scheduler.outbox`) and sent at least once, straight after it commits and again until they go out.
"""

from __future__ import annotations

from casework.models import URGENCY_LABELS, Referral
from casework.referrals import CaseOutcome, reason_labels
from handlers.kit import Turn
from scheduler.outbox import notify_referrer, post_new_referral


def team_text(referral: Referral) -> str:
    """What the whole team sees: no patient details, just enough to triage."""
    discharge = referral.expected_discharge.strftime("%d/%m") if referral.expected_discharge else "not known"
    return (
        f"New referral {referral.reference}\n"
        f"Ward: {referral.source_ward}\n"
        f"Reasons: {reason_labels(referral.reasons)}\n"
        f"Urgency: {URGENCY_LABELS[referral.urgency]} · Discharge: {discharge}"
    )


def announce_new_referral(turn: Turn, referral: Referral) -> None:
    """Owe the link-worker team chat a post about the new referral, with a Claim button."""
    post_new_referral(turn.session, referral, team_text(referral), turn.services.followups.policy)


def tell_referrer(turn: Turn, outcome: CaseOutcome) -> None:
    """Owe the referrer the 'picked up' / 'closed' notice, when an action owes one."""
    if outcome.ok and outcome.referrer_notice and outcome.referral:
        notify_referrer(turn.session, outcome.referral, outcome.referrer_notice)
