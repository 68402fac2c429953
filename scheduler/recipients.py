"""Who receives what: the case owner, the team chat, admins. Decided when a message is sent, not when planned."""

from __future__ import annotations

from casework.models import CaseStatus, Referral, Signposting
from scheduler.policy import FollowUpPolicy


def case_owner(referral: Referral, signposting: Signposting | None = None) -> int | None:
    """The link worker who owns the case (their user id is their private chat id). None for a case waiting in the
    unclaimed list: a case handed back by a leaver must not keep prompting them."""
    if referral.claimed_by is not None:
        return referral.claimed_by
    if referral.status == CaseStatus.NEW:
        return None
    return signposting.created_by if signposting is not None else None


def team_chat(policy: FollowUpPolicy) -> int | None:
    """The team chat for escalations, or the first admin when no team chat is configured."""
    if policy.team_chat_id is not None:
        return policy.team_chat_id
    return policy.admin_chat_ids[0] if policy.admin_chat_ids else None
