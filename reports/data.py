"""The figures of one report, as plain data (no database, no formatting)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True)
class CaseRow:
    """One referral, pseudonymised: its reference and figures only, never client details or free text."""

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
