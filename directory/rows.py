"""The value rules every directory import shares: reading cells into checked values, and the checks every stored
service meets. A value that breaks a rule raises `RowProblem`, worded for a directory editor."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import TypeVar

import phonenumbers
from phonenumbers import shortnumberinfo

from core.clock import utcnow
from core.csvsafe import safe_cell
from directory.areas import normalise_area
from directory.models import Service
from directory.opening_hours import is_monthly_part, parse_opening_hours
from directory.vocabulary import ACCESS_METHODS, Capacity

LIST_SEPARATOR = "|"
MAX_ID_LENGTH = 64
E = TypeVar("E", bound=StrEnum)


class RowProblem(ValueError):
    """A row cannot be loaded; the message says why in words a directory editor understands.

    `row` is set when the problem lies in another row than the one being loaded (e.g. a child table row).
    """

    def __init__(self, reason: str, row: int | None = None) -> None:
        super().__init__(reason)
        self.row = row


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# UK postcodes, by Royal Mail's rules. No maintained library does this: the PyPI packages are single-author regexes,
# most unreleased for years, and none checks the area list; the rules themselves are short and stable.
# Areas: the 121 geographic areas, the Crown dependencies (GY, JE, IM) and the non-geographic BX and XM.
POSTCODE_AREAS = frozenset((
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB", "CF", "CH", "CM",
    "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN",
    "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP",
    "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML",
    "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM",
    "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF",
    "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "XM", "YO", "ZE",
))
_POSTCODE = re.compile(r"^(?P<area>[A-Z]{1,2})(?P<district>\d[A-Z\d]?)(?P<inward>\d[ABD-HJLNP-UW-Z]{2})$")
_DISTRICT_LETTER = {1: set("ABCDEFGHJKPSTUW"), 2: set("ABEHMNPRVWXY")}  # the letter in A9A / AA9A districts
GIRO_POSTCODE = "GIR 0AA"
_WRITTEN_NATIONALLY = re.compile(r"0\d+(?: \d+)+")

# Ofcom's ranges for TV and radio drama: never anyone's line, so sample data uses them (phonenumbers calls them
# invalid because no one can be reached on them).
_DRAMA_RANGES = tuple(
    f"+44{prefix}" for prefix in (
        "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960", "1314960", "1414960",
        "1514960", "1614960", "1914980", "2079460", "2890180", "2920180", "1632960", "7700900", "8081570",
        "9098790", "3069990",
    )
)


def check_opening_hours(text: str) -> str:
    """Opening hours trimmed, once every `;`-separated part is understood by the search (raises RowProblem).

    Grammar: "24/7", or groups like "Mon-Fri 09:00-17:00; Sat 10:00-13:00" or "Tue,Thu 10:00-12:00", or monthly
    ones like "2nd Mon 14:00-16:00", "1st,3rd Wed 10:00-12:00" or "last Fri 10:00-12:00"; empty means unknown.
    """
    text = " ".join(text.split())
    for part in text.split(";") if text else []:
        if not (parse_opening_hours(part) or is_monthly_part(part)):
            raise RowProblem(
                f"opening hours '{part.strip()}' not understood; write them like 'Mon-Fri 09:00-17:00', "
                "'Tue,Thu 10:00-12:00' or '2nd Mon 14:00-16:00'"
            )
    return text


def normalise_postcode(text: str) -> str:
    """A real UK postcode in upper case with one space ("nr2 1tf" -> "NR2 1TF"); "" stays "" (raises RowProblem).

    Royal Mail's rules: a known postcode area; a district of one or two digits, or a digit and a letter from the
    letters allowed there; an inward part of a digit and two letters other than C, I, K, M, O, V. GIR 0AA too.
    """
    cleaned = "".join(text.split()).upper()
    if not cleaned:
        return ""
    if cleaned == GIRO_POSTCODE.replace(" ", ""):
        return GIRO_POSTCODE
    match = _POSTCODE.match(cleaned)
    if match is None or not _real_outward(match["area"], match["district"]):
        raise RowProblem(f"'{text}' is not a UK postcode")
    return f"{match['area']}{match['district']} {match['inward']}"


def _real_outward(area: str, district: str) -> bool:
    if area not in POSTCODE_AREAS:
        return False
    return district[-1].isdigit() or district[-1] in _DISTRICT_LETTER[len(area)]


def normalise_phone(text: str) -> str:
    """A UK phone number as people dial it ("+44 1234 234567" -> "01234 234567"), "" for nothing (raises RowProblem).

    Numbers are parsed by `phonenumbers`; UK short numbers (111, 999, 116 123, 85258) and Ofcom's drama ranges
    are allowed; numbers from other countries keep their international form. A valid UK number already written
    as digits and spaces keeps its grouping ("0808 2000 247" is how that helpline is known).
    """
    cleaned = " ".join(text.strip().strip('"').strip("'").split())
    if not cleaned:
        return ""
    try:
        number = phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException:
        raise RowProblem(f"'{text}' is not a phone number") from None
    if shortnumberinfo.is_valid_short_number_for_region(number, "GB") and not cleaned.startswith("+"):
        digits = str(number.national_number)
        return f"{digits[:3]} {digits[3:]}" if digits.startswith("116") else digits
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    dialled = cleaned.lstrip("(")
    written_as_uk = dialled.startswith(("0", "+"))  # "(555) 010 0199" is not a UK number missing its 0
    if not written_as_uk or not (phonenumbers.is_valid_number(number) or e164.startswith(_DRAMA_RANGES)):
        raise RowProblem(f"'{text}' is not a UK phone number")
    if number.country_code == 44 and _WRITTEN_NATIONALLY.fullmatch(cleaned):
        return cleaned
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 44 else (
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


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
    """Undo the quote `core.csvsafe.safe_cell` puts before formula-like cells, so export -> import round-trips."""
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
    service.phone = normalise_phone(service.phone)
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

