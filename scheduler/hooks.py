"""The follow-up engine's side of `casework.referrals.FollowUpHooks`: plan on create/signpost, tidy up on close."""

from __future__ import annotations

from sqlmodel import Session

from casework.models import Referral, Signposting
from scheduler.checkins import withdraw_referral_checkins
from scheduler.planning import (
    cancel_open_followups,
    plan_outcome_reminders,
    plan_referral_followups,
    plan_signposting_followups,
)
from scheduler.policy import FollowUpPolicy


class FollowUpPlanner:
    """Pass as `hooks=` to casework's create_referral / signpost_case / close_case (same transaction)."""

    def __init__(self, policy: FollowUpPolicy) -> None:
        self.policy = policy

    def referral_created(self, session: Session, referral: Referral) -> None:
        plan_referral_followups(session, referral, self.policy)

    def signposted(self, session: Session, signposting: Signposting, referral: Referral) -> None:
        plan_signposting_followups(session, signposting, referral, self.policy)

    def case_closed(self, session: Session, referral: Referral) -> None:
        """Cancel what has not been sent, end the client's check-in opt-in (their chat id is erased), and plan the
        3- and 6-month wellbeing reminders to the worker."""
        assert referral.id is not None
        cancel_open_followups(session, referral.id)
        withdraw_referral_checkins(session, referral.id)
        plan_outcome_reminders(session, referral, self.policy)
