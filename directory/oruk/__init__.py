"""Open Referral UK (ORUK 3.0) import and export: the CSV data package (`csv_tables`), JSON pages (`json_file`),
a live ORUK API feed (`feed`), and checks against the ORUK schemas (`validate`).

All formats share one shape, the ORUK service object ("document": `documents` writes them, `loading` reads them).
Fields Signpost holds that ORUK has no place for travel in `x_signpost_*` fields, so export -> import keeps every
field; data from other publishers imports with the defaults and the per-row notes described in docs/directory.md.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from directory.oruk.csv_tables import import_oruk_csv
from directory.oruk.feed import import_oruk_feed, is_feed_url
from directory.oruk.json_file import import_oruk_json
from directory.store import ImportReport


def import_oruk(session: Session, source: Path | str) -> ImportReport:
    """Import ORUK data from a CSV folder, a JSON file or an ORUK API URL."""
    if is_feed_url(str(source)):
        return import_oruk_feed(session, str(source))
    return import_oruk_csv(session, source) if Path(source).is_dir() else import_oruk_json(session, source)
