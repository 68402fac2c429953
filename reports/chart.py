"""A four-panel PNG of a report: referrals by reason, engagement per service, referrals by month, and wellbeing
change from first contact to closure with its n (Agg backend)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from casework.models import ENGAGEMENT_LABELS, Engagement
from casework.outcomes import TIMEPOINTS
from reports.data import ReportData
from reports.suppress import SMALLEST_SHOWN

if TYPE_CHECKING:  # matplotlib is imported only when a chart is drawn: it costs ~2 s at bot start-up
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

TOP_SERVICES = 8
MAX_LABEL_CHARS = 34
DPI = 100
BAR = 0.6
ENGAGEMENT_COLOURS: dict[Engagement, str] = {
    Engagement.ENGAGED: "#2e7d32",
    Engagement.WAITING: "#f9a825",
    Engagement.COULDNT_GET_THROUGH: "#ef6c00",
    Engagement.DECLINED: "#c62828",
    Engagement.NOT_APPROPRIATE: "#6a1b9a",
    Engagement.UNABLE_TO_CONTACT: "#4e342e",
    Engagement.DIED: "#37474f",
    Engagement.UNKNOWN: "#bdbdbd",
}


def render_chart(data: ReportData, top_services: int = TOP_SERVICES) -> bytes:
    """The chart as PNG bytes. Internal use: it shows exact counts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 16), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(_plain(f"Signpost report: {data.period.label}", 80), fontsize=14, fontweight="bold")
    reasons_axes, engagement_axes, months_axes, wellbeing_axes = figure.subplots(4, 1, height_ratios=[4, 4, 3, 3])
    _reasons(reasons_axes, data)
    _engagement(engagement_axes, data, top_services)
    _months(months_axes, data)
    _wellbeing(wellbeing_axes, data)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _reasons(axes: Axes, data: ReportData) -> None:
    axes.set_title(f"Referrals by reason (n = {data.referrals}; a referral can give several)")
    if not data.by_reason:
        _empty(axes, "No referrals in this period")
        return
    counts = list(reversed(data.by_reason))
    bars = axes.barh(range(len(counts)), [count.n for count in counts], height=BAR, color="#1565c0")
    _label_rows(axes, [_plain(count.label) for count in counts])
    axes.bar_label(bars, padding=3)
    axes.set_xlabel("Referrals")
    _whole_numbers(axes.xaxis)


def _engagement(axes: Axes, data: ReportData, top_services: int) -> None:
    overall = data.engagement_overall
    rate = f"{100 * overall.known / overall.n:.0f}%" if overall.n else "n/a"
    axes.set_title(f"Engagement, top {top_services} services (n = {overall.n}; outcome known for {rate})")
    rows = list(reversed(data.engagement_by_service[:top_services]))
    if not rows:
        _empty(axes, "No signpostings in this period")
        return
    left = [0] * len(rows)
    for state, label in ENGAGEMENT_LABELS.items():
        widths = [row.counts.get(state, 0) for row in rows]
        if any(widths):
            axes.barh(range(len(rows)), widths, left=left, height=BAR, label=label, color=ENGAGEMENT_COLOURS[state])
            left = [start + width for start, width in zip(left, widths, strict=True)]
    _label_rows(axes, [f"{_plain(row.label)} (n={row.n})" for row in rows])
    axes.set_xlabel("Signpostings")
    _whole_numbers(axes.xaxis)
    axes.legend(loc="best", fontsize="small")


def _months(axes: Axes, data: ReportData) -> None:
    axes.set_title("Referrals by month received")
    if not data.referrals:
        _empty(axes, "No referrals in this period")
        return
    months = [count.label for count in data.by_month]
    bars = axes.bar(range(len(months)), [count.n for count in data.by_month], width=BAR, color="#00838f")
    axes.set_xticks(range(len(months)), months)
    axes.set_xlim(-0.5, max(len(months), 4) - 0.5)  # a single month stays a bar, not a wall
    axes.margins(y=0.15)
    axes.bar_label(bars, padding=2)
    axes.set_ylabel("Referrals")
    _whole_numbers(axes.yaxis)
    axes.tick_params(axis="x", labelrotation=45 if len(data.by_month) > 6 else 0)


def _wellbeing(axes: Axes, data: ReportData) -> None:
    """Mean before and after for each question answered by at least 5 cases at both first contact and closure."""
    axes.set_title("Wellbeing, first contact → closure (cases answering both; none shown below 5)")
    rows = [row for row in data.wellbeing if row.end == TIMEPOINTS["closure"] and row.paired >= SMALLEST_SHOWN]
    if not rows:
        _empty(axes, f"Fewer than {SMALLEST_SHOWN} cases answered at both first contact and closure")
        return
    positions = range(len(rows))
    before = axes.barh([p + BAR / 4 for p in positions], [row.mean_before for row in rows], height=BAR / 2,
                       color="#90a4ae", label="First contact")
    after = axes.barh([p - BAR / 4 for p in positions], [row.mean_after for row in rows], height=BAR / 2,
                      color="#1565c0", label="Closure")
    axes.bar_label(before, fmt="%.1f", padding=2)
    axes.bar_label(after, fmt="%.1f", padding=2)
    better = {True: "lower is better", False: "higher is better"}
    _label_rows(axes, [_plain(f"{row.measure} {row.item} (n={row.paired}; {better[row.lower_is_better]})", 60)
                       for row in rows])
    axes.set_xlabel("Mean score")
    axes.legend(loc="best", fontsize="small")


def _whole_numbers(axis: Axis) -> None:
    """Counts are whole: no 0.5 referral ticks."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _label_rows(axes: Axes, labels: list[str]) -> None:
    axes.set_yticks(range(len(labels)), labels)


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#616161", transform=axes.transAxes)
    axes.set_axis_off()


def _plain(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Shortened, with '$' escaped so matplotlib never reads user text as mathtext."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return short.replace("$", r"\$")
