"""What readers of the chat summary, the chart and the CSV/XLSX exports see (built from report data, no database)."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from dataclasses import replace
from datetime import date

import pytest
from openpyxl import load_workbook

from casework.models import Engagement
from reports.chart import render_chart
from reports.data import (
    CaseRow,
    Count,
    Durations,
    EngagementRow,
    ReportData,
    ServiceDemand,
    StaleService,
    UnmetNeed,
    WellbeingChange,
)
from reports.export import write_csv, write_xlsx
from reports.period import Period
from reports.suppress import SMALL, SUPPRESSED, shown_count, shown_percent, shown_statistic
from reports.tables import report_tables
from reports.text import format_hours, summary_text

HOSTILE_SERVICE = '=HYPERLINK("http://evil.example","Citizens Advice")'
HOSTILE_SEARCH = "=cmd|' /C calc'!A0"
MONEY_SIGN_SERVICE = "Cash $$ help $x^2$"
PERIOD = Period(date(2025, 3, 1), date(2025, 3, 31))


def sample_report() -> ReportData:
    """A month with enough variety to exercise every table; 'SP-AAAAAA'/'SP-BBBBBB' are case references."""
    citizens_advice = {Engagement.ENGAGED: 12, Engagement.WAITING: 3, Engagement.UNKNOWN: 10}
    hostile = {Engagement.DECLINED: 2, Engagement.COULDNT_GET_THROUGH: 1}
    overall = {Engagement.ENGAGED: 12, Engagement.WAITING: 3, Engagement.UNKNOWN: 10, Engagement.DECLINED: 2,
               Engagement.COULDNT_GET_THROUGH: 1}
    return ReportData(
        period=PERIOD,
        generated_on=date(2025, 4, 2),
        referrals=23,
        by_reason=[Count("Money, debt, benefits", 15), Count("Housing", 9), Count("Carer support", 2)],
        by_ward=[Count("Ward 7", 20), Count("Cley", 3)],
        by_role=[Count("Nurse", 23)],
        by_month=[Count("2025-03", 23)],
        time_to_claim=Durations(n=20, median_hours=3.0, p90_hours=20.5),
        time_to_first_contact=Durations(n=3, median_hours=30.0, p90_hours=80.0),
        by_status=[Count("New (not yet claimed)", 3), Count("Closed", 20)],
        by_closure=[Count("Engaged / resolved", 18), Count("Declined", 2)],
        signpostings=28,
        signposted_clients=26,
        by_service=[ServiceDemand("Citizens Advice Norfolk", 25, 25 / 26), ServiceDemand(HOSTILE_SERVICE, 3, 3 / 26)],
        by_category=[Count("Money, debt and benefits", 25), Count("Loneliness and company", 3)],
        engagement_overall=EngagementRow("All services", overall),
        engagement_by_service=[
            EngagementRow("Citizens Advice Norfolk", citizens_advice),
            EngagementRow(HOSTILE_SERVICE, hostile),
        ],
        unmet_searches=9,
        unmet_need=[
            UnmetNeed("dog walking", 6, 2, 6), UnmetNeed(HOSTILE_SEARCH, 5, 1, 5), UnmetNeed("bsl interpreter", 1, 1, 1)
        ],
        active_services=40,
        stale_services=[StaleService(HOSTILE_SERVICE, None), StaleService("Walking for Health", date(2023, 1, 9))],
        cases=[
            CaseRow("SP-AAAAAA", date(2025, 3, 3), "Ward 7", "Nurse", ("Money, debt, benefits", "Housing"), "Closed",
                    "Engaged / resolved", 2.0, 26.0, 2),
            CaseRow("SP-BBBBBB", date(2025, 3, 20), "Cley", "Nurse", ("Housing",), "New (not yet claimed)", "",
                    None, None, 0),
        ],
    )


def empty_report() -> ReportData:
    return ReportData(
        period=PERIOD, generated_on=date(2025, 4, 2), referrals=0, by_reason=[], by_ward=[], by_role=[],
        by_month=[Count("2025-03", 0)], time_to_claim=Durations(0, None, None),
        time_to_first_contact=Durations(0, None, None), by_status=[Count("Closed", 0)], by_closure=[],
        signpostings=0, signposted_clients=0, by_service=[], by_category=[],
        engagement_overall=EngagementRow("All services", {}), engagement_by_service=[], unmet_searches=0,
        unmet_need=[], active_services=0, stale_services=[], cases=[],
    )


def csv_text(data: ReportData, shareable: bool) -> str:
    buffer = io.StringIO()
    write_csv(report_tables(data, shareable), buffer)
    return buffer.getvalue()


def csv_cells(data: ReportData, shareable: bool) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(csv_text(data, shareable))) for cell in row]


def xlsx_bytes(data: ReportData, shareable: bool) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(report_tables(data, shareable), buffer)
    return buffer.getvalue()


def table(data: ReportData, title: str, shareable: bool = False):
    return next(t for t in report_tables(data, shareable) if t.title == title)


# --- small-number suppression -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "shown"), [(0, 0), (1, SMALL), (4, SMALL), (5, 5), (7, 5), (8, 10), (23, 25)])
def test_shareable_counts_hide_small_numbers_and_round_the_rest(n: int, shown: int | str) -> None:
    assert shown_count(n, shareable=True) == shown
    assert shown_count(n, shareable=False) == n


def test_percentages_built_on_small_numbers_are_suppressed_only_when_shared() -> None:
    assert shown_percent(3, 20, shareable=True) == SUPPRESSED  # numerator small
    assert shown_percent(18, 20, shareable=True) == SUPPRESSED  # the 2 left over would be revealed
    assert shown_percent(10, 20, shareable=True) == 50.0
    assert shown_percent(3, 20, shareable=False) == 15.0
    assert shown_percent(0, 0, shareable=False) == "n/a"


def test_times_over_fewer_than_five_cases_are_suppressed_when_shared() -> None:
    assert shown_statistic(30.0, 3, shareable=True) == SUPPRESSED
    assert shown_statistic(30.04, 3, shareable=False) == 30.0


# --- tables -------------------------------------------------------------------------------------------------------


def test_internal_export_lists_cases_by_reference_and_shareable_has_no_references() -> None:
    internal, shared = csv_text(sample_report(), False), csv_text(sample_report(), True)
    assert "SP-AAAAAA" in internal and "SP-BBBBBB" in internal
    assert "SP-" not in shared
    assert "Cases (pseudonymised)" not in shared


def test_shareable_export_shows_small_cells_as_under_five() -> None:
    wards = table(sample_report(), "Referrals by source ward", shareable=True)
    assert wards.rows == [("Ward 7", 20), ("Cley", SMALL)]
    assert "counts of 1-4 are shown as '<5'" in csv_text(sample_report(), True)


def test_engagement_always_shows_n_and_response_rate() -> None:
    engagement = table(sample_report(), "Engagement by service")
    assert "Signpostings (n)" in engagement.header
    assert "Response rate (% with a known outcome)" in engagement.header
    overall = dict(zip(engagement.header, engagement.rows[0], strict=True))
    assert overall["Service"] == "All services"
    assert overall["Signpostings (n)"] == 28
    assert overall["Unknown (no answer yet)"] == 10
    assert overall["Response rate (% with a known outcome)"] == round(100 * 18 / 28, 1)
    assert overall["Engaged (% of known outcomes)"] == round(100 * 12 / 18, 1)


def test_shareable_engagement_suppresses_rates_for_a_small_service() -> None:
    engagement = table(sample_report(), "Engagement by service", shareable=True)
    hostile_row = dict(zip(engagement.header, engagement.rows[2], strict=True))
    assert hostile_row["Signpostings (n)"] == SMALL
    assert hostile_row["Response rate (% with a known outcome)"] == SUPPRESSED
    assert hostile_row["Engaged (% of known outcomes)"] == SUPPRESSED


def test_shareable_unmet_need_never_lists_rare_search_wording() -> None:
    unmet = table(sample_report(), "Unmet need (searches that found nothing)", shareable=True)
    assert unmet.rows[0] == ("dog walking", 5, 2)
    assert all("bsl" not in str(row[0]) for row in unmet.rows)
    assert unmet.rows[-1][:2] == ("Other searches (each fewer than 5, not listed)", SMALL)
    internal = table(sample_report(), "Unmet need (searches that found nothing)")
    # issue 11: internal exports too list a wording only once 5 different people searched it
    assert ("dog walking", 6, 2) in internal.rows
    assert all("bsl" not in str(row[0]) for row in internal.rows)
    assert internal.rows[-1][:2] == ("Other searches (each fewer than 5, not listed)", 1)


def test_search_wording_needs_five_different_people_before_any_report_shows_it() -> None:
    many_searches_few_people = replace(sample_report(), unmet_need=[UnmetNeed("rg1 home visit", 40, 1, 4)])
    text = summary_text(many_searches_few_people)
    assert "rg1" not in text and "Unmet need: 9 searches found nothing." in text
    rows = table(many_searches_few_people, "Unmet need (searches that found nothing)").rows
    assert all("rg1" not in str(row[0]) for row in rows)


def test_summary_for_a_group_chat_shows_no_search_wording() -> None:
    text = summary_text(sample_report(), show_search_terms=False)
    assert "dog walking" not in text and "Unmet need: 9 searches found nothing." in text
    assert "only in a private chat" in text


def test_waits_are_labelled_in_hours_and_days() -> None:
    waits = table(sample_report(), "Time to claim and first contact")
    claim = dict(zip(waits.header, waits.rows[0], strict=True))
    assert claim["n"] == 20
    assert claim["Median (hours)"] == 3.0 and claim["Median (days)"] == 0.1
    assert claim["90th percentile (hours)"] == 20.5
    assert "calendar" in waits.header[0]


def test_directory_freshness_lists_never_verified_services() -> None:
    freshness = table(sample_report(), "Directory freshness (active services not verified in 12 months)")
    assert (HOSTILE_SERVICE, "never") in freshness.rows
    assert ("Walking for Health", date(2023, 1, 9)) in freshness.rows


# --- CSV / XLSX safety --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shareable", [False, True])
def test_csv_neutralises_formulas_from_service_names_and_searches(shareable: bool) -> None:
    cells = csv_cells(sample_report(), shareable)
    assert "'" + HOSTILE_SERVICE in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    if not shareable:
        assert "'" + HOSTILE_SEARCH in cells


def test_xlsx_has_one_sheet_per_table_and_stores_user_text_as_text() -> None:
    content = xlsx_bytes(sample_report(), shareable=False)
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) == len(report_tables(sample_report()))
    assert {"Summary", "Engagement by service", "Unmet need", "Cases"} <= set(workbook.sheetnames)
    hostile_cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row
                     if cell.value in (HOSTILE_SERVICE, HOSTILE_SEARCH)]
    assert len(hostile_cells) >= 4
    assert all(cell.data_type == "s" for cell in hostile_cells)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)  # no formula anywhere


def test_xlsx_keeps_figures_numeric_and_drops_control_characters() -> None:
    data = replace(sample_report(), by_ward=[Count("Ward\x07 7", 20)])
    workbook = load_workbook(io.BytesIO(xlsx_bytes(data, shareable=False)))
    wards = workbook["Referrals by source ward"]
    assert wards["A3"].value == "Ward 7"
    assert wards["B3"].value == 20 and wards["B3"].data_type == "n"


# --- chart --------------------------------------------------------------------------------------------------------


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


@pytest.mark.parametrize("data", [sample_report(), empty_report()], ids=["month", "empty"])
def test_chart_is_a_readable_png(data: ReportData) -> None:
    service = EngagementRow(MONEY_SIGN_SERVICE, {Engagement.ENGAGED: 1})
    data = replace(data, engagement_by_service=[*data.engagement_by_service, service])
    content = render_chart(data)
    width, height = png_size(content)
    assert (width, height) == (1000, 1600)  # four panels since issue 16 (wellbeing added)
    assert 10_000 < len(content) < 2_000_000


def test_chart_draws_wellbeing_only_from_five_paired_answers() -> None:
    shown = WellbeingChange("ONS4", "anxiety", "How anxious?", "First contact", "Closure", 9, 6, 6.0, 3.5, True)
    hidden = replace(shown, item="happiness", paired=4, mean_before=9.0)
    with_panel = render_chart(replace(sample_report(), wellbeing=[shown, hidden]))
    without = render_chart(replace(sample_report(), wellbeing=[hidden]))
    assert png_size(with_panel) == png_size(without) == (1000, 1600)
    assert with_panel != without  # the five-answer question is drawn; the four-answer one alone draws nothing


# --- chat summary -------------------------------------------------------------------------------------------------


def test_summary_reads_plainly() -> None:
    text = summary_text(sample_report())
    assert text.startswith("Signpost report, 1 Mar 2025 to 31 Mar 2025")
    assert "Referrals: 23" in text
    assert "Top reasons: Money, debt, benefits (15) · Housing (9) · Carer support (2)" in text
    assert "Top wards: Ward 7 (20) · Cley (3)" in text
    assert "Cases now: 3 new · 20 closed" in text
    assert "Closed as: Engaged / resolved (18) · Declined (2)" in text
    assert "Time to claim: median 3.0 hours, 90% within 20.5 hours (n=20)" in text
    assert "Time to first contact: median 30.0 hours, 90% within 3.3 days (n=3)" in text
    assert "Busiest services: Citizens Advice Norfolk (25, 96% of clients)" in text
    assert "Engagement: 12 engaged of 18 known outcomes (67%); response rate 64% (18 of 28)" in text
    assert "engaged 12 · waiting list 3 · couldn't get through 1 · declined 2 · unknown 10" in text
    assert 'Most common: "dog walking" (6)' in text
    assert "Directory: 1 of 40 active services not verified in 12 months; 1 never verified." in text
    assert "SP-AAAAAA" not in text  # no case references in chat
    assert len(text) < 4096  # one Telegram message


def test_summary_of_a_quiet_period() -> None:
    text = summary_text(empty_report())
    assert "Referrals: 0" in text
    assert "Signpostings: 0 for 0 clients" in text
    assert "Unmet need: every search found something." in text
    assert "Time to claim" not in text


def test_summary_counts_other_outcomes_separately() -> None:
    data = replace(
        sample_report(),
        engagement_overall=EngagementRow("All services", {Engagement.ENGAGED: 5, Engagement.DIED: 1,
                                                          Engagement.NOT_APPROPRIATE: 2}),
    )
    assert "engaged 5 · waiting list 0 · couldn't get through 0 · declined 0 · other 3 · unknown 0" in (
        summary_text(data)
    )


@pytest.mark.parametrize(("hours", "shown"), [(0.25, "0.2 hours"), (47.9, "47.9 hours"), (48, "2.0 days"),
                                              (84, "3.5 days")])
def test_hours_become_days_from_two_days(hours: float, shown: str) -> None:
    assert format_hours(hours) == shown
