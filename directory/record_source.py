"""Every service read from the database as `ServiceRecord` snapshots, streamed in batches (to build an index)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.db import reading
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy
from directory.records import FIELD_NAMES, LIST_FIELDS, ServiceRecord
from directory.vocabulary import Capacity, Cost, ReferralRoute

READ_BATCH = 5_000  # services fetched per round trip when streaming the directory
CATEGORY_SEPARATOR = "\x1f"  # between a service's category ids as the database joins them (ASCII unit separator)
_SERVICE_COLUMNS = [column for column in Service.__table__.columns if column.name in FIELD_NAMES]  # type: ignore[attr-defined]
_LOCATION_FIELDS = ("location_name", "address", "town", "postcode", "latitude", "longitude")


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
            for name in LIST_FIELDS & values.keys():
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
