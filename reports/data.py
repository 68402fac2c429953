"""The figures of one report, as plain data (no database, no formatting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from casework.models import CaseStatus, Engagement
from reports.period import Period

STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: "New (not yet claimed)",
    CaseStatus.CLAIMED: "Claimed, not yet contacted",
    CaseStatus.CONTACTED: "Contacted (open)",
    CaseStatus.CLOSED: "Closed",
}

# Column order for engagement tables: the states link workers ask about first, "unknown" last.

NOT_RECORDED = "Not recorded"
ALL_SERVICES = "All services"


@dataclass(frozen=True)
class Count:
    """One labelled count, e.g. a reason and how many referrals gave it."""

    label: str
    n: int


@dataclass(frozen=True)
class Durations:
    """Elapsed calendar time (not working hours) from referral to an event, over the `n` cases that reached it."""

    n: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class ServiceDemand:
    """How often one service was signposted to, and its share of all clients signposted in the period."""

    service: str
    n: int
    share: float


@dataclass(frozen=True)
class EngagementRow:
    """What became of the signpostings to one service (or to all services)."""

    label: str
    counts: dict[Engagement, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def known(self) -> int:
        """Signpostings whose outcome is known (anything but 'unknown')."""
        return self.n - self.counts.get(Engagement.UNKNOWN, 0)

    @property
    def engaged(self) -> int:
        return self.counts.get(Engagement.ENGAGED, 0)


@dataclass(frozen=True)
class UnmetNeed:
    """A group of similar searches that found nothing: the most common wording, how often, and by how many
    different people (0 when not known, e.g. searches recorded before searchers were counted)."""

    query: str
    n: int
    variants: int
    people: int = 0


@dataclass(frozen=True)
class StaleService:
    """An active directory service whose details have not been checked recently (or ever)."""

    service: str
    last_verified: date | None


class CaseRow(NamedTuple):
    """One referral, pseudonymised: its reference and figures only, never client details or free text. (A named
    tuple, not a frozen dataclass: a year has 50k of them, made in a sixth of the time.)"""

    reference: str
    received: date
    ward: str
    role: str
    reasons: tuple[str, ...]
    status: str
    closure: str
    hours_to_claim: float | None
    hours_to_first_contact: float | None
    signpostings: int


@dataclass(frozen=True)
class ServiceResponse:
    """How one service answered the clients referred on to it in the period (the provider loop)."""

    service: str
    referred_on: int
    answered: int
    accepted: int  # accepted or put on the waiting list
    attended: int  # marked first session attended (or finished)
    median_hours_to_accept: float | None  # over the `accepted` referrals
    last_verified: date | None


@dataclass(frozen=True)
class WaitingPoint:
    """The waiting time a service reported in one month (capacity changes and waiting-list answers)."""

    service: str
    month: str  # YYYY-MM
    median_weeks: float
    n: int  # how many reports


@dataclass(frozen=True)
class WellbeingChange:
    """One question of a wellbeing measure, from one time point to a later one, over the cases that answered both
    (`paired`) among those that reached the later point (`eligible`). Means are of the paired answers only."""

    measure: str
    item: str  # short name, e.g. "life satisfaction"
    question: str
    start: str
    end: str
    eligible: int
    paired: int
    mean_before: float | None
    mean_after: float | None
    lower_is_better: bool = False

    @property
    def mean_change(self) -> float | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return self.mean_after - self.mean_before


@dataclass(frozen=True)
class RatingCounts:
    """How many cases had each safeguarding rating (label -> count), e.g. for one month received."""

    label: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SafeguardingFigures:
    """Safeguarding RAG of the referrals received: as made, as of the report date, by month received (as of the
    report date), and how many rating changes were recorded in the period."""

    at_referral: list[Count] = field(default_factory=list)
    now: list[Count] = field(default_factory=list)
    by_month: list[RatingCounts] = field(default_factory=list)
    changes: int = 0


@dataclass(frozen=True)
class EquityRow:
    """Referrals received from one group (e.g. gender 'Woman'), how many closed, and how many of those engaged."""

    dimension: str
    group: str
    referrals: int
    closed: int
    engaged: int


@dataclass(frozen=True)
class SupportFigures:
    """Support given to the referrals received: sessions and minutes per case (over cases with any session), by
    mode, time to first contact by urgency, not-appropriate closures by reason for referral, bounced clients."""

    cases_with_sessions: int = 0
    sessions: int = 0
    minutes: int = 0
    median_sessions: float | None = None
    median_minutes: float | None = None
    by_mode: list[Count] = field(default_factory=list)
    first_contact_by_urgency: list[tuple[str, Durations]] = field(default_factory=list)
    not_appropriate_by_reason: list[Count] = field(default_factory=list)
    bounced: int = 0  # referred again after an earlier case of the same hospital number had closed
    plans: int = 0  # cases with a support plan
    plan_goals: int = 0  # goals set in those plans


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows. Referral figures cover referrals received in the period (status as of today);
    signposting figures cover signpostings made in the period; unmet need covers searches in the period."""

    period: Period
    generated_on: date
    referrals: int
    by_reason: list[Count]
    by_ward: list[Count]
    by_role: list[Count]
    by_month: list[Count]
    time_to_claim: Durations
    time_to_first_contact: Durations
    by_status: list[Count]
    by_closure: list[Count]
    signpostings: int
    signposted_clients: int
    by_service: list[ServiceDemand]
    by_category: list[Count]
    engagement_overall: EngagementRow
    engagement_by_service: list[EngagementRow]
    unmet_searches: int
    unmet_need: list[UnmetNeed]
    active_services: int
    stale_services: list[StaleService]
    cases: list[CaseRow]
    responsiveness: list[ServiceResponse] = field(default_factory=list)
    waiting_weeks: list[WaitingPoint] = field(default_factory=list)
    wellbeing: list[WellbeingChange] = field(default_factory=list)
    safeguarding: SafeguardingFigures = field(default_factory=lambda: SafeguardingFigures())
    equity: list[EquityRow] = field(default_factory=list)
    support: SupportFigures = field(default_factory=lambda: SupportFigures())

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no referral received and no signposting made in the period."""
        return not self.referrals and not self.signpostings

    @property
    def never_verified(self) -> int:
        return sum(1 for service in self.stale_services if service.last_verified is None)

    @property
    def not_verified_in_12_months(self) -> int:
        return len(self.stale_services) - self.never_verified
