"""Staff access management for admins: list, suspend, reactivate and remove (leavers), every change audited; and
/join attempts, with failures audited and rate-limited (the code itself is never stored or logged)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from casework.case_cards import forget_cards
from casework.invites import JoinResult, redeem_invite
from casework.models import CaseCard, CaseEvent, CaseStatus, Referral, Role, StaffEvent, StaffUser
from core.clock import utcnow

MAX_FAILED_JOINS = 5  # failed /join attempts allowed per person per window
FAILED_JOIN_WINDOW = timedelta(hours=1)
TOO_MANY_JOINS = (
    "Too many codes that didn't work. For safety, please wait an hour and then try again, "
    "or ask the admin who invited you to check the code."
)


@dataclass(frozen=True)
class StaffOutcome:
    """What an admin's staff action did: a message for the admin, and what else needs telling or tidying."""

    ok: bool
    message: str
    released: list[Referral] = field(default_factory=list)  # a leaver's open cases, back with the team
    cards: list[CaseCard] = field(default_factory=list)  # case cards left in the leaver's chat, to remove
    subject: StaffUser | None = None  # the person changed (their command menu follows their access)

    @property
    def menu_role(self) -> Role | None:
        """The role whose menu the person should now see (None: the public menu)."""
        person = self.subject
        return person.role if person is not None and person.active and person.removed_at is None else None


def audit(session: Session, kind: str, actor: int | None, subject: int | None, detail: str = "") -> None:
    """One line of the staff audit trail (ids and fixed words only)."""
    session.add(StaffEvent(kind=kind, actor_user_id=actor, subject_user_id=subject, detail=detail[:200]))


def join_with_code(session: Session, code: str, telegram_user_id: int, display_name: str) -> JoinResult:
    """/join: redeem an invite, unless this person has had too many failed attempts lately. Audited either way."""
    since = utcnow() - FAILED_JOIN_WINDOW
    failures = session.exec(
        select(func.count()).select_from(StaffEvent).where(
            StaffEvent.kind == "join_failed", StaffEvent.subject_user_id == telegram_user_id, StaffEvent.at >= since
        )
    ).one()
    if failures >= MAX_FAILED_JOINS:
        audit(session, "join_refused", None, telegram_user_id, "rate limited")
        return JoinResult(False, TOO_MANY_JOINS)
    result = redeem_invite(session, code, telegram_user_id, display_name)
    if result.ok:
        audit(session, "joined", None, telegram_user_id, str(result.role))
    else:
        audit(session, "join_failed", None, telegram_user_id, result.failure or "")
    return result


def active_roles(session: Session) -> dict[int, Role]:
    """Every member of staff who may act now (not suspended or removed): Telegram id -> role."""
    rows = session.exec(select(StaffUser.telegram_user_id, StaffUser.role).where(StaffUser.active == True)).all()  # noqa: E712
    return {int(user_id): Role(role) for user_id, role in rows}


def staff_list(session: Session) -> list[tuple[StaffUser, int]]:
    """Current staff (active and suspended, not removed) with how many open cases each holds."""
    people = session.exec(
        select(StaffUser).where(col(StaffUser.removed_at).is_(None)).order_by(StaffUser.role, StaffUser.display_name)
    ).all()
    counts = dict(
        session.exec(
            select(Referral.claimed_by, func.count())
            .where(Referral.status != CaseStatus.CLOSED, col(Referral.claimed_by).is_not(None))
            .group_by(Referral.claimed_by)
        ).all()
    )
    return [(person, counts.get(person.telegram_user_id, 0)) for person in people]


def _refusal(person: StaffUser | None, actor: int, config_admins: Iterable[int]) -> str | None:
    if person is None or person.removed_at is not None:
        return "That person is no longer on the staff list."
    if person.telegram_user_id == actor:
        return "You can't change your own access here; ask another admin."
    if person.telegram_user_id in set(config_admins):
        return f"{person.display_name or 'That person'} is an admin set in ADMIN_USER_IDS; change it there."
    return None


def suspend_staff(session: Session, staff_id: int, actor: int, config_admins: Iterable[int] = ()) -> StaffOutcome:
    """Stop someone's access for now (e.g. long leave); their cases stay theirs and they can be reactivated."""
    person, problem = _set_active(session, staff_id, actor, config_admins, active=False)
    if person is None:
        return StaffOutcome(False, problem)
    held = _open_cases(session, person.telegram_user_id)
    note = f" They still hold {len(held)} open case(s); remove them instead if they have left." if held else ""
    return StaffOutcome(True, f"{person.display_name or 'They'} can no longer use staff commands.{note}",
                        subject=person)


def reactivate_staff(session: Session, staff_id: int, actor: int, config_admins: Iterable[int] = ()) -> StaffOutcome:
    person, problem = _set_active(session, staff_id, actor, config_admins, active=True)
    if person is None:
        return StaffOutcome(False, problem)
    return StaffOutcome(True, f"{person.display_name or 'They'} can use staff commands again.", subject=person)


def _set_active(
    session: Session, staff_id: int, actor: int, config_admins: Iterable[int], *, active: bool
) -> tuple[StaffUser | None, str]:
    """Suspend or reactivate (audited); (None, why not) when this admin may not change this person."""
    person = session.get(StaffUser, staff_id)
    if problem := _refusal(person, actor, config_admins):
        return None, problem
    assert person is not None
    person.active = active
    session.add(person)
    audit(session, "reactivated" if active else "suspended", actor, person.telegram_user_id)
    return person, ""


def remove_staff(session: Session, staff_id: int, actor: int, config_admins: Iterable[int] = ()) -> StaffOutcome:
    """A leaver: access removed for good, their open cases returned to the team's unclaimed list (audited on each
    case), and the case cards in their chat listed for removal."""
    person = session.get(StaffUser, staff_id)
    if problem := _refusal(person, actor, config_admins):
        return StaffOutcome(False, problem)
    assert person is not None
    person.active, person.removed_at = False, utcnow()
    session.add(person)
    released = _open_cases(session, person.telegram_user_id)
    for referral in released:
        referral.status, referral.claimed_by, referral.claimed_at = CaseStatus.NEW, None, None
        session.add(referral)
        assert referral.id is not None
        session.add(CaseEvent(referral_id=referral.id, actor_user_id=actor, kind="released", detail="owner removed"))
    audit(session, "removed", actor, person.telegram_user_id, f"{len(released)} open cases returned to the team")
    cards = forget_cards(session, chat_id=person.telegram_user_id)
    returned = f" Their {len(released)} open case(s) are back in the team's unclaimed list." if released else ""
    return StaffOutcome(True, f"{person.display_name or 'They'} no longer have access.{returned}", released, cards,
                        person)


def _open_cases(session: Session, worker_id: int) -> list[Referral]:
    return list(
        session.exec(
            select(Referral).where(Referral.claimed_by == worker_id, Referral.status != CaseStatus.CLOSED)
        ).all()
    )
