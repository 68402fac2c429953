"""The curated directory CSV (`directory_seed.csv` format): its field rules, loading, seeding and export.

Also home of what every directory import shares: value checks, storing one service with its links,
and the one-SAVEPOINT-per-row loop that keeps a bad row from writing anything.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, select

from bot.clock import utcnow
from bot.csvsafe import safe_cell, write_safe_csv
from bot.db import session_scope
from directory.areas import normalise_area
from directory.models import (
    ACCESS_METHODS,
    Capacity,
    Cost,
    Location,
    Organisation,
    ReferralRoute,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    Taxonomy,
)
from directory.opening_hours import parse_opening_hours
from directory.taxonomy import CATEGORIES, ensure_taxonomy

log = logging.getLogger(__name__)

SEED_COLUMNS: tuple[str, ...] = (
    "id", "organisation", "name", "description", "categories", "tags", "min_age", "max_age", "eligibility",
    "areas", "referral_route", "access_methods", "phone", "email", "url", "location_name", "address", "town",
    "postcode", "opening_hours", "cost", "cost_detail", "languages", "accessibility", "accompany_allowed",
    "capacity_status", "waiting_weeks", "last_verified",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("active",)  # written by export; "yes" when absent
LIST_SEPARATOR = "|"
MAX_ID_LENGTH = 64
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


# ---- reports ------------------------------------------------------------------------------

@dataclass
class RowError:
    """Why one row was not loaded. `row` is the spreadsheet row (the header is row 1)."""

    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


@dataclass
class ImportReport:
    """How many rows loaded, and each row that did not with its reason."""

    loaded: int = 0
    errors: list[RowError] = field(default_factory=list)


class RowProblem(ValueError):
    """A row cannot be loaded; the message says why in words a directory editor understands.

    `row` is set when the problem lies in another row than the one being loaded (e.g. a child table row).
    """

    def __init__(self, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.row = row


# ---- value checks shared by every import ----------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")


def check_opening_hours(text: str) -> str:
    """Opening hours trimmed, once every `;`-separated part is understood by the search (raises RowProblem).

    Grammar: "24/7", or groups like "Mon-Fri 09:00-17:00; Sat 10:00-13:00" or "Tue,Thu 10:00-12:00";
    empty means unknown.
    """
    text = " ".join(text.split())
    for part in text.split(";") if text else []:
        if not parse_opening_hours(part):
            raise RowProblem(
                f"opening hours '{part.strip()}' not understood; write them like 'Mon-Fri 09:00-17:00' or "
                "'Tue,Thu 10:00-12:00'"
            )
    return text


def normalise_postcode(text: str) -> str:
    """A UK postcode in upper case with one space ("nr2 1tf" -> "NR2 1TF"); "" stays ""."""
    cleaned = "".join(text.split()).upper()
    if not cleaned:
        return ""
    match = _POSTCODE.match(cleaned)
    if match is None:
        raise RowProblem(f"'{text}' is not a UK postcode")
    return f"{match[1]} {match[2]}"


def parse_int(text: str, column: str, low: int = 0, high: int = 120) -> int | None:
    """A whole number between `low` and `high`, or None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise RowProblem(f"{column} '{text}' must be a whole number") from None
    if not low <= number <= high:
        raise RowProblem(f"{column} {number} must be between {low} and {high}")
    return number


def parse_date(text: str, column: str) -> date | None:
    """A YYYY-MM-DD date, not in the future, or None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise RowProblem(f"{column} '{text}' must be a date written YYYY-MM-DD") from None
    if value > utcnow().date():
        raise RowProblem(f"{column} {text} is in the future")
    return value


def parse_yes_no(text: str, column: str, default: bool | None = None) -> bool:
    """yes/no (also true/false, y/n, 1/0); an empty cell gives `default` when there is one."""
    lowered = text.strip().lower()
    if lowered in ("yes", "y", "true", "1"):
        return True
    if lowered in ("no", "n", "false", "0"):
        return False
    if not lowered and default is not None:
        return default
    raise RowProblem(f"{column} must be yes or no, not '{text}'")


def parse_choice(text: str, column: str, choices: type[E]) -> E:
    """One value of an enumeration, case-insensitive."""
    try:
        return choices(text.strip().lower())
    except ValueError:
        allowed = "|".join(choice.value for choice in choices)
        raise RowProblem(f"{column} must be one of {allowed}, not '{text}'") from None


def split_list(text: str) -> list[str]:
    """The items of a `|`-separated cell, trimmed, empties dropped."""
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def normalise_areas(areas: Iterable[str], strict: bool = True) -> list[str]:
    """Area tokens in canonical form; an unknown area is an error when `strict`, kept as written otherwise."""
    result: list[str] = []
    for area in areas:
        token = normalise_area(area)
        if token is None and strict:
            raise RowProblem(
                f"unknown area '{area}' (use a postcode district like NR3, a council area like Breckland, "
                "Norfolk, Suffolk or national)"
            )
        token = token or area.strip()
        if token not in result:
            result.append(token)
    return result


def unquote_cell(text: str) -> str:
    """Undo the quote `bot.csvsafe.safe_cell` puts before formula-like cells, so export -> import round-trips."""
    if text.startswith("'") and safe_cell(text[1:]) == text:
        return text[1:]
    return text


def clean_service(service: Service) -> None:
    """Check the rules every stored service meets, whatever file it came from, and tidy its opening hours
    (raises RowProblem)."""
    if not service.id or len(service.id) > MAX_ID_LENGTH:
        raise RowProblem(f"id must be 1 to {MAX_ID_LENGTH} characters")
    if not service.name.strip():
        raise RowProblem("name is empty")
    if len(service.name) > 200:
        raise RowProblem("name is longer than 200 characters")
    if service.min_age is not None and service.max_age is not None and service.min_age > service.max_age:
        raise RowProblem(f"min_age {service.min_age} is above max_age {service.max_age}")
    unknown = [method for method in service.access_methods if method not in ACCESS_METHODS]
    if unknown:
        raise RowProblem(f"unknown access method '{unknown[0]}' (use {'|'.join(ACCESS_METHODS)})")
    _check_contact_for_access(service)
    if service.email and not _EMAIL.match(service.email):
        raise RowProblem(f"email '{service.email}' is not an email address")
    if service.url and not service.url.startswith(("https://", "http://")):
        raise RowProblem(f"url '{service.url}' must start with https://")
    if service.waiting_weeks is not None and service.capacity_status != Capacity.WAITING_LIST:
        raise RowProblem("waiting_weeks is only for services with capacity_status waiting_list")
    for column in ("tags", "areas", "access_methods", "languages"):
        if any(not item.strip() or LIST_SEPARATOR in item for item in getattr(service, column)):
            raise RowProblem(f"{column} items must be non-empty and must not contain '{LIST_SEPARATOR}'")
    service.opening_hours = check_opening_hours(service.opening_hours)


_CONTACT_WORDS = {"phone": "a phone number", "text": "a phone number", "email": "an email address", "web": "a url"}


def _check_contact_for_access(service: Service) -> None:
    needs = {"phone": service.phone, "text": service.phone, "email": service.email, "web": service.url}
    for method, contact in needs.items():
        if method in service.access_methods and not contact.strip():
            raise RowProblem(f"access method '{method}' needs {_CONTACT_WORDS[method]}")


# ---- storing ------------------------------------------------------------------------------

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


def slugify(text: str, limit: int = MAX_ID_LENGTH) -> str:
    """A stable lower-case id from a name; long ones end in a short hash so they stay unique."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("&", " and ")).strip("-")
    if len(slug) <= limit:
        return slug
    digest = hashlib.sha1(slug.encode()).hexdigest()[:8]  # noqa: S324 - an id, not security
    return f"{slug[: limit - 9].rstrip('-')}-{digest}"


# ---- the seed CSV -----------------------------------------------------------------------------

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
    categories = _links_by_service(session, ServiceTaxonomy, "taxonomy_id")
    locations = {place.id: place for place in session.exec(select(Location)).all()}
    places = _links_by_service(session, ServiceAtLocation, "location_id")
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


def _links_by_service(
    session: Session, link: type[ServiceTaxonomy] | type[ServiceAtLocation], column: str
) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for row in session.exec(select(link)).all():
        grouped.setdefault(row.service_id, []).append(getattr(row, column))
    return grouped


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
