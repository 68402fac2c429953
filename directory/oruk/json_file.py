"""ORUK JSON: the directory as an ORUK 3.0 page of full services, and loading ORUK service objects (a page, a
list or a single service; ORUK 3.0, 1.0 and HSDS spellings) with a report per object."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from directory.oruk.documents import Document, page, service_documents
from directory.oruk.loading import IdMap, Notes, store_document
from directory.oruk.reading import Source
from directory.store import ImportReport, RowError, load_each
from directory.taxonomy import ensure_taxonomy

PAGE_KEYS = ("contents", "content", "items")  # ORUK 3.0 pages use `contents`; some 1.0 APIs used the others


def export_oruk_json(session: Session, path: Path | str) -> int:
    """Write every service as one ORUK 3.0 page (`contents`, `total_items`...); returns how many were written."""
    documents = service_documents(session)
    body = page(documents, len(documents), 1, len(documents))
    Path(path).write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(documents)


def service_objects(data: Any) -> list[Any]:
    """The service objects in parsed ORUK JSON: a page's contents, a list, or one service."""
    if isinstance(data, dict):
        for key in PAGE_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return data if isinstance(data, list) else []


def import_oruk_json(session: Session, path: Path | str) -> ImportReport:
    """Load an ORUK JSON file; row N is the Nth service object."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return load_service_objects(session, enumerate(service_objects(data), start=1))


def load_service_objects(session: Session, objects: Iterable[tuple[int, Any]]) -> ImportReport:
    """Store each (row number, service object), each in its own SAVEPOINT, noting what each left out."""
    ensure_taxonomy(session)
    ids = IdMap.of_directory(session)
    report = ImportReport()
    documents: list[tuple[int, tuple[int, Document]]] = []
    for number, document in objects:
        if isinstance(document, dict):
            documents.append((number, (number, document)))
        else:
            report.errors.append(RowError(number, "not a service object"))

    def load_one(session: Session, item: tuple[int, Document]) -> None:
        number, document = item
        source, notes = Source(document, ""), Notes()
        store_document(session, source, ids, notes, nested=True)
        add_notes(report, number, source, notes)

    load_each(session, documents, load_one, report)
    drop_notes_of_failed_rows(report)
    report.errors.sort(key=lambda error: error.row)
    return report


def add_notes(report: ImportReport, row: int, source: Source, notes: Notes) -> None:
    """The row's notes, then the fields nothing read, for the import report."""
    report.notes += [RowError(row, note) for note in notes.said]
    left_out = source.left_out()
    if left_out:
        report.notes.append(RowError(row, f"left out (Signpost has no place for them): {', '.join(left_out)}"))


def drop_notes_of_failed_rows(report: ImportReport) -> None:
    failed = {error.row for error in report.errors}
    report.notes = [note for note in report.notes if note.row not in failed]
