"""The directory written as Open Referral UK 3.0 objects ("documents"): the one shape the JSON export, the CSV
data package and the ORUK API all share.

Rules (docs/directory.md, "Open Referral UK"): ids are UUIDs (`ids.oruk_id`); an optional field with no value is
left out (ORUK 3.0 types are not nullable, so neither `null` nor `""`); a required field with no value is `""`.
Categories are `attributes` linking taxonomy terms; fields ORUK has no place for travel as `x_signpost_*`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlmodel import Session, select

from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.opening_hours import DAY_NAMES, MINUTES_PER_DAY, parse_monthly, parse_opening_hours
from directory.oruk.ids import X, child_id, oruk_id, with_id
from directory.oruk.languages import language_code
from directory.store import links_by_service
from directory.taxonomy import CATEGORIES, VOCABULARY
from directory.vocabulary import Capacity, Cost, LocationType

Document = dict[str, Any]
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
COST_LABELS = {Cost.FREE: "Free", Cost.LOW_COST: "Low cost", Cost.PAID: "Paid"}
_POUNDS = re.compile(r"£\s?(\d+(?:\.\d{1,2})?)")


@dataclass(frozen=True)
class Snapshot:
    """The whole directory read once, for building many documents without a query each."""

    organisations: dict[str, Organisation]
    locations: dict[str, Location]
    terms: dict[str, Taxonomy]
    services: list[Service]
    places: dict[str, list[str]]  # service id -> location ids
    categories: dict[str, list[str]]  # service id -> taxonomy term ids

    @classmethod
    def load(cls, session: Session) -> Snapshot:
        return cls(
            organisations={org.id: org for org in session.exec(select(Organisation).order_by(Organisation.id))},
            locations={place.id: place for place in session.exec(select(Location).order_by(Location.id))},
            terms={term.id: term for term in session.exec(select(Taxonomy).order_by(Taxonomy.id))},
            services=list(session.exec(select(Service).order_by(Service.id))),
            places=links_by_service(session, ServiceAtLocation, "location_id"),
            categories=links_by_service(session, ServiceTaxonomy, "taxonomy_id"),
        )

    def service_terms(self, service: Service) -> list[Taxonomy]:
        return [self.terms[term] for term in sorted(self.categories.get(service.id, []))]

    def service_places(self, service: Service) -> list[Location]:
        return [self.locations[place] for place in sorted(self.places.get(service.id, []))]


def compact(document: Document) -> Document:
    """The document without optional fields that have no value (None, "", [] or {})."""
    return {key: value for key, value in document.items() if value not in (None, "", [], {})}


def page(contents: Sequence[Document], total_items: int, page_number: int, per_page: int) -> Document:
    """An ORUK page: the `Page` fields of the ORUK 3.0 API and `contents`."""
    total_pages = max(1, ceil(total_items / per_page)) if per_page else 1
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": list(contents),
    }


# ---- services ----------------------------------------------------------------------------------------------------

def service_summary(snapshot: Snapshot, service: Service) -> Document:
    """A service's one-to-one fields and its organisation: one item of `GET /services`."""
    status = "active" if service.active else "inactive"
    if service.active and service.capacity_status == Capacity.CLOSED:
        status = "temporarily closed"
    organisation = snapshot.organisations[service.organisation_id]
    return {
        **with_id("service", service.id),
        "organization_id": oruk_id("organization", organisation.id),
        "name": service.name,
        "status": status,
        **compact({
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "minimum_age": service.min_age,
            "maximum_age": service.max_age,
            "assured_date": service.last_verified.isoformat() if service.last_verified else None,
            "eligibility_description": service.eligibility,
        }),
        "organization": organization_summary(organisation),
    }


def service_document(snapshot: Snapshot, service: Service) -> Document:
    """A service with everything about it: `GET /services/{id}` and one object of the JSON export."""
    sid = oruk_id("service", service.id)
    return {
        **service_summary(snapshot, service),
        **compact({
            "schedules": _schedules(sid, service),
            "service_areas": _service_areas(sid, service),
            "service_at_locations": [
                {"id": child_id(sid, "service_at_location", n), "service_id": sid,
                 "location_id": oruk_id("location", place.id), "location": location_document(place)}
                for n, place in enumerate(snapshot.service_places(service))
            ],
            "languages": [
                compact({"id": child_id(sid, "language", n), "service_id": sid, "name": name,
                         "code": language_code(name)})
                for n, name in enumerate(service.languages)
            ],
            "cost_options": [_cost_option(sid, service)],
            "contacts": _contacts(sid, service),
            "attributes": [
                {"id": child_id(sid, "attribute", n), "link_id": sid,
                 "taxonomy_term_id": oruk_id("taxonomy_term", term.id), "taxonomy_term": taxonomy_term_document(term)}
                for n, term in enumerate(snapshot.service_terms(service))
            ],
        }),
        "organization": organization_document(snapshot.organisations[service.organisation_id]),
        **_extension_fields(service),
    }


def _extension_fields(service: Service) -> Document:
    """What Signpost holds that ORUK 3.0 has no field for (written always, so export -> import keeps it)."""
    return {
        X + "tags": list(service.tags),
        X + "referral_route": service.referral_route.value,
        X + "access_methods": list(service.access_methods),
        X + "opening_hours": service.opening_hours,
        X + "accessibility": service.accessibility,
        X + "accompany_allowed": service.accompany_allowed,
        X + "capacity_status": service.capacity_status.value,
        **({X + "waiting_weeks": service.waiting_weeks} if service.waiting_weeks is not None else {}),
    }


def _schedules(sid: str, service: Service) -> list[Document]:
    """Opening hours as ORUK schedules: weekly ones (one per distinct time, listing its days), monthly ones
    ("2MO"), and the hours notes as the description of the first."""
    weekly: dict[tuple[int, int], list[int]] = {}
    for slot in parse_opening_hours(service.opening_hours):
        weekly.setdefault((slot.start, slot.end), []).append(slot.weekday)
    rules = [
        {"freq": "WEEKLY", "byday": ",".join(BYDAY[day] for day in sorted(days)), "opens_at": _clock(start),
         "closes_at": _clock(end)}
        for (start, end), days in sorted(weekly.items(), key=lambda item: (min(item[1]), item[0]))
    ]
    monthly: dict[tuple[int, int, int], list[int]] = {}
    for slot in parse_monthly(service.opening_hours):
        monthly.setdefault((slot.weekday, slot.start, slot.end), []).append(slot.ordinal)
    rules += [
        {"freq": "MONTHLY", "byday": ",".join(f"{n}{BYDAY[day]}" for n in sorted(ordinals, key=_ordinal_order)),
         "opens_at": _clock(start), "closes_at": _clock(end)}
        for (day, start, end), ordinals in sorted(monthly.items())
    ]
    if service.hours_notes:
        rules = rules or [{}]
        rules[0] = {**rules[0], "description": service.hours_notes}
    return [
        {"id": child_id(sid, "schedule", n), "service_id": sid, **({"interval": 1} if "freq" in rule else {}), **rule}
        for n, rule in enumerate(rules)
    ]


def _ordinal_order(ordinal: int) -> int:
    return ordinal if ordinal > 0 else 99


def _clock(minutes: int) -> str:
    return "23:59" if minutes >= MINUTES_PER_DAY else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _service_areas(sid: str, service: Service) -> list[Document]:
    areas = [{"id": child_id(sid, "service_area", n), "service_id": sid, "name": area}
             for n, area in enumerate(service.areas)]
    if service.area_description:
        areas.append({"id": child_id(sid, "service_area", len(areas)), "service_id": sid,
                      "service_area": service.area_description, "extent_type": "text"})
    return areas


def _cost_option(sid: str, service: Service) -> Document:
    """The cost band as the option, the detail as its description, and an amount when one can be read (£3)."""
    amount: float | None = 0 if service.cost == Cost.FREE else None
    found = _POUNDS.search(service.cost_detail)
    if found:
        amount = float(found[1]) if "." in found[1] else int(found[1])
    return compact({"id": child_id(sid, "cost_option"), "service_id": sid, "option": COST_LABELS[service.cost],
                    "amount": amount, "amount_description": service.cost_detail})


def _contacts(sid: str, service: Service) -> list[Document]:
    """The main phone as a contact of its own, then the named contacts and further numbers."""
    entries = ([{"phone": service.phone}] if service.phone else []) + list(service.contacts)
    contacts = []
    for n, entry in enumerate(entries):
        cid = child_id(sid, "contact", n)
        phone = compact({"id": child_id(cid, "phone"), "contact_id": cid, "number": entry.get("phone"),
                         "type": entry.get("phone_type"), "description": entry.get("phone_note")})
        contacts.append(compact({
            "id": cid, "service_id": sid, "name": entry.get("name"), "title": entry.get("title"),
            "email": entry.get("email"), "phones": [phone] if "number" in phone else [],
        }))
    return contacts


# ---- organisations, locations, taxonomy -------------------------------------------------------------------------

def organization_summary(organisation: Organisation) -> Document:
    """An organisation's one-to-one fields: one item of `GET /organizations`."""
    return {
        **with_id("organization", organisation.id),
        "name": organisation.name,
        "description": organisation.description,
        **compact({"email": organisation.email, "website": organisation.url}),
    }


def organization_document(organisation: Organisation, services: Iterable[Document] = ()) -> Document:
    """An organisation with its phone and (for `GET /organizations/{id}`) its services."""
    oid = oruk_id("organization", organisation.id)
    phones = [{"id": child_id(oid, "phone"), "organization_id": oid, "number": organisation.phone}]
    return {**organization_summary(organisation),
            **compact({"phones": phones if organisation.phone else [], "services": list(services)})}


def location_document(place: Location) -> Document:
    lid = oruk_id("location", place.id)
    address_type = "physical" if place.location_type == LocationType.PHYSICAL else place.location_type.value
    address = {"id": child_id(lid, "address"), "location_id": lid, "address_1": place.address, "city": place.town,
               "state_province": place.county, "postal_code": place.postcode, "country": place.country,
               "address_type": address_type}
    return {
        **with_id("location", place.id),
        "location_type": place.location_type.value,
        **compact({
            "name": place.name,
            "description": place.description,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "external_identifier": place.external_identifier,
            "external_identifier_type": place.external_identifier_type,
            "organization_id": oruk_id("organization", place.organisation_id) if place.organisation_id else None,
            "addresses": [address] if any((place.address, place.town, place.postcode)) else [],
            "accessibility": [{"id": child_id(lid, "accessibility"), "location_id": lid,
                               "description": place.accessibility}] if place.accessibility else [],
        }),
    }


def taxonomy_term_document(term: Taxonomy) -> Document:
    category = CATEGORIES.get(term.id) if term.vocabulary == VOCABULARY else None
    return {
        **with_id("taxonomy_term", term.id),
        "name": term.name,
        "description": term.description or (category.description if category else ""),
        **compact({
            "parent_id": oruk_id("taxonomy_term", term.parent_id) if term.parent_id else None,
            "taxonomy": term.vocabulary,
            "taxonomy_id": oruk_id("taxonomy", term.vocabulary) if term.vocabulary else None,
            "term_uri": term.uri,
        }),
    }


def taxonomy_document(vocabulary: str) -> Document:
    """One vocabulary ("taxonomy" in ORUK) that the directory's terms come from."""
    described = "Signpost's need categories: the social-prescribing support areas" if vocabulary == VOCABULARY else (
        f"Terms of the {vocabulary} vocabulary, as imported"
    )
    return {"id": oruk_id("taxonomy", vocabulary), "name": vocabulary, "description": described}


def service_documents(session: Session) -> list[Document]:
    """Every service as a full ORUK 3.0 service object, ordered by id."""
    snapshot = Snapshot.load(session)
    return [service_document(snapshot, service) for service in snapshot.services]


def day_list(days: list[int]) -> str:
    """'Mon-Fri' for a run of three or more days, otherwise 'Tue,Thu'."""
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[day] for day in days)
