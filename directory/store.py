"""Writing imported directory data: every import writes through here (organisations, locations, taxonomy terms and
services with their links), one SAVEPOINT per row so a bad row writes nothing, and the report of what loaded,
what did not, and what was left out of the rows that did."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.rows import RowProblem, clean_service
from directory.taxonomy import CATEGORIES

T = TypeVar("T")


@dataclass
class RowError:
    """Why one row was not loaded. `row` is the spreadsheet row (the header is row 1)."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class ImportReport:
    """How many rows loaded, each row that did not with its reason, and `notes`: rows that loaded with something
    left out or changed (a field Signpost has no place for, a phone number that is not one...)."""

    loaded: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)


def store_organisation(session: Session, organisation: Organisation) -> None:
    """Add or update an organisation."""
    session.merge(organisation)


def store_taxonomy(session: Session, term: Taxonomy) -> None:
    """Add or update a taxonomy term; Signpost's own categories keep their plain-language labels."""
    if term.id not in CATEGORIES:
        session.merge(term)


def store_location(session: Session, place: Location) -> None:
    """Add or update a location whose organisation (if it names one) is in the directory."""
    if place.organisation_id and session.get(Organisation, place.organisation_id) is None:
        raise RowProblem(f"organisation '{place.organisation_id}' of location '{place.id}' is not in the directory")
    session.merge(place)


def store_service(session: Session, service: Service, category_ids: Sequence[str], location_ids: Sequence[str]) -> None:
    """Insert or replace one checked service and replace its category and location links."""
    clean_service(service)
    if session.get(Organisation, service.organisation_id) is None:
        raise RowProblem(f"organisation '{service.organisation_id}' is not in the directory")
    missing = _missing_ids(session, Taxonomy, category_ids)
    if missing:
        raise RowProblem(f"unknown category '{missing[0]}'")
    missing = _missing_ids(session, Location, location_ids)
    if missing:
        raise RowProblem(f"location '{missing[0]}' is not in the directory")
    if session.get(Service, service.id) is None:
        session.add(service)
    else:
        session.merge(service)
        session.execute(delete(ServiceTaxonomy).where(ServiceTaxonomy.service_id == service.id))  # type: ignore[arg-type]
        session.execute(delete(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id))  # type: ignore[arg-type]
    session.flush()
    session.add_all(ServiceTaxonomy(service_id=service.id, taxonomy_id=tid) for tid in dict.fromkeys(category_ids))
    session.add_all(ServiceAtLocation(service_id=service.id, location_id=lid) for lid in dict.fromkeys(location_ids))


def _missing_ids(session: Session, table: type[Taxonomy] | type[Location], ids: Sequence[str]) -> list[str]:
    """The ids (in order) that have no row in `table`, found with one query."""
    if not ids:
        return []
    found = set(session.exec(select(table.id).where(table.id.in_(ids))).all())  # type: ignore[attr-defined]
    return [row_id for row_id in ids if row_id not in found]


def load_each(
    session: Session,
    rows: Iterable[tuple[int, T]],
    load_one: Callable[[Session, T], None],
    report: ImportReport,
) -> None:
    """Run `load_one` for each (row number, row) inside its own SAVEPOINT; a failing row writes nothing."""
    for row_number, row in rows:
        try:
            with session.begin_nested():
                load_one(session, row)
                session.flush()
        except RowProblem as problem:
            report.errors.append(RowError(problem.row or row_number, str(problem)))
        except (IntegrityError, DataError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            report.errors.append(RowError(row_number, f"the database refused it: {reason}"))
        else:
            report.loaded += 1


def links_by_service(
    session: Session, link: type[ServiceTaxonomy] | type[ServiceAtLocation], column: str
) -> dict[str, list[str]]:
    """Service id -> the ids in `column` of its `link` rows (its categories, or its locations)."""
    grouped: dict[str, list[str]] = {}
    for row in session.exec(select(link)).all():
        grouped.setdefault(row.service_id, []).append(getattr(row, column))
    return grouped
