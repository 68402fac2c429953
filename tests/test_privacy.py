"""Retention, /forgetme and rate limiting do what the privacy notice promises."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from casework.models import CaseEvent, ClosureReason, Referral, Role, Signposting
from casework.referrals import claim_case, close_case, get_referral, record_first_contact, signpost_case
from core.clock import FrozenClock
from core.db import session_scope
from core.dialogs import load_dialog, start_dialog
from core.flood import FloodLimit
from directory.models import Organisation, Service
from scheduler.privacy import apply_retention, forget_client
from tests.factories import LINK_WORKER, make_referral

CLIENT = 777


def _closed_case_with_client(engine) -> str:
    referral = make_referral(engine)
    with session_scope(engine) as session:
        session.add(Organisation(id="org", name="Org"))
        session.add(Service(id="svc", organisation_id="org", name="Service"))
    with session_scope(engine) as session:
        case = get_referral(session, referral.reference)
        claim_case(session, case, LINK_WORKER)
        record_first_contact(session, case, LINK_WORKER, Role.LINK_WORKER)
        signpost_case(session, case, "svc", LINK_WORKER, Role.LINK_WORKER)
        for signposting in session.exec(select(Signposting)).all():
            signposting.client_chat_id = CLIENT
            session.add(signposting)
        close_case(session, case, ClosureReason.ENGAGED, LINK_WORKER, Role.LINK_WORKER)
    return referral.reference


def test_retention_anonymises_only_cases_closed_long_enough_ago(engine) -> None:
    with FrozenClock(datetime(2024, 1, 10, tzinfo=UTC)):
        old = _closed_case_with_client(engine)
    with FrozenClock(datetime(2026, 11, 1, tzinfo=UTC)):
        recent = make_referral(engine).reference
        with session_scope(engine) as session:
            result = apply_retention(session, retention_months=24)
    assert result.anonymised_cases == 1
    with session_scope(engine) as session:
        anonymised = get_referral(session, old)
        assert anonymised.anonymised and anonymised.client_initials == "" and anonymised.hospital_ref_enc == ""
        assert anonymised.reasons and anonymised.closure_reason == ClosureReason.ENGAGED  # statistics survive
        assert session.exec(select(Signposting)).one().client_chat_id is None
        assert get_referral(session, recent).client_initials == "JS"
        assert session.exec(select(CaseEvent).where(CaseEvent.kind == "anonymised")).one()


def test_retention_purges_abandoned_drafts(engine) -> None:
    with FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)), session_scope(engine) as session:
        start_dialog(session, 1, 1, "refer", "initials", {"consent_gp": "yes"})
    with FrozenClock(datetime(2026, 2, 1, tzinfo=UTC)), session_scope(engine) as session:
        start_dialog(session, 2, 2, "refer", "initials", {})
        assert apply_retention(session, 24).purged_drafts == 1
        assert load_dialog(session, 1, 1, "refer") is None and load_dialog(session, 2, 2, "refer") is not None


def test_forgetme_unlinks_the_client_and_keeps_the_case(engine) -> None:
    reference = _closed_case_with_client(engine)
    with session_scope(engine) as session:
        start_dialog(session, CLIENT, CLIENT, "search", "results", {"q": "debt"})
        assert forget_client(session, CLIENT) >= 2
    with session_scope(engine) as session:
        assert session.exec(select(Signposting)).one().client_chat_id is None
        assert load_dialog(session, CLIENT, CLIENT, "search") is None
        assert session.exec(select(Referral)).one().reference == reference


def test_rate_limit_blocks_a_flood_then_recovers(engine) -> None:
    limit = FloodLimit(per_minute=3, burst=3)

    now = [1_800_000_000.0]

    def allowed(user_id: int) -> bool:
        with session_scope(engine) as session:
            return limit.check(session, user_id, tap=False, now=now[0]).allowed

    assert [allowed(1) for _ in range(4)] == [True, True, True, False]
    assert allowed(2)  # other people are unaffected
    now[0] += 61
    assert allowed(1)


def test_retention_job_is_scheduled_nightly_and_at_start(sqlite_engine) -> None:
    from telegram.ext import JobQueue

    from scheduler.retention import JOB_ID, run_retention, schedule_retention

    job_queue = JobQueue()  # type: ignore[var-annotated]
    schedule_retention(job_queue, sqlite_engine, 24, "Europe/London")
    jobs = {job.id: job for job in job_queue.scheduler.get_jobs()}
    assert str(jobs[JOB_ID].trigger) == "cron[hour='2', minute='30']"
    assert JOB_ID + "-at-start" in jobs
    assert run_retention(sqlite_engine, 24).anonymised_cases == 0


async def test_a_failed_retention_pass_is_tried_again_with_growing_delays(sqlite_engine, monkeypatch) -> None:
    from types import SimpleNamespace

    from sqlalchemy.exc import OperationalError

    from scheduler import retention
    from scheduler.models import RetentionRun

    real, calls, delays = retention.run_retention, [], []
    due = [(retention._retention_job, retention.RetentionJob(sqlite_engine, 24, retry_base_seconds=10))]

    def locked_twice(engine, months, rules=None, policy=None):  # type: ignore[no-untyped-def]
        calls.append(months)
        if len(calls) <= 2:
            raise OperationalError("UPDATE referral ...", {}, Exception("database is locked"))
        return real(engine, months, rules, policy)

    class JobQueue:  # records what the job asks for; the loop below fires it
        def run_once(self, callback, when, data, name, job_kwargs):  # type: ignore[no-untyped-def]
            delays.append(when)
            due.append((callback, data))

    monkeypatch.setattr(retention, "run_retention", locked_twice)
    while due:
        callback, data = due.pop(0)
        await callback(SimpleNamespace(job=SimpleNamespace(data=data), job_queue=JobQueue()))
    assert delays == [10, 20]  # tried again with growing delays, not at the next night
    assert len(calls) == 3
    with session_scope(sqlite_engine) as session:
        assert len(session.exec(select(RetentionRun)).all()) == 1


def test_retention_forgets_old_update_ids_and_idle_flood_counts(engine) -> None:
    from datetime import timedelta

    from core.clock import utcnow
    from core.rate_limits import RateLimitState
    from core.updates import HandledUpdate

    now = utcnow()
    with session_scope(engine) as session:
        session.add_all([HandledUpdate(bot_id=1, update_id=1, handled_at=now - timedelta(days=4)),
                         HandledUpdate(bot_id=1, update_id=2, handled_at=now - timedelta(hours=1))])
        session.add_all([RateLimitState(key="flood:user:1", tat=now.timestamp() - 3 * 86400),
                         RateLimitState(key="flood:user:2", tat=now.timestamp())])
    with session_scope(engine) as session:
        apply_retention(session, 24)
    with session_scope(engine) as session:
        assert [row.update_id for row in session.exec(select(HandledUpdate))] == [2]
        assert [row.key for row in session.exec(select(RateLimitState))] == ["flood:user:2"]


def test_a_flooders_next_updates_are_refused_without_the_database_until_the_allowance_returns(engine) -> None:
    limit, other_process = FloodLimit(per_minute=3, burst=3), FloodLimit(per_minute=3, burst=3)
    now = 1_800_000_000.0
    with session_scope(engine) as session:
        assert [limit.check(session, 1, tap=False, now=now).allowed for _ in range(4)] == [True, True, True, False]
    assert limit.surely_refused(1, now=now + 1)  # decided in memory: the refused update costs no transaction
    assert not limit.surely_refused(2, now=now + 1)  # someone else: asks the database
    assert not other_process.surely_refused(1, now=now + 1)  # another process has no copy: the database decides
    with session_scope(engine) as session:
        assert not other_process.check(session, 1, tap=True, now=now + 1).allowed  # ... and still refuses them
    assert not limit.surely_refused(1, now=now + 61)  # allowance back: the database is asked again
    with session_scope(engine) as session:
        assert limit.check(session, 1, tap=False, now=now + 61).allowed
