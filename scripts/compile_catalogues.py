"""Compile the gettext catalogues (locale/<lang>/LC_MESSAGES/signpost.po -> .mo) with Babel.

`make run` and `make test` run this first. To add or change client-facing text: wrap it in `N_(...)` or
`turn.t(...)`, then refresh the template and each language:
    .venv/bin/pybabel extract -F babel.cfg -k N_ -k t --no-location --omit-header -o locale/signpost.pot \\
        core directory casework scheduler handlers
    .venv/bin/pybabel update -i locale/signpost.pot -d locale -D signpost
translate the new `msgstr`s (keep {placeholders} and UK phone numbers exactly), then run this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.i18n import DOMAIN, LOCALE_DIR  # noqa: E402


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each catalogue's .mo next to its .po; returns the .mo files written."""
    written = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    print(f"compiled {len(compile_all())} catalogues")
