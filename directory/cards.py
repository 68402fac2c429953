"""Plain-language text for directory services: how to reach one, short result cards and a full details card.

The chat cards and the command-line search both use these, so a service is described the same way everywhere.
"""

from __future__ import annotations

from datetime import date

from core.clock import utcnow
from directory.listing import updated_ago
from directory.models import ReferralRoute
from directory.records import ServiceRecord

ACCESS_WORDS = {
    "phone": "phone",
    "email": "email",
    "web": "website",
    "walk-in": "drop in",
    "form": "online form",
    "text": "text message",
    "home-visit": "home visit",
}


def access_methods(record: ServiceRecord) -> list[str]:
    """How the service can be contacted, in plain words ("phone", "drop in", ...)."""
    return [ACCESS_WORDS.get(method, method) for method in record.access_methods]


def how_to_access(record: ServiceRecord) -> str:
    """For staff: 'Self-referral or professional referral by phone, drop in' or 'Professional referral only'."""
    if record.referral_route == ReferralRoute.PROFESSIONAL.value:
        return "Professional referral only"
    methods = ", ".join(access_methods(record))
    route = "Self-referral or professional referral" if record.referral_route == ReferralRoute.EITHER.value else (
        "Self-referral"
    )
    return f"{route} by {methods}" if methods else route


def how_to_reach(record: ServiceRecord) -> str:
    """For clients, the same facts as `how_to_access` in a sentence."""
    if record.referral_route == ReferralRoute.PROFESSIONAL.value:
        return "Needs a referral from a professional (for example your GP or link worker)."
    methods = access_methods(record)
    return "You can contact them yourself" + (f" by {', '.join(methods)}." if methods else ".")


def _capacity(record: ServiceRecord) -> str:
    """What the service said about taking people on, and how fresh that is ("updated 3 days ago")."""
    fresh = updated_ago(record.capacity_updated_at, utcnow())
    if record.capacity_status == "closed":
        until = f" (until {record.closed_until:%d/%m/%Y})" if record.closed_until else ""
        words = f"Not taking new people at the moment{until}."
    elif record.capacity_status == "waiting_list":
        weeks = f" (about {record.waiting_weeks} weeks)" if record.waiting_weeks else ""
        words = f"There is a waiting list{weeks}."
    elif fresh:
        words = "Taking new people."
    else:
        return ""
    return f"{words[:-1]} — {fresh}." if fresh else words


def _cost(record: ServiceRecord) -> str:
    words = {"free": "Free", "low_cost": "Low cost", "paid": "There is a charge"}.get(str(record.cost), "")
    return f"{words}: {record.cost_detail}" if record.cost_detail and words else words


def short_card(number: int, record: ServiceRecord) -> str:
    """One search result in two or three short lines."""
    lines = [f"{number}. {record.name}"]
    summary = record.description.split(". ")[0].strip().rstrip(".")
    if summary:
        lines.append(f"   {summary[:140]}.")
    contact = f"☎ {record.phone}" if record.phone else (record.url or record.email)
    extra = " · ".join(part for part in (contact, _cost(record), _capacity(record)) if part)
    if extra:
        lines.append(f"   {extra}")
    return "\n".join(lines)


def details_card(record: ServiceRecord, why: tuple[str, ...] = ()) -> str:
    """Everything someone needs to decide and get in touch, in short plain sentences."""
    address = ", ".join(part for part in (record.address, record.town, record.postcode) if part)
    head = [record.name, f"Run by {record.organisation_name}" if record.organisation_name else ""]
    body = [
        record.description,
        f"Who it's for: {record.eligibility}" if record.eligibility else "",
        f"Where it's available: {record.area_description}" if record.area_description else "",
        how_to_reach(record),
        f"Phone: {record.phone}" if record.phone else "",
        f"Website: {record.url}" if record.url else "",
        f"Email: {record.email}" if record.email else "",
        f"Where: {address}" if address else "",
        f"Opening times: {record.opening_hours}" if record.opening_hours else "",
        f"About the times: {record.hours_notes}" if record.hours_notes else "",
        _cost(record),
        _capacity(record),
        "You're welcome to bring someone with you." if record.accompany_allowed else "",
        f"Languages: {', '.join(record.languages)}" if record.languages else "",
        f"Access: {record.accessibility}" if record.accessibility else "",
        f"Why this came up: {'; '.join(why)}" if why else "",
        _verified(record.last_verified),
    ]
    return "\n".join(filter(None, head)) + "\n\n" + "\n".join(filter(None, body))


def _verified(when: date | None) -> str:
    return f"Details last checked: {when.strftime('%B %Y')}" if when else "Details not yet checked by our team."
