"""Who may do what: roles come from the staff table, admins are bootstrapped from config."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, true
from sqlmodel import Session, select

from casework.models import Role, StaffUser
from core.db import DriverStatement

# What each role may do. Clients (no role) see only the public directory and their own follow-ups.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "refer": frozenset({Role.WARD_STAFF, Role.LINK_WORKER, Role.ADMIN}),
    "casework": frozenset({Role.LINK_WORKER, Role.ADMIN}),
    "invite": frozenset({Role.ADMIN}),
    "report": frozenset({Role.ADMIN, Role.LINK_WORKER}),
    "admin": frozenset({Role.ADMIN}),
    # providers answer referrals on and keep their own organisation's listings true (casework.providers)
    "provide": frozenset({Role.PROVIDER}),
}


def role_of(session: Session, telegram_user_id: int, bootstrap_admins: Iterable[int] = ()) -> Role | None:
    """The user's role, or None for a client. Config-listed admins are admins even before they join."""
    if telegram_user_id in set(bootstrap_admins):
        return Role.ADMIN
    row = _ACTIVE_ROLE.first(session, {"user_id": telegram_user_id})
    return None if row is None else Role(row[0])


_STAFF = StaffUser.__table__  # type: ignore[attr-defined]
# Built once and run on the driver (core.db.DriverStatement): it runs for almost every update.
_ACTIVE_ROLE = DriverStatement(select(_STAFF.c.role).where(_STAFF.c.telegram_user_id == bindparam("user_id"),
                                                           _STAFF.c.active == true()).limit(1))


ROLE_PLURALS: dict[Role, str] = {Role.WARD_STAFF: "ward staff", Role.LINK_WORKER: "link workers",
                                 Role.ADMIN: "admins", Role.PROVIDER: "a service's own staff"}


def who_may(action: str) -> str:
    """The roles that may do `action`, in words: 'link workers and admins'."""
    names = [ROLE_PLURALS[role] for role in (Role.WARD_STAFF, Role.LINK_WORKER, Role.ADMIN, Role.PROVIDER)
             if role in PERMISSIONS[action]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def may(role: Role | None, action: str) -> bool:
    """Whether someone with `role` may perform `action` (a key of PERMISSIONS)."""
    return role is not None and role in PERMISSIONS[action]
