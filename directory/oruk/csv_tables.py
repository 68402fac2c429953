"""ORUK CSV: the directory written as a folder of ORUK CSV tables, and loading such a folder (row numbers are
spreadsheet rows and every reason names its file)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core.csvsafe import write_safe_csv
from directory.models import Location, Organisation, Taxonomy
from directory.oruk.documents import (
    Document,
    X,
    location_document,
    organisation_document,
    service_documents,
    taxonomy_document,
)
from directory.oruk.loading import (
    as_text,
    location_from,
    organisation_from,
    store_document,
    store_location,
    store_taxonomy,
    taxonomy_from,
)
from directory.rows import RowProblem, unquote_cell
from directory.store import ImportReport, RowError, load_each
from directory.taxonomy import ensure_taxonomy

_X_SERVICE = tuple(
    X + name
    for name in (
        "tags", "referral_route", "access_methods", "opening_hours", "accessibility", "accompany_allowed",
        "capacity_status", "waiting_weeks",
    )
)
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description", "email", "url", X + "phone"),
    "services": ("id", "organization_id", "name", "description", "url", "email", "status", "fees", "assured_date",
                 *_X_SERVICE),
    "locations": ("id", "name", "description", "latitude", "longitude", X + "organization_id"),
    "physical_addresses": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "taxonomies": ("id", "name", "vocabulary", "parent_id"),
    "service_taxonomies": ("id", "service_id", "taxonomy_id"),
    "regular_schedules": ("id", "service_id", "opens_at", "closes_at", "byday", "freq", "interval", "description"),
    "eligibilities": ("id", "service_id", "eligibility", "minimum_age", "maximum_age"),
    "cost_options": ("id", "service_id", "option", "amount", "amount_description"),
    "languages": ("id", "service_id", "language"),
    "service_areas": ("id", "service_id", "service_area"),
    "contacts": ("id", "service_id", "name", "title"),
    "phones": ("id", "contact_id", "number"),
}
# service-object list key -> the CSV table holding the same rows (each with a service_id)
_CHILD_TABLES = {
    "regular_schedules": "regular_schedules",
    "eligibilitys": "eligibilities",
    "cost_options": "cost_options",
    "languages": "languages",
    "service_areas": "service_areas",
    "contacts": "contacts",
}


def export_oruk_csv(session: Session, folder: Path | str) -> int:
    """Write the directory as ORUK CSV tables (formula-safe) into `folder`; returns how many services."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[Document]] = {name: [] for name in TABLES}
    tables["organizations"] = [organisation_document(org) for org in session.exec(select(Organisation)).all()]
    tables["taxonomies"] = [taxonomy_document(term) for term in session.exec(select(Taxonomy)).all()]
    for place in session.exec(select(Location)).all():
        document = location_document(place)
        tables["locations"].append(document)
        tables["physical_addresses"] += [{"location_id": place.id, **row} for row in document["physical_addresses"]]
    documents = service_documents(session)
    for document in documents:
        _flatten_service(document, tables)
    for name, header in TABLES.items():
        with open(target / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            write_safe_csv(handle, header, ([_cell(row.get(column)) for column in header] for row in tables[name]))
    return len(documents)


def _flatten_service(document: Document, tables: dict[str, list[Document]]) -> None:
    sid = document["id"]
    tables["services"].append({**document, "organization_id": document["organization"]["id"]})
    for key, table in _CHILD_TABLES.items():
        tables[table] += [{"service_id": sid, **item} for item in document[key]]
    for contact in document["contacts"]:
        tables["phones"] += [{"contact_id": contact["id"], **phone} for phone in contact["phones"]]
    tables["service_at_locations"] += [
        {"id": link["id"], "service_id": sid, "location_id": link["location"]["id"]}
        for link in document["service_at_locations"]
    ]
    tables["service_taxonomies"] += [
        {"id": link["id"], "service_id": sid, "taxonomy_id": link["taxonomy"]["id"]}
        for link in document["service_taxonomys"]
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return value


def import_oruk_csv(session: Session, folder: Path | str) -> ImportReport:
    """Load an ORUK CSV folder. Row numbers are spreadsheet rows (header = 1) and reasons name the file."""
    ensure_taxonomy(session)
    tables = _read_tables(Path(folder))
    report = ImportReport()
    supporting = ImportReport()  # only its errors count: `loaded` means services
    addresses = _children(tables["physical_addresses"], "location_id", {row["id"] for row in tables["locations"]},
                          "locations.csv", report)
    _load_table(session, tables["taxonomies"], lambda s, row: store_taxonomy(s, taxonomy_from(row)), supporting)
    _load_table(session, tables["organizations"], lambda s, row: s.merge(organisation_from(row)), supporting)
    _load_table(session, tables["locations"],
                lambda s, row: store_location(s, location_from(row, addresses.get(row["id"], []))), supporting)
    report.errors += supporting.errors
    documents = _service_documents_from_tables(tables, report)
    _load_table(session, documents, lambda s, row: store_document(s, row, nested=False), report)
    report.errors.sort(key=lambda error: (error.reason.split(":")[0], error.row))
    return report


def _read_tables(folder: Path) -> dict[str, list[Document]]:
    """Every ORUK table in the folder (missing optional tables are empty), each row tagged with file and row."""
    if not (folder / "services.csv").is_file():
        raise FileNotFoundError(f"services.csv in {folder}")
    tables: dict[str, list[Document]] = {}
    for name in TABLES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            tables[name] = []
            continue
        with open(path, newline="", encoding="utf-8-sig") as handle:
            tables[name] = [
                {**{key: unquote_cell(value or "") for key, value in row.items() if key}, "_file": path.name,
                 "_row": index + 2}
                for index, row in enumerate(csv.DictReader(handle))
            ]
    return tables


def _load_table(
    session: Session, rows: list[Document], load_one: Callable[[Session, Document], object], report: ImportReport
) -> None:
    """Load each row in its own SAVEPOINT, skipping repeated ids; errors are prefixed with the file name."""
    seen: dict[str, int] = {}
    unique: list[tuple[int, Document]] = []
    for row in rows:
        row_id = as_text(row.get("id"))
        if row_id and row_id in seen:
            report.errors.append(RowError(row["_row"], f"{row['_file']}: id '{row_id}' is already used in row "
                                                       f"{seen[row_id]}"))
            continue
        seen[row_id] = row["_row"]
        unique.append((row["_row"], row))

    def load_with_file(session: Session, row: Document) -> None:
        try:
            load_one(session, row)
        except RowProblem as problem:
            if problem.row is None:
                raise RowProblem(f"{row['_file']}: {problem}", row=row["_row"]) from None
            what = f"{row['_file']} row {row['_row']}"
            raise RowProblem(f"{problem} ({what} was not loaded)", row=problem.row) from None

    load_each(session, unique, load_with_file, report)


def _children(
    rows: list[Document], parent_column: str, parent_ids: set[str], parent_file: str, report: ImportReport
) -> dict[str, list[Document]]:
    """Rows grouped by their parent id; a row whose parent does not exist is reported."""
    grouped: dict[str, list[Document]] = {}
    for row in rows:
        parent = as_text(row.get(parent_column))
        if parent not in parent_ids:
            report.errors.append(RowError(row["_row"], f"{row['_file']}: {parent_column} '{parent}' is not in "
                                                       f"{parent_file}"))
            continue
        grouped.setdefault(parent, []).append(row)
    return grouped


def _service_documents_from_tables(tables: dict[str, list[Document]], report: ImportReport) -> list[Document]:
    """Rebuild service objects from services.csv and its child tables."""
    service_ids = {as_text(row.get("id")) for row in tables["services"]}
    children = {
        key: _children(tables[table], "service_id", service_ids, "services.csv", report)
        for key, table in {**_CHILD_TABLES, "service_at_locations": "service_at_locations",
                           "service_taxonomies": "service_taxonomies"}.items()
    }
    contact_ids = {as_text(row.get("id")) for row in tables["contacts"]}
    phones = _children(tables["phones"], "contact_id", contact_ids, "contacts.csv", report)
    documents = []
    for row in tables["services"]:
        sid = as_text(row.get("id"))
        document = {**row, **{key: grouped.get(sid, []) for key, grouped in children.items()}}
        document["contacts"] = [{**contact, "phones": phones.get(as_text(contact.get("id")), [])}
                                for contact in document["contacts"]]
        documents.append(document)
    return documents
