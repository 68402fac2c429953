"""Checks for what people type, each returning a clean value or raising `InputProblem` with a kind message."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from core.identifiers import is_nhs_number

MAX_FREE_TEXT = 500
MAX_SHORT_TEXT = 60

# Zero-width characters and bidi controls can hide or reorder text; we drop them.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


class InputProblem(ValueError):
    """Input we cannot use; `str(problem)` is a kind, plain-language reply for the person."""


def normalise(raw: str) -> str:
    """Unicode-normalised text (full-width letters become plain ones) without invisible or control characters."""
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def clean_text(raw: str | None, max_length: int, what: str = "That", *, need_words: bool = True) -> str:
    """Normalised text within a length limit; with `need_words`, it must hold at least one letter or digit."""
    if raw is None:
        raise InputProblem("I can only read typed words here. Please type your answer.")
    text = normalise(raw)
    if not text:
        raise InputProblem(f"{what} looks empty. Please type your answer.")
    if len(text) > max_length:
        raise InputProblem(f"{what} is a bit long — please keep it under {max_length} characters.")
    if need_words and not any(ch.isalnum() for ch in text):
        raise InputProblem(f"{what} needs some letters or numbers.")
    return text


def initials(raw: str | None) -> str:
    """Patient initials: 1–4 letters (dots and spaces ignored), upper-cased."""
    text = clean_text(raw, 20, "Initials", need_words=False)
    letters = re.sub(r"[\s.\-']", "", text)
    if not (1 <= len(letters) <= 4) or not all(ch.isalpha() for ch in letters):
        raise InputProblem("Please send initials only — 1 to 4 letters, for example JS.")
    return letters.upper()


def hospital_reference(raw: str | None) -> str:
    """A hospital number or ward reference: 3–20 letters, digits, '-' or '/'."""
    text = clean_text(raw, 40, "That reference", need_words=False).upper()
    compact = text.replace(" ", "")
    if not re.fullmatch(r"[A-Z0-9/\-]{3,20}", compact) or not re.search(r"[A-Z0-9]", compact):
        raise InputProblem("Please send the hospital number or ward reference — letters and numbers, 3 to 20 long.")
    return compact


def nhs_number(raw: str | None) -> str:
    """A valid 10-digit NHS number (modulus 11 check digit), spaces allowed."""
    text = clean_text(raw, 20, "That NHS number", need_words=False)
    digits = re.sub(r"[\s\-]", "", text)
    if not re.fullmatch(r"\d{10}", digits) or not is_nhs_number(digits):
        raise InputProblem("That doesn't look like a valid NHS number (10 digits). Check it, or tap Skip.")
    return digits


def short_text(raw: str | None, what: str) -> str:
    """A short label such as a ward name."""
    return clean_text(raw, MAX_SHORT_TEXT, what)


def free_text(raw: str | None, what: str) -> str:
    """Free text such as known risks; must not be blank."""
    return clean_text(raw, MAX_FREE_TEXT, what)


_DATE_FORMATS = (r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})", r"(\d{1,2})[/.\-](\d{1,2})")


def discharge_date(raw: str | None, today: date) -> date | None:
    """An expected discharge date: 'today', 'tomorrow', 'not known', DD/MM or DD/MM/YYYY, from today to 6 months on.

    A past date is refused (a patient cannot be discharged yesterday; it is usually a slip of the keyboard), except
    that DD/MM more than a week back is read as next year ('3/1' typed in November).
    """
    text = clean_text(raw, 30, "That date", need_words=False).lower()
    if text in {"not known", "unknown", "don't know", "dont know", "n/a", "na"}:
        return None
    if text == "today":
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    for pattern in _DATE_FORMATS:
        match = re.fullmatch(pattern, text)
        if match:
            day, month = int(match.group(1)), int(match.group(2))
            year = int(match.group(3)) if match.lastindex == 3 else today.year
            year = year + 2000 if year < 100 else year
            try:
                value = date(year, month, day)
            except ValueError:
                break
            if match.lastindex == 2 and value < today - timedelta(days=7):
                try:
                    value = value.replace(year=year + 1)
                except ValueError:  # 29/02 when next year is not a leap year
                    break
            if today - timedelta(days=183) <= value < today:
                raise InputProblem(
                    f"{value:%d/%m/%Y} has already passed. Please send the expected discharge date (today or later), "
                    "or tap Not known."
                )
            if not today <= value <= today + timedelta(days=183):
                raise InputProblem("That date is too far away. Please send a date in the next 6 months or 'not known'.")
            return value
    raise InputProblem("Please send a date like 28/11 or 28/11/2026, or tap a button.")


def admission_date(raw: str | None, today: date) -> date | None:
    """When the patient was admitted: 'today', 'yesterday', 'not known', DD/MM or DD/MM/YYYY, within the last year
    (DD/MM later than today is read as last year)."""
    text = clean_text(raw, 30, "That date", need_words=False).lower()
    if text in {"not known", "unknown", "don't know", "dont know", "n/a", "na"}:
        return None
    named = {"today": today, "yesterday": today - timedelta(days=1)}
    if text in named:
        return named[text]
    for pattern in _DATE_FORMATS:
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.lastindex == 3 else today.year
        year = year + 2000 if year < 100 else year
        try:
            value = date(year, month, day)
            if match.lastindex == 2 and value > today:
                value = value.replace(year=year - 1)
        except ValueError:
            break
        if today - timedelta(days=366) <= value <= today:
            return value
        raise InputProblem("Please send an admission date in the last year (today or earlier), or tap Not known.")
    raise InputProblem("Please send a date like 28/11 or 28/11/2026, or tap a button.")


_ODS_GP_PRACTICE = re.compile(r"^[A-Z][0-9]{5}$")


def gp_practice_code(raw: str | None) -> str:
    """A GP practice's ODS code: one letter and five digits, e.g. D82044 (spaces and case ignored)."""
    code = clean_text(raw, 20, "That code", need_words=False).upper().replace(" ", "")
    if not _ODS_GP_PRACTICE.match(code):
        raise InputProblem("That isn't a GP practice code. Practice (ODS) codes are a letter and five digits, for "
                           "example D82044 — or tap Skip.")
    return code
