"""ORUK service objects into the directory: each field read (with defaults for other publishers' data), checked
and stored; problems name the part of the service object or the CSV file row they came from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

from directory.models import Capacity, Cost, Location, Organisation, ReferralRoute, Service, Taxonomy
from directory.oruk.documents import BYDAY, Document, X, day_list
from directory.rows import (
    MAX_ID_LENGTH,
    RowProblem,
    check_opening_hours,
    normalise_areas,
    normalise_postcode,
    parse_choice,
    parse_date,
    parse_int,
    parse_yes_no,
    split_list,
)
from directory.store import store_service
from directory.taxonomy import CATEGORIES

_ORUK_STATUS = {"active": True, "inactive": False, "defunct": False, "temporarily closed": True}


def as_text(value: Any) -> str:
    """A cell or JSON value as trimmed text ("" for nothing)."""
    return "" if value is None else str(value).strip()


def _items(document: Document, *keys: str) -> list[Document]:
    """A list of sub-objects under the first of `keys` present (ORUK and HSDS spell some differently)."""
    for key in keys:
        if isinstance(document.get(key), list):
            return [item for item in document[key] if isinstance(item, dict)]
    return []


def _values(items: list[Document], key: str) -> list[str]:
    """The non-empty `key` values of a list of sub-objects."""
    return [as_text(item.get(key)) for item in items if as_text(item.get(key))]


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [as_text(item) for item in value if as_text(item)]
    return split_list(as_text(value))


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


def organisation_from(document: Document) -> Organisation:
    """A checked organisation from an ORUK organization object or organizations.csv row."""
    organisation = Organisation(
        id=as_text(document.get("id")), name=as_text(document.get("name")),
        description=as_text(document.get("description")), url=as_text(document.get("url")),
        email=as_text(document.get("email")), phone=as_text(document.get(X + "phone")),
    )
    _require_id_and_name(organisation.id, organisation.name, "organisation")
    return organisation


def taxonomy_from(document: Document) -> Taxonomy:
    """A checked taxonomy term from an ORUK taxonomy object or taxonomies.csv row."""
    term = Taxonomy(
        id=as_text(document.get("id")), name=as_text(document.get("name")),
        vocabulary=as_text(document.get("vocabulary")),
        parent_id=as_text(document.get("parent_id") or document.get("parent")) or None,
    )
    _require_id_and_name(term.id, term.name, "taxonomy term")
    return term


def location_from(document: Document, addresses: list[Document]) -> Location:
    """A checked location from an ORUK location and its physical addresses (the first one is used)."""
    place_id = as_text(document.get("id"))
    _require_id(place_id, "location")
    address = addresses[0] if addresses else {}
    lines = [as_text(address.get(key)) for key in ("address_1", "address_2")]
    with _within(address, "physical_addresses[0]"):
        postcode = normalise_postcode(as_text(address.get("postal_code")))
    return Location(
        id=place_id,
        organisation_id=as_text(document.get(X + "organization_id")) or None,
        name=as_text(document.get("name")),
        address=", ".join(line for line in lines if line),
        town=as_text(address.get("city")),
        postcode=postcode,
        latitude=_coordinate(document.get("latitude"), "latitude", 90),
        longitude=_coordinate(document.get("longitude"), "longitude", 180),
    )


def _coordinate(value: Any, name: str, limit: int) -> float | None:
    text = as_text(value)
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
    service_id = as_text(document.get("id"))
    organisation = document.get("organization") or {}
    contacts = _items(document, "contacts")
    phones = _items(contacts[0], "phones") if contacts else []
    costs = _items(document, "cost_options")
    present = set(document)
    route, capacity = document.get(X + "referral_route"), document.get(X + "capacity_status")
    status = as_text(document.get("status")).lower() or "active"
    if status not in _ORUK_STATUS:
        raise RowProblem(f"status must be one of {', '.join(_ORUK_STATUS)}, not '{status}'")
    min_age, max_age, eligibility = _eligibility(_items(document, "eligibilitys", "eligibilities"))
    service = Service(
        id=service_id,
        organisation_id=as_text(organisation.get("id") or document.get("organization_id")),
        name=as_text(document.get("name")),
        description=as_text(document.get("description")),
        url=as_text(document.get("url")),
        email=as_text(document.get("email")),
        phone=as_text(phones[0].get("number")) if phones else "",
        tags=_as_list(document.get(X + "tags")),
        min_age=min_age,
        max_age=max_age,
        eligibility=eligibility,
        areas=normalise_areas(_values(_items(document, "service_areas"), "service_area"), strict=False),
        referral_route=parse_choice(as_text(route), "referral_route", ReferralRoute) if route else ReferralRoute.EITHER,
        opening_hours=_opening_hours(document, present),
        cost=_cost(costs, as_text(document.get("fees"))),
        cost_detail=as_text(costs[0].get("amount_description")) if costs else as_text(document.get("fees")),
        languages=_values(_items(document, "languages"), "language"),
        accessibility=as_text(document.get(X + "accessibility")),
        accompany_allowed=parse_yes_no(
            as_text(document.get(X + "accompany_allowed")), "accompany_allowed", default=True
        ),
        capacity_status=(
            parse_choice(as_text(capacity), "capacity_status", Capacity) if capacity
            else Capacity.CLOSED if status == "temporarily closed" else Capacity.OPEN
        ),
        waiting_weeks=parse_int(as_text(document.get(X + "waiting_weeks")), "waiting_weeks", high=520),
        last_verified=parse_date(as_text(document.get("assured_date"))[:10], "assured_date"),
        active=_ORUK_STATUS[status],
    )
    service.access_methods = (
        _as_list(document.get(X + "access_methods")) if X + "access_methods" in present else _contact_methods(service)
    )
    categories = [as_text((link.get("taxonomy") or {}).get("id") or link.get("taxonomy_id"))
                  for link in _items(document, "service_taxonomys", "service_taxonomies")]
    places = [as_text((link.get("location") or {}).get("id") or link.get("location_id"))
              for link in _items(document, "service_at_locations")]
    return service, categories, places


def _eligibility(rows: list[Document]) -> tuple[int | None, int | None, str]:
    minimum = maximum = None
    for n, row in enumerate(rows):
        with _within(row, f"eligibilitys[{n}]"):
            low = parse_int(as_text(row.get("minimum_age")), "minimum_age")
            high = parse_int(as_text(row.get("maximum_age")), "maximum_age")
        minimum = low if minimum is None else minimum
        maximum = high if maximum is None else maximum
    text = "; ".join(as_text(row.get("eligibility")) for row in rows if as_text(row.get("eligibility")))
    return minimum, maximum, text


def _opening_hours(document: Document, present: set[str]) -> str:
    """Our exact opening-hours text when exported by Signpost, otherwise built from weekly regular_schedules."""
    if X + "opening_hours" in present:
        return as_text(document.get(X + "opening_hours"))
    parts = []
    for n, schedule in enumerate(_items(document, "regular_schedules")):
        part = _weekly_part(schedule)
        if part:
            with _within(schedule, f"regular_schedules[{n}]"):
                parts.append(check_opening_hours(part))
    return "; ".join(parts)


def _weekly_part(schedule: Document) -> str:
    """A weekly ORUK schedule as 'Mon-Fri 09:00-17:00' ("" for monthly or ordinal ones we can't show)."""
    freq = as_text(schedule.get("freq")).upper()
    days = [day.strip().upper() for day in as_text(schedule.get("byday")).split(",") if day.strip()]
    opens, closes = as_text(schedule.get("opens_at"))[:5], as_text(schedule.get("closes_at"))[:5]
    if freq not in ("", "WEEKLY") or not days or any(day not in BYDAY for day in days) or not (opens and closes):
        return ""
    return f"{day_list([BYDAY.index(day) for day in days])} {opens}-{closes}"


def _cost(costs: list[Document], fees: str) -> Cost:
    """Our cost band from ORUK cost options (Signpost writes the band as the option)."""
    for option in costs:
        value = as_text(option.get("option")).lower()
        if value in {cost.value for cost in Cost}:
            return Cost(value)
    amounts = [as_text(option.get("amount")) for option in costs if as_text(option.get("amount"))]
    if any(amount not in ("0", "0.0", "0.00") for amount in amounts):
        return Cost.PAID
    if fees and "free" not in fees.lower() and not amounts:
        return Cost.PAID
    return Cost.FREE


def _contact_methods(service: Service) -> list[str]:
    """Access methods implied by the contact details other publishers give."""
    pairs = (("phone", service.phone), ("email", service.email), ("web", service.url))
    return [method for method, contact in pairs if contact]


def store_taxonomy(session: Session, term: Taxonomy) -> None:
    """Add or update a term; Signpost's own categories keep their plain-language labels."""
    if term.id not in CATEGORIES:
        session.merge(term)


def store_location(session: Session, place: Location) -> None:
    """Add or update a location whose organisation (if it names one) is in the directory."""
    if place.organisation_id and session.get(Organisation, place.organisation_id) is None:
        raise RowProblem(f"organisation '{place.organisation_id}' of location '{place.id}' is not in the directory")
    session.merge(place)


def store_document(session: Session, document: Document, nested: bool) -> None:
    """Store one service object; `nested` also stores the organisation, locations and terms inside it."""
    if nested:
        with _within(document.get("organization") or {}, "organization"):
            session.merge(organisation_from(document.get("organization") or {}))
        for n, link in enumerate(_items(document, "service_taxonomys", "service_taxonomies")):
            with _within(link, f"service_taxonomys[{n}]"):
                store_taxonomy(session, taxonomy_from(link.get("taxonomy") or {}))
        for n, link in enumerate(_items(document, "service_at_locations")):
            with _within(link, f"service_at_locations[{n}]"):
                place = link.get("location") or {}
                store_location(session, location_from(place, _items(place, "physical_addresses")))
        session.flush()
    service, categories, places = _service_from(document)
    store_service(session, service, categories, places)

