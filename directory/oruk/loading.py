"""ORUK objects into the directory: one reader for ORUK 3.0 (JSON or the CSV data package rebuilt into objects),
ORUK 1.0 and HSDS 1.0 spellings, Signpost's own `x_signpost_*` fields and other publishers' data.

Every value is checked (problems name the part of the object or the CSV file row); anything Signpost has no
place for, and anything it changed, is a note on the row. All writes go through `directory.store`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from directory.areas import normalise_area
from directory.models import Location, Organisation, Service, Taxonomy
from directory.opening_hours import DAY_NAMES, ORDINAL_WORDS
from directory.oruk.documents import BYDAY, COST_LABELS, day_list
from directory.oruk.ids import X_ID, X, oruk_id
from directory.oruk.languages import language_name
from directory.oruk.reading import Source, as_text
from directory.oruk.terms import categories_for_term
from directory.rows import (
    MAX_ID_LENGTH,
    RowProblem,
    check_opening_hours,
    normalise_areas,
    normalise_phone,
    normalise_postcode,
    parse_choice,
    parse_date,
    parse_int,
    parse_yes_no,
    split_list,
)
from directory.store import store_location, store_organisation, store_service, store_taxonomy
from directory.taxonomy import CATEGORIES, VOCABULARY
from directory.vocabulary import Capacity, Cost, LocationType, ReferralRoute

_ORUK_STATUS = {"active": True, "inactive": False, "defunct": False, "temporarily closed": True}
_COST_BANDS = {**{label.casefold(): cost for cost, label in COST_LABELS.items()}, **{c.value: c for c in Cost}}
_LONG_AREA = 60  # a service area name longer than this is a description, not a place
_KINDS = {Organisation: "organization", Location: "location", Taxonomy: "taxonomy_term", Service: "service"}
_BYDAY_PART = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
_HSDS_WEEKDAYS = {str(n + 1): n for n in range(7)}  # HSDS 1.0 `weekday`: read as ISO 8601, 1 = Monday
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class IdMap:
    """ORUK ids (UUIDs) -> Signpost ids, for the records of one import and those already in the directory."""

    known: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of_directory(cls, session: Session) -> IdMap:
        ids = cls()
        for table, kind in _KINDS.items():
            for our_id in session.exec(select(table.id)).all():  # type: ignore[attr-defined]
                ids.add(kind, oruk_id(kind, our_id), our_id)
        return ids

    def add(self, kind: str, exported: str, ours: str) -> None:
        self.known.setdefault(kind, {})[exported] = ours

    def ours(self, kind: str, reference: str) -> str:
        """The Signpost id an ORUK reference means (itself when it is not one of ours)."""
        return self.known.get(kind, {}).get(reference, reference)

    def read_id(self, source: Source, kind: str, what: str) -> str:
        """The Signpost id of the object being read (`x_signpost_id`, else its ORUK id), remembered."""
        exported, ours = source.text("id"), source.text(X_ID)
        our_id = ours or self.ours(kind, exported)
        if not our_id or len(our_id) > MAX_ID_LENGTH:
            raise RowProblem(f"{what} id must be 1 to {MAX_ID_LENGTH} characters")
        if exported:
            self.add(kind, exported, our_id)
        return our_id


@dataclass
class Notes:
    """What one row's import left out or changed, said in words for its report."""

    said: list[str] = field(default_factory=list)

    def add(self, note: str) -> None:
        if note not in self.said:
            self.said.append(note)


# ---- organisations, locations and terms ---------------------------------------------------------------------------

def organisation_from(source: Source, ids: IdMap, notes: Notes) -> Organisation:
    """A checked organisation from an ORUK organization object or organizations.csv row."""
    with source.within():
        organisation = Organisation(
            id=ids.read_id(source, "organization", "organisation"),
            name=source.text("name"),
            description=source.text("description"),
            url=_url(source.text("website", "url"), notes, source),
            email=source.text("email"),
            phone=_first_phone(source.items("phones"), notes) or _phone(source.text(X + "phone"), notes, source),
        )
        if not organisation.name:
            raise RowProblem(f"organisation '{organisation.id}' has no name")
    return organisation


def location_from(source: Source, ids: IdMap, notes: Notes) -> Location:
    """A checked location from an ORUK location (3.0 `addresses`, 1.0 `physical_addresses`)."""
    with source.within():
        place_id = ids.read_id(source, "location", "location")
        kind = source.text("location_type").lower() or LocationType.PHYSICAL.value
        if kind not in {member.value for member in LocationType}:
            notes.add(f"{source.where}: location_type '{kind}' is not physical, postal or virtual; read as physical")
            kind = LocationType.PHYSICAL.value
        addresses = source.items("addresses", "physical_addresses")
        addresses.sort(key=lambda address: address.text("address_type") not in ("", "physical"))
        place = Location(
            id=place_id,
            organisation_id=_organisation_of(source, ids),
            name=source.text("name"),
            description=source.text("description"),
            location_type=LocationType(kind),
            latitude=_coordinate(source, "latitude", 90, notes),
            longitude=_coordinate(source, "longitude", 180, notes),
            accessibility="; ".join(_joined(item, "description", "accessibility", "details")
                                    for item in source.items("accessibility", "accessibility_for_disabilities")),
            external_identifier=source.text("external_identifier"),
            external_identifier_type=source.text("external_identifier_type"),
        )
        if place.latitude is None or place.longitude is None:
            place.latitude = place.longitude = None
        if addresses:
            _read_address(place, addresses[0], notes)
    return place


def _organisation_of(source: Source, ids: IdMap) -> str | None:
    reference = source.text("organization_id", X + "organization_id")
    return ids.ours("organization", reference) if reference else None


def _read_address(place: Location, address: Source, notes: Notes) -> None:
    with address.within():
        address.ignore("id", "location_id")
        if address.text("address_type") not in ("", "physical", place.location_type.value):
            notes.add(f"{address.where}: address_type '{address.text('address_type')}' read as the "
                      f"{place.location_type.value} address")
        place.address = ", ".join(
            line for line in (address.text(key) for key in ("address_1", "address_2", "address_3", "address_4"))
            if line
        )
        place.town = address.text("city")
        place.county = address.text("state_province")
        country = address.text("country").upper()
        place.country = {"UK": "GB", "": "GB"}.get(country, country)[:2]
        postcode = address.text("postal_code")
        if place.country == "GB":
            place.postcode = normalise_postcode(postcode)
        elif len(postcode) <= 16:
            place.postcode = postcode
        else:
            notes.add(f"{address.where}: postal_code longer than 16 characters left out")


def term_from(source: Source, ids: IdMap) -> Taxonomy:
    """A checked taxonomy term (ORUK 3.0 taxonomy_term, 1.0 taxonomy)."""
    with source.within():
        term = Taxonomy(
            id=ids.read_id(source, "taxonomy_term", "taxonomy term"),
            name=source.text("name", "term"),
            vocabulary=source.text("taxonomy", "vocabulary")[:64],
            description=source.text("description"),
            uri=source.text("term_uri", "uri"),
        )
        source.ignore("taxonomy_id", "code", "term", "parent_name")
        parent = source.text("parent_id", "parent")
        term.parent_id = ids.ours("taxonomy_term", parent) if parent else None
        if not term.name:
            raise RowProblem(f"taxonomy term '{term.id}' has no name")
        if len(term.name) > 200:
            raise RowProblem("taxonomy term name is longer than 200 characters")
    return term


def _coordinate(source: Source, name: str, limit: int, notes: Notes) -> float | None:
    text = source.text(name)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is None or not -limit <= number <= limit:
        notes.add(f"{source.where}: {name} '{text}' is not a {name}; the coordinates were left out")
        return None
    return number


def _joined(source: Source, *keys: str) -> str:
    return ". ".join(dict.fromkeys(source.text(key) for key in keys if source.text(key)))


# ---- services ------------------------------------------------------------------------------------------------------

@dataclass
class ServiceParts:
    """One service read from an ORUK object, with what it links to."""

    service: Service
    category_ids: list[str]
    location_ids: list[str]


def store_document(session: Session, source: Source, ids: IdMap, notes: Notes, nested: bool) -> None:
    """Store one service object; `nested` also stores the organisation, locations and terms inside it (JSON)."""
    if nested:
        organisation = source.child("organization")
        if organisation is not None:
            store_organisation(session, organisation_from(organisation, ids, notes))
        for link in _term_links(source):
            term = link.child("taxonomy_term") or link.child("taxonomy")
            if term is not None:
                store_taxonomy(session, term_from(term, ids))
        for link in source.items("service_at_locations"):
            place = link.child("location")
            if place is not None:
                store_location(session, location_from(place, ids, notes))
        session.flush()
    parts = service_from(session, source, ids, notes)
    store_service(session, parts.service, parts.category_ids, parts.location_ids)


def _term_links(source: Source) -> list[Source]:
    return source.items("attributes", "service_taxonomys", "service_taxonomies")


def service_from(session: Session, source: Source, ids: IdMap, notes: Notes) -> ServiceParts:
    """A checked service, its category and location ids, from an ORUK service object."""
    with source.within():
        service_id = ids.read_id(source, "service", "service")
        organisation = source.child("organization")
        organisation_id = (ids.read_id(organisation, "organization", "organisation") if organisation is not None
                           else ids.ours("organization", source.text("organization_id")))
        source.ignore("organization_id")
        status = source.text("status").lower() or "active"
        if status not in _ORUK_STATUS:
            raise RowProblem(f"status must be one of {', '.join(_ORUK_STATUS)}, not '{status}'")
        links = source.items("service_at_locations")
        places = [link.child("location") for link in links]
        location_ids = [
            ids.read_id(place, "location", "location") if place is not None
            else ids.ours("location", link.text("location_id"))
            for link, place in zip(links, places, strict=True)
        ]
        for link in links:
            link.ignore("id", "service_id", "location_id")
        min_age, max_age, eligibility = _eligibility(source)
        route, capacity = source.text(X + "referral_route"), source.text(X + "capacity_status")
        opening_hours, hours_notes = _hours(source, notes)
        areas, area_description = _areas(source, notes)
        cost, cost_detail = _cost(source)
        phone, contacts = _phones_and_contacts(source, [place for place in places if place is not None], notes)
        tags = split_list(source.text(X + "tags")) if isinstance(source.raw(X + "tags"), str) else [
            as_text(tag) for tag in source.raw(X + "tags") or [] if as_text(tag)
        ]
        categories = _categories(session, source, ids, tags, notes)
        service = Service(
            id=service_id,
            organisation_id=organisation_id,
            name=source.text("name"),
            description=source.text("description"),
            url=_url(source.text("url"), notes, source),
            email=source.text("email"),
            phone=phone,
            contacts=contacts,
            tags=tags,
            min_age=min_age,
            max_age=max_age,
            eligibility=eligibility,
            areas=areas,
            area_description=area_description,
            referral_route=parse_choice(route, "referral_route", ReferralRoute) if route else ReferralRoute.EITHER,
            opening_hours=opening_hours,
            hours_notes=hours_notes,
            cost=cost,
            cost_detail=cost_detail,
            languages=_languages(source),
            accessibility=source.text(X + "accessibility") if X + "accessibility" in source else _place_access(
                session, location_ids
            ),
            accompany_allowed=parse_yes_no(source.text(X + "accompany_allowed"), "accompany_allowed", default=True),
            capacity_status=(
                parse_choice(capacity, "capacity_status", Capacity) if capacity
                else Capacity.CLOSED if status == "temporarily closed" else Capacity.OPEN
            ),
            waiting_weeks=parse_int(source.text(X + "waiting_weeks"), "waiting_weeks", high=520),
            last_verified=parse_date(source.text("assured_date")[:10], "assured_date"),
            active=_ORUK_STATUS[status],
        )
        service.access_methods = (
            split_list(source.text(X + "access_methods")) if isinstance(source.raw(X + "access_methods"), str)
            else [as_text(method) for method in source.raw(X + "access_methods") or []]
        ) if X + "access_methods" in source else _contact_methods(service)
    return ServiceParts(service, categories, location_ids)


def _place_access(session: Session, location_ids: list[str]) -> str:
    """Other publishers describe access per location: the service's accessibility is that of its places."""
    places = [session.get(Location, place_id) for place_id in location_ids]
    return "; ".join(dict.fromkeys(place.accessibility for place in places if place and place.accessibility))


def _eligibility(source: Source) -> tuple[int | None, int | None, str]:
    """Ages and who it's for: 3.0 `minimum_age`/`maximum_age`/`eligibility_description`, 1.0 `eligibilitys`."""
    minimum = parse_int(source.text("minimum_age"), "minimum_age")
    maximum = parse_int(source.text("maximum_age"), "maximum_age")
    texts = [source.text("eligibility_description")]
    for row in source.items("eligibilitys", "eligibilities", "eligibility"):
        row.ignore("id", "service_id")
        with row.within():
            low = parse_int(row.text("minimum_age"), "minimum_age")
            high = parse_int(row.text("maximum_age"), "maximum_age")
        minimum = low if minimum is None else minimum
        maximum = high if maximum is None else maximum
        texts.append(row.text("eligibility"))
    return minimum, maximum, "; ".join(dict.fromkeys(text for text in texts if text))


# ---- schedules -----------------------------------------------------------------------------------------------------

def _hours(source: Source, notes: Notes) -> tuple[str, str]:
    """Opening hours text (Signpost's own when exported by Signpost) and the notes a timetable can't hold."""
    weekly: dict[tuple[str, str], list[int]] = {}
    monthly: list[str] = []
    said: list[str] = []
    for schedule in source.items("schedules", "regular_schedules"):
        schedule.ignore("id", "service_id", "service_at_location_id", "location_id", "interval")
        with schedule.within():
            _read_schedule(schedule, weekly, monthly, said, notes)
    text = source.text(X + "opening_hours")
    if X + "opening_hours" not in source:
        parts = [f"{day_list(days)} {opens}-{closes}"
                 for (opens, closes), days in sorted(weekly.items(), key=lambda item: (min(item[1]), item[0]))]
        text = "; ".join(parts + monthly)
    with source.within():
        text = check_opening_hours(text)
    return text, "; ".join(dict.fromkeys(said))


def _read_schedule(schedule: Source, weekly: dict[tuple[str, str], list[int]], monthly: list[str],
                   said: list[str], notes: Notes) -> None:
    said += [text.rstrip(".") for text in (schedule.text("description"), schedule.text("notes"),
                                           schedule.text("attending_type")) if text]
    freq = schedule.text("freq").upper() or "WEEKLY"
    interval = schedule.text("interval") or "1"
    opens, closes = _clock(schedule, "opens_at", notes), _clock(schedule, "closes_at", notes)
    days = [part.strip().upper() for part in schedule.text("byday").split(",") if part.strip()]
    weekday = schedule.text("weekday")
    if weekday:
        days.append(BYDAY[_HSDS_WEEKDAYS[weekday]] if weekday in _HSDS_WEEKDAYS else weekday[:2].upper())
    if not (opens and closes and days):
        return
    parsed = [_BYDAY_PART.match(day) for day in days]
    if any(match is None for match in parsed):
        raise RowProblem(f"byday '{schedule.text('byday') or weekday}' is not a list of days like MO,TU or 2MO")
    if freq not in ("WEEKLY", "MONTHLY") or interval != "1":
        unit = {"WEEKLY": "weeks", "MONTHLY": "months"}.get(freq, freq.lower())
        named = ",".join(DAY_NAMES[BYDAY.index(day[-2:])] if day[-2:] in BYDAY else day for day in days)
        start = f" from {schedule.text('dtstart')}" if schedule.text("dtstart") else ""
        said.append(f"Every {interval} {unit} on {named} {opens}-{closes}{start}")
        notes.add(f"{schedule.where}: a {freq.lower()} schedule with interval {interval} is kept as a note only")
        return
    if freq == "WEEKLY" and schedule.text("bymonthday"):
        notes.add(f"{schedule.where}: bymonthday is not used with weekly schedules (RFC 5545); left out")
    for match in parsed:
        assert match is not None
        ordinal, day = int(match[1] or 0), BYDAY.index(match[2])
        if freq == "WEEKLY" or not ordinal:
            weekly.setdefault((opens, closes), []).append(day)
        elif ordinal in ORDINAL_WORDS:
            monthly.append(f"{ORDINAL_WORDS[ordinal]} {DAY_NAMES[day]} {opens}-{closes}")
        else:
            said.append(f"monthly on {match[0]} {opens}-{closes}")
            notes.add(f"{schedule.where}: byday '{match[0]}' is kept as a note only")


def _clock(schedule: Source, key: str, notes: Notes) -> str:
    text = schedule.text(key)
    if not text:
        return ""
    match = _TIME.match(text)
    if match is None or int(match[1]) > 24 or int(match[2]) > 59:
        raise RowProblem(f"{key} '{text}' is not a time like 09:30")
    if match[3]:
        notes.add(f"{schedule.where}: the time zone of {key} '{text}' was left out; times are UK local time")
    return f"{int(match[1]):02d}:{match[2]}"


# ---- areas, costs, languages, contacts, categories ----------------------------------------------------------------

def _areas(source: Source, notes: Notes) -> tuple[list[str], str]:
    """Searchable area tokens from area names (ORUK 1.0 gave them as `service_area`), and descriptions that are
    not a place (long text, or what Signpost writes with `extent_type` text)."""
    tokens: list[str] = []
    described: list[str] = []
    for area in source.items("service_areas"):
        name, text = area.text("name"), area.text("service_area", "description")
        as_description = area.text("extent_type") == "text"
        if as_description:
            area.ignore("extent_type")
        if not name and not as_description:
            name, text = text, ""
        if name and len(name) <= _LONG_AREA and "\n" not in name:
            tokens.append(name)
            if normalise_area(name) is None:
                notes.add(f"{area.where}: area '{name}' is not a place Signpost knows; kept as written")
            if text and text != name:
                described.append(text)
        else:
            described += [part for part in dict.fromkeys((name, text)) if part]
            if name:
                notes.add(f"{area.where}: the area is a description, not a place: kept as the area description")
    return normalise_areas(tokens, strict=False), "; ".join(dict.fromkeys(described))


def _cost(source: Source) -> tuple[Cost, str]:
    """Signpost's cost band and words from ORUK cost options (and the deprecated `fees`)."""
    fees = source.text("fees", "fees_description")
    options = source.items("cost_options")
    band: Cost | None = None
    details: list[str] = []
    amounts: list[float] = []
    for option in options:
        option.ignore("id", "service_id", "currency")
        label = option.text("option")
        words = option.text("amount_description")
        amount = option.text("amount")
        with option.within():
            if amount:
                try:
                    amounts.append(float(amount))
                except ValueError:
                    raise RowProblem(f"amount '{amount}' must be a number") from None
        if label.casefold() in _COST_BANDS:
            band = band or _COST_BANDS[label.casefold()]
            label = ""
        pounds = f"£{float(amount):.2f}".removesuffix(".00") if amount else ""
        priced = pounds if amount and float(amount) and pounds not in words else ""
        details.append(" ".join(part for part in (f"{label}:" if label and (words or priced) else label,
                                                   priced, words) if part))
    detail = "; ".join(part for part in details if part) or fees
    if band is None:
        band = Cost.PAID if any(amounts) or (fees and "free" not in fees.lower() and not amounts) else Cost.FREE
    return band, detail


def _languages(source: Source) -> list[str]:
    names: list[str] = []
    for language in source.items("languages"):
        language.ignore("id", "service_id", "code", "phone_id", "location_id")
        name = language.text("name", "language") or language_name(language.text("code")) or language.text("code")
        if name and name not in names:
            names.append(name)
    return names


def _phones_and_contacts(source: Source, places: list[Source], notes: Notes) -> tuple[str, list[dict[str, str]]]:
    """The main phone and the further contacts of a service, from phones wherever they hang: on the service,
    its contacts, its service-at-location links and its locations."""
    entries: list[dict[str, str]] = []
    for phone in source.items("phones"):
        entries += _phone_entry(phone, {}, notes)
    for contact in source.items("contacts"):
        contact.ignore("id", "service_id", "organization_id", "service_at_location_id", "location_id")
        person = {key: contact.text(key) for key in ("name", "title", "email") if contact.text(key)}
        phones = contact.items("phones")
        found = [entry for phone in phones for entry in _phone_entry(phone, person, notes)]
        entries += found or ([person] if person else [])
    for place in places:
        for phone in place.items("phones"):
            entries += _phone_entry(phone, {}, notes)
    main = next((entry["phone"] for entry in entries if entry.get("phone")), "")
    rest = [entry for entry in entries if entry != {"phone": main}]
    unique = [entry for n, entry in enumerate(rest) if entry not in rest[:n]]
    return main, unique


def _phone_entry(phone: Source, person: dict[str, str], notes: Notes) -> list[dict[str, str]]:
    phone.ignore("id", "contact_id", "service_id", "location_id", "organization_id", "service_at_location_id")
    text = phone.text("number")
    if phone.text("extension"):
        text = f"{text} ext {phone.text('extension')}"
    number = _phone(text, notes, phone)
    if not number:
        return []
    extra = {key: value for key, value in (("phone_type", phone.text("type")),
                                           ("phone_note", phone.text("description"))) if value}
    return [{**person, "phone": number, **extra}]


def _first_phone(phones: list[Source], notes: Notes) -> str:
    for phone in phones:
        phone.ignore("id", "organization_id", "contact_id", "type")
        number = _phone(phone.text("number"), notes, phone)
        if number:
            return number
    return ""


def _phone(text: str, notes: Notes, where: Source) -> str:
    """A normalised phone number, or "" with a note when it is not one."""
    try:
        return normalise_phone(text)
    except RowProblem as problem:
        notes.add(f"{where.where}: {problem}; left out")
        return ""


def _url(text: str, notes: Notes, where: Source) -> str:
    if text and not text.startswith(("https://", "http://")) and re.match(r"^[\w-]+(\.[\w-]+)+(/\S*)?$", text):
        notes.add(f"{where.where}: url '{text}' read as https://{text}")
        return f"https://{text}"
    return text


def _categories(session: Session, source: Source, ids: IdMap, tags: list[str], notes: Notes) -> list[str]:
    """The terms a service is linked to, plus the Signpost categories they mean; unmapped terms become tags."""
    linked: list[str] = []
    for link in _term_links(source):
        link.ignore("id", "service_id", "link_id", "link_type", "link_entity")
        term = link.child("taxonomy_term") or link.child("taxonomy")
        reference = link.text("taxonomy_term_id", "taxonomy_id")
        term_id = ids.read_id(term, "taxonomy_term", "taxonomy term") if term is not None else (
            ids.ours("taxonomy_term", reference)
        )
        if not term_id:
            continue
        linked.append(term_id)
        if term_id in CATEGORIES:
            continue
        stored = session.get(Taxonomy, term_id)
        name = stored.name if stored else term.text("name", "term") if term is not None else ""
        mapped = categories_for_term(name, term.text("code", "term") if term is not None else "")
        if stored is not None and stored.vocabulary == VOCABULARY:
            continue
        linked += mapped
        if not mapped and name and X + "tags" not in source and name not in tags:  # Signpost's export lists its tags
            tags.append(name)
            notes.add(f"taxonomy term '{name}' is not one of Signpost's categories; kept as a search tag")
    return list(dict.fromkeys(linked))


def _contact_methods(service: Service) -> list[str]:
    """Access methods implied by the contact details other publishers give."""
    pairs = (("phone", service.phone), ("email", service.email), ("web", service.url))
    return [method for method, contact in pairs if contact]
