"""Open Referral UK (ORUK) import and export: a folder of CSV tables, or a JSON list of service objects.

Both formats go through one shape, the ORUK service object ("document"). Fields Signpost holds that ORUK
has no place for travel in `x_signpost_*` fields, so export -> import keeps every field. Data from other
ORUK publishers (without those fields) still imports, with sensible defaults described in docs/directory.md.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.csvsafe import write_safe_csv
from directory.models import (
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
from directory.opening_hours import DAY_NAMES, parse_opening_hours
from directory.seed import (
    MAX_ID_LENGTH,
    ImportReport,
    RowError,
    RowProblem,
    check_opening_hours,
    load_each,
    normalise_areas,
    normalise_postcode,
    parse_choice,
    parse_date,
    parse_int,
    parse_yes_no,
    split_list,
    store_service,
    unquote_cell,
)
from directory.taxonomy import CATEGORIES, ensure_taxonomy

Document = dict[str, Any]
X = "x_signpost_"
_X_SERVICE = tuple(
    X + name
    for name in (
        "tags", "referral_route", "access_methods", "opening_hours", "accessibility", "accompany_allowed",
        "capacity_status", "waiting_weeks",
    )
)
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description", "email", "url", X + "phone"),
    "services": ("id", "organization_id", "name", "description", "url", "email", "status", "fees", "assured_date",
                 *_X_SERVICE),
    "locations": ("id", "name", "description", "latitude", "longitude", X + "organization_id"),
    "physical_addresses": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "taxonomies": ("id", "name", "vocabulary", "parent_id"),
    "service_taxonomies": ("id", "service_id", "taxonomy_id"),
    "regular_schedules": ("id", "service_id", "opens_at", "closes_at", "byday", "freq", "interval", "description"),
    "eligibilities": ("id", "service_id", "eligibility", "minimum_age", "maximum_age"),
    "cost_options": ("id", "service_id", "option", "amount", "amount_description"),
    "languages": ("id", "service_id", "language"),
    "service_areas": ("id", "service_id", "service_area"),
    "contacts": ("id", "service_id", "name", "title"),
    "phones": ("id", "contact_id", "number"),
}
# service-object list key -> the CSV table holding the same rows (each with a service_id)
_CHILD_TABLES = {
    "regular_schedules": "regular_schedules",
    "eligibilitys": "eligibilities",
    "cost_options": "cost_options",
    "languages": "languages",
    "service_areas": "service_areas",
    "contacts": "contacts",
}
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORUK_STATUS = {"active": True, "inactive": False, "defunct": False, "temporarily closed": True}


# ---- export -----------------------------------------------------------------------------------

def service_documents(session: Session) -> list[Document]:
    """Every service as a full ORUK service object, ordered by id."""
    organisations = {org.id: org for org in session.exec(select(Organisation)).all()}
    locations = {place.id: place for place in session.exec(select(Location)).all()}
    taxonomies = {term.id: term for term in session.exec(select(Taxonomy)).all()}
    place_links = _group(session.exec(select(ServiceAtLocation)).all(), "location_id")
    term_links = _group(session.exec(select(ServiceTaxonomy)).all(), "taxonomy_id")
    return [
        _service_document(
            service,
            organisations[service.organisation_id],
            [locations[place] for place in sorted(place_links.get(service.id, []))],
            [taxonomies[term] for term in sorted(term_links.get(service.id, []))],
        )
        for service in session.exec(select(Service).order_by(Service.id)).all()
    ]


def _group(links: Any, column: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for link in links:
        grouped.setdefault(link.service_id, []).append(getattr(link, column))
    return grouped


def _service_document(
    service: Service, organisation: Organisation, places: list[Location], terms: list[Taxonomy]
) -> Document:
    sid = service.id
    status = "active" if service.active else "inactive"
    if service.active and service.capacity_status == Capacity.CLOSED:
        status = "temporarily closed"
    eligibility = [{"id": f"{sid}:eligibility", "eligibility": service.eligibility,
                    "minimum_age": service.min_age, "maximum_age": service.max_age}]
    has_eligibility = service.eligibility or service.min_age is not None or service.max_age is not None
    contacts = [{"id": f"{sid}:contact", "name": "", "title": "",
                 "phones": [{"id": f"{sid}:phone", "number": service.phone}]}]
    return {
        "id": sid,
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": status,
        "fees": service.cost_detail,
        "assured_date": service.last_verified.isoformat() if service.last_verified else "",
        "organization": _organisation_document(organisation),
        "service_at_locations": [
            {"id": f"{sid}@{place.id}", "location": _location_document(place)} for place in places
        ],
        "service_taxonomys": [
            {"id": f"{sid}#{term.id}", "taxonomy": _taxonomy_document(term)} for term in terms
        ],
        "regular_schedules": _schedules(service),
        "eligibilitys": eligibility if has_eligibility else [],
        "cost_options": [{"id": f"{sid}:cost", "option": service.cost.value, "amount": None,
                          "amount_description": service.cost_detail}],
        "languages": [{"id": f"{sid}:language:{n}", "language": lang} for n, lang in enumerate(service.languages)],
        "service_areas": [{"id": f"{sid}:area:{n}", "service_area": area} for n, area in enumerate(service.areas)],
        "contacts": contacts if service.phone else [],
        X + "tags": list(service.tags),
        X + "referral_route": service.referral_route.value,
        X + "access_methods": list(service.access_methods),
        X + "opening_hours": service.opening_hours,
        X + "accessibility": service.accessibility,
        X + "accompany_allowed": service.accompany_allowed,
        X + "capacity_status": service.capacity_status.value,
        X + "waiting_weeks": service.waiting_weeks,
    }


def _schedules(service: Service) -> list[Document]:
    """Opening hours as weekly ORUK regular_schedules: one per distinct opening time, listing its days."""
    days_by_times: dict[tuple[int, int], list[int]] = {}
    for slot in parse_opening_hours(service.opening_hours):
        days_by_times.setdefault((slot.start, slot.end), []).append(slot.weekday)
    ordered = sorted(days_by_times.items(), key=lambda item: (min(item[1]), item[0]))
    return [
        {
            "id": f"{service.id}:hours:{n}",
            "opens_at": _clock(start),
            "closes_at": _clock(end),
            "byday": ",".join(_BYDAY[day] for day in sorted(days)),
            "freq": "WEEKLY",
            "interval": 1,
            "description": f"{_day_list(days)} {_clock(start)}-{_clock(end)}",
        }
        for n, ((start, end), days) in enumerate(ordered)
    ]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_list(days: list[int]) -> str:
    """'Mon-Fri' for a run of three or more days, otherwise 'Tue,Thu'."""
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[day] for day in days)


def _organisation_document(organisation: Organisation) -> Document:
    return {"id": organisation.id, "name": organisation.name, "description": organisation.description,
            "email": organisation.email, "url": organisation.url, X + "phone": organisation.phone}


def _location_document(place: Location) -> Document:
    has_address = any((place.address, place.town, place.postcode))
    address = {"id": f"{place.id}:address", "address_1": place.address, "city": place.town,
               "state_province": "", "postal_code": place.postcode, "country": "GB"}
    return {"id": place.id, "name": place.name, "description": "", "latitude": place.latitude,
            "longitude": place.longitude, X + "organization_id": place.organisation_id or "",
            "physical_addresses": [address] if has_address else []}


def _taxonomy_document(term: Taxonomy) -> Document:
    return {"id": term.id, "name": term.name, "vocabulary": term.vocabulary, "parent_id": term.parent_id or ""}


def export_oruk_json(session: Session, path: Path | str) -> int:
    """Write every service as an ORUK service-object JSON list; returns how many were written."""
    documents = service_documents(session)
    Path(path).write_text(json.dumps(documents, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(documents)


def export_oruk_csv(session: Session, folder: Path | str) -> int:
    """Write the directory as ORUK CSV tables (formula-safe) into `folder`; returns how many services."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[Document]] = {name: [] for name in TABLES}
    tables["organizations"] = [_organisation_document(org) for org in session.exec(select(Organisation)).all()]
    tables["taxonomies"] = [_taxonomy_document(term) for term in session.exec(select(Taxonomy)).all()]
    for place in session.exec(select(Location)).all():
        document = _location_document(place)
        tables["locations"].append(document)
        tables["physical_addresses"] += [{"location_id": place.id, **row} for row in document["physical_addresses"]]
    documents = service_documents(session)
    for document in documents:
        _flatten_service(document, tables)
    for name, header in TABLES.items():
        with open(target / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            write_safe_csv(handle, header, ([_cell(row.get(column)) for column in header] for row in tables[name]))
    return len(documents)


def _flatten_service(document: Document, tables: dict[str, list[Document]]) -> None:
    sid = document["id"]
    tables["services"].append({**document, "organization_id": document["organization"]["id"]})
    for key, table in _CHILD_TABLES.items():
        tables[table] += [{"service_id": sid, **item} for item in document[key]]
    for contact in document["contacts"]:
        tables["phones"] += [{"contact_id": contact["id"], **phone} for phone in contact["phones"]]
    tables["service_at_locations"] += [
        {"id": link["id"], "service_id": sid, "location_id": link["location"]["id"]}
        for link in document["service_at_locations"]
    ]
    tables["service_taxonomies"] += [
        {"id": link["id"], "service_id": sid, "taxonomy_id": link["taxonomy"]["id"]}
        for link in document["service_taxonomys"]
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return value


# ---- import: documents -> database ---------------------------------------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _items(document: Document, *keys: str) -> list[Document]:
    """A list of sub-objects under the first of `keys` present (ORUK and HSDS spell some differently)."""
    for key in keys:
        if isinstance(document.get(key), list):
            return [item for item in document[key] if isinstance(item, dict)]
    return []


def _values(items: list[Document], key: str) -> list[str]:
    """The non-empty `key` values of a list of sub-objects."""
    return [_text(item.get(key)) for item in items if _text(item.get(key))]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value if _text(item)]
    return split_list(_text(value))


@contextmanager
def _within(item: Document, label: str) -> Iterator[None]:
    """Name the part of a service a problem came from (a CSV file row, or a JSON path)."""
    try:
        yield
    except RowProblem as problem:
        if problem.row is not None:
            raise
        if "_file" in item:
            raise RowProblem(f"{item['_file']}: {problem}", row=item["_row"]) from None
        raise RowProblem(f"{label}: {problem}") from None


def _organisation_from(document: Document) -> Organisation:
    organisation = Organisation(
        id=_text(document.get("id")), name=_text(document.get("name")), description=_text(document.get("description")),
        url=_text(document.get("url")), email=_text(document.get("email")), phone=_text(document.get(X + "phone")),
    )
    _require_id_and_name(organisation.id, organisation.name, "organisation")
    return organisation


def _taxonomy_from(document: Document) -> Taxonomy:
    term = Taxonomy(
        id=_text(document.get("id")), name=_text(document.get("name")), vocabulary=_text(document.get("vocabulary")),
        parent_id=_text(document.get("parent_id") or document.get("parent")) or None,
    )
    _require_id_and_name(term.id, term.name, "taxonomy term")
    return term


def _location_from(document: Document, addresses: list[Document]) -> Location:
    place_id = _text(document.get("id"))
    _require_id(place_id, "location")
    address = addresses[0] if addresses else {}
    lines = [_text(address.get(key)) for key in ("address_1", "address_2")]
    with _within(address, "physical_addresses[0]"):
        postcode = normalise_postcode(_text(address.get("postal_code")))
    return Location(
        id=place_id,
        organisation_id=_text(document.get(X + "organization_id")) or None,
        name=_text(document.get("name")),
        address=", ".join(line for line in lines if line),
        town=_text(address.get("city")),
        postcode=postcode,
        latitude=_coordinate(document.get("latitude"), "latitude", 90),
        longitude=_coordinate(document.get("longitude"), "longitude", 180),
    )


def _coordinate(value: Any, name: str, limit: int) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowProblem(f"{name} '{text}' must be a number") from None
    if not -limit <= number <= limit:
        raise RowProblem(f"{name} {number} is out of range")
    return number


def _require_id(identifier: str, what: str) -> None:
    if not identifier or len(identifier) > MAX_ID_LENGTH:
        raise RowProblem(f"{what} id must be 1 to {MAX_ID_LENGTH} characters")


def _require_id_and_name(identifier: str, name: str, what: str) -> None:
    _require_id(identifier, what)
    if not name:
        raise RowProblem(f"{what} '{identifier}' has no name")


def _service_from(document: Document) -> tuple[Service, list[str], list[str]]:
    """A service, its category ids and location ids from an ORUK service object (CSV- or JSON-sourced)."""
    service_id = _text(document.get("id"))
    organisation = document.get("organization") or {}
    contacts = _items(document, "contacts")
    phones = _items(contacts[0], "phones") if contacts else []
    costs = _items(document, "cost_options")
    present = set(document)
    route, capacity = document.get(X + "referral_route"), document.get(X + "capacity_status")
    status = _text(document.get("status")).lower() or "active"
    if status not in _ORUK_STATUS:
        raise RowProblem(f"status must be one of {', '.join(_ORUK_STATUS)}, not '{status}'")
    min_age, max_age, eligibility = _eligibility(_items(document, "eligibilitys", "eligibilities"))
    service = Service(
        id=service_id,
        organisation_id=_text(organisation.get("id") or document.get("organization_id")),
        name=_text(document.get("name")),
        description=_text(document.get("description")),
        url=_text(document.get("url")),
        email=_text(document.get("email")),
        phone=_text(phones[0].get("number")) if phones else "",
        tags=_as_list(document.get(X + "tags")),
        min_age=min_age,
        max_age=max_age,
        eligibility=eligibility,
        areas=normalise_areas(_values(_items(document, "service_areas"), "service_area"), strict=False),
        referral_route=parse_choice(_text(route), "referral_route", ReferralRoute) if route else ReferralRoute.EITHER,
        opening_hours=_opening_hours(document, present),
        cost=_cost(costs, _text(document.get("fees"))),
        cost_detail=_text(costs[0].get("amount_description")) if costs else _text(document.get("fees")),
        languages=_values(_items(document, "languages"), "language"),
        accessibility=_text(document.get(X + "accessibility")),
        accompany_allowed=parse_yes_no(_text(document.get(X + "accompany_allowed")), "accompany_allowed", default=True),
        capacity_status=(
            parse_choice(_text(capacity), "capacity_status", Capacity) if capacity
            else Capacity.CLOSED if status == "temporarily closed" else Capacity.OPEN
        ),
        waiting_weeks=parse_int(_text(document.get(X + "waiting_weeks")), "waiting_weeks", high=520),
        last_verified=parse_date(_text(document.get("assured_date"))[:10], "assured_date"),
        active=_ORUK_STATUS[status],
    )
    service.access_methods = (
        _as_list(document.get(X + "access_methods")) if X + "access_methods" in present else _contact_methods(service)
    )
    categories = [_text((link.get("taxonomy") or {}).get("id") or link.get("taxonomy_id"))
                  for link in _items(document, "service_taxonomys", "service_taxonomies")]
    places = [_text((link.get("location") or {}).get("id") or link.get("location_id"))
              for link in _items(document, "service_at_locations")]
    return service, categories, places


def _eligibility(rows: list[Document]) -> tuple[int | None, int | None, str]:
    minimum = maximum = None
    for n, row in enumerate(rows):
        with _within(row, f"eligibilitys[{n}]"):
            low = parse_int(_text(row.get("minimum_age")), "minimum_age")
            high = parse_int(_text(row.get("maximum_age")), "maximum_age")
        minimum = low if minimum is None else minimum
        maximum = high if maximum is None else maximum
    text = "; ".join(_text(row.get("eligibility")) for row in rows if _text(row.get("eligibility")))
    return minimum, maximum, text


def _opening_hours(document: Document, present: set[str]) -> str:
    """Our exact opening-hours text when exported by Signpost, otherwise built from weekly regular_schedules."""
    if X + "opening_hours" in present:
        return _text(document.get(X + "opening_hours"))
    parts = []
    for n, schedule in enumerate(_items(document, "regular_schedules")):
        part = _weekly_part(schedule)
        if part:
            with _within(schedule, f"regular_schedules[{n}]"):
                parts.append(check_opening_hours(part))
    return "; ".join(parts)


def _weekly_part(schedule: Document) -> str:
    """A weekly ORUK schedule as 'Mon-Fri 09:00-17:00' ("" for monthly or ordinal ones we can't show)."""
    freq = _text(schedule.get("freq")).upper()
    days = [day.strip().upper() for day in _text(schedule.get("byday")).split(",") if day.strip()]
    opens, closes = _text(schedule.get("opens_at"))[:5], _text(schedule.get("closes_at"))[:5]
    if freq not in ("", "WEEKLY") or not days or any(day not in _BYDAY for day in days) or not (opens and closes):
        return ""
    return f"{_day_list([_BYDAY.index(day) for day in days])} {opens}-{closes}"


def _cost(costs: list[Document], fees: str) -> Cost:
    """Our cost band from ORUK cost options (Signpost writes the band as the option)."""
    for option in costs:
        value = _text(option.get("option")).lower()
        if value in {cost.value for cost in Cost}:
            return Cost(value)
    amounts = [_text(option.get("amount")) for option in costs if _text(option.get("amount"))]
    if any(amount not in ("0", "0.0", "0.00") for amount in amounts):
        return Cost.PAID
    if fees and "free" not in fees.lower() and not amounts:
        return Cost.PAID
    return Cost.FREE


def _contact_methods(service: Service) -> list[str]:
    """Access methods implied by the contact details other publishers give."""
    pairs = (("phone", service.phone), ("email", service.email), ("web", service.url))
    return [method for method, contact in pairs if contact]


def _store_taxonomy(session: Session, term: Taxonomy) -> None:
    """Add or update a term; Signpost's own categories keep their plain-language labels."""
    if term.id not in CATEGORIES:
        session.merge(term)


def _store_location(session: Session, place: Location) -> None:
    if place.organisation_id and session.get(Organisation, place.organisation_id) is None:
        raise RowProblem(f"organisation '{place.organisation_id}' of location '{place.id}' is not in the directory")
    session.merge(place)


def _store_document(session: Session, document: Document, nested: bool) -> None:
    """Store one service object; `nested` also stores the organisation, locations and terms inside it."""
    if nested:
        with _within(document.get("organization") or {}, "organization"):
            session.merge(_organisation_from(document.get("organization") or {}))
        for n, link in enumerate(_items(document, "service_taxonomys", "service_taxonomies")):
            with _within(link, f"service_taxonomys[{n}]"):
                _store_taxonomy(session, _taxonomy_from(link.get("taxonomy") or {}))
        for n, link in enumerate(_items(document, "service_at_locations")):
            with _within(link, f"service_at_locations[{n}]"):
                place = link.get("location") or {}
                _store_location(session, _location_from(place, _items(place, "physical_addresses")))
        session.flush()
    service, categories, places = _service_from(document)
    store_service(session, service, categories, places)


# ---- import: JSON -----------------------------------------------------------------------------

def import_oruk_json(session: Session, path: Path | str) -> ImportReport:
    """Load an ORUK service JSON list (or an API page with `content`); row N is the Nth service object."""
    ensure_taxonomy(session)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("content", data.get("items", [data]))
    report = ImportReport()
    documents = []
    for number, document in enumerate(data if isinstance(data, list) else [], start=1):
        if isinstance(document, dict):
            documents.append((number, document))
        else:
            report.errors.append(RowError(number, "not a service object"))
    load_each(session, documents, lambda s, document: _store_document(s, document, nested=True), report)
    report.errors.sort(key=lambda error: error.row)
    return report


# ---- import: CSV tables -------------------------------------------------------------------------

def import_oruk_csv(session: Session, folder: Path | str) -> ImportReport:
    """Load an ORUK CSV folder. Row numbers are spreadsheet rows (header = 1) and reasons name the file."""
    ensure_taxonomy(session)
    tables = _read_tables(Path(folder))
    report = ImportReport()
    supporting = ImportReport()  # only its errors count: `loaded` means services
    addresses = _children(tables["physical_addresses"], "location_id", {row["id"] for row in tables["locations"]},
                          "locations.csv", report)
    _load_table(session, tables["taxonomies"], lambda s, row: _store_taxonomy(s, _taxonomy_from(row)), supporting)
    _load_table(session, tables["organizations"], lambda s, row: s.merge(_organisation_from(row)), supporting)
    _load_table(session, tables["locations"],
                lambda s, row: _store_location(s, _location_from(row, addresses.get(row["id"], []))), supporting)
    report.errors += supporting.errors
    documents = _service_documents_from_tables(tables, report)
    _load_table(session, documents, lambda s, row: _store_document(s, row, nested=False), report)
    report.errors.sort(key=lambda error: (error.reason.split(":")[0], error.row))
    return report


def _read_tables(folder: Path) -> dict[str, list[Document]]:
    """Every ORUK table in the folder (missing optional tables are empty), each row tagged with file and row."""
    if not (folder / "services.csv").is_file():
        raise FileNotFoundError(f"services.csv in {folder}")
    tables: dict[str, list[Document]] = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            tables[name] = []
            continue
        with open(path, newline="", encoding="utf-8-sig") as handle:
            tables[name] = [
                {**{key: unquote_cell(value or "") for key, value in row.items() if key}, "_file": path.name,
                 "_row": index + 2}
                for index, row in enumerate(csv.DictReader(handle))
            ]
    return tables


def _load_table(
    session: Session, rows: list[Document], load_one: Callable[[Session, Document], object], report: ImportReport
) -> None:
    """Load each row in its own SAVEPOINT, skipping repeated ids; errors are prefixed with the file name."""
    seen: dict[str, int] = {}
    unique: list[tuple[int, Document]] = []
    for row in rows:
        row_id = _text(row.get("id"))
        if row_id and row_id in seen:
            report.errors.append(RowError(row["_row"], f"{row['_file']}: id '{row_id}' is already used in row "
                                                       f"{seen[row_id]}"))
            continue
        seen[row_id] = row["_row"]
        unique.append((row["_row"], row))

    def load_with_file(session: Session, row: Document) -> None:
        try:
            load_one(session, row)
        except RowProblem as problem:
            if problem.row is None:
                raise RowProblem(f"{row['_file']}: {problem}", row=row["_row"]) from None
            what = f"{row['_file']} row {row['_row']}"
            raise RowProblem(f"{problem} ({what} was not loaded)", row=problem.row) from None

    load_each(session, unique, load_with_file, report)


def _children(
    rows: list[Document], parent_column: str, parent_ids: set[str], parent_file: str, report: ImportReport
) -> dict[str, list[Document]]:
    """Rows grouped by their parent id; a row whose parent does not exist is reported."""
    grouped: dict[str, list[Document]] = {}
    for row in rows:
        parent = _text(row.get(parent_column))
        if parent not in parent_ids:
            report.errors.append(RowError(row["_row"], f"{row['_file']}: {parent_column} '{parent}' is not in "
                                                       f"{parent_file}"))
            continue
        grouped.setdefault(parent, []).append(row)
    return grouped


def _service_documents_from_tables(tables: dict[str, list[Document]], report: ImportReport) -> list[Document]:
    """Rebuild service objects from services.csv and its child tables."""
    service_ids = {_text(row.get("id")) for row in tables["services"]}
    children = {
        key: _children(tables[table], "service_id", service_ids, "services.csv", report)
        for key, table in {**_CHILD_TABLES, "service_at_locations": "service_at_locations",
                           "service_taxonomies": "service_taxonomies"}.items()
    }
    contact_ids = {_text(row.get("id")) for row in tables["contacts"]}
    phones = _children(tables["phones"], "contact_id", contact_ids, "contacts.csv", report)
    documents = []
    for row in tables["services"]:
        sid = _text(row.get("id"))
        document = {**row, **{key: grouped.get(sid, []) for key, grouped in children.items()}}
        document["contacts"] = [{**contact, "phones": phones.get(_text(contact.get("id")), [])}
                                for contact in document["contacts"]]
        documents.append(document)
    return documents


def import_oruk(session: Session, path: Path | str) -> ImportReport:
    """Import ORUK data from a CSV folder or a JSON file."""
    return import_oruk_csv(session, path) if Path(path).is_dir() else import_oruk_json(session, path)
