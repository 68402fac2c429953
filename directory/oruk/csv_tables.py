"""ORUK CSV: the directory written as the ORUK 3.0 CSV data package (the UK profile's file names), and loading a
folder of ORUK 3.0, ORUK 1.0 or HSDS 1.0 tables. Rows are rebuilt into ORUK objects and read by `loading`, so
row numbers are spreadsheet rows and every reason names its file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import Session

from core.csvsafe import write_safe_csv
from directory.oruk.documents import (
    Document,
    Snapshot,
    location_document,
    organization_document,
    service_document,
    taxonomy_document,
    taxonomy_term_document,
)
from directory.oruk.ids import X_ID, X
from directory.oruk.json_file import add_notes
from directory.oruk.loading import IdMap, Notes, location_from, organisation_from, store_document, term_from
from directory.oruk.reading import Source, as_text
from directory.rows import RowProblem, unquote_cell
from directory.seed import ensure_taxonomy
from directory.store import ImportReport, RowError, load_each, store_location, store_organisation, store_taxonomy

_X_SERVICE = (X_ID, X + "tags", X + "referral_route", X + "access_methods", X + "opening_hours", X + "accessibility",
              X + "accompany_allowed", X + "capacity_status", X + "waiting_weeks")
# The ORUK 3.0 UK profile's file names and the columns Signpost writes (the profile's, HSDS 3.0's where the profile
# has none, and x_signpost_*).
TABLES: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "description", "email", "website", X_ID),
    "services": ("id", "organization_id", "name", "description", "url", "email", "status", "minimum_age",
                 "maximum_age", "assured_date", "eligibility_description", *_X_SERVICE),
    "service_at_location": ("id", "service_id", "location_id"),
    "locations": ("id", "location_type", "name", "description", "latitude", "longitude", "external_identifier",
                  "external_identifier_type", "organization_id", X_ID),
    "address": ("id", "location_id", "address_1", "city", "state_province", "postal_code", "country",
                "address_type"),
    "accessibility": ("id", "location_id", "description"),
    "schedule": ("id", "service_id", "freq", "interval", "byday", "opens_at", "closes_at", "description"),
    "service_areas": ("id", "service_id", "name", "service_area", "extent_type"),
    "languages": ("id", "service_id", "name", "code"),
    "cost_options": ("id", "service_id", "option", "amount", "amount_description"),
    "contacts": ("id", "service_id", "name", "title", "email"),
    "phones": ("id", "contact_id", "organization_id", "number", "type", "description"),
    "taxonomies": ("id", "name", "description"),
    "taxonomy_terms": ("id", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "term_uri", X_ID),
    "attribute": ("id", "link_id", "taxonomy_term_id"),
}
# What each table is called in ORUK 3.0 (first), ORUK 1.0, HSDS 1.0 and Signpost's earlier exports.
ALIASES: dict[str, tuple[str, ...]] = {
    "services": ("services",),
    "organizations": ("organizations",),
    "locations": ("locations",),
    "service_at_location": ("service_at_location", "service_at_locations", "services_at_location"),
    "address": ("address", "addresses", "physical_addresses"),
    "accessibility": ("accessibility", "accessibility_for_disabilities"),
    "schedule": ("schedule", "schedules", "regular_schedules"),
    "service_areas": ("service_areas",),
    "languages": ("languages",),
    "cost_options": ("cost_options",),
    "contacts": ("contacts",),
    "phones": ("phones",),
    "eligibility": ("eligibilities", "eligibility"),
    "taxonomy_terms": ("taxonomy_terms",),
    "attribute": ("attribute", "attributes", "service_taxonomies", "services_taxonomy", "service_attributes"),
}
_VOCABULARY_TABLES = ("taxonomies", "taxonomy")  # ORUK 3.0: vocabularies; ORUK/HSDS 1.0: the terms themselves


# ---- export --------------------------------------------------------------------------------------------------------

def export_oruk_csv(session: Session, folder: Path | str) -> int:
    """Write the directory as the ORUK 3.0 CSV data package (formula-safe) into `folder`; returns how many services."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    snapshot = Snapshot.load(session)
    tables: dict[str, list[Document]] = {name: [] for name in TABLES}
    for organisation in snapshot.organisations.values():
        document = organization_document(organisation)
        tables["organizations"].append(document)
        tables["phones"] += document.get("phones", [])
    for place in snapshot.locations.values():
        document = location_document(place)
        tables["locations"].append(document)
        tables["address"] += document.get("addresses", [])
        tables["accessibility"] += document.get("accessibility", [])
    tables["taxonomy_terms"] = [taxonomy_term_document(term) for term in snapshot.terms.values()]
    vocabularies = sorted({term.vocabulary for term in snapshot.terms.values() if term.vocabulary})
    tables["taxonomies"] = [taxonomy_document(vocabulary) for vocabulary in vocabularies]
    for service in snapshot.services:
        _flatten_service(service_document(snapshot, service), tables)
    for name, header in TABLES.items():
        with open(target / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            write_safe_csv(handle, header, ([_cell(row.get(column)) for column in header] for row in tables[name]))
    return len(snapshot.services)


def _flatten_service(document: Document, tables: dict[str, list[Document]]) -> None:
    tables["services"].append(document)
    for key, table in (("schedules", "schedule"), ("service_areas", "service_areas"), ("languages", "languages"),
                       ("cost_options", "cost_options"), ("contacts", "contacts"),
                       ("service_at_locations", "service_at_location"), ("attributes", "attribute")):
        tables[table] += document.get(key, [])
    for contact in document.get("contacts", []):
        tables["phones"] += contact.get("phones", [])


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    return value


# ---- import --------------------------------------------------------------------------------------------------------

def import_oruk_csv(session: Session, folder: Path | str) -> ImportReport:
    """Load a folder of ORUK CSV tables. Row numbers are spreadsheet rows (header = 1) and reasons name the file."""
    ensure_taxonomy(session)
    tables, others = _read_tables(Path(folder))
    report = ImportReport()
    ids = IdMap.of_directory(session)
    _remember_signpost_ids(tables, ids)
    supporting = ImportReport()  # its `loaded` counts no services
    terms = _terms(tables, report)
    _load_rows(session, terms, lambda s, row, notes: store_taxonomy(s, term_from(row, ids)), supporting)
    organisations = _with_children(tables["organizations"], {"phones": _owned_phones(tables, "organization_id")})
    _load_rows(session, organisations,
               lambda s, row, notes: store_organisation(s, organisation_from(row, ids, notes)), supporting)
    places = _with_children(tables["locations"], {
        "addresses": _children(tables["address"], "location_id", tables["locations"], report),
        "accessibility": _children(tables["accessibility"], "location_id", tables["locations"], report),
    })
    _load_rows(session, places, lambda s, row, notes: store_location(s, location_from(row, ids, notes)), supporting)
    report.errors += supporting.errors
    report.notes += supporting.notes
    documents = _service_documents(tables, report)
    _report_unattached(tables, report)
    _load_rows(session, documents, lambda s, row, notes: store_document(s, row, ids, notes, nested=False), report)
    for name, rows in others.items():
        report.notes += [RowError(row["_row"], f"{name}: Signpost has no place for this table; row left out")
                         for row in rows]
    report.errors.sort(key=lambda error: (error.reason.split(":")[0], error.row))
    report.notes.sort(key=lambda note: (note.reason.split(":")[0], note.row))
    return report


def _read_tables(folder: Path) -> tuple[dict[str, list[Document]], dict[str, list[Document]]]:
    """The ORUK tables in the folder by their 3.0 name (missing ones empty), and the rows of every other table."""
    if not (folder / "services.csv").is_file():
        raise FileNotFoundError(f"services.csv in {folder}")
    files = {path.stem: path for path in sorted(folder.glob("*.csv"))}
    tables: dict[str, list[Document]] = {}
    for name, spellings in ALIASES.items():
        found = next((files.pop(spelling) for spelling in spellings if spelling in files), None)
        tables[name] = _rows(found) if found else []
        for spelling in spellings:  # a second spelling of the same table is not read twice
            if spelling in files:
                tables[name] += _rows(files.pop(spelling))
    vocabularies = [files.pop(name) for name in _VOCABULARY_TABLES if name in files]
    tables["vocabularies"] = []
    for path in vocabularies:
        rows = _rows(path)
        is_terms = not tables["taxonomy_terms"] and rows and ({"vocabulary", "parent_id"} & set(rows[0]))
        tables["taxonomy_terms" if is_terms else "vocabularies"] += rows
    return tables, {f"{stem}.csv": _rows(path) for stem, path in files.items()}


def _rows(path: Path) -> list[Document]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [
            {**{key.strip(): unquote_cell(value or "") for key, value in row.items() if key}, "_file": path.name,
             "_row": index + 2}
            for index, row in enumerate(csv.DictReader(handle))
        ]


def _remember_signpost_ids(tables: dict[str, list[Document]], ids: IdMap) -> None:
    """Map exported UUIDs back to Signpost's ids before any row refers to them."""
    for table, kind in (("organizations", "organization"), ("locations", "location"),
                        ("taxonomy_terms", "taxonomy_term"), ("services", "service")):
        for row in tables[table]:
            if as_text(row.get(X_ID)) and as_text(row.get("id")):
                ids.add(kind, as_text(row["id"]), as_text(row[X_ID]))


def _terms(tables: dict[str, list[Document]], report: ImportReport) -> list[Document]:
    """Term rows, each naming its vocabulary (ORUK 3.0 terms may give only `taxonomy_id`)."""
    names = {as_text(row.get("id")): as_text(row.get("name")) for row in tables["vocabularies"]}
    terms = []
    for row in tables["taxonomy_terms"]:
        vocabulary = as_text(row.get("taxonomy")) or names.get(as_text(row.get("taxonomy_id")), "")
        terms.append({**row, "taxonomy": vocabulary})
    return terms


def _owned_phones(tables: dict[str, list[Document]], column: str) -> dict[str, list[Document]]:
    """Phones hanging directly on a record (`organization_id`...) and on no contact."""
    grouped: dict[str, list[Document]] = {}
    for row in tables["phones"]:
        if as_text(row.get(column)) and not as_text(row.get("contact_id")):
            grouped.setdefault(as_text(row[column]), []).append(row)
    return grouped


def _with_children(rows: list[Document], children: dict[str, dict[str, list[Document]]]) -> list[Document]:
    return [{**row, **{key: _attach(grouped.get(as_text(row.get("id")), [])) for key, grouped in children.items()}}
            for row in rows]


def _attach(rows: list[Document]) -> list[Document]:
    """Mark rows as read into some object (rows never attached are reported)."""
    for row in rows:
        row["_attached"] = True
    return rows


def _report_unattached(tables: dict[str, list[Document]], report: ImportReport) -> None:
    for name, rows in tables.items():
        if name in ("services", "organizations", "locations", "taxonomy_terms", "vocabularies"):
            continue
        report.notes += [RowError(row["_row"], f"{row['_file']}: not linked to a service, organisation or location "
                                               "Signpost reads; row left out")
                         for row in rows if not row.get("_attached") and not row.get("_refused")]


def _children(
    rows: list[Document], parent_column: str, parents: list[Document], report: ImportReport
) -> dict[str, list[Document]]:
    """Rows grouped by their parent id; a row whose parent does not exist is reported."""
    parent_ids = {as_text(parent.get("id")) for parent in parents}
    parent_file = parents[0]["_file"] if parents else f"the {parent_column.removesuffix('_id')} table"
    grouped: dict[str, list[Document]] = {}
    for row in rows:
        parent = as_text(row.get(parent_column))
        if not parent:
            continue  # hangs on something else (an organisation, a location): reported if nothing reads it
        if parent not in parent_ids:
            row["_refused"] = True
            report.errors.append(RowError(row["_row"], f"{row['_file']}: {parent_column} '{parent}' is not in "
                                                       f"{parent_file}"))
            continue
        grouped.setdefault(parent, []).append(row)
    return grouped


def _service_documents(tables: dict[str, list[Document]], report: ImportReport) -> list[Document]:
    """Service objects rebuilt from services.csv and the tables that hang on it."""
    services = tables["services"]
    links = _children(tables["service_at_location"], "service_id", services, report)
    link_owner = {as_text(link.get("id")): service for service, rows in links.items() for link in rows}
    places_of = {service: [as_text(link.get("location_id")) for link in rows] for service, rows in links.items()}
    by_service = {key: _children([row for row in tables[table] if _owner(row, link_owner)], "service_id", services,
                                 report)
                  for key, table in (("schedules", "schedule"), ("service_areas", "service_areas"),
                                     ("languages", "languages"), ("cost_options", "cost_options"),
                                     ("eligibilitys", "eligibility"))}
    contacts = _children([row for row in tables["contacts"] if _owner(row, link_owner)], "service_id", services,
                         report)
    contact_phones = _children([row for row in tables["phones"] if as_text(row.get("contact_id"))], "contact_id",
                               tables["contacts"], report)
    location_phones = _owned_phones(tables, "location_id")
    service_phones = _owned_phones(tables, "service_id")
    link_phones = _owned_phones(tables, "service_at_location_id")
    terms = {}
    for row in tables["attribute"]:
        owner = as_text(row.get("link_id") or row.get("service_id"))
        terms.setdefault(owner, []).append(row)
    documents = []
    for row in services:
        sid = as_text(row.get("id"))
        phones = service_phones.get(sid, []) + [
            phone for link in links.get(sid, []) for phone in link_phones.get(as_text(link.get("id")), [])
        ] + [phone for place in places_of.get(sid, []) for phone in location_phones.get(place, [])]
        documents.append({
            **row,
            **{key: _attach(grouped.get(sid, [])) for key, grouped in by_service.items()},
            "contacts": [{**contact, "phones": _attach(contact_phones.get(as_text(contact.get("id")), []))}
                         for contact in _attach(contacts.get(sid, []))],
            "phones": _attach(phones),
            "service_at_locations": _attach(links.get(sid, [])),
            "attributes": _attach(terms.get(sid, [])),
        })
    return documents


def _owner(row: Document, link_owner: dict[str, str]) -> Document:
    """A row that names only its service-at-location link is given that link's service."""
    if not as_text(row.get("service_id")) and as_text(row.get("service_at_location_id")) in link_owner:
        row["service_id"] = link_owner[as_text(row["service_at_location_id"])]
    return row


def _load_rows(
    session: Session, rows: list[Document], load_one: Callable[[Session, Source, Notes], object],
    report: ImportReport,
) -> None:
    """Load each row in its own SAVEPOINT, skipping repeated ids; reasons and notes are prefixed with the file."""
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
        source, notes = Source(row, ""), Notes()
        try:
            load_one(session, source, notes)
        except RowProblem as problem:
            if problem.row is None or (problem.row == row["_row"] and str(problem).startswith(row["_file"])):
                reason = str(problem) if str(problem).startswith(row["_file"]) else f"{row['_file']}: {problem}"
                raise RowProblem(reason, row=row["_row"]) from None
            what = f"{row['_file']} row {row['_row']}"
            raise RowProblem(f"{problem} ({what} was not loaded)", row=problem.row) from None
        source.ignore("id")
        noted = ImportReport()
        add_notes(noted, row["_row"], source, notes)
        report.notes += [RowError(note.row, note.reason if note.reason.startswith(row["_file"]) else
                                  f"{row['_file']}: {note.reason}") for note in noted.notes]

    load_each(session, unique, load_with_file, report)
