"""ORUK JSON: the directory as an ORUK 3.0 page of full services, and loading ORUK service objects (a page, a
list or a single service; ORUK 3.0, 1.0 and HSDS spellings) with a report per object."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from directory.oruk.documents import (
    Document,
    Snapshot,
    location_document,
    organization_document,
    page,
    service_document,
    taxonomy_term_document,
)
from directory.oruk.ids import X
from directory.oruk.loading import IdMap, Notes, location_from, organisation_from, store_document, term_from
from directory.oruk.reading import Source
from directory.rows import RowProblem
from directory.seed import ensure_taxonomy
from directory.store import ImportReport, RowError, load_each, store_location, store_organisation, store_taxonomy

PAGE_KEYS = ("contents", "content", "items")  # ORUK 3.0 pages use `contents`; some 1.0 APIs used the others
UNLINKED = X + "unlinked"  # organisations, locations and terms no service links to (a page holds only services)


def export_oruk_json(session: Session, path: Path | str) -> int:
    """Write every service as one ORUK 3.0 page (`contents`, `total_items`...), and under `x_signpost_unlinked`
    the records no service links to, so export -> import keeps them; returns how many services were written."""
    snapshot = Snapshot.load(session)
    documents = [service_document(snapshot, service) for service in snapshot.services]
    body = page(documents, len(documents), 1, len(documents))
    linked_places = {place for places in snapshot.places.values() for place in places}
    linked_terms = {term for terms in snapshot.categories.values() for term in terms}
    running = {service.organisation_id for service in snapshot.services}
    body[UNLINKED] = {
        "taxonomy_terms": [taxonomy_term_document(term) for term in snapshot.terms.values()
                           if term.id not in linked_terms],
        "organizations": [organization_document(org) for org in snapshot.organisations.values()
                          if org.id not in running],
        "locations": [location_document(place) for place in snapshot.locations.values()
                      if place.id not in linked_places],
    }
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
    unlinked = data.get(UNLINKED) if isinstance(data, dict) else None
    return load_service_objects(session, enumerate(service_objects(data), start=1), unlinked)


def load_service_objects(
    session: Session, objects: Iterable[tuple[int, Any]], unlinked: dict[str, Any] | None = None
) -> ImportReport:
    """Store each (row number, service object), each in its own SAVEPOINT, noting what each left out."""
    ensure_taxonomy(session)
    ids = IdMap.of_directory(session)
    report = ImportReport()
    if isinstance(unlinked, dict):
        _load_unlinked(session, unlinked, ids, report)
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


def _load_unlinked(session: Session, unlinked: dict[str, Any], ids: IdMap, report: ImportReport) -> None:
    """Records no service links to (row 0: they are not services); a bad one is reported by its path."""
    readers = (
        ("taxonomy_terms", lambda s, source, notes: store_taxonomy(s, term_from(source, ids))),
        ("organizations", lambda s, source, notes: store_organisation(s, organisation_from(source, ids, notes))),
        ("locations", lambda s, source, notes: store_location(s, location_from(source, ids, notes))),
    )
    for key, store in readers:
        items = unlinked.get(key) if isinstance(unlinked.get(key), list) else []
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            source, notes = Source(item, f"{UNLINKED}.{key}[{n}]"), Notes()
            try:
                with session.begin_nested(), source.within():
                    store(session, source, notes)
                    session.flush()
            except RowProblem as problem:
                report.errors.append(RowError(0, str(problem)))
            else:
                add_notes(report, 0, source, notes)
