"""Language names <-> ISO 639 codes for ORUK `languages` (HSDS 3.0 `name` and `code`), from pycountry's ISO data.

Signpost stores languages as editors write them ("Polish", "BSL"); a code is added on export when the name is
an ISO 639 language name, and a name is looked up when a publisher gives only a code.
"""

from __future__ import annotations

from functools import cache

import pycountry

# Names people write that are not ISO 639 names.
_ALIASES = {"bsl": "bfi", "british sign language": "bfi", "farsi": "fa", "pashto": "ps", "punjabi": "pa"}


@cache
def _codes_by_name() -> dict[str, str]:
    codes: dict[str, str] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None) or language.alpha_3
        for name in language.name.replace(";", ",").split(","):
            codes.setdefault(name.strip().casefold(), code)
    return codes


def language_code(name: str) -> str | None:
    """The ISO 639-1 code (ISO 639-3 when there is none) for a language name, or None ("Easy Read")."""
    folded = name.strip().casefold()
    return _ALIASES.get(folded) or _codes_by_name().get(folded)


def language_name(code: str) -> str | None:
    """The English name for an ISO 639-1 or 639-3 code ("pl" -> "Polish"), or None."""
    code = code.strip().lower()
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return found.name.split(";")[0].strip() if found else None
