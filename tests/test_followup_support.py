"""Shared builders for the follow-up tests (no tests here): cases, services, a fake sender, row queries."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from telegram.error import Forbidden, NetworkError

from casework.models import CaseStatus, Referral, Signposting
from core.db import session_scope
from directory.models import Organisation, Service
from scheduler.messages import Keyboard
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.policy import FollowUpPolicy

WORKER = 3001
OTHER_WORKER = 3002
CLIENT_CHAT = 9001
ADMIN = 1000
TEAM_CHAT = -500
SERVICE_NAME = "Citizens Advice Norwich"
# Tuesday 10 March 2026, 10:00 in London (GMT, so also 10:00 UTC): an ordinary working morning.
TUESDAY_10AM = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
_references = itertools.count(1)
_keys = itertools.count(1)


def policy(**overrides: object) -> FollowUpPolicy:
    values: dict[str, object] = {"team_chat_id": TEAM_CHAT, "admin_chat_ids": (ADMIN,)}
    return FollowUpPolicy(**(values | overrides))  # type: ignore[arg-type]


def ensure_service(engine: Engine, service_id: str = "svc-ca", name: str = SERVICE_NAME) -> str:
    with session_scope(engine) as session:
        if session.get(Service, service_id) is None:
            if session.get(Organisation, "org-test") is None:
                session.add(Organisation(id="org-test", name="Test Org"))
                session.flush()
            session.add(Service(id=service_id, organisation_id="org-test", name=name))
    return service_id


@dataclass(frozen=True)
class Case:
    referral_id: int
    reference: str
    signposting_id: int | None = None


def make_case(
    engine: Engine,
    created_at: datetime = TUESDAY_10AM,
    *,
    claimed_by: int | None = WORKER,
    signposted: bool = True,
    service_id: str = "svc-ca",
    client_chat_id: int | None = None,
) -> Case:
    """A referral (claimed by WORKER unless told otherwise), optionally signposted to a service at `created_at`."""
    if signposted:
        ensure_service(engine, service_id)
    reference = f"SP-T{next(_references):05d}"
    with session_scope(engine) as session:
        referral = Referral(
            reference=reference, created_at=created_at, referrer_user_id=2001, referrer_chat_id=2001,
            source_ward="Ward 7", client_initials="JS", reasons=["money"],
            status=CaseStatus.CLAIMED if claimed_by else CaseStatus.NEW, claimed_by=claimed_by,
            claimed_at=created_at if claimed_by else None,
        )
        session.add(referral)
        session.flush()
        assert referral.id is not None
        signposting_id = None
        if signposted:
            signposting = Signposting(referral_id=referral.id, service_id=service_id, created_at=created_at,
                                      created_by=claimed_by or WORKER, client_chat_id=client_chat_id)
            session.add(signposting)
            session.flush()
            signposting_id = signposting.id
        return Case(referral.id, reference, signposting_id)


def add_followup(engine: Engine, case: Case, due_at: datetime, kind: FollowUpKind = FollowUpKind.ENGAGEMENT_CHECK,
                 key: str | None = None, **values: object) -> int:
    """One follow-up row straight into the table (as planning would write it)."""
    with session_scope(engine) as session:
        followup = FollowUp(
            dedupe_key=key or f"test:{next(_keys)}",
            kind=kind, referral_id=case.referral_id, signposting_id=case.signposting_id, due_at=due_at, **values,
        )
        session.add(followup)
        session.flush()
        assert followup.id is not None
        return followup.id


def followups(engine: Engine, *kinds: FollowUpKind) -> list[FollowUp]:
    with session_scope(engine) as session:
        query = select(FollowUp).order_by(col(FollowUp.id))
        if kinds:
            query = query.where(col(FollowUp.kind).in_([kind.value for kind in kinds]))
        return list(session.exec(query).all())


def get_followup(engine: Engine, followup_id: int) -> FollowUp:
    with session_scope(engine) as session:
        followup = session.get(FollowUp, followup_id)
        assert followup is not None
        return followup


def statuses(engine: Engine, ids: Iterable[int]) -> list[FollowUpStatus]:
    return [get_followup(engine, followup_id).status for followup_id in ids]


def not_sent(reason: str = "connection refused") -> NetworkError:
    """A network error as PTB raises it when the connection could not even be opened: nothing reached Telegram."""
    error = NetworkError(f"httpx.ConnectError: {reason}")
    error.__cause__ = httpx.ConnectError(reason)
    return error


def lost_answer(reason: str = "connection reset") -> NetworkError:
    """A network error after the request was written: Telegram may have the message already."""
    error = NetworkError(f"httpx.ReadError: {reason}")
    error.__cause__ = httpx.ReadError(reason)
    return error


@dataclass
class Sent:
    chat_id: int
    text: str
    buttons: Keyboard
    message_id: int


@dataclass
class FakeSender:
    """Records every message; `failures` are raised, in order, by the next sends (one each)."""

    sent: list[Sent] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def send(self, chat_id: int, text: str, buttons: Keyboard) -> int:
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if self.failures:
            raise self.failures.pop(0)
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, text, buttons, message_id))
        return message_id

    def to(self, chat_id: int) -> list[Sent]:
        return [message for message in self.sent if message.chat_id == chat_id]
