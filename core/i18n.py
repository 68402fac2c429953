"""Client-facing text in the person's language: gettext catalogues (locale/<lang>/LC_MESSAGES/signpost.po,
compiled to .mo with Babel by `scripts/compile_catalogues.py`, which `make run`/`make test` run first).

`translator(lang)` gives a `gettext`-style function; an unknown language, or a string a catalogue doesn't have yet,
falls back to English. Directory text (service names and descriptions) is never translated: it is shown as the
provider wrote it. UK phone numbers in translated text are kept exactly as in English (tests check it).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "signpost"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {  # each language's own name, for the /language buttons
    "en": "English", "pl": "Polski", "pt": "Português", "lt": "Lietuvių", "ro": "Română", "es": "Español",
}  # fmt: skip
Translate = Callable[[str], str]


@lru_cache(maxsize=16)
def _translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translator(lang: str) -> Translate:
    """`gettext` for `lang` (English for an unknown language or an untranslated string)."""
    return _translations(lang).gettext if lang and lang != DEFAULT_LANGUAGE else english


def english(text: str) -> str:
    """The catalogue strings are English: the identity."""
    return text


def choose_language(chosen: str, telegram_code: str | None, offered: Sequence[str]) -> str:
    """The person's language: their /language choice, else Telegram's (`pt-BR` -> `pt`) when it is offered, else
    the first offered language."""
    for candidate in (chosen, (telegram_code or "").split("-")[0].lower()):
        if candidate and candidate in offered:
            return candidate
    return offered[0] if offered else DEFAULT_LANGUAGE


def N_(text: str) -> str:  # the gettext convention: mark for the catalogue, translate later
    """Mark a module-level string for the catalogue; it is translated where it is shown (`turn.t(TEXT)`)."""
    return text
