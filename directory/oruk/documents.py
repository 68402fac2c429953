"""The directory written as Open Referral UK service objects ("documents"), the one shape both ORUK formats share,
and the ORUK names both directions use (`x_signpost_*` fields, weekly day codes)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from directory.models import Capacity, Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.opening_hours import DAY_NAMES, parse_opening_hours
from directory.store import links_by_service

Document = dict[str, Any]
X = "x_signpost_"  # prefix of the fields Signpost holds that ORUK has no place for
BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def service_documents(session: Session) -> list[Document]:
    """Every service as a full ORUK service object, ordered by id."""
    organisations = {org.id: org for org in session.exec(select(Organisation)).all()}
    locations = {place.id: place for place in session.exec(select(Location)).all()}
    taxonomies = {term.id: term for term in session.exec(select(Taxonomy)).all()}
    place_links = links_by_service(session, ServiceAtLocation, "location_id")
    term_links = links_by_service(session, ServiceTaxonomy, "taxonomy_id")
    return [
        _service_document(
            service,
            organisations[service.organisation_id],
            [locations[place] for place in sorted(place_links.get(service.id, []))],
            [taxonomies[term] for term in sorted(term_links.get(service.id, []))],
        )
        for service in session.exec(select(Service).order_by(Service.id)).all()
    ]


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
        "organization": organisation_document(organisation),
        "service_at_locations": [
            {"id": f"{sid}@{place.id}", "location": location_document(place)} for place in places
        ],
        "service_taxonomys": [
            {"id": f"{sid}#{term.id}", "taxonomy": taxonomy_document(term)} for term in terms
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
            "byday": ",".join(BYDAY[day] for day in sorted(days)),
            "freq": "WEEKLY",
            "interval": 1,
            "description": f"{day_list(days)} {_clock(start)}-{_clock(end)}",
        }
        for n, ((start, end), days) in enumerate(ordered)
    ]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_list(days: list[int]) -> str:
    """'Mon-Fri' for a run of three or more days, otherwise 'Tue,Thu'."""
    days = sorted(set(days))
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
    return ",".join(DAY_NAMES[day] for day in days)


def organisation_document(organisation: Organisation) -> Document:
    return {"id": organisation.id, "name": organisation.name, "description": organisation.description,
            "email": organisation.email, "url": organisation.url, X + "phone": organisation.phone}


def location_document(place: Location) -> Document:
    has_address = any((place.address, place.town, place.postcode))
    address = {"id": f"{place.id}:address", "address_1": place.address, "city": place.town,
               "state_province": "", "postal_code": place.postcode, "country": "GB"}
    return {"id": place.id, "name": place.name, "description": "", "latitude": place.latitude,
            "longitude": place.longitude, X + "organization_id": place.organisation_id or "",
            "physical_addresses": [address] if has_address else []}


def taxonomy_document(term: Taxonomy) -> Document:
    return {"id": term.id, "name": term.name, "vocabulary": term.vocabulary, "parent_id": term.parent_id or ""}
