"""Messages to the link-worker team chat and to referrers about their referrals (references only, never patients)."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Message

from casework.crisis import risk_flag_note
from casework.models import URGENCY_LABELS, Referral
from casework.referrals import CaseOutcome, get_referral, reason_labels
from handlers.kit import Turn


def team_text(referral: Referral, heading: str = "New referral") -> str:
    """What the whole team sees: no patient details, just enough to triage."""
    discharge = referral.expected_discharge.strftime("%d/%m") if referral.expected_discharge else "not known"
    flag = risk_flag_note(referral.risk_flag, referral.risk_concern)
    return (
        f"{heading} {referral.reference}\n"
        f"Ward: {referral.source_ward}\n"
        f"Reasons: {reason_labels(referral.reasons)}\n"
        f"Urgency: {URGENCY_LABELS[referral.urgency]} · Discharge: {discharge}"
    ) + (f"\n{flag}" if flag else "")


def announce_new_referral(turn: Turn, referral: Referral, heading: str = "New referral") -> None:
    """Post a new (or handed-back) referral to the link-worker team chat with a Claim button."""
    chat_id = turn.settings.link_worker_chat_id
    if chat_id is None:
        return
    reference = referral.reference

    def remember(session: Session, message: Message) -> None:
        posted = get_referral(session, reference)
        if posted is not None:
            posted.team_message_id = message.message_id
            session.add(posted)

    turn.send(chat_id, team_text(referral, heading), [[("Claim", f"c:claim:{reference}")]], best_effort=True,
              remember=remember)


def tell_referrer(turn: Turn, outcome: CaseOutcome) -> None:
    """The referrer's 'picked up' / 'closed' notice, when an action owes one."""
    if outcome.ok and outcome.referrer_notice and outcome.referral:
        turn.send(outcome.referral.referrer_chat_id, outcome.referrer_notice, best_effort=True)
