"""The curated directory CSV (`directory_seed.csv` format): loading it, seeding an empty directory, and export."""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.csvsafe import write_safe_csv
from core.db import session_scope
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.rows import (
    LIST_SEPARATOR,
    MAX_ID_LENGTH,
    RowProblem,
    clean_service,
    normalise_areas,
    normalise_postcode,
    parse_choice,
    parse_date,
    parse_int,
    parse_yes_no,
    split_list,
    unquote_cell,
)
from directory.store import ImportReport, RowError, links_by_service, load_each, store_service
from directory.taxonomy import CATEGORIES, VOCABULARY
from directory.vocabulary import Capacity, Cost, ReferralRoute

log = logging.getLogger(__name__)

SEED_COLUMNS: tuple[str, ...] = (
    "id", "organisation", "name", "description", "categories", "tags", "min_age", "max_age", "eligibility",
    "areas", "referral_route", "access_methods", "phone", "email", "url", "location_name", "address", "town",
    "postcode", "opening_hours", "cost", "cost_detail", "languages", "accessibility", "accompany_allowed",
    "capacity_status", "waiting_weeks", "last_verified",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("active",)  # written by export; "yes" when absent
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def ensure_taxonomy(session: Session) -> None:
    """Insert or update one Taxonomy row per category (labels may change; ids never do), in one query."""
    rows = {row.id: row for row in session.exec(select(Taxonomy)).all()}
    for category in CATEGORIES.values():
        row = rows.get(category.id)
        if row is None:
            session.add(Taxonomy(id=category.id, name=category.label, vocabulary=VOCABULARY))
        elif (row.name, row.vocabulary) != (category.label, VOCABULARY):
            row.name, row.vocabulary = category.label, VOCABULARY
    session.flush()


def slugify(text: str, limit: int = MAX_ID_LENGTH) -> str:
    """A stable lower-case id from a name; long ones end in a short hash so they stay unique."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("&", " and ")).strip("-")
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha1(slug.encode()).hexdigest()[:8]  # noqa: S324 - an id, not security
    return f"{slug[: limit - 9].rstrip('-')}-{digest}"


@dataclass
class _SeedRow:
    service: Service
    organisation_name: str
    location: Location | None
    category_ids: list[str]


def load_directory_csv(session: Session, path: Path | str) -> ImportReport:
    """Load a directory CSV into the session's transaction: good rows are upserted by id, bad rows reported."""
    ensure_taxonomy(session)
    report = ImportReport()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in SEED_COLUMNS if column not in header]
        if missing:
            report.errors.append(RowError(1, f"missing column(s): {', '.join(missing)}"))
            return report
        extra = [column for column in header if column not in SEED_COLUMNS + OPTIONAL_COLUMNS]
        if extra:
            report.errors.append(RowError(1, f"unknown column(s) ignored: {', '.join(extra)}"))
        known_categories = set(session.exec(select(Taxonomy.id)).all())
        parsed = _parse_rows(reader, known_categories, report)
        load_each(session, parsed, _store_seed_row, report)
    return report


def _parse_rows(reader: csv.DictReader, known_categories: set[str], report: ImportReport) -> list[tuple[int, _SeedRow]]:
    """Parse every row; duplicates and conflicting locations are caught here, before anything is written."""
    parsed: list[tuple[int, _SeedRow]] = []
    first_row_of_id: dict[str, int] = {}
    locations: dict[str, tuple[int, tuple[str, ...]]] = {}
    for index, raw in enumerate(reader):
        row_number = index + 2
        values = {column: unquote_cell((raw.get(column) or "").strip()) for column in SEED_COLUMNS + OPTIONAL_COLUMNS}
        if not any(values.values()):
            continue
        try:
            row = _parse_seed_row(values, known_categories)
            if row.service.id in first_row_of_id:
                raise RowProblem(f"id '{row.service.id}' is already used in row {first_row_of_id[row.service.id]}")
            if row.location is not None:
                place = row.location
                content = (place.name, place.address, place.town, place.postcode)
                earlier = locations.setdefault(place.id, (row_number, content))
                if earlier[1] != content:
                    label = place.name or place.address
                    raise RowProblem(f"location '{label}' has a different address in row {earlier[0]}")
        except RowProblem as problem:
            report.errors.append(RowError(row_number, str(problem)))
            continue
        first_row_of_id[row.service.id] = row_number
        parsed.append((row_number, row))
    return parsed


def _parse_seed_row(values: dict[str, str], known_categories: set[str]) -> _SeedRow:
    """Turn one CSV row into a checked service, its organisation name, location and categories."""
    service_id = values["id"]
    if not _SLUG.match(service_id) or len(service_id) > MAX_ID_LENGTH:
        raise RowProblem(f"id '{service_id}' must be lower-case letters, digits and hyphens (max {MAX_ID_LENGTH})")
    for column in ("organisation", "name", "description"):
        if not values[column]:
            raise RowProblem(f"{column} is empty")
    if len(values["organisation"]) > 200:
        raise RowProblem("organisation is longer than 200 characters")
    categories = split_list(values["categories"])
    if not categories:
        raise RowProblem("categories is empty")
    unknown = [category for category in categories if category not in known_categories]
    if unknown:
        raise RowProblem(f"unknown category '{unknown[0]}' (known: {', '.join(CATEGORIES)})")
    areas = normalise_areas(split_list(values["areas"]))
    if not areas:
        raise RowProblem("areas is empty (use national for services open to everyone)")
    access_methods = [method.lower() for method in split_list(values["access_methods"])]
    if not access_methods:
        raise RowProblem("access_methods is empty")
    organisation_id = slugify(values["organisation"])
    service = Service(
        id=service_id,
        organisation_id=organisation_id,
        name=values["name"],
        description=values["description"],
        url=values["url"],
        email=values["email"],
        phone=values["phone"],
        tags=split_list(values["tags"]),
        min_age=parse_int(values["min_age"], "min_age"),
        max_age=parse_int(values["max_age"], "max_age"),
        eligibility=values["eligibility"],
        areas=areas,
        referral_route=parse_choice(values["referral_route"], "referral_route", ReferralRoute),
        access_methods=access_methods,
        opening_hours=values["opening_hours"],
        cost=parse_choice(values["cost"], "cost", Cost),
        cost_detail=values["cost_detail"],
        languages=split_list(values["languages"]),
        accessibility=values["accessibility"],
        accompany_allowed=parse_yes_no(values["accompany_allowed"], "accompany_allowed"),
        capacity_status=parse_choice(values["capacity_status"], "capacity_status", Capacity),
        waiting_weeks=parse_int(values["waiting_weeks"], "waiting_weeks", high=520),
        last_verified=parse_date(values["last_verified"], "last_verified"),
        active=parse_yes_no(values["active"], "active", default=True),
    )
    clean_service(service)
    return _SeedRow(service, values["organisation"], _seed_location(values, organisation_id), categories)


def _seed_location(values: dict[str, str], organisation_id: str) -> Location | None:
    """The row's location, with an id derived from its organisation and name (None when the row has none)."""
    name, address, town = values["location_name"], values["address"], values["town"]
    postcode = normalise_postcode(values["postcode"])
    label = name or address or town or postcode
    if not label:
        return None
    return Location(
        id=slugify(f"{organisation_id} {label} {postcode or town}"),
        organisation_id=organisation_id,
        name=name,
        address=address,
        town=town,
        postcode=postcode,
    )


def _store_seed_row(session: Session, row: _SeedRow) -> None:
    organisation = _organisation_named(session, row.organisation_name, row.service.organisation_id)
    row.service.organisation_id = organisation.id
    location_ids: list[str] = []
    if row.location is not None:
        row.location.organisation_id = organisation.id
        existing = session.get(Location, row.location.id)
        if existing is None:
            session.add(row.location)
        else:
            for column in ("organisation_id", "name", "address", "town", "postcode"):
                setattr(existing, column, getattr(row.location, column))
        session.flush()
        location_ids.append(row.location.id)
    store_service(session, row.service, row.category_ids, location_ids)


def _organisation_named(session: Session, name: str, fallback_id: str) -> Organisation:
    """The organisation with this name (or slug id), created with just its name if new."""
    found = session.exec(select(Organisation).where(Organisation.name == name).order_by(Organisation.id)).first()
    if found is None:
        found = session.get(Organisation, fallback_id)
    if found is None:
        found = Organisation(id=fallback_id, name=name)
        session.add(found)
    found.name = name
    session.flush()
    return found


def ensure_seeded(engine: Engine, path: Path | str) -> int:
    """Load the seed CSV when the directory has no services yet; returns how many services were loaded."""
    with session_scope(engine) as session:
        ensure_taxonomy(session)
        if session.exec(select(Service.id).limit(1)).first() is not None:
            return 0
        report = load_directory_csv(session, path)
    if report.errors:
        log.warning("directory seed: %d row(s) not loaded; run `python -m directory import-csv` to see why",
                    len(report.errors))
    log.info("directory seeded with %d services", report.loaded)
    return report.loaded


def export_directory_csv(session: Session, path: Path | str) -> int:
    """Write every service in the seed format (plus `active`), formula-safe; returns how many were written."""
    organisations = {org.id: org.name for org in session.exec(select(Organisation)).all()}
    categories = links_by_service(session, ServiceTaxonomy, "taxonomy_id")
    locations = {place.id: place for place in session.exec(select(Location)).all()}
    places = links_by_service(session, ServiceAtLocation, "location_id")
    category_order = {category: index for index, category in enumerate(CATEGORIES)}
    rows = []
    for service in session.exec(select(Service).order_by(Service.id)).all():
        service_categories = sorted(categories.get(service.id, []), key=lambda c: (category_order.get(c, 99), c))
        place_ids = sorted(places.get(service.id, []))
        place = locations[place_ids[0]] if place_ids else Location(id="")
        rows.append(_seed_cells(service, organisations[service.organisation_id], service_categories, place))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        write_safe_csv(handle, SEED_COLUMNS + OPTIONAL_COLUMNS, rows)
    return len(rows)


def _seed_cells(service: Service, organisation: str, categories: list[str], place: Location) -> list[object]:
    joined = LIST_SEPARATOR.join
    yes_no = {True: "yes", False: "no"}
    return [
        service.id, organisation, service.name, service.description, joined(categories), joined(service.tags),
        service.min_age, service.max_age, service.eligibility, joined(service.areas), service.referral_route.value,
        joined(service.access_methods), service.phone, service.email, service.url, place.name, place.address,
        place.town, place.postcode, service.opening_hours, service.cost.value, service.cost_detail,
        joined(service.languages), service.accessibility, yes_no[service.accompany_allowed],
        service.capacity_status.value, service.waiting_weeks,
        service.last_verified.isoformat() if service.last_verified else "", yes_no[service.active],
    ]
