"""One-time invite codes that let an admin bring staff on board with a role."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from casework.models import Invite, Role, StaffUser
from core.clock import utcnow

_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def create_invite(
    session: Session, role: Role, created_by: int, ttl_hours: int, organisation_id: str | None = None
) -> str:
    """A new one-time code such as `K7QM-3XRP`; only its hash is stored. A provider's invite names the organisation
    they will act for."""
    if (role == Role.PROVIDER) != (organisation_id is not None):
        raise ValueError("a provider invite names one organisation; other invites name none")
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    session.add(
        Invite(code_hash=_hash(raw), role=role, created_by=created_by, organisation_id=organisation_id,
               expires_at=utcnow() + timedelta(hours=ttl_hours))
    )
    session.flush()
    return f"{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class JoinResult:
    ok: bool
    message: str
    role: Role | None = None
    failure: str | None = None  # why a code did not work (unknown, used, expired), for the audit trail


def redeem_invite(session: Session, code: str, telegram_user_id: int, display_name: str) -> JoinResult:
    """Use a code once: the user becomes staff with the invite's role. Unknown, used or expired codes change nothing."""
    invite = session.exec(select(Invite).where(Invite.code_hash == _hash(code)).with_for_update()).first()
    if invite is None:
        return JoinResult(False, "That code wasn't recognised. Please check it with the person who sent it.",
                          failure="unknown code")
    if invite.used_at is not None:
        return JoinResult(False, "That code has already been used. Please ask an admin for a new one.",
                          failure="code already used")
    if invite.expires_at < utcnow():
        return JoinResult(False, "That code has expired. Please ask an admin for a new one.", failure="code expired")
    staff = session.exec(select(StaffUser).where(StaffUser.telegram_user_id == telegram_user_id)).first()
    if staff is None:
        staff = StaffUser(telegram_user_id=telegram_user_id, role=invite.role)
    staff.role, staff.active, staff.display_name = invite.role, True, display_name[:100]
    staff.removed_at = None  # a leaver who comes back needs a new invite, and then is staff again
    staff.organisation_id = invite.organisation_id  # providers act for this organisation only
    invite.used_at, invite.used_by = utcnow(), telegram_user_id
    session.add_all([staff, invite])
    session.flush()
    label = ROLE_LABELS[invite.role] + (" for your organisation's services" if invite.role == Role.PROVIDER else "")
    return JoinResult(True, f"Welcome! You're now set up as {label}.", invite.role)


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "an admin",
    Role.LINK_WORKER: "a link worker",
    Role.WARD_STAFF: "ward staff",
    Role.PROVIDER: "a provider",
}
