"""Back to the GP and the ICB: one SNOMED CT code per event of an episode, the per-episode message back to the GP,
and the ICB analysts' extract (admin-only, audited) — over a real database on both backends."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from casework.models import CaseStatus, ClosureReason, Engagement, Referral, Signposting, StaffEvent
from core.db import session_scope
from core.settings import get_settings
from directory.models import Organisation, Service, ServiceTaxonomy, Taxonomy
from reports.cli import run_report
from reports.gp_message import gp_messages, icb_extract, write_gp_csv
from reports.period import Period
from reports.snomed import REFERRAL_TO_SOCIAL_PRESCRIBING, SOCIAL_PRESCRIBING_DECLINED, coded_events
from tests.factories import TEST_KEY, cipher
from tests.test_reports_db import cli

LONDON = ZoneInfo("Europe/London")
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _referral(engine: Engine, reference: str, **fields: object) -> None:
    values: dict[str, object] = {"referrer_user_id": 2001, "referrer_chat_id": 2001, "source_ward": "Ward 7",
                                 "client_initials": "QX", "reasons": ["money"], "consent_gp": True,
                                 "created_at": utc(2025, 3, 1, 9)}
    with session_scope(engine) as session:
        session.add(Referral(reference=reference, **(values | fields)))


def _close(engine: Engine, reference: str, reason: ClosureReason, at: datetime) -> None:
    with session_scope(engine) as session:
        referral = session.exec(select(Referral).where(Referral.reference == reference)).one()
        referral.status, referral.closure_reason, referral.closed_at = CaseStatus.CLOSED, reason, at


def _codes(engine: Engine, today: date) -> set[tuple[str, str]]:
    with session_scope(engine) as session:
        return {(event.reference, event.concept.code) for event in coded_events(session, MARCH, LONDON, today)
                if event.record_type == "referral"}


def test_an_episode_never_gets_both_accepted_and_declined_across_exports(engine: Engine) -> None:
    _referral(engine, "SP-LATERX", status=CaseStatus.CONTACTED, first_contact_at=utc(2025, 3, 4, 11))
    _referral(engine, "SP-SAMEDY", status=CaseStatus.CONTACTED, first_contact_at=utc(2025, 3, 10, 11))
    first_run = _codes(engine, date(2025, 3, 10))  # the 10 March contact is not settled yet
    _close(engine, "SP-LATERX", ClosureReason.DECLINED, utc(2025, 3, 20, 9))  # accepted, then stopped
    _close(engine, "SP-SAMEDY", ClosureReason.DECLINED, utc(2025, 3, 10, 15))  # declined on the first call
    second_run = _codes(engine, date(2025, 4, 2))
    accepted, declined = REFERRAL_TO_SOCIAL_PRESCRIBING.code, SOCIAL_PRESCRIBING_DECLINED.code
    assert first_run == {("SP-LATERX", accepted)}
    assert second_run == {("SP-LATERX", accepted), ("SP-SAMEDY", declined)}
    for reference in ("SP-LATERX", "SP-SAMEDY"):
        assert len({code for ref, code in first_run | second_run if ref == reference}) == 1


NHS = "9434765919"
ADMIN = 1000


def _closed_episodes(engine: Engine) -> None:
    """An engaged episode with two services (one physical activity), a declined one, one without GP consent."""
    key = cipher()
    with session_scope(engine) as session:
        session.add(Organisation(id="org", name="VCSE"))
        session.add_all([Taxonomy(id="physical_activity", name="Getting active"), Taxonomy(id="money", name="Money")])
        session.add_all([Service(id="walk", organisation_id="org", name="Walking for Health"),
                         Service(id="ca", organisation_id="org", name='=HYPERLINK("x")')])
        session.flush()
        session.add_all([ServiceTaxonomy(service_id="walk", taxonomy_id="physical_activity"),
                         ServiceTaxonomy(service_id="ca", taxonomy_id="money")])
    _referral(engine, "SP-ENGAGE", nhs_number_enc=key.encrypt(NHS), gp_practice="D82044", reasons=["loneliness"],
              first_contact_at=utc(2025, 3, 3, 10))
    _referral(engine, "SP-DECLIN", first_contact_at=utc(2025, 3, 5, 10))
    _referral(engine, "SP-NOGPOK", consent_gp=False, nhs_number_enc=key.encrypt("4010232137"),
              first_contact_at=utc(2025, 3, 6, 10))
    with session_scope(engine) as session:
        engaged = session.exec(select(Referral).where(Referral.reference == "SP-ENGAGE")).one()
        for service_id, state in (("walk", Engagement.ENGAGED), ("ca", Engagement.WAITING)):
            session.add(Signposting(referral_id=engaged.id, service_id=service_id, created_by=3001,
                                    created_at=utc(2025, 3, 4, 10), engagement=state))
    _close(engine, "SP-ENGAGE", ClosureReason.ENGAGED, utc(2025, 3, 25, 10))
    _close(engine, "SP-DECLIN", ClosureReason.DECLINED, utc(2025, 3, 5, 12))
    _close(engine, "SP-NOGPOK", ClosureReason.ENGAGED, utc(2025, 3, 26, 10))


def test_the_message_back_to_gp_has_one_row_per_consented_episode_with_one_code_per_event(engine: Engine) -> None:
    _closed_episodes(engine)
    with session_scope(engine) as session:
        messages = gp_messages(session, MARCH, LONDON, cipher())
    assert [m.reference for m in messages] == ["SP-DECLIN", "SP-ENGAGE"]  # by closure date; no GP consent: left out
    declined, engaged = messages
    assert engaged.nhs_number == NHS and engaged.gp_practice == "D82044" and declined.nhs_number == ""
    assert (engaged.referral_date, engaged.first_contact_date, engaged.closure_date) == (
        date(2025, 3, 1), date(2025, 3, 3), date(2025, 3, 25))
    assert engaged.outcome == "Engaged / resolved" and "Loneliness" in engaged.reasons
    assert "Walking for Health (engaged)" in engaged.services and "(waiting list)" in engaged.services
    codes = [c.code for _, c in engaged.codes]
    assert codes[0] == REFERRAL_TO_SOCIAL_PRESCRIBING.code and sorted(codes[1:]) == ["", "390893007"]
    assert [c.code for _, c in declined.codes] == [SOCIAL_PRESCRIBING_DECLINED.code]
    buffer = io.StringIO()
    write_gp_csv(messages, buffer)
    assert "'=HYPERLINK" in buffer.getvalue()  # formula-safe
    assert "QX" not in buffer.getvalue()  # initials never leave


def test_the_icb_extract_is_nhs_number_and_first_intervention_date_only(engine: Engine) -> None:
    _closed_episodes(engine)
    with session_scope(engine) as session:
        rows = icb_extract(session, MARCH, LONDON, cipher())
    assert rows == [(NHS, date(2025, 3, 3)), ("4010232137", date(2025, 3, 6))]  # no NHS number given: not listed


@pytest.fixture
def identifier_cli(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("TIMEZONE", "Europe/London")
    monkeypatch.setenv("NOTES_ENCRYPTION_KEY", TEST_KEY)
    monkeypatch.setenv("ADMIN_USER_IDS", str(ADMIN))
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


@pytest.mark.parametrize("fmt", ["gp", "icb"])
def test_identifier_exports_are_for_admins_only_and_audited(identifier_cli: Engine, tmp_path, capsys, fmt) -> None:
    _closed_episodes(identifier_cli)
    out = tmp_path / f"{fmt}.csv"
    period = ("--from", "2025-03-01", "--to", "2025-03-31", "--format", fmt, "--out", str(out))
    assert run_report(cli(*period)) == 2 and "--requested-by" in capsys.readouterr().err
    assert run_report(cli(*period, "--requested-by", "2001")) == 2  # a ward nurse
    assert "only admins" in capsys.readouterr().err and not out.exists()
    assert run_report(cli(*period, "--requested-by", str(ADMIN))) == 0
    assert NHS in out.read_text(encoding="utf-8-sig")
    with session_scope(identifier_cli) as session:
        audits = session.exec(select(StaffEvent)).all()
    assert [(a.kind, a.actor_user_id, a.detail) for a in audits] == [
        ("gp_message_export" if fmt == "gp" else "icb_extract", ADMIN, "2025-03-01..2025-03-31 rows=2")]
    assert NHS not in str([a.detail for a in audits])
