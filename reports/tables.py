"""Report figures laid out as titled tables, the shape every export format writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casework.models import CLOSURE_LABELS, ENGAGEMENT_LABELS, ClosureReason
from reports.data import Count, Durations, EngagementRow, ReportData
from reports.suppress import SMALL, SMALLEST_SHOWN, SUPPRESSED, is_small, shown_count, shown_percent, shown_statistic
from reports.unmet import reportable

Cell = int | float | str | date | None
MAX_QUERY_CHARS = 100
SHAREABLE_NOTE = (
    "Shareable export: counts of 1-4 are shown as '<5', other counts are rounded to the nearest 5, and percentages "
    "or times based on small numbers are suppressed. Rows may not add up to totals."
)
INTERNAL_NOTE = "Internal export: exact figures and case references. Do not share outside the service."


@dataclass(frozen=True)
class Table:
    """One table of a report: a title, column headings and rows of plain values."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def report_tables(data: ReportData, shareable: bool = False) -> list[Table]:
    """Every table of the report; the shareable variant is suppressed/rounded and has no case references."""
    tables = [
        _summary(data, shareable),
        _counts("Referrals by reason", "Reason", "Referrals (each reason counted)", data.by_reason, shareable),
        _counts("Referrals by source ward", "Ward", "Referrals", data.by_ward, shareable),
        _counts("Referrals by source role", "Referrer role", "Referrals", data.by_role, shareable),
        _counts("Referrals by month", "Month", "Referrals", data.by_month, shareable),
        _waits(data, shareable),
        _counts("Cases by status", "Status (as of report date)", "Cases", data.by_status, shareable),
        _counts("Cases by closure reason", "Closure reason", "Closed cases", data.by_closure, shareable),
        _demand(data, shareable),
        _counts("Signpostings by category", "Category", "Signpostings (each category counted)", data.by_category,
                shareable),
        _engagement(data, shareable),
        _unmet(data, shareable),
        _responsiveness(data, shareable),
        _waiting(data, shareable),
        _freshness(data),
        _wellbeing(data, shareable),
        _counts_side_by_side("Safeguarding RAG", "Rating", ("At referral", "As of report date"),
                             [data.safeguarding.at_referral, data.safeguarding.now], shareable),
        _ratings_by_month(data, shareable),
        _equity(data, shareable),
        *_support(data, shareable),
    ]
    return tables if shareable else [*tables, _cases(data)]


def _summary(data: ReportData, shareable: bool) -> Table:
    rows: list[tuple[Cell, ...]] = [
        ("Period from", data.period.start),
        ("Period to", data.period.end),
        ("Generated on", data.generated_on),
        ("Referrals received", shown_count(data.referrals, shareable)),
        ("Clients signposted", shown_count(data.signposted_clients, shareable)),
        ("Signpostings made", shown_count(data.signpostings, shareable)),
        ("Searches that found nothing", shown_count(data.unmet_searches, shareable)),
        ("Active directory services", data.active_services),
        ("Active services not verified in 12 months", data.not_verified_in_12_months),
        ("Active services never verified", data.never_verified),
        ("Note", SHAREABLE_NOTE if shareable else INTERNAL_NOTE),
    ]
    return Table("Summary", ("Item", "Value"), rows)


def _counts(title: str, label: str, measure: str, counts: list[Count], shareable: bool) -> Table:
    return Table(title, (label, measure), [(count.label, shown_count(count.n, shareable)) for count in counts])


def _waits(data: ReportData, shareable: bool) -> Table:
    header = ("Measure (elapsed calendar time)", "n", "Median (hours)", "Median (days)", "90th percentile (hours)",
              "90th percentile (days)")
    rows = [
        _wait_row("Referral to claim by a link worker", data.time_to_claim, shareable),
        _wait_row("Referral to first contact with the client", data.time_to_first_contact, shareable),
    ]
    return Table("Time to claim and first contact", header, rows)


def _wait_row(label: str, waits: Durations, shareable: bool) -> tuple[Cell, ...]:
    cells: list[Cell] = [label, shown_count(waits.n, shareable)]
    for hours in (waits.median_hours, waits.p90_hours):
        cells.append(shown_statistic(hours, waits.n, shareable))
        cells.append(shown_statistic(None if hours is None else hours / 24, waits.n, shareable))
    return tuple(cells)


def _demand(data: ReportData, shareable: bool) -> Table:
    header = ("Service", "Signpostings", "Share of clients signposted (%)")
    rows = [
        (demand.service, shown_count(demand.n, shareable), shown_percent(demand.n, data.signposted_clients, shareable))
        for demand in data.by_service
    ]
    return Table("Signpostings by service", header, rows)


def _engagement(data: ReportData, shareable: bool) -> Table:
    header = ("Service", "Signpostings (n)", *ENGAGEMENT_LABELS.values(), "Response rate (% with a known outcome)",
              "Engaged (% of known outcomes)")
    rows = [_engagement_row(row, shareable) for row in (data.engagement_overall, *data.engagement_by_service)]
    return Table("Engagement by service", header, rows)


def _engagement_row(row: EngagementRow, shareable: bool) -> tuple[Cell, ...]:
    return (
        row.label,
        shown_count(row.n, shareable),
        *(shown_count(row.counts.get(state, 0), shareable) for state in ENGAGEMENT_LABELS),
        shown_percent(row.known, row.n, shareable),
        shown_percent(row.engaged, row.known, shareable),
    )


def _unmet(data: ReportData, shareable: bool) -> Table:
    """Grouped zero-result searches. Wordings searched by fewer than 5 different people are pooled, never shown."""
    header = ("Search (most common wording)", "Searches", "Different wordings grouped")
    shown = [need for need in reportable(data.unmet_need) if not shareable or need.n >= SMALLEST_SHOWN]
    rows: list[tuple[Cell, ...]] = [
        (need.query[:MAX_QUERY_CHARS], shown_count(need.n, shareable), need.variants) for need in shown
    ]
    pooled = sum(need.n for need in data.unmet_need) - sum(need.n for need in shown)
    if pooled:
        rows.append(("Other searches (each fewer than 5, not listed)", shown_count(pooled, shareable), ""))
    return Table("Unmet need (searches that found nothing)", header, rows)


def _responsiveness(data: ReportData, shareable: bool) -> Table:
    """How services answered the clients referred on to them (n always shown; small numbers suppressed)."""
    header = ("Service", "Referrals on (n)", "Answered (%)", "Accepted incl. waiting list (%)",
              "Median hours to accept", "Attended (%)", "Listing last verified")
    rows: list[tuple[Cell, ...]] = [
        (row.service, shown_count(row.referred_on, shareable), shown_percent(row.answered, row.referred_on, shareable),
         shown_percent(row.accepted, row.referred_on, shareable),
         shown_statistic(row.median_hours_to_accept, row.accepted, shareable),
         shown_percent(row.attended, row.referred_on, shareable), row.last_verified or "never")
        for row in data.responsiveness
    ]
    return Table("Provider responsiveness (referrals on)", header, rows)


def _waiting(data: ReportData, shareable: bool) -> Table:
    header = ("Service", "Month", "Median waiting weeks", "Reports (n)")
    rows: list[tuple[Cell, ...]] = [
        (point.service, point.month, shown_statistic(point.median_weeks, point.n, shareable),
         shown_count(point.n, shareable))
        for point in data.waiting_weeks
    ]
    return Table("Waiting weeks reported by services, by month", header, rows)


def _freshness(data: ReportData) -> Table:
    rows = [(stale.service, stale.last_verified or "never") for stale in data.stale_services]
    return Table("Directory freshness (active services not verified in 12 months)", ("Service", "Last verified"), rows)


def _wellbeing(data: ReportData, shareable: bool) -> Table:
    """Each question's change over the cases that answered at both points; a mean is never shown without its n,
    and never over fewer than 5 cases (a small cell could identify someone)."""
    header = ("Measure", "Question", "From", "To", "Cases reaching 'To'", "Answered both (n)",
              "Response rate (% of cases reaching 'To')", "Mean at 'From'", "Mean at 'To'", "Mean change",
              "Better is")
    rows = [
        (row.measure, row.question, row.start, row.end, shown_count(row.eligible, shareable),
         shown_count(row.paired, shareable), shown_percent(row.paired, row.eligible, shareable),
         *(outcome_statistic(value, row.paired, shareable)
           for value in (row.mean_before, row.mean_after, row.mean_change)),
         "lower" if row.lower_is_better else "higher")
        for row in data.wellbeing
    ]
    return Table("Wellbeing outcomes (ONS4, SWEMWBS)", header, rows)


def outcome_statistic(value: float | None, n: int, shareable: bool) -> float | str:
    """A mean over `n` wellbeing answers: suppressed below 5 in every export, internal ones included."""
    return shown_statistic(value, n, True) if is_small(n) else shown_statistic(value, n, shareable)


def _counts_side_by_side(title: str, label: str, measures: tuple[str, ...], columns: list[list[Count]],
                         shareable: bool) -> Table:
    """Several counts per label (columns in the same label order)."""
    rows = [(first.label, *(shown_count(column[index].n, shareable) for column in columns))
            for index, first in enumerate(columns[0])]
    return Table(title, (label, *measures), rows)


def _ratings_by_month(data: ReportData, shareable: bool) -> Table:
    labels = [count.label for count in data.safeguarding.now]
    rows: list[tuple[Cell, ...]] = [
        (month.label, *(shown_count(month.counts.get(label, 0), shareable) for label in labels))
        for month in data.safeguarding.by_month
    ]
    rows.append(("Rating changes recorded in the period", shown_count(data.safeguarding.changes, shareable),
                 *([""] * (len(labels) - 1))))
    return Table("Safeguarding RAG by month received (as of report date)", ("Month received", *labels), rows)


def _equity(data: ReportData, shareable: bool) -> Table:
    """Who is (and isn't) being reached. Groups of 1-4 are shown as '<5' in every export, internal ones included."""
    header = ("Characteristic", "Group", "Referrals", "Closed", "Engaged", "Engaged (% of closed)")
    rows = [
        (row.dimension, row.group, *(protected_count(n, shareable) for n in (row.referrals, row.closed, row.engaged)),
         shown_percent(row.engaged, row.closed, True))
        for row in data.equity
    ]
    return Table("Referrals and engagement by equity group", header, rows)


def protected_count(n: int, shareable: bool) -> int | str:
    """A count of people in a small group: 1-4 suppressed in every export; rounded too when shareable."""
    return SMALL if is_small(n) else shown_count(n, shareable)


def _support(data: ReportData, shareable: bool) -> list[Table]:
    support = data.support
    given = Table("Support given", ("Measure", "Value"), [
        ("Cases with a session of support logged", shown_count(support.cases_with_sessions, shareable)),
        ("Sessions logged", shown_count(support.sessions, shareable)),
        ("Time spent (hours)", round(support.minutes / 60, 1) if not shareable or support.sessions >= SMALLEST_SHOWN
         else SUPPRESSED),
        ("Sessions per case (median)", shown_statistic(support.median_sessions, support.cases_with_sessions,
                                                       shareable)),
        ("Minutes per case (median)", shown_statistic(support.median_minutes, support.cases_with_sessions,
                                                      shareable)),
        *((f"Sessions by {count.label.lower()}", shown_count(count.n, shareable)) for count in support.by_mode),
        ("Cases with a support plan", shown_count(support.plans, shareable)),
        ("Goals set in support plans", shown_count(support.plan_goals, shareable)),
        ("Referrals closed as not appropriate / referred back", shown_count(_closed_not_appropriate(data),
                                                                           shareable)),
        ("Clients referred again after an earlier case closed (bounced)", shown_count(support.bounced, shareable)),
    ])
    header = ("Measure (elapsed calendar time)", "n", "Median (hours)", "Median (days)", "90th percentile (hours)",
              "90th percentile (days)")
    by_urgency = Table("Time to first contact by urgency", header, [
        _wait_row(label, waits, shareable) for label, waits in support.first_contact_by_urgency])
    not_appropriate = _counts("Not appropriate referrals by reason for referral", "Reason",
                              "Closed as not appropriate (each reason counted)", support.not_appropriate_by_reason,
                              shareable)
    return [given, by_urgency, not_appropriate]


def _closed_not_appropriate(data: ReportData) -> int:
    return next((count.n for count in data.by_closure if count.label == CLOSURE_LABELS[ClosureReason.NOT_APPROPRIATE]),
                0)


def _cases(data: ReportData) -> Table:
    header = ("Reference", "Received", "Ward", "Referrer role", "Reasons", "Status", "Closure reason",
              "Hours to claim", "Hours to first contact", "Signpostings")
    rows = [
        (case.reference, case.received, case.ward, case.role, "; ".join(case.reasons), case.status, case.closure,
         _one_decimal(case.hours_to_claim), _one_decimal(case.hours_to_first_contact), case.signpostings)
        for case in data.cases
    ]
    return Table("Cases (pseudonymised)", header, rows)


def _one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
