"""Plain-language text for directory services: how to reach one, short result cards and a full details card.

The chat cards and the command-line search both use these, so a service is described the same way everywhere.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from core.clock import utcnow
from core.i18n import N_, Translate, english
from directory.records import ServiceRecord
from directory.vocabulary import ReferralRoute

ACCESS_WORDS = {
    "phone": N_("phone"),
    "email": N_("email"),
    "web": N_("website"),
    "walk-in": N_("drop in"),
    "form": N_("online form"),
    "text": N_("text message"),
    "home-visit": N_("home visit"),
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


def how_to_reach(record: ServiceRecord, t: Translate = english) -> str:
    """For clients, the same facts as `how_to_access` in a sentence (in their language: `t`)."""
    if record.referral_route == ReferralRoute.PROFESSIONAL.value:
        return t(N_("Needs a referral from a professional (for example your GP or link worker)."))
    methods = [t(method) for method in access_methods(record)]
    if not methods:
        return t(N_("You can contact them yourself."))
    return t(N_("You can contact them yourself by {methods}.")).format(methods=", ".join(methods))


SUMMARY_CHARS = 140  # a result card's line about what the service does
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_CLOCK = re.compile(r"\b([01]?\d|2[0-4]):([0-5]\d)\b")
_CLOCK_RANGE = re.compile(r"(\d(?:am|pm|:\d\d[ap]m)|noon|midnight)\s*-\s*(?=\d|noon|midnight)")


def weeks(count: int) -> str:
    """'1 week', '3 weeks'."""
    return f"{count} week" if count == 1 else f"{count} weeks"


def summary_of(description: str, limit: int = SUMMARY_CHARS) -> str:
    """The description's first sentence; one too long for a card is cut at a word, with '…' (never mid-word)."""
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0].strip()
    if not first:
        return ""
    if len(first) <= limit:
        return first if first[-1] in ".!?" else first + "."
    cut = first[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:–-—'\"(") + "…"


def _twelve_hour(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), match.group(2)
    if (hours, minutes) in {(12, "00")}:
        return "noon"
    if (hours, minutes) in {(0, "00"), (24, "00"), (23, "59")}:
        return "midnight"
    suffix = "am" if hours < 12 or hours == 24 else "pm"
    shown = hours % 12 or 12
    return f"{shown}{suffix}" if minutes == "00" else f"{shown}:{minutes}{suffix}"


def readable_hours(hours: str) -> str:
    """Opening times as many older people read them: 'Mon-Fri 09:00-17:00' -> 'Mon–Fri 9am–5pm'."""
    text = _CLOCK_RANGE.sub(r"\1–", _CLOCK.sub(_twelve_hour, hours))
    text = re.sub(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b", r"\1–\2", text)
    return text.replace(",", ", ").replace(",  ", ", ")


def _capacity(record: ServiceRecord, t: Translate = english) -> str:
    """What the service said about taking people on, and how fresh that is ("updated 3 days ago")."""
    fresh = updated_ago(record.capacity_updated_at, utcnow())
    if record.capacity_status == "closed":
        words = (t(N_("Not taking new people until {date}.")).format(date=f"{record.closed_until:%d/%m/%Y}")
                 if record.closed_until else t(N_("Not taking new people at the moment.")))
    elif record.capacity_status == "waiting_list":
        if record.waiting_weeks:
            wait = t(N_("about 1 week")) if record.waiting_weeks == 1 else t(N_("about {weeks} weeks")).format(
                weeks=record.waiting_weeks)
            words = t(N_("There is a waiting list ({wait}).")).format(wait=wait)
        else:
            words = t(N_("There is a waiting list."))
    elif fresh:
        words = t(N_("Taking new people."))
    else:
        return ""
    return f"{words[:-1]} — {fresh}." if fresh else words


COST_WORDS = {"free": N_("Free"), "low_cost": N_("Low cost"), "paid": N_("There is a charge")}


def _cost(record: ServiceRecord, t: Translate = english) -> str:
    words = t(COST_WORDS[str(record.cost)]) if str(record.cost) in COST_WORDS else ""
    return f"{words}: {record.cost_detail}" if record.cost_detail and words else words


def short_card(number: int, record: ServiceRecord, t: Translate = english) -> str:
    """One search result in two or three short lines."""
    lines = [f"{number}. {record.name}"]
    if summary := summary_of(record.description):
        lines.append(f"   {summary}")
    contact = f"☎ {record.phone}" if record.phone else (record.url or record.email)
    extra = " · ".join(part for part in (contact, _cost(record, t), _capacity(record, t)) if part)
    if extra:
        lines.append(f"   {extra}")
    return "\n".join(lines)


def details_card(record: ServiceRecord, why: tuple[str, ...] = (), t: Translate = english) -> str:
    """Everything someone needs to decide and get in touch, in short plain sentences. The fixed words are in the
    person's language (`t`); the service's own text stays as the provider wrote it."""
    address = ", ".join(part for part in (record.address, record.town, record.postcode) if part)

    def field(label: str, value: str) -> str:
        return f"{t(label)}: {value}" if value else ""

    head = [record.name, field(N_("Run by"), record.organisation_name)]
    body = [
        record.description,
        field(N_("Who it's for"), record.eligibility),
        field(N_("Where it's available"), record.area_description),
        how_to_reach(record, t),
        field(N_("Phone"), record.phone),
        field(N_("Website"), record.url),
        field(N_("Email"), record.email),
        field(N_("Where"), address),
        field(N_("Opening times"), readable_hours(record.opening_hours) if record.opening_hours else ""),
        field(N_("About the times"), record.hours_notes),
        _cost(record, t),
        _capacity(record, t),
        t(N_("You're welcome to bring someone with you.")) if record.accompany_allowed else "",
        field(N_("Languages"), ", ".join(record.languages)),
        field(N_("Access"), record.accessibility),
        field(N_("Why this came up"), "; ".join(why)),
        _verified(record.last_verified, t),
    ]
    return "\n".join(filter(None, head)) + "\n\n" + "\n".join(filter(None, body))


def _verified(when: date | None, t: Translate = english) -> str:
    if when is None:
        return t(N_("Details not yet checked by our team."))
    return t(N_("Details last checked: {month}")).format(month=when.strftime("%B %Y"))


def updated_ago(moment: datetime | None, now: datetime) -> str:
    """'updated today', 'updated yesterday', 'updated 3 days ago', 'updated 5 weeks ago'; '' when never."""
    if moment is None:
        return ""
    days = max((now - moment).days, 0)
    if days == 0:
        return "updated today"
    if days == 1:
        return "updated yesterday"
    if days < 28:
        return f"updated {days} days ago"
    return f"updated {days // 7} weeks ago"
