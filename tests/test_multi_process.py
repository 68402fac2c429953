"""Two bot processes in webhook mode behind a round-robin "load balancer", sharing one PostgreSQL database:
no conversation step is lost or taken twice, and no follow-up is sent twice or not at all.
"""

from __future__ import annotations

import re
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from itertools import pairwise

import pytest
from sqlalchemy import text

from core.settings import Settings
from scheduler.models import FollowUpKind, FollowUpStatus
from tests.e2e import BotProcess, as_webhook, free_ports, settings_env
from tests.fakebotapi import MESSAGE_METHODS, Call, FakeBotApi, poll_until_sync
from tests.test_bot_e2e import NURSE, TEAM_CHAT
from tests.test_crash_safety import (
    REFERRAL,
    WAIT,
    Step,
    add_due_engagement_checks,
    add_ward_nurse,
    assert_one_referral_with_every_answer,
    awake,
    count_status,
    database,
    prompts_delivered,
    take,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),  # the shared database of a scale-out
]
# What the bot says to the tap that lost the race, and whether it then asks the current question again.
SECOND_TAP_NOTICES = {"already taken": True, "from an earlier question": True, "already sent": False,
                      "button has expired": False}  # fmt: skip


@contextmanager
def two_webhook_bots(settings: Settings, fake: FakeBotApi) -> Iterator[list[BotProcess]]:
    """Two bot processes with the same token and database, each with its own webhook server; the fake hands
    updates to them in turn, like a load balancer."""
    first_port, second_port = free_ports(2)
    first = as_webhook(settings, first_port)
    second = as_webhook(first, second_port)  # same secret
    fake.deliver_to([str(first.webhook_url), str(second.webhook_url)], first.webhook_secret)
    bots = [BotProcess(settings_env(each, fake)) for each in (first, second)]
    with ExitStack() as stack:
        for bot in bots:
            stack.push(bot)  # stopped on the way out, whatever happens
            bot.spawn()  # both start at once
        for bot in bots:
            bot.wait_ready()
        yield bots
        for bot in bots:
            assert bot.returncode is None, f"a bot process died:\n{bot.output}"


def is_message(call: Call) -> bool:
    return call.ok and call.method in MESSAGE_METHODS


def double_tap(fake: FakeBotApi, step: Step, *, at_once: bool) -> Call:
    """The nurse taps `step`'s button twice and each process gets one tap: both before either is handled
    (`at_once`: the fake holds each process's first reply until both have a tap), or the second once the first
    is answered. Waits until the second tap has been answered too; returns the answer to the first."""
    since = fake.mark()
    push = step.push(fake)
    if at_once:
        fake.hold("answerCallbackQuery")
        taps = [push(), push()]
        poll_until_sync(lambda: fake.held() == 2 or None, WAIT, lambda: "the taps did not reach both processes")
        fake.release()
        answer = fake.wait_for_sync(None, NURSE, is_message, step.expect, since, WAIT)
    else:
        taps = [push()]
        answer = fake.wait_for_sync(None, NURSE, is_message, step.expect, since, WAIT)
        taps.append(push())
    notice = fake.wait_for_sync(
        None, NURSE, lambda c: is_message(c) and any(n in (c.text or "") for n in SECOND_TAP_NOTICES), None, since, WAIT
    )
    if next(again for text, again in SECOND_TAP_NOTICES.items() if text in (notice.text or "")):
        fake.wait_for_sync(None, NURSE, is_message, step.expect, notice.seq, WAIT)  # the question, asked again
    delivered_to = dict(fake.deliveries())
    assert delivered_to[taps[0]["update_id"]] != delivered_to[taps[1]["update_id"]]
    return answer


def test_a_referral_spread_over_two_processes_loses_no_step_and_double_taps_count_once(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    add_ward_nurse(settings)
    index = {step.value: number for number, step in enumerate(REFERRAL)}
    agree, money, send = index["they agree"], index["Money"], index["Send referral"]

    with two_webhook_bots(settings, fake_bot_api):
        take(fake_bot_api, REFERRAL[:agree])
        double_tap(fake_bot_api, REFERRAL[agree], at_once=True)  # consent: must not also answer "GP?" with yes
        take(fake_bot_api, REFERRAL[agree + 1 : money])
        double_tap(fake_bot_api, REFERRAL[money], at_once=False)  # must not untick Money again
        take(fake_bot_api, REFERRAL[money + 1 : send])
        sent = double_tap(fake_bot_api, REFERRAL[send], at_once=True)  # one referral, not two
        reference = re.search(r"SP-[A-Z0-9]{6}", sent.text or "")
        assert reference, sent.text
        fake_bot_api.wait_for_sync(chat_id=TEAM_CHAT, contains=reference.group(0), timeout=WAIT)

    turns = [url for _, url in fake_bot_api.deliveries()]
    assert len(set(turns)) == 2 and all(a != b for a, b in pairwise(turns))  # each update went to the other process
    assert sum(reference.group(0) in text for text in fake_bot_api.sent_texts(TEAM_CHAT)) == 1  # announced once
    assert_one_referral_with_every_answer(settings, reference.group(0))


FOLLOWUPS = 300
# A slow database: each row a dispatcher claims takes 20 ms to write, so claims stay open long enough for the other
# process's claims to overlap them. Without this, claims take milliseconds and rarely meet.
SLOW_CLAIMS = (
    "CREATE FUNCTION slow_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NEW; "
    "END $$",
    "CREATE TRIGGER slow_claim BEFORE UPDATE ON follow_up FOR EACH ROW "
    "WHEN (OLD.status = 'PENDING' AND NEW.status = 'CLAIMED') EXECUTE FUNCTION slow_claim()",
)


def test_two_processes_send_each_of_hundreds_of_due_follow_ups_exactly_once(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    settings = awake(settings)
    with database(settings) as engine, engine.begin() as connection:
        for statement in SLOW_CLAIMS:
            connection.execute(text(statement))
    with two_webhook_bots(settings, fake_bot_api) as bots, database(settings) as engine:
        recipients = add_due_engagement_checks(engine, FOLLOWUPS, workers=30)  # both processes see them at once
        poll_until_sync(
            lambda: count_status(engine, FollowUpKind.ENGAGEMENT_CHECK, FollowUpStatus.SENT) == FOLLOWUPS or None,
            WAIT, lambda: "not every follow-up was sent",
        )  # fmt: skip

    assert prompts_delivered(fake_bot_api) == Counter(recipients.items())  # each once, to its case's link worker
    sent_by = [sum(map(int, re.findall(r"follow-ups: DispatchStats\(claimed=\d+, sent=(\d+)", bot.output)))
               for bot in bots]  # fmt: skip
    assert sum(sent_by) == FOLLOWUPS and min(sent_by) > 0, sent_by  # both processes really did share the work


def test_a_bot_that_cannot_open_its_webhook_port_never_says_it_is_ready(
    settings: Settings, fake_bot_api: FakeBotApi
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        webhook = as_webhook(settings, taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="did not become ready"), BotProcess(settings_env(webhook, fake_bot_api)):
            pass
