"""Spotting text that identifies a person (NHS number, hospital number, phone, e-mail, full postcode, date of birth),
so it is never kept where it does not belong (search text, reports), and masking identifiers for display.

This is a gate for *storage and display*, not a validator: it errs towards "identifying" (a false alarm only means
a search is not recorded as unmet need). Phone numbers are found with `phonenumbers` (Google's libphonenumber),
at "possible" leniency so Ofcom drama-range numbers, which are deliberately not valid, are caught too.
"""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers

MASK = "•"
PHONE_MIN_DIGITS = 10  # a UK number without its area code is too short to dial; "1 12345" is not a phone number


class IdentifierKind(StrEnum):
    NHS_NUMBER = "NHS number"
    HOSPITAL_NUMBER = "hospital number"
    PHONE = "phone number"
    EMAIL = "e-mail address"
    POSTCODE = "full postcode"
    DATE_OF_BIRTH = "date of birth"


_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ -]?\d){5,}(?!\d)")  # 6+ digits, maybe spaced or hyphenated
_NHS_SHAPED = re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
# Hospital numbers / MRNs: letters then at least five digits ("NNUH1234567", "K123456", "rg1 12345", "MRN: 123456"),
# or a label naming one.
_HOSPITAL_CODE = re.compile(r"\b[A-Z]{1,5}\d{0,2}[ /-]?\d{5,}\b", re.IGNORECASE)
_HOSPITAL_LABEL = re.compile(
    r"\b(mrn|hosp(ital)?\.? ?(no|num(ber)?|ref(erence)?)|patient ?(no|num(ber)?|id)|nhs ?(no|num(ber)?))\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE_WITH_YEAR = re.compile(
    rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-](\d{{4}}|\d{{2}})\b|\b\d{{1,2}}(st|nd|rd|th)? {_MONTHS},? (19|20)\d{{2}}\b",
    re.IGNORECASE,
)
_DOB_LABEL = re.compile(r"\b(d\.?o\.?b\.?|date of birth|born (on|in)?)\b", re.IGNORECASE)


def is_nhs_number(digits: str) -> bool:
    """Ten digits with a valid modulus-11 check digit (spaces and hyphens are not allowed here)."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    check = 11 - sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return check != 10 and (0 if check == 11 else check) == int(digits[9])


def postcode_districts_only(text: str) -> str:
    """`text` with each full postcode cut to its district ("food bank NR30 2AB" -> "food bank NR30"): where
    someone needs help (a place, as search uses it) without which street they live in."""
    return _POSTCODE.sub(lambda found: re.split(r" ?(?=\d[A-Z]{2}$)", found.group(), flags=re.IGNORECASE)[0], text)


def only_postcodes(text: str) -> bool:
    """Whether `text` is nothing but full postcodes (and spaces or punctuation): an address, not a need."""
    return not any(ch.isalnum() for ch in _POSTCODE.sub("", text))


def identifier_in(text: str) -> IdentifierKind | None:
    """The first kind of personal identifier found in `text`, or None when it looks like an ordinary need."""
    for kind, found in _CHECKS:
        if found(text):
            return kind
    return None


def _nhs(text: str) -> bool:
    return any(is_nhs_number(re.sub(r"[ -]", "", match.group())) for match in _NHS_SHAPED.finditer(text))


def _hospital(text: str) -> bool:
    return bool(_HOSPITAL_LABEL.search(text) or _HOSPITAL_CODE.search(text) or _DIGIT_RUN.search(text))


def _phone(text: str) -> bool:
    matches = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE)
    return any(sum(ch.isdigit() for ch in match.raw_string) >= PHONE_MIN_DIGITS for match in matches)


def _date_of_birth(text: str) -> bool:
    return bool(_DATE_WITH_YEAR.search(text) or _DOB_LABEL.search(text))


_CHECKS = (
    (IdentifierKind.NHS_NUMBER, _nhs),
    (IdentifierKind.PHONE, _phone),
    (IdentifierKind.EMAIL, lambda text: bool(_EMAIL.search(text))),
    (IdentifierKind.POSTCODE, lambda text: bool(_POSTCODE.search(text))),
    (IdentifierKind.DATE_OF_BIRTH, _date_of_birth),
    (IdentifierKind.HOSPITAL_NUMBER, _hospital),
)


def mask(value: str, keep: int = 2) -> str:
    """`value` with all but its last `keep` characters hidden ('NNUH7654321' -> '•••••••••21'); '' stays ''.

    Short values are hidden entirely, so a mask never shows most of an identifier.
    """
    compact = value.strip()
    if not compact:
        return ""
    shown = compact[-keep:] if len(compact) > 2 * keep else ""
    return MASK * (len(compact) - len(shown)) + shown
