"""Read-only service snapshots: `ServiceRecord`, and reading every service from the database into them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from core.db import session_scope
from directory.models import (
    Capacity,
    Cost,
    Location,
    Organisation,
    ReferralRoute,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
)


@dataclass(frozen=True)
class ServiceRecord:
    """A read-only snapshot of one service with what a card needs (no database session required)."""

    id: str
    name: str
    organisation_id: str = ""
    organisation_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str = ""
    areas: tuple[str, ...] = ()
    area_description: str = ""
    referral_route: str = ReferralRoute.EITHER.value
    access_methods: tuple[str, ...] = ()
    opening_hours: str = ""
    hours_notes: str = ""
    cost: str = Cost.FREE.value
    cost_detail: str = ""
    languages: tuple[str, ...] = ()
    accessibility: str = ""
    accompany_allowed: bool = True
    capacity_status: str = Capacity.OPEN.value
    waiting_weeks: int | None = None
    last_verified: date | None = None
    active: bool = True
    location_name: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_models(
        cls,
        service: Service,
        organisation_name: str = "",
        categories: Sequence[str] = (),
        location: Location | None = None,
    ) -> ServiceRecord:
        """Snapshot a Service row with its organisation name, category ids and main location."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if hasattr(service, spec.name):
                value = getattr(service, spec.name)
                values[spec.name] = tuple(value) if isinstance(value, list) else value
        if location is not None:
            values.update(
                location_name=location.name,
                address=location.address,
                town=location.town,
                postcode=location.postcode,
                latitude=location.latitude,
                longitude=location.longitude,
            )
        return cls(**values, organisation_name=organisation_name, categories=tuple(categories))


def load_records(engine: Engine) -> list[ServiceRecord]:
    """Every service (by id) with its organisation name, categories and first location."""
    with session_scope(engine) as session:
        organisations = {org.id: org.name for org in session.exec(select(Organisation))}
        categories: dict[str, list[str]] = defaultdict(list)
        for link in session.exec(select(ServiceTaxonomy).order_by(ServiceTaxonomy.taxonomy_id)):
            categories[link.service_id].append(link.taxonomy_id)
        locations: dict[str, Location] = {}
        rows = session.exec(
            select(ServiceAtLocation.service_id, Location)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .order_by(ServiceAtLocation.location_id)
        )
        for service_id, location in rows:
            locations.setdefault(service_id, location)
        return [
            ServiceRecord.from_models(
                service,
                organisations.get(service.organisation_id, ""),
                categories[service.id],
                locations.get(service.id),
            )
            for service in session.exec(select(Service).order_by(Service.id))
        ]
