"""Report figures, the SNOMED CT coded export and the `report` CLI over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
import csv
import gc
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from casework.models import CaseStatus, ClosureReason, Engagement, Referral, Signposting
from core.db import session_scope
from core.settings import get_settings
from directory.models import Organisation, Service, ServiceTaxonomy, Taxonomy, UnmetSearch
from reports import cli as cli_module
from reports import figures as figures_module
from reports.cli import add_report_parser, run_report
from reports.data import STATUS_LABELS, ReportData
from reports.figures import compute_report
from reports.period import Period
from reports.snomed import (
    REFERRAL_TO_PHYSICAL_ACTIVITY,
    REFERRAL_TO_SOCIAL_PRESCRIBING,
    SOCIAL_PRESCRIBING_DECLINED,
    SOCIAL_PRESCRIBING_OTHER,
    coded_events,
    write_snomed_csv,
)

LONDON = ZoneInfo("Europe/London")
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))
TODAY = date(2025, 4, 2)
HOSTILE_SERVICE = '=HYPERLINK("http://evil.example","Befriending")'
HOSTILE_SEARCH = '=HYPERLINK("http://evil.example")'
SECRETS = ("QX", "SECRET-HOSPITAL-REF", "SECRET-NHS-NUMBER", "SECRET-RISK-TEXT")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def add_directory(engine: Engine) -> None:
    """Citizens Advice (money, fresh), a walking group (getting active, stale), a hostile-named befriending service
    (never verified) and an inactive service nobody should see in freshness figures."""
    with session_scope(engine) as session:
        session.add(Organisation(id="org", name="Norfolk VCSE"))
        for taxonomy_id, name in [("money", "Money, debt and benefits"), ("physical_activity", "Getting active"),
                                  ("loneliness", "Loneliness and company")]:
            session.add(Taxonomy(id=taxonomy_id, name=name))
        session.add_all([
            Service(id="ca", organisation_id="org", name="Citizens Advice Norfolk", last_verified=date(2025, 1, 10)),
            Service(id="walk", organisation_id="org", name="Walking for Health", last_verified=date(2024, 3, 1)),
            Service(id="hostile", organisation_id="org", name=HOSTILE_SERVICE),
            Service(id="gone", organisation_id="org", name="Closed lunch club", active=False),
        ])
        session.flush()
        session.add_all([
            ServiceTaxonomy(service_id="ca", taxonomy_id="money"),
            ServiceTaxonomy(service_id="walk", taxonomy_id="physical_activity"),
            ServiceTaxonomy(service_id="hostile", taxonomy_id="loneliness"),
        ])


def add_referral(engine: Engine, reference: str, created: datetime, **fields: object) -> int:
    """A referral whose identifiable fields hold marker text that must never reach a report."""
    values: dict[str, object] = {
        "referrer_user_id": 2001, "referrer_chat_id": 2001, "source_ward": "Ward 7", "source_role": "Nurse",
        "client_initials": "QX", "hospital_ref_enc": "SECRET-HOSPITAL-REF", "nhs_number_enc": "SECRET-NHS-NUMBER",
        "risks_enc": "SECRET-RISK-TEXT", "reasons": ["money"], "consent_gp": True,
    }
    values.update(fields)
    with session_scope(engine) as session:
        referral = Referral(reference=reference, created_at=created, **values)
        session.add(referral)
        session.flush()
        assert referral.id is not None
        return referral.id


def signpost(engine: Engine, referral_id: int, service_id: str, at: datetime, engagement: Engagement) -> None:
    with session_scope(engine) as session:
        session.add(Signposting(referral_id=referral_id, service_id=service_id, created_at=at, created_by=3001,
                                engagement=engagement))


def add_march(engine: Engine) -> None:
    """Six referrals received in March (London time), two just outside it, signpostings and unmet searches."""
    add_directory(engine)
    r1 = add_referral(engine, "SP-R1AAAA", utc(2025, 3, 3, 9), reasons=["money", "loneliness", "money"],
                      status=CaseStatus.CLOSED, closure_reason=ClosureReason.ENGAGED, claimed_at=utc(2025, 3, 3, 11),
                      first_contact_at=utc(2025, 3, 4, 11), closed_at=utc(2025, 3, 20, 9))
    r2 = add_referral(engine, "SP-R2AAAA", utc(2025, 3, 10, 9), source_role="Occupational therapist",
                      status=CaseStatus.CONTACTED, claimed_at=utc(2025, 3, 10, 13),
                      first_contact_at=utc(2025, 3, 12, 11))
    add_referral(engine, "SP-R3AAAA", utc(2025, 3, 20, 9), source_ward="Cley", reasons=["housing"])
    add_referral(engine, "SP-R4AAAA", utc(2025, 3, 31, 22, 30), source_ward="Cley", source_role="")  # 23:30 BST
    r6 = add_referral(engine, "SP-R6AAAA", utc(2025, 3, 5, 9), reasons=["loneliness"], status=CaseStatus.CLOSED,
                      closure_reason=ClosureReason.DECLINED, claimed_at=utc(2025, 3, 5, 10),
                      first_contact_at=utc(2025, 3, 6, 10), closed_at=utc(2025, 3, 6, 10, 30))
    add_referral(engine, "SP-R7AAAA", utc(2025, 3, 7, 9), consent_gp=False, status=CaseStatus.CONTACTED,
                 claimed_at=utc(2025, 3, 7, 10), first_contact_at=utc(2025, 3, 8, 10))
    add_referral(engine, "SP-APRIL", utc(2025, 3, 31, 23, 30))  # 00:30 BST on 1 April: next month
    add_referral(engine, "SP-FEB", utc(2025, 2, 28, 23, 30))  # 23:30 GMT on 28 February
    signpost(engine, r1, "ca", utc(2025, 3, 4, 12), Engagement.ENGAGED)
    signpost(engine, r1, "hostile", utc(2025, 3, 4, 12), Engagement.UNKNOWN)
    signpost(engine, r2, "ca", utc(2025, 3, 12, 12), Engagement.WAITING)
    signpost(engine, r2, "walk", utc(2025, 3, 12, 12), Engagement.COULDNT_GET_THROUGH)
    signpost(engine, r6, "ca", utc(2025, 3, 6, 10), Engagement.DECLINED)
    with session_scope(engine) as session:
        for query in ["Dog walking", "dog  walking ", "dog walkng", HOSTILE_SEARCH, "sign language"]:
            session.add(UnmetSearch(query=query, created_at=utc(2025, 3, 15, 12)))
        session.add(UnmetSearch(query="dog walking", created_at=utc(2025, 4, 15, 12)))


def march_report(engine: Engine) -> ReportData:
    with session_scope(engine) as session:
        return compute_report(session, MARCH, LONDON, today=TODAY)


def test_referral_figures(engine: Engine) -> None:
    add_march(engine)
    data = march_report(engine)
    assert data.referrals == 6  # R1-R4, R6, R7; not the ones received on 28 Feb or 1 Apr local time
    reasons = {count.label: count.n for count in data.by_reason}
    assert reasons == {"Money, debt, benefits": 4, "Loneliness / isolation": 2, "Housing": 1}  # R1 counted once
    assert [(c.label, c.n) for c in data.by_ward] == [("Ward 7", 4), ("Cley", 2)]
    assert ("Not recorded", 1) in [(c.label, c.n) for c in data.by_role]
    assert [(c.label, c.n) for c in data.by_month] == [("2025-03", 6)]
    statuses = {count.label: count.n for count in data.by_status}
    assert statuses["New (not yet claimed)"] == 2 and statuses["Closed"] == 2
    closures = {count.label: count.n for count in data.by_closure}
    assert closures["Engaged / resolved"] == 1 and closures["Declined"] == 1


def test_months_counted_in_local_time_across_a_period(engine: Engine) -> None:
    """By-month counts (made by the database) use local month boundaries: the clock change and midnight BST."""
    add_march(engine)
    add_referral(engine, "SP-MAY", utc(2025, 5, 31, 22, 59), safeguarding="red")  # 23:59 BST on 31 May
    add_referral(engine, "SP-JUNE", utc(2025, 5, 31, 23, 0))  # midnight BST: June, after the period
    with session_scope(engine) as session:
        data = compute_report(session, Period(date(2025, 3, 1), date(2025, 5, 31)), LONDON, today=TODAY)
    assert [(c.label, c.n) for c in data.by_month] == [("2025-03", 6), ("2025-04", 1), ("2025-05", 1)]
    may = next(month for month in data.safeguarding.by_month if month.label == "2025-05")
    assert may.counts["🔴 Red"] == 1 and sum(may.counts.values()) == 1
    assert data.referrals == 8


def test_time_to_claim_and_first_contact(engine: Engine) -> None:
    add_march(engine)
    data = march_report(engine)
    # claimed after 2, 4, 1 and 1 hours; first contact after 26, 50, 25 and 25 hours
    assert data.time_to_claim.n == 4
    assert data.time_to_claim.median_hours == pytest.approx(1.5)
    assert data.time_to_claim.p90_hours == pytest.approx(3.4)
    assert data.time_to_first_contact.n == 4
    assert data.time_to_first_contact.median_hours == pytest.approx(25.5)


def test_signposting_demand_and_engagement(engine: Engine) -> None:
    add_march(engine)
    data = march_report(engine)
    assert data.signpostings == 5 and data.signposted_clients == 3
    assert (data.by_service[0].service, data.by_service[0].n, data.by_service[0].share) == (
        "Citizens Advice Norfolk", 3, 1.0)
    categories = {count.label: count.n for count in data.by_category}
    assert categories == {"Money, debt and benefits": 3, "Getting active": 1, "Loneliness and company": 1}
    overall = data.engagement_overall
    assert (overall.n, overall.known, overall.engaged) == (5, 4, 1)
    citizens_advice = next(row for row in data.engagement_by_service if row.label == "Citizens Advice Norfolk")
    assert citizens_advice.counts == {Engagement.ENGAGED: 1, Engagement.WAITING: 1, Engagement.DECLINED: 1}


def test_unmet_need_groups_near_duplicates(engine: Engine) -> None:
    add_march(engine)
    data = march_report(engine)
    assert data.unmet_searches == 5  # the April search is outside the period
    top = data.unmet_need[0]
    assert (top.query, top.n, top.variants) == ("dog walking", 3, 2)
    assert {need.query for need in data.unmet_need[1:]} == {HOSTILE_SEARCH.casefold(), "sign language"}


def test_unmet_need_counts_different_people_not_searches(engine: Engine) -> None:
    with session_scope(engine) as session:
        for searcher in ["a", "a", "a", "b", "c", "d"]:
            session.add(UnmetSearch(query="sign language", searcher=searcher, created_at=utc(2025, 3, 15, 12)))
        session.add(UnmetSearch(query="Sign  Language", searcher="e", created_at=utc(2025, 3, 16, 12)))
        session.add(UnmetSearch(query="sign language", created_at=utc(2025, 3, 16, 12)))  # before pseudonyms
    need = march_report(engine).unmet_need[0]
    assert (need.query, need.n, need.people) == ("sign language", 8, 5)


def test_directory_freshness(engine: Engine) -> None:
    add_march(engine)
    data = march_report(engine)
    assert data.active_services == 3
    assert [(s.service, s.last_verified) for s in data.stale_services] == [
        (HOSTILE_SERVICE, None), ("Walking for Health", date(2024, 3, 1))]
    assert (data.never_verified, data.not_verified_in_12_months) == (1, 1)


def test_report_never_carries_client_details(engine: Engine) -> None:
    add_march(engine)
    text = repr(march_report(engine))
    assert not any(secret in text for secret in SECRETS)
    assert "SP-R1AAAA" in text  # the pseudonymous reference is the only link back to a case


def test_snomed_export_codes_gp_consented_referrals_and_signpostings(engine: Engine) -> None:
    add_march(engine)
    with session_scope(engine) as session:
        events = coded_events(session, MARCH, LONDON)
    by_reference = {(e.reference, e.record_type, e.service): e for e in events}
    assert by_reference[("SP-R1AAAA", "referral", "")].concept == REFERRAL_TO_SOCIAL_PRESCRIBING
    assert by_reference[("SP-R1AAAA", "referral", "")].event_date == date(2025, 3, 4)  # accepted at first contact
    assert by_reference[("SP-R6AAAA", "referral", "")].concept == SOCIAL_PRESCRIBING_DECLINED
    assert not any(e.reference == "SP-R6AAAA" and e.concept == REFERRAL_TO_SOCIAL_PRESCRIBING for e in events)
    assert not any(e.reference == "SP-R7AAAA" for e in events)  # no consent to share with the GP
    assert not any(e.reference == "SP-R3AAAA" for e in events)  # never contacted: nothing to code yet
    assert by_reference[("SP-R2AAAA", "signposting", "Walking for Health")].concept == REFERRAL_TO_PHYSICAL_ACTIVITY
    money = by_reference[("SP-R1AAAA", "signposting", "Citizens Advice Norfolk")]
    assert money.concept == SOCIAL_PRESCRIBING_OTHER and money.concept.code == ""
    assert money.category == "Money, debt and benefits"


def test_snomed_csv_is_formula_safe_and_has_no_client_details(engine: Engine) -> None:
    add_march(engine)
    with session_scope(engine) as session:
        events = coded_events(session, MARCH, LONDON)
    buffer = io.StringIO()
    write_snomed_csv(events, buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert {row["snomed_ct_code"] for row in rows} == {"871731000000106", "871711000000103", "390893007", ""}
    assert "'" + HOSTILE_SERVICE in {row["service"] for row in rows}
    assert not any("nhs" in column.lower() for column in rows[0])
    assert not any(secret in buffer.getvalue() for secret in SECRETS)


# --- the `report` command line --------------------------------------------------------------------------------------


@pytest.fixture
def cli_database(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The CLI reads settings from the environment: point it at a test database (SQLite only; logic, not backend)."""
    monkeypatch.setenv("DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("TIMEZONE", "Europe/London")
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bot")
    add_report_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["report", *argv])


def test_cli_writes_a_shareable_workbook(cli_database: Engine, tmp_path: Path) -> None:
    add_march(cli_database)
    out = tmp_path / "march.xlsx"
    assert run_report(cli("--from", "2025-03-01", "--to", "2025-03-31", "--format", "xlsx", "--out", str(out),
                          "--shareable")) == 0
    workbook = load_workbook(out)
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(min_row=3, values_only=True)}
    assert summary["Referrals received"] == 5  # 6 rounded to the nearest 5
    assert "Cases" not in workbook.sheetnames
    values = {str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row}
    assert not any(value.startswith("SP-") for value in values)


@pytest.mark.parametrize(("fmt", "starts_with"), [("csv", "\ufeffSummary".encode()), ("png", b"\x89PNG\r\n"),
                                                  ("text", b"Signpost report"), ("snomed", b"case_reference")])
def test_cli_formats(cli_database: Engine, tmp_path: Path, fmt: str, starts_with: bytes) -> None:
    add_march(cli_database)
    out = tmp_path / f"march.{fmt}"
    assert run_report(cli("--from", "2025-03-01", "--to", "2025-03-31", "--format", fmt, "--out", str(out))) == 0
    assert out.read_bytes().startswith(starts_with)


def test_cli_writes_several_formats_from_one_computation(cli_database: Engine, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    add_march(cli_database)
    computed: list[object] = []
    real_build = cli_module.build_report

    def counting_build(*args: object) -> object:
        computed.append(args)
        return real_build(*args)

    monkeypatch.setattr(cli_module, "build_report", counting_build)
    assert run_report(cli("--from", "2025-03-01", "--to", "2025-03-31", "--format", "csv,xlsx,png,text",
                          "--out", str(tmp_path / "march"))) == 0
    assert len(computed) == 1
    assert (tmp_path / "march.csv").read_bytes().startswith("\ufeffSummary".encode())
    assert load_workbook(tmp_path / "march.xlsx")["Summary"]["A1"].value
    assert (tmp_path / "march.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "march.txt").read_bytes().startswith(b"Signpost report")


def test_cli_refuses_what_it_cannot_do_safely(cli_database: Engine, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chart.png"
    assert run_report(cli("--from", "2025-03-01", "--to", "2025-03-31", "--format", "png", "--out", str(out),
                          "--shareable")) == 2
    assert "--shareable is available for csv and xlsx only" in capsys.readouterr().err
    assert run_report(cli("--from", "2025-03-31", "--to", "2025-03-01", "--out", str(out))) == 2
    assert "after the end date" in capsys.readouterr().err
    assert not out.exists()


def test_cli_rejects_a_malformed_date(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli("--from", "01/03/2025", "--to", "2025-03-31", "--out", "x.csv")
    assert "is not a date like 2025-03-31" in capsys.readouterr().err


def test_period_edges_follow_local_time(engine: Engine) -> None:
    add_march(engine)
    with session_scope(engine) as session:
        april = compute_report(session, Period(date(2025, 4, 1), date(2025, 4, 1)), LONDON, today=TODAY)
    assert [case.reference for case in april.cases] == ["SP-APRIL"]
    assert april.cases[0].received == date(2025, 4, 1)


def _around(moment: datetime, hours: int) -> list[datetime]:
    """Every 17 minutes 13.000007 seconds for `hours` either side of `moment`, and the microseconds either side of
    it and of each hour (local midnights and clock changes among them)."""
    step = timedelta(minutes=17, seconds=13, microseconds=7)
    spread = [moment + n * step for n in range(-hours * 60 // 17, hours * 60 // 17)]
    edges = [moment + timedelta(hours=h) + timedelta(microseconds=d) for h in range(-hours, hours) for d in (-1, 0)]
    return spread + edges


@pytest.mark.parametrize(("zone", "changes", "period"), [
    ("Europe/London", [utc(2025, 3, 30, 1), utc(2025, 10, 26, 1)], Period(date(2025, 3, 1), date(2025, 10, 31))),
    # Havana moves its clocks at local midnight; St John's is 3½ hours behind UTC; periods start or end on
    # the day the clocks change
    ("America/Havana", [utc(2025, 3, 9, 5), utc(2025, 11, 2, 5)], Period(date(2025, 3, 1), date(2025, 11, 2))),
    ("America/St_Johns", [utc(2025, 3, 9, 5, 30), utc(2025, 11, 2, 4, 30)],
     Period(date(2025, 3, 9), date(2025, 11, 30))),
])  # fmt: skip
def test_each_case_is_received_on_its_local_day(engine: Engine, zone: str, changes: list[datetime],
                                                period: Period) -> None:
    """The database works out each referral's local day (no timestamp is parsed in Python): right for every row
    around both clock changes, around each local midnight near them, and at the period's first and last moment."""
    tz = ZoneInfo(zone)
    since, until = period.utc_bounds(tz)
    moments = sorted({m for change in changes for m in _around(change, 30) if since <= m < until}
                     | {since, until - timedelta(microseconds=1)})
    with session_scope(engine) as session:
        session.add_all(Referral(reference=f"SP-T{n:05d}", created_at=moment, referrer_user_id=1, referrer_chat_id=1,
                                 source_ward="Ward 7", source_role="Nurse", client_initials="QX", reasons=["money"])
                        for n, moment in enumerate(moments))
    with session_scope(engine) as session:
        data = compute_report(session, period, tz, today=TODAY)
    assert [case.received for case in data.cases] == [moment.astimezone(tz).date() for moment in moments]
    assert sum(count.n for count in data.by_month) == len(moments) == data.referrals


def test_waits_are_the_hours_python_would_work_out(engine: Engine) -> None:
    """Waits come from the database in whole microseconds (not rounded to SQLite's milliseconds): the same hours,
    to the last bit, as subtracting the datetimes; a claim recorded before the referral counts as no wait."""
    created = datetime(2025, 3, 3, 9, 0, 0, 1, tzinfo=UTC)
    claimed = created + timedelta(hours=2, microseconds=999_998)
    contacted = created + timedelta(days=40, seconds=0.3337)
    add_referral(engine, "SP-W1AAAA", created, status=CaseStatus.CONTACTED, claimed_at=claimed,
                 first_contact_at=contacted)
    add_referral(engine, "SP-W2AAAA", created, status=CaseStatus.CLAIMED, claimed_at=created - timedelta(seconds=1))
    cases = {case.reference: case for case in march_report(engine).cases}
    assert cases["SP-W1AAAA"].hours_to_claim == (claimed - created).total_seconds() / 3600
    assert cases["SP-W1AAAA"].hours_to_first_contact == (contacted - created).total_seconds() / 3600
    assert cases["SP-W2AAAA"].hours_to_claim == 0.0 and cases["SP-W2AAAA"].hours_to_first_contact is None


def test_counts_of_referrals_are_those_the_database_would_make(engine: Engine) -> None:
    """Ward, role, month, status, closure, safeguarding and equity counts are made from the one per-referral read:
    checked against GROUP BY queries over the same referrals; a period with none gives zeros, not an error."""
    add_march(engine)
    add_referral(engine, "SP-EQ1AAA", utc(2025, 3, 12, 9), gender="woman", ethnicity="white_british",
                 postcode_district="NR1", safeguarding="amber", status=CaseStatus.CLOSED,
                 closure_reason=ClosureReason.ENGAGED)
    data = march_report(engine)
    since, until = MARCH.utc_bounds(LONDON)
    with session_scope(engine) as session:
        def grouped(*columns: Any) -> Counter[tuple[Any, ...]]:
            statement = (select(*columns, func.count()).where(Referral.created_at >= since,
                                                             Referral.created_at < until).group_by(*columns))
            return Counter({tuple(row[:-1]): row[-1] for row in session.execute(statement)})

        assert sum(grouped(Referral.source_ward).values()) == data.referrals == 7
        assert {c.label: c.n for c in data.by_ward} == {(ward.strip() or "Not recorded"): n
                                                       for (ward,), n in grouped(Referral.source_ward).items()}
        statuses = {STATUS_LABELS[status]: n for (status,), n in grouped(Referral.status).items()}
        assert {c.label: c.n for c in data.by_status if c.n} == statuses
        by_gender = grouped(Referral.gender)
        assert [(row.group, row.referrals) for row in data.equity if row.dimension == "Gender"] == [
            ("Woman", by_gender[("woman",)]), ("Not recorded", by_gender[("",)])]
        assert next(row for row in data.equity if row.group == "NR1").engaged == 1
    assert sum(sum(month.counts.values()) for month in data.safeguarding.by_month) == data.referrals
    with session_scope(engine) as session:
        empty = compute_report(session, Period(date(2024, 1, 1), date(2024, 1, 31)), LONDON, today=TODAY)
    assert empty.cases == [] and empty.referrals == 0 and empty.equity == []
    assert [(c.label, c.n) for c in empty.by_month] == [("2024-01", 0)]
    assert empty.time_to_claim.n == 0 and empty.support.first_contact_by_urgency[0][1].n == 0


def test_cycle_collection_is_paused_only_while_figures_are_made(engine: Engine,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector is off while the figures are made (it rescanned a year's rows again and again) and back as it
    was afterwards, even after an error; a caller that had paused it finds it still paused."""
    add_march(engine)
    seen: list[bool] = []
    grouping = figures_module.group_unmet
    monkeypatch.setattr(figures_module, "group_unmet", lambda searches: seen.append(gc.isenabled()) or
                        grouping(searches))
    assert gc.isenabled()
    march_report(engine)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(figures_module, "group_unmet", lambda searches: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        march_report(engine)
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(figures_module, "group_unmet", grouping)
        march_report(engine)
        assert not gc.isenabled()
    finally:
        gc.enable()
