"""Open Referral UK (ORUK) import and export: a folder of CSV tables (`csv_tables`), or a JSON list of service
objects (`json_file`).

Both formats go through one shape, the ORUK service object ("document", `documents` writes them and `loading`
stores them). Fields Signpost holds that ORUK has no place for travel in `x_signpost_*` fields, so
export -> import keeps every field. Data from other ORUK publishers (without those fields) still imports, with
sensible defaults described in docs/directory.md.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from directory.oruk.csv_tables import import_oruk_csv
from directory.oruk.json_file import import_oruk_json
from directory.store import ImportReport


def import_oruk(session: Session, path: Path | str) -> ImportReport:
    """Import ORUK data from a CSV folder or a JSON file."""
    return import_oruk_csv(session, path) if Path(path).is_dir() else import_oruk_json(session, path)
