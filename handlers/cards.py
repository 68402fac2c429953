"""Plain-language text for directory services: short result cards and a full details card."""

from __future__ import annotations

from datetime import date
from typing import Any

_ACCESS_WORDS = {
    "phone": "phone",
    "email": "email",
    "web": "website",
    "walk-in": "drop in",
    "form": "online form",
    "text": "text message",
    "home-visit": "home visit",
}


def _how_to_reach(record: Any) -> str:
    if record.referral_route == "professional":
        return "Needs a referral from a professional (for example your GP or link worker)."
    methods = [_ACCESS_WORDS.get(method, method) for method in record.access_methods]
    return "You can contact them yourself" + (f" by {', '.join(methods)}." if methods else ".")


def _capacity(record: Any) -> str:
    if record.capacity_status == "closed":
        return "Not taking new people at the moment."
    if record.capacity_status == "waiting_list":
        weeks = f" (about {record.waiting_weeks} weeks)" if record.waiting_weeks else ""
        return f"There is a waiting list{weeks}."
    return ""


def _cost(record: Any) -> str:
    words = {"free": "Free", "low_cost": "Low cost", "paid": "There is a charge"}.get(str(record.cost), "")
    return f"{words}: {record.cost_detail}" if record.cost_detail and words else words


def short_card(number: int, record: Any) -> str:
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


def details_card(record: Any, why: tuple[str, ...] = ()) -> str:
    """Everything someone needs to decide and get in touch, in short plain sentences."""
    address = ", ".join(
        part
        for part in (getattr(record, "address", ""), getattr(record, "town", ""), getattr(record, "postcode", ""))
        if part
    )
    head = [record.name, f"Run by {record.organisation_name}" if getattr(record, "organisation_name", "") else ""]
    body = [
        record.description,
        f"Who it's for: {record.eligibility}" if record.eligibility else "",
        _how_to_reach(record),
        f"Phone: {record.phone}" if record.phone else "",
        f"Website: {record.url}" if record.url else "",
        f"Email: {record.email}" if record.email else "",
        f"Where: {address}" if address else "",
        f"Opening times: {record.opening_hours}" if record.opening_hours else "",
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
