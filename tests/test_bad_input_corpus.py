"""The bad-input corpus (issue 6): every case in tests/hostile_inputs.py through the real bot over HTTP.

One bot (SQLite) serves the whole module; each case puts the acting user where the case needs them (`setup`), then
checks what a user would notice: a clear, kind reply (or a button answer), no "something went wrong", only the
expected tables changed (compared row by row with a snapshot), the dialog step, and nothing identifiable in the logs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import delete, select, text
from sqlmodel import SQLModel

import bot.schema  # noqa: F401  (registers every table)
from casework.invites import create_invite, redeem_invite
from casework.models import ClosureReason, Role, StaffEvent
from casework.referrals import claim_case, close_case, create_referral, get_referral
from core.clock import FrozenClock, utcnow
from core.db import make_engine, session_scope
from core.dialogs import DialogState, load_dialog, start_dialog
from core.logging_setup import configure_logging
from core.settings import Settings
from handlers.errors import SORRY
from scheduler.checkins import create_client_checkin_code, redeem_client_checkin
from scheduler.models import FollowUp, FollowUpKind, FollowUpStatus
from scheduler.policy import FollowUpPolicy
from tests.e2e import TEST_TOKEN, BotHarness, Replies, running_bot
from tests.factories import TEST_KEY, draft
from tests.fakebotapi import SENDING_METHODS, FakeBotApi
from tests.hostile_inputs import (
    ADMIN,
    CLIENT,
    CORPUS,
    NEWBIE,
    NURSE,
    OTHER_CLIENT,
    OTHER_WORKER,
    POSTGRES_CORPUS,
    REFER_ORDER,
    WORKER,
    Case,
)
from tests.pgcluster import ThrowawayCluster

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

TEAM_CHAT, GROUP_CHAT = -500, -777
CHATS = {"group": GROUP_CHAT, "team": TEAM_CHAT}
WATCHED_TABLES = ("referral", "staff_user", "invite", "case_event", "signposting", "dialog_state", "follow_up",
                  "client_checkin", "unmet_search")  # fmt: skip
# What the walkthrough referral contains: none of it may ever reach the logs.
INITIALS, HOSPITAL_REF, NHS_NUMBER = "Q.X.", "NNUH7654321", "9434765919"
WARD, RISKS = "Ward 7 Elderly Care", "Lives alone, recent fall"
SECRETS = (INITIALS, HOSPITAL_REF, NHS_NUMBER, WARD, RISKS, "Tester")  # "Tester…": the users' Telegram names
INTERNALS = re.compile(r"Traceback|\b\w*(Error|Exception)\b|sqlalchemy|psycopg|NoneType|File \"")
Subs = dict[str, str]


class LogRecords(logging.Handler):
    """Every log record as emitted (before any redaction), so the test sees what code tried to log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append((record.levelno, record.name, text))


@dataclass
class World:
    """The running bot, its staff, a few referrals in each state, and the referral steps as a nurse saw them."""

    bot: BotHarness
    logs: LogRecords
    refs: Subs = field(default_factory=dict)
    refer_steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: dict[str, dict[str, Any]] = field(default_factory=dict)  # dialog data to put users back into

    @property
    def engine(self) -> Any:
        return self.bot.runtime.engine


def button(replies: Replies, label: str) -> str:
    for message in reversed(list(replies)):
        for shown, data in FakeBotApi.buttons(message):
            if label.lower() in shown.lower() and data:
                return data
    raise AssertionError(f"no button {label!r} in {[FakeBotApi.buttons(m) for m in replies]}")


async def enrol(bot: BotHarness, user_id: int, role: str) -> None:
    code = re.search(r"/join (\S+)", (await bot.command(ADMIN, "invite", role)).texts[-1]).group(1)
    assert "Welcome" in (await bot.command(user_id, "join", code)).texts[-1]


def _dialog(world: World, user_id: int, name: str, chat_id: int | None = None) -> Any:
    with session_scope(world.engine) as session:
        return load_dialog(session, chat_id or user_id, user_id, name)


async def walk_referral(world: World) -> str:
    """A real referral by the nurse, remembering the dialog data at each step (to put later cases there)."""
    bot = world.bot

    def remember() -> None:
        dialog = _dialog(world, NURSE, "refer")
        world.refer_steps.setdefault(dialog.step, dict(dialog.data))

    replies = await bot.command(NURSE, "refer")
    remember()
    for action in ("they agree", "Yes", INITIALS, HOSPITAL_REF, NHS_NUMBER, WARD, "Money", "Done",
                   "Before discharge", RISKS, "Phone call", "Not known"):  # fmt: skip
        if _dialog(world, NURSE, "refer").step in {"initials", "hospital_ref", "nhs_number", "ward", "risks"}:
            replies = await bot.say(NURSE, action)
        else:
            replies = await bot.click(NURSE, button(replies, action))
        remember()
    assert set(world.refer_steps) == set(REFER_ORDER), world.refer_steps.keys()
    sent = await bot.click(NURSE, button(replies, "Send referral"))
    return re.search(r"SP-[A-Z0-9]{6}", sent.texts[-1]).group(0)


def _new_referral(world: World, claimed_by: int | None = None, closed: bool = False) -> str:
    cipher = world.bot.runtime.cipher
    with session_scope(world.engine) as session:
        referral = create_referral(session, draft(), NURSE, NURSE, Role.WARD_STAFF, cipher)
        if claimed_by is not None:
            claim_case(session, referral, claimed_by)
        if closed:
            close_case(session, referral, ClosureReason.DECLINED, claimed_by or WORKER, Role.LINK_WORKER)
        return referral.reference


def _followup(world: World, **fields: Any) -> str:
    with session_scope(world.engine) as session:
        referral = get_referral(session, world.refs["ref_mine"])
        values = {"kind": FollowUpKind.ENGAGEMENT_CHECK, "referral_id": referral.id, "recipient_chat_id": WORKER,
                  "due_at": utcnow(), "status": FollowUpStatus.SENT, "sent_at": utcnow(), **fields}  # fmt: skip
        row = FollowUp(dedupe_key=f"corpus:{uuid.uuid4()}", **values)
        session.add(row)
        session.flush()
        return str(row.id)


@contextlib.asynccontextmanager
async def open_world(database_url: str) -> AsyncIterator[World]:
    """Start the bot on `database_url`, enrol staff, make one referral of each kind, and remember dialog data."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        telegram_bot_token=TEST_TOKEN,
        notes_encryption_key=TEST_KEY,
        admin_user_ids=[ADMIN],
        link_worker_chat_id=TEAM_CHAT,
        user_rate_limit_per_minute=1_000_000,  # one user typing very fast; rate limiting is not what this tests
    )
    raw = LogRecords()
    logging.getLogger().addHandler(raw)  # before the production handler, whose filter redacts records in place
    production = configure_logging(logging.DEBUG, io.StringIO())
    try:
        with FakeBotApi() as fake:
            async with running_bot(settings, fake) as bot:
                world = World(bot, raw)
                await populate(world)
                leaked = [secret for secret in SECRETS for _, _, text in raw.records if secret in text]
                assert not leaked, f"setting up the corpus logged {leaked}"
                yield world
    finally:
        logging.getLogger().removeHandler(raw)
        logging.getLogger().removeHandler(production)
        logging.getLogger().setLevel(logging.WARNING)


async def populate(world: World) -> None:
    bot = world.bot
    for user, role in ((NURSE, "ward"), (WORKER, "linkworker"), (OTHER_WORKER, "linkworker")):
        await enrol(bot, user, role)
    for user in (CLIENT, OTHER_CLIENT, NEWBIE):
        await bot.command(user, "start")
    await bot.command(CLIENT, "start", chat_id=GROUP_CHAT)  # a bot message to tap in the group
    world.refs = {"ref_new": await walk_referral(world), "ref_missing": "SP-000000",
                  "ref_mine": _new_referral(world, WORKER), "ref_other": _new_referral(world, OTHER_WORKER),
                  "ref_closed": _new_referral(world, WORKER, closed=True)}  # fmt: skip
    world.refs["fu"] = _followup(world)
    assert "Here's what I found" in (await bot.say(CLIENT, "money")).texts[-1]
    world.saved["search"] = _dialog(world, CLIENT, "search").data
    await _signpost(world)
    assert "Pick a service" in (await bot.say(WORKER, "citizens advice")).texts[-1]
    world.saved["pick"] = _dialog(world, WORKER, "signpost").data


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> AsyncIterator[World]:
    database = tmp_path_factory.mktemp("corpus") / "signpost.db"
    shutil.copy(sqlite_template, database)
    async with open_world(f"sqlite:///{database}") as opened:
        yield opened


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pg_world(pg_cluster: ThrowawayCluster) -> AsyncIterator[World]:
    name = f"signpost_corpus_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_cluster.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE signpost_template"))
    admin.dispose()
    async with open_world(pg_cluster.url(name)) as opened:
        yield opened


# ------------------------------------------------------------------------------------------------- set-ups


def _place(world: World, user_id: int, name: str, steps: tuple[tuple[str, dict[str, Any]], ...]) -> Subs:
    """Put the user's dialog through `steps` (step, data) directly; the last one is current, the others older."""
    with session_scope(world.engine) as session:
        for step, data in steps:
            dialog = start_dialog(session, user_id, user_id, name, step, data)
    return {"v": str(dialog.version), "v_old": str(dialog.version - 1)}


async def _search(world: World) -> Subs:
    return _place(world, CLIENT, "search", (("results", world.saved["search"]),) * 2)


async def _area(world: World) -> Subs:
    return _place(world, CLIENT, "search", (("results", world.saved["search"]), ("area", world.saved["search"])))


async def _refer_at(world: World, step: str) -> Subs:
    return _place(world, NURSE, "refer", ((step, world.refer_steps[step]),) * 2)


async def _submitted(world: World) -> Subs:
    subs = await _refer_at(world, "confirm")
    sent = await world.bot.click(NURSE, f"r:{subs['v']}:submit")
    assert "Referral sent" in sent.texts[-1], sent.texts
    return subs


async def _signpost(world: World) -> Subs:
    return _place(world, WORKER, "signpost", (("query", {"ref": world.refs["ref_mine"], "ids": []}),))


async def _signpost_pick(world: World) -> Subs:
    return _place(world, WORKER, "signpost", (("query", {"ref": world.refs["ref_mine"], "ids": []}),
                                              ("pick", world.saved["pick"])))  # fmt: skip


async def _signpost_picked(world: World) -> Subs:
    subs = await _signpost_pick(world)
    picked = await world.bot.click(WORKER, f"p:{subs['v']}:0")
    assert "signposted" in picked.texts[-1] or "Signposting recorded" in picked.texts[-1], picked.texts
    return subs


def _invite(world: World, ttl_hours: int, used: bool = False) -> Subs:
    with session_scope(world.engine) as session:
        code = create_invite(session, Role.WARD_STAFF, ADMIN, ttl_hours)
        if used:
            assert redeem_invite(session, code, 6001, "Someone Else").ok
    fullwidth = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in code)
    return {"code": code, "code_zw": f"{code[:4]}\u200b{code[4:]}", "code_fullwidth": fullwidth}


def _checkin(world: World, ttl_hours: int, used: bool = False) -> Subs:
    with session_scope(world.engine) as session:
        referral = get_referral(session, world.refs["ref_mine"])
        code = create_client_checkin_code(session, referral.id, ttl_hours, created_by=WORKER)
        if used:
            policy = FollowUpPolicy.from_settings(world.bot.runtime.settings)
            assert redeem_client_checkin(session, code, CLIENT, policy).ok
    return {"code": code}


async def _now(value: Subs) -> Subs:
    return value


SETUPS: dict[str, Callable[[World], Awaitable[Subs]]] = {
    "none": lambda world: _now({}),
    "search": _search,
    "area": _area,
    "refer:submitted": _submitted,
    "signpost": _signpost,
    "signpost:pick": _signpost_pick,
    "signpost:picked": _signpost_picked,
    "invite:fresh": lambda world: _now(_invite(world, 72)),
    "invite:used": lambda world: _now(_invite(world, 72, used=True)),
    "invite:expired": lambda world: _now(_invite(world, -1)),
    "checkin:fresh": lambda world: _now(_checkin(world, 24)),
    "checkin:used": lambda world: _now(_checkin(world, 24, used=True)),
    "checkin:expired": lambda world: _now(_checkin(world, 0)),
    "followup": lambda world: _now({"fu": _followup(world)}),
    "followup:answered": lambda world: _now(
        {"fu": _followup(world, status=FollowUpStatus.ANSWERED, answer="eng", answered_at=utcnow())}
    ),
    "fresh_claimed": lambda world: _now({"ref_fresh": _new_referral(world, WORKER)}),
    **{f"refer:{step}": (lambda world, step=step: _refer_at(world, step)) for step in REFER_ORDER},
}


async def prepare(world: World, item: Case) -> Subs:
    """Nobody is in the middle of anything (and nobody is locked out by earlier failed /join cases); then the case's
    own set-up."""
    with session_scope(world.engine) as session:
        session.execute(delete(DialogState))
        session.execute(delete(StaffEvent))
    return {**world.refs, **(await SETUPS[item.setup](world))}


# ------------------------------------------------------------------------------------------------ the checks


def snapshot(world: World) -> dict[str, list[tuple[Any, ...]]]:
    tables = SQLModel.metadata.tables
    with world.engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(select(tables[name]).order_by(*tables[name].primary_key))]
            for name in WATCHED_TABLES
        }


def table_changes(before: dict[str, list], after: dict[str, list], allowed: frozenset[str]) -> list[str]:
    problems = []
    for name in WATCHED_TABLES:
        if name in allowed or before[name] == after[name]:
            continue
        old, new = set(map(repr, before[name])), set(map(repr, after[name]))  # rows may hold JSON (dicts)
        added, removed = new - old, old - new
        problems.append(f"table {name} changed ({len(added)} rows new/changed, {len(removed)} rows gone/changed)")
    return problems


async def act(world: World, item: Case, payload: str) -> Replies:
    bot, fake, chat_id = world.bot, world.bot.fake, CHATS.get(item.chat)
    if item.kind == "text":
        return await bot.say(item.actor, payload, chat_id)
    if item.kind == "callback":
        return await bot.click(item.actor, payload, chat_id=chat_id)
    if item.kind == "sticker":
        return await bot.act(lambda: fake.push_sticker(item.actor, chat_id))
    assert item.kind == "photo", item.kind
    return await bot.act(lambda: fake.push_photo(item.actor, payload or None, chat_id))


def fill(template: str, subs: Subs) -> str:
    for key, value in subs.items():
        template = template.replace("{" + key + "}", value)
    return template


def personal_fragments(item: Case, payload: str) -> list[str]:
    """Pieces of what the user typed that must not show up in logs."""
    if not item.private_text:
        return []
    text = payload.split(maxsplit=1)[-1] if payload.startswith("/") else payload
    words = " ".join(text.split())
    return [words[:40]] if len(words) >= 5 else []


def check(world: World, item: Case, payload: str, replies: Replies, problems: list[str], log_mark: int) -> None:
    shown = [*replies.texts, *(answer for answer in replies.answers if answer)]
    everything = "\n".join(shown)
    if not shown or not all(text.strip() for text in replies.texts):
        problems.append("no reply the user could read (no message and no button answer)")
    if item.kind == "callback" and not any(c.ok and c.method == "answerCallbackQuery" for c in replies.calls):
        problems.append("the button tap was never answered (the spinner keeps turning)")
    if any(SORRY in (call.params.get("text") or "") for call in replies.calls if call.method in SENDING_METHODS):
        problems.append("the global error handler fired: 'Sorry, something went wrong'")
    if INTERNALS.search(everything):
        problems.append("the reply shows internals (traceback / exception / database words)")
    if not re.search(item.outcome.expect, everything, re.S):
        problems.append(f"expected a reply matching {item.outcome.expect!r}")
    logged = world.logs.records[log_mark:]
    errors = [f"{name}: {text.splitlines()[0][:100]}" for level, name, text in logged if level >= logging.ERROR]
    if errors:
        problems.append(f"errors were logged: {errors}")
    log_text = "\n".join(text for _, _, text in logged)
    leaked = [value for value in (*SECRETS, *personal_fragments(item, payload)) if value in log_text]
    if leaked:
        problems.append(f"identifiable text reached the logs: {leaked!r}")
    if item.outcome.step_after:
        name, step = item.outcome.step_after.split(":")
        dialog = _dialog(world, item.actor, name, CHATS.get(item.chat))
        if dialog is None or dialog.step != step:
            problems.append(f"expected the {name} dialog at {step!r}, found {dialog and dialog.step!r}")


async def run_case(world: World, item: Case) -> None:
    clock = FrozenClock(item.frozen_at) if item.frozen_at else contextlib.nullcontext()
    with clock:
        subs = await prepare(world, item)
        payload = fill(item.payload, subs)
        before, log_mark = snapshot(world), len(world.logs.records)
        replies = await act(world, item, payload)
        after = snapshot(world)
        problems = table_changes(before, after, item.outcome.changes)
        check(world, item, payload, replies, problems, log_mark)
    state = f"setup={item.setup} actor={item.actor} chat={item.chat}"
    assert not problems, (
        f"{item.conversation}: input {payload[:200]!r} ({state}):\n  - " + "\n  - ".join(problems)
        + f"\n  replies: {[text[:200] for text in replies.texts]} answers: {replies.answers}"
    )


@pytest.mark.parametrize("item", CORPUS)
async def test_hostile_input(world: World, item: Case) -> None:
    """Each input on SQLite."""
    await run_case(world, item)


@pytest.mark.postgres
@pytest.mark.parametrize("item", POSTGRES_CORPUS)
async def test_hostile_input_on_postgresql(pg_world: World, item: Case) -> None:
    """The inputs whose handling depends on the database (ids, numbers, locking) on PostgreSQL too."""
    await run_case(pg_world, item)
