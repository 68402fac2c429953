"""Read-only service snapshots: `ServiceRecord`, reading every service from the database into them, and a compact
encoding so an index can keep (or memory-map) a million of them without a million Python objects."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.db import reading
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

READ_BATCH = 5_000  # services fetched per round trip when streaming the directory
CATEGORY_SEPARATOR = "\x1f"  # between a service's category ids as the database joins them (ASCII unit separator)


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
    capacity_updated_at: datetime | None = None  # when the provider last said (cards: "updated 3 days ago")
    closed_until: date | None = None
    location_name: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None


FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in fields(ServiceRecord))
_LIST_FIELDS = frozenset(spec.name for spec in fields(ServiceRecord) if spec.type == "tuple[str, ...]")
_SERVICE_COLUMNS = [column for column in Service.__table__.columns if column.name in FIELD_NAMES]  # type: ignore[attr-defined]
_LOCATION_FIELDS = ("location_name", "address", "town", "postcode", "latitude", "longitude")


def encode_record(record: ServiceRecord) -> bytes:
    """One record as compact JSON (a list in FIELD_NAMES order)."""
    values = [getattr(record, name) for name in FIELD_NAMES]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_as_json).encode()


def decode_record(data: bytes | memoryview) -> ServiceRecord:
    """The record `encode_record` wrote."""
    values = dict(zip(FIELD_NAMES, json.loads(bytes(data)), strict=True))
    for name in _LIST_FIELDS:
        values[name] = tuple(values[name])
    for name, parse in (("last_verified", date.fromisoformat), ("closed_until", date.fromisoformat),
                        ("capacity_updated_at", datetime.fromisoformat)):
        if values[name] is not None:
            values[name] = parse(values[name])
    return ServiceRecord(**values)


def _as_json(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def iter_records(engine: Engine) -> Iterator[ServiceRecord]:
    """Every service (by id) with its organisation name, categories and first location, streamed in batches.

    One query of plain rows (no ORM objects): the organisation, categories and first location of each service come
    with its row (a join and correlated subqueries on the link tables' primary keys), so memory holds one batch,
    not a lookup of every service's categories and places (about 800 MB at a million services).
    """
    categories = (
        select(func.aggregate_strings(ServiceTaxonomy.taxonomy_id, CATEGORY_SEPARATOR))
        .where(ServiceTaxonomy.service_id == Service.id)  # type: ignore[arg-type]
        .scalar_subquery()
    )
    first_location = (
        select(func.min(ServiceAtLocation.location_id))
        .where(ServiceAtLocation.service_id == Service.id)  # type: ignore[arg-type]
        .scalar_subquery()
    )
    location_columns = [Location.id, Location.name, Location.address, Location.town, Location.postcode,  # type: ignore[list-item]
                        Location.latitude, Location.longitude]  # fmt: skip
    query = (
        select(*_SERVICE_COLUMNS, Organisation.name, categories, *location_columns)  # type: ignore[call-overload]
        .outerjoin(Organisation, Organisation.id == Service.organisation_id)  # type: ignore[arg-type]
        .outerjoin(Location, Location.id == first_location)  # type: ignore[arg-type]
        .order_by(Service.id)
    )
    service_fields = [column.name for column in _SERVICE_COLUMNS]
    with reading(engine).connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=READ_BATCH).execute(query)
        for row in result:
            values: dict[str, Any] = {name: _plain(value) for name, value in zip(service_fields, row, strict=False)}
            for name in _LIST_FIELDS & values.keys():
                values[name] = tuple(values[name] or ())
            organisation_name, joined_categories, location_id, *place = row[len(service_fields) :]
            if location_id is not None:
                values.update(zip(_LOCATION_FIELDS, place, strict=True))
            yield ServiceRecord(
                **values,
                organisation_name=organisation_name or "",
                categories=tuple(sorted(joined_categories.split(CATEGORY_SEPARATOR))) if joined_categories else (),
            )


def load_records(engine: Engine) -> list[ServiceRecord]:
    """Every service (by id) with its organisation name, categories and first location."""
    return list(iter_records(engine))


def _plain(value: object) -> object:
    """Enum members as their stored text, everything else as read."""
    return value.value if isinstance(value, ReferralRoute | Capacity | Cost) else value


def records_by_id(records: Sequence[ServiceRecord]) -> dict[str, ServiceRecord]:
    """Records keyed by service id."""
    return {record.id: record for record in records}
