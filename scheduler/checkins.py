"""Client opt-in to check-in messages: a one-time code from the link worker, redeemed with /checkin CODE."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.models import CaseEvent, CaseStatus, Referral, Role, Signposting
from core.clock import utcnow
from scheduler.models import ClientCheckin, FollowUp, FollowUpKind
from scheduler.outcome_checks import plan_on_opt_in
from scheduler.planning import cancel_where, plan_client_checks
from scheduler.policy import FollowUpPolicy

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read out over the phone
CODE_LENGTH = 8
DEEP_LINK_PREFIX = "checkin-"


@dataclass(frozen=True)
class CheckinResult:
    """What to tell the person, and whether anything changed."""

    ok: bool
    message: str
    code: str | None = None


def normalise_code(text: str) -> str:
    """'abcd-efgh', 'checkin-ABCDEFGH' and ' ABCD EFGH ' all read as 'ABCDEFGH'."""
    cleaned = text.strip()
    if cleaned.lower().startswith(DEEP_LINK_PREFIX):
        cleaned = cleaned[len(DEEP_LINK_PREFIX):]
    return "".join(cleaned.split()).replace("-", "").upper()


def create_client_checkin_code(
    session: Session, referral_id: int, ttl_hours: int, created_by: int | None = None
) -> str:
    """A new one-time code such as `K7QM-3XRP` for this referral (earlier unused codes stop working)."""
    now = utcnow()
    session.execute(
        update(ClientCheckin)
        .where(
            ClientCheckin.referral_id == referral_id,
            col(ClientCheckin.redeemed_at).is_(None),
            ClientCheckin.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(ClientCheckin(code_hash=_hash(raw), referral_id=referral_id, created_by=created_by,
                              expires_at=now + timedelta(hours=ttl_hours)))
    session.flush()
    return f"{raw[:4]}-{raw[4:]}"


def issue_client_checkin_code(
    session: Session, referral: Referral, actor: int, actor_role: Role | None, ttl_hours: int
) -> CheckinResult:
    """A code for the link worker who owns an open case (or an admin) to hand to the client."""
    if referral.status == CaseStatus.CLOSED:
        return CheckinResult(False, f"{referral.reference} is closed, so there's nothing to check in about.")
    if referral.claimed_by != actor and actor_role != Role.ADMIN:
        return CheckinResult(False, f"{referral.reference} isn't one of your cases.")
    assert referral.id is not None
    code = create_client_checkin_code(session, referral.id, ttl_hours, created_by=actor)
    session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="checkin_code"))
    return CheckinResult(True, f"Check-in code for {referral.reference}: {code}", code)


def redeem_client_checkin(session: Session, code: str, chat_id: int, policy: FollowUpPolicy) -> CheckinResult:
    """Opt this chat in to check-ins for the code's referral. Unknown, used or expired codes change nothing."""
    checkin = session.exec(
        select(ClientCheckin).where(ClientCheckin.code_hash == _hash(code)).with_for_update()
    ).first()
    referral = session.get(Referral, checkin.referral_id) if checkin else None
    if checkin is None or referral is None or checkin.redeemed_at is not None or checkin.expires_at <= utcnow():
        return CheckinResult(
            False,
            "Sorry, that code didn't work. It may have expired or already been used. "
            "Please ask your link worker for a new one.",
        )
    if referral.status == CaseStatus.CLOSED:
        return CheckinResult(False, "Thank you, but this support has now finished, so there's nothing to check in on.")
    _withdraw(session, [ClientCheckin.referral_id == referral.id])  # one chat per referral: the newest opt-in wins
    checkin.redeemed_at, checkin.client_chat_id = utcnow(), chat_id
    session.add(checkin)
    session.flush()
    plan_client_checks(session, checkin, policy)
    plan_on_opt_in(session, referral, chat_id, policy)
    session.add(CaseEvent(referral_id=referral.id, kind="client_opted_in"))
    return CheckinResult(
        True,
        "Thank you, you're all set. In about a week I'll send you a short message to ask how you got on with "
        "the support you were given. You can stop these messages at any time by sending /stopcheckins.",
    )


def stop_client_checkins(session: Session, chat_id: int) -> int:
    """Withdraw every opt-in for this chat: no more check-ins or wellbeing questions (those after closure too), and
    the chat id is erased. Returns how many opt-ins were withdrawn."""
    questions = (FollowUp.recipient_chat_id == chat_id, FollowUp.kind == FollowUpKind.OUTCOME_CHECK)
    cancel_where(session, "client stopped check-ins", [FollowUpKind.OUTCOME_CHECK], *questions)
    session.execute(update(FollowUp).where(*questions).values(recipient_chat_id=None)
                    .execution_options(synchronize_session=False))
    return _withdraw(session, [ClientCheckin.client_chat_id == chat_id])


def withdraw_referral_checkins(session: Session, referral_id: int) -> int:
    """Withdraw the opt-in for a referral (e.g. when its case closes), erasing the client's chat id."""
    return _withdraw(session, [ClientCheckin.referral_id == referral_id])


def _withdraw(session: Session, criteria: list) -> int:
    active = session.exec(
        select(ClientCheckin).where(
            *criteria, col(ClientCheckin.redeemed_at).is_not(None), col(ClientCheckin.withdrawn_at).is_(None)
        )
    ).all()
    for checkin in active:
        signpostings = session.exec(
            select(Signposting).where(
                Signposting.referral_id == checkin.referral_id, Signposting.client_chat_id == checkin.client_chat_id
            )
        ).all()
        checkin.withdrawn_at, checkin.client_chat_id = utcnow(), None  # nothing kept that could reach them
        session.add(checkin)
        for signposting in signpostings:
            signposting.client_chat_id = None
            session.add(signposting)
        cancel_where(session, "client stopped check-ins", [FollowUpKind.CLIENT_CHECK],
                     FollowUp.referral_id == checkin.referral_id)
    session.flush()
    return len(active)


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
