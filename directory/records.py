"""Read-only service snapshots: `ServiceRecord`, and a compact encoding so an index can keep (or memory-map) a
million of them without a million Python objects. Reading them from the database is `directory.record_source`:
this module never imports the ORM, so a search answered from a saved index starts quickly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from directory.vocabulary import Capacity, Cost, ReferralRoute


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
LIST_FIELDS = frozenset(spec.name for spec in fields(ServiceRecord) if spec.type == "tuple[str, ...]")


def encode_record(record: ServiceRecord) -> bytes:
    """One record as compact JSON (a list in FIELD_NAMES order)."""
    values = [getattr(record, name) for name in FIELD_NAMES]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_as_json).encode()


def decode_record(data: bytes | memoryview) -> ServiceRecord:
    """The record `encode_record` wrote."""
    values = dict(zip(FIELD_NAMES, json.loads(bytes(data)), strict=True))
    for name in LIST_FIELDS:
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


def records_by_id(records: Sequence[ServiceRecord]) -> dict[str, ServiceRecord]:
    """Records keyed by service id."""
    return {record.id: record for record in records}
