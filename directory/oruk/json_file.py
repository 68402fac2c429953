"""ORUK JSON: the directory as a list of ORUK service objects, and loading such a list (or an API page)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from directory.oruk.documents import service_documents
from directory.oruk.loading import store_document
from directory.store import ImportReport, RowError, load_each
from directory.taxonomy import ensure_taxonomy


def export_oruk_json(session: Session, path: Path | str) -> int:
    """Write every service as an ORUK service-object JSON list; returns how many were written."""
    documents = service_documents(session)
    Path(path).write_text(json.dumps(documents, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(documents)


def import_oruk_json(session: Session, path: Path | str) -> ImportReport:
    """Load an ORUK service JSON list (or an API page with `content`); row N is the Nth service object."""
    ensure_taxonomy(session)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("content", data.get("items", [data]))
    report = ImportReport()
    documents = []
    for number, document in enumerate(data if isinstance(data, list) else [], start=1):
        if isinstance(document, dict):
            documents.append((number, document))
        else:
            report.errors.append(RowError(number, "not a service object"))
    load_each(session, documents, lambda s, document: store_document(s, document, nested=True), report)
    report.errors.sort(key=lambda error: error.row)
    return report
