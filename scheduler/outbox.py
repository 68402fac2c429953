"""The transactional outbox: a message owed because something just happened is a follow-up row written in the same
transaction as that change, so the change and the message commit together or not at all.

The bot sends owed rows straight after the commit (`owed_in` names them; `Dispatcher.send_now` sends them); if that
fails, or the process dies first, the dispatcher retries them quickly until they go out. They are sent at least
once: a repeated team post is harmless beside a lost urgent referral.
"""

from __future__ import annotations

from sqlmodel import Session

from casework.models import Referral
from core.clock import utcnow
from scheduler.models import FollowUp, FollowUpKind
from scheduler.planning import ensure_followups
from scheduler.policy import FollowUpPolicy
from scheduler.recipients import team_chat

OWED = "signpost.owed_followups"  # Session.info key: ids of rows owed by this transaction, to send after commit


def owe(
    session: Session, kind: FollowUpKind, chat_id: int, text: str, *, dedupe_key: str, referral_id: int | None = None
) -> FollowUp:
    """A message of `kind` owed to `chat_id` now; idempotent per `dedupe_key`. Text names references only."""
    candidate = FollowUp(
        dedupe_key=dedupe_key, kind=kind, referral_id=referral_id, recipient_chat_id=chat_id, due_at=utcnow(),
        body=text,
    )
    [stored] = ensure_followups(session, [candidate])
    session.info.setdefault(OWED, []).append(stored.id)
    return stored


def post_new_referral(
    session: Session, referral: Referral, text: str, policy: FollowUpPolicy, *, occasion: str = "new"
) -> FollowUp | None:
    """The referral's post to the link-worker team chat (or the first admin when there is none), once per
    `occasion` ("new"; a hand-back gets its own, so it is posted again)."""
    chat_id = team_chat(policy)
    if chat_id is None or referral.id is None:
        return None
    key = f"team:{referral.id}" if occasion == "new" else f"team:{referral.id}:{occasion}"
    return owe(session, FollowUpKind.TEAM_POST, chat_id, text, dedupe_key=key, referral_id=referral.id)


def notify_referrer(session: Session, referral: Referral, text: str) -> FollowUp:
    """The referrer's notice about their referral (picked up, closed): one per state the case reaches."""
    return owe(session, FollowUpKind.REFERRER_NOTICE, referral.referrer_chat_id, text,
               dedupe_key=f"referrer:{referral.id}:{referral.status.value}", referral_id=referral.id)


def owed_in(session: Session) -> list[int]:
    """The rows this session's transaction owed (read after it committed)."""
    return [int(followup_id) for followup_id in session.info.get(OWED, []) if followup_id is not None]
