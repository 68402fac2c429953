"""A short plain-text summary of a report, for a chat message (internal: exact figures, no references)."""

from __future__ import annotations

from collections.abc import Iterable

from casework.models import ENGAGEMENT_LABELS, CaseStatus, Engagement
from casework.outcomes import TIMEPOINTS
from reports.data import STATUS_LABELS, Count, Durations, EngagementRow, ReportData
from reports.suppress import SMALL, SMALLEST_SHOWN, is_small
from reports.unmet import MIN_PEOPLE, reportable

TOP = 3
MAX_TEXT_CHARS = 40
HOURS_SHOWN_AS_DAYS = 48
STATUS_WORDS = {STATUS_LABELS[status]: status.value for status in CaseStatus}
MAIN_STATES = (Engagement.ENGAGED, Engagement.WAITING, Engagement.COULDNT_GET_THROUGH, Engagement.DECLINED)


def summary_text(data: ReportData, *, show_search_terms: bool = True) -> str:
    """A dozen lines: referrals, waits, cases, signposting demand, engagement, unmet need, directory freshness.

    `show_search_terms=False` (a group chat) gives unmet need as a count only: search wording never goes to a group.
    """
    lines = [
        f"Signpost report, {data.period.label}",
        "(referrals received and signpostings made in this period; status as of today)",
        "",
        f"Referrals: {data.referrals}",
    ]
    if data.referrals:
        lines += [
            f"Top reasons: {_top(data.by_reason)}",
            f"Top wards: {_top(data.by_ward)}",
            _wait_line("Time to claim", data.time_to_claim),
            _wait_line("Time to first contact", data.time_to_first_contact),
            "Cases now: " + " · ".join(f"{c.n} {STATUS_WORDS.get(c.label, c.label)}" for c in data.by_status),
        ]
        if closed := _listing(data.by_closure):
            lines.append(f"Closed as: {closed}")
    lines += ["", f"Signpostings: {data.signpostings} for {data.signposted_clients} clients"]
    if data.signpostings:
        busiest = " · ".join(
            f"{_short(demand.service)} ({demand.n}, {demand.share:.0%} of clients)" for demand in data.by_service[:TOP]
        )
        lines += [f"Busiest services: {busiest}", *_engagement_lines(data.engagement_overall)]
    if data.responsiveness:
        lines.append(_responsiveness_line(data))
    lines += ["", *_wellbeing_lines(data), *_support_lines(data), _unmet_line(data, show_search_terms),
              _directory_line(data)]
    return "\n".join(lines)


def _responsiveness_line(data: ReportData) -> str:
    """Referrals on across services: how many, % accepted, % attended (per service figures are in the export)."""
    total = sum(row.referred_on for row in data.responsiveness)
    accepted = sum(row.accepted for row in data.responsiveness)
    attended = sum(row.attended for row in data.responsiveness)
    return (f"Referred on: {total} to {len(data.responsiveness)} services · accepted {accepted} "
            f"({accepted / total:.0%}) · attended {attended} ({attended / total:.0%})")


def _support_lines(data: ReportData) -> list[str]:
    """Support given, first contact by urgency, and reach by gender and ethnic group (groups of 1-4 as '<5')."""
    if not data.referrals:
        return []
    support = data.support
    lines = [f"Support: {support.sessions} sessions logged for {support.cases_with_sessions} cases, "
             f"{support.minutes / 60:.1f} hours; bounced (referred again after closing): {support.bounced}"]
    waits = " · ".join(f"{label.split(' (')[0].lower()} {format_hours(w.median_hours)} (n={w.n})"
                       for label, w in support.first_contact_by_urgency if w.median_hours is not None)
    if waits:
        lines.append(f"Median time to first contact by urgency: {waits}")
    for dimension in ("Gender", "Ethnic group"):
        groups = [row for row in data.equity if row.dimension == dimension]
        lines.append(f"{dimension}: " + " · ".join(
            f"{_short(row.group)} {SMALL if is_small(row.referrals) else row.referrals}" for row in groups))
    return lines


def _wellbeing_lines(data: ReportData) -> list[str]:
    """Change from first contact to closure per question, each with its n and response rate; none below 5."""
    lines = []
    if data.referrals:
        ratings = " · ".join(f"{count.label} {count.n}" for count in data.safeguarding.now)
        lines.append(f"Safeguarding now: {ratings} ({data.safeguarding.changes} rating changes in the period)")
    to_closure = [row for row in data.wellbeing if row.end == TIMEPOINTS["closure"]]
    for measure in dict.fromkeys(row.measure for row in to_closure):
        rows = [row for row in to_closure if row.measure == measure]
        shown = [row for row in rows if row.paired >= SMALLEST_SHOWN]
        answered = max(row.paired for row in rows)
        eligible = rows[0].eligible
        rate = f"{answered / eligible:.0%}" if eligible else "n/a"
        if not shown:
            lines.append(f"Wellbeing ({measure}, first contact → closure): {answered} of {eligible} closed cases "
                         f"answered both (fewer than {SMALLEST_SHOWN}, so no averages are shown).")
            continue
        changes = " · ".join(
            f"{row.item} {row.mean_before:.1f} → {row.mean_after:.1f} (n={row.paired})" for row in shown
        )
        lines.append(f"Wellbeing ({measure}, first contact → closure; response rate {rate} of {eligible} closed "
                     f"cases): {changes}")
    return lines


def format_hours(hours: float) -> str:
    """Elapsed time in hours, or in days from two days up: '5.5 hours', '3.2 days'."""
    if hours < HOURS_SHOWN_AS_DAYS:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def _wait_line(label: str, waits: Durations) -> str:
    if waits.median_hours is None or waits.p90_hours is None:
        return f"{label}: no cases yet"
    return (f"{label}: median {format_hours(waits.median_hours)}, 90% within {format_hours(waits.p90_hours)} "
            f"(n={waits.n})")


def _engagement_lines(overall: EngagementRow) -> list[str]:
    engaged_share = f" ({overall.engaged / overall.known:.0%})" if overall.known else ""
    breakdown = [f"{ENGAGEMENT_LABELS[state].lower()} {overall.counts.get(state, 0)}" for state in MAIN_STATES]
    other = overall.known - sum(overall.counts.get(state, 0) for state in MAIN_STATES)
    if other:
        breakdown.append(f"other {other}")
    breakdown.append(f"unknown {overall.n - overall.known}")
    return [
        f"Engagement: {overall.engaged} engaged of {overall.known} known outcomes{engaged_share}; "
        f"response rate {overall.known / overall.n:.0%} ({overall.known} of {overall.n})",
        " · ".join(breakdown),
    ]


def _unmet_line(data: ReportData, show_terms: bool) -> str:
    if not data.unmet_searches:
        return "Unmet need: every search found something."
    line = f"Unmet need: {data.unmet_searches} searches found nothing."
    if not show_terms:
        return line + " (Search wording is shown only in a private chat.)"
    common = " · ".join(f'"{_short(need.query)}" ({need.n})' for need in reportable(data.unmet_need)[:TOP])
    if not common:
        return line + f" None was searched by {MIN_PEOPLE} or more different people, so no wording is shown."
    return f"{line} Most common: {common}"


def _directory_line(data: ReportData) -> str:
    return (f"Directory: {data.not_verified_in_12_months} of {data.active_services} active services not verified "
            f"in 12 months; {data.never_verified} never verified.")


def _top(counts: list[Count]) -> str:
    return _listing(counts[:TOP])


def _listing(counts: Iterable[Count]) -> str:
    return " · ".join(f"{_short(count.label)} ({count.n})" for count in counts if count.n)


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "…"
