"""The follow-up engine's side of `casework.referrals.FollowUpHooks`: plan on create/signpost, tidy up on close."""

from __future__ import annotations

from sqlmodel import Session

from casework.models import Referral, Signposting
from scheduler.checkins import withdraw_referral_checkins
from scheduler.models import FollowUpKind
from scheduler.outcome_checks import plan_on_closure
from scheduler.planning import (
    active_checkin,
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
        """Cancel what has not been sent; ask an opted-in client the closure wellbeing questions (and at 3 and 6
        months); end their check-in opt-in (its chat id is erased); else remind the worker at 3 and 6 months."""
        assert referral.id is not None
        cancel_open_followups(session, referral.id)
        cancel_open_followups(session, referral.id, [FollowUpKind.OUTCOME_CHECK])  # "as your support begins"
        checkin = active_checkin(session, referral.id)
        asked = plan_on_closure(session, referral, checkin.client_chat_id if checkin else None, self.policy)
        withdraw_referral_checkins(session, referral.id)
        if not asked:  # a client who opted in is asked themselves; otherwise the worker is reminded
            plan_outcome_reminders(session, referral, self.policy)
