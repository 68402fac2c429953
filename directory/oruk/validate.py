"""Checking ORUK data against JSON schemas: an export (a JSON file or a CSV data package folder) or a live ORUK
API, against the official ORUK 3.0 UK profile schemas (a checkout of OpenReferralUK/uk-profile that the user
downloads) or Signpost's own schema (`schema/signpost_oruk3.json`). Format checks (uuid, email, uri, date,
date-time) are on. `python -m directory validate-oruk` prints the counts."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.oruk.feed import FeedError, get_json, services_endpoint
from directory.oruk.json_file import PAGE_KEYS
from directory.rows import unquote_cell

SIGNPOST_SCHEMA = Path(__file__).parent / "schema" / "signpost_oruk3.json"
KINDS = ("api_root", "page", "service", "service_summary", "organization_summary", "taxonomy_term")
_SHOWN = 5  # error messages kept per kind


@dataclass
class KindReport:
    """How many records of one kind were checked, how many failed, and the first few reasons."""

    checked: int = 0
    invalid: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ValidationReport:
    kinds: dict[str, KindReport] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(kind.errors for kind in self.kinds.values())

    def lines(self) -> list[str]:
        lines = []
        for name, kind in self.kinds.items():
            lines.append(f"{name}: {kind.checked} checked, {kind.invalid} invalid, {kind.errors} errors")
            lines += [f"    {example}" for example in kind.examples]
        return lines


class SchemaSet:
    """A validator per kind of record, and per CSV file name."""

    def __init__(self, validators: dict[str, Draft202012Validator], tables: dict[str, Draft202012Validator]) -> None:
        self.validators = validators
        self.tables = tables

    @classmethod
    def signpost(cls) -> SchemaSet:
        """Signpost's own schema, written from its reading of the ORUK 3.0 UK profile."""
        root = json.loads(SIGNPOST_SCHEMA.read_text(encoding="utf-8"))

        def of(name: str) -> Draft202012Validator:
            return _validator({**root["$defs"][name], "$defs": root["$defs"]})

        return cls({kind: of(kind) for kind in KINDS},
                   {file: of(name) for file, name in root["x-tables"].items()})

    @classmethod
    def official(cls, folder: Path) -> SchemaSet:
        """The official ORUK 3.0 UK profile schemas: a checkout of the uk-profile repository (or its schema/)."""
        schema_dir = folder / "schema" if (folder / "schema").is_dir() else folder
        if not (schema_dir / "compiled" / "service.json").is_file():
            raise FileNotFoundError(f"compiled/service.json in {schema_dir}")

        def load(name: str) -> dict[str, Any]:
            return json.loads((schema_dir / name).read_text(encoding="utf-8"))

        flat = {path.name: load(path.name) for path in sorted(schema_dir.glob("*.json")) if path.name != "openapi.json"}
        registry: Registry = Registry().with_resources(
            (name, Resource.from_contents(schema, default_specification=_DRAFT)) for name, schema in flat.items()
        )
        openapi = load("openapi.json")
        root_schema = openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validators = {
            "api_root": _validator({**root_schema, "required": ["version", "profile", "openapi_url"]}),
            "page": _validator(openapi["components"]["schemas"]["Page"]),
            "service": _validator(load("compiled/service.json")),
            "service_summary": _validator(load("compiled/service_list.json")),
            "organization_summary": _validator(load("compiled/organization_list.json")),
            "taxonomy_term": _validator(flat["taxonomy_term.json"], registry, "taxonomy_term.json"),
        }
        tables = {schema["path"]: _validator(_table_schema(schema), registry, name)
                  for name, schema in flat.items() if "path" in schema}
        return cls(validators, tables)


_DRAFT = DRAFT202012


def _validator(schema: dict[str, Any], registry: Registry | None = None, uri: str = "") -> Draft202012Validator:
    if uri:
        schema = {**schema, "$id": uri}
    return Draft202012Validator(schema, registry=registry or Registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _table_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A table's schema for one CSV row: its nested lists and objects are other files."""
    properties = {key: value for key, value in schema.get("properties", {}).items()
                  if value.get("type") not in ("array", "object") and "$ref" not in value}
    return {**schema, "properties": properties,
            "required": [key for key in schema.get("required", []) if key in properties]}


def _check(report: ValidationReport, schemas: SchemaSet, kind: str, record: Any, label: str) -> None:
    _record(report, kind, label, schemas.validators[kind].iter_errors(record))


def _record(report: ValidationReport, kind: str, label: str, found: Iterable[Any]) -> None:
    errors = list(found)
    result = report.kinds.setdefault(kind, KindReport())
    result.checked += 1
    if errors:
        result.invalid += 1
        result.errors += len(errors)
        for error in errors[: max(0, _SHOWN - len(result.examples))]:
            where = "/".join(str(part) for part in error.absolute_path) or "(record)"
            result.examples.append(f"{label} {where}: {error.message[:200]}")


# ---- a JSON export or a CSV package ------------------------------------------------------------------------------

def validate_json(data: Any, schemas: SchemaSet) -> ValidationReport:
    """A page of full services, a list of them, or one service."""
    report = ValidationReport()
    if isinstance(data, dict) and any(key in data for key in PAGE_KEYS):
        _check(report, schemas, "page", data, "page")
        items = next(data[key] for key in PAGE_KEYS if key in data)
    else:
        items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, start=1):
        _check(report, schemas, "service", item, f"service {n}")
    return report


def validate_csv(folder: Path, schemas: SchemaSet) -> ValidationReport:
    """Every row of every CSV file against its table's schema; a file the data package has no table for is one
    error."""
    report = ValidationReport()
    for path in sorted(folder.glob("*.csv")):
        validator = schemas.tables.get(path.name)
        if validator is None:
            _record(report, "files", path.name, [_Unknown(f"{path.name} is not a file of the ORUK 3.0 data package")])
            continue
        _record(report, "files", path.name, [])
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                record = _typed_row(row, validator.schema)
                _record(report, path.name, f"row {index + 2}", validator.iter_errors(record))
    return report


@dataclass
class _Unknown:
    message: str
    absolute_path: tuple[()] = ()


def _typed_row(row: dict[str, str | None], schema: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as JSON values: numbers where the schema says number, empty optional cells left out."""
    required = set(schema.get("required", []))
    record: dict[str, Any] = {}
    for key, cell in row.items():
        value = unquote_cell(cell or "")
        if not key or (value == "" and key not in required):
            continue
        kind = _property_type(schema, key)
        if kind in ("number", "integer") and value:
            try:
                record[key] = float(value) if kind == "number" else int(value)
            except ValueError:
                record[key] = value
        else:
            record[key] = value
    return record


def _property_type(schema: dict[str, Any], key: str) -> str:
    prop = schema.get("properties", {}).get(key, {})
    while "$ref" in prop and prop["$ref"].startswith("#/$defs/"):
        prop = schema.get("$defs", {}).get(prop["$ref"].rsplit("/", 1)[1], {})
    return str(prop.get("type", ""))


# ---- a live API --------------------------------------------------------------------------------------------------

def validate_api(url: str, schemas: SchemaSet, client: httpx.Client | None = None) -> ValidationReport:
    """GET /, every page of /services and each /services/{id}, /taxonomy_terms and /organizations."""
    report = ValidationReport()
    own_client = client is None
    client = client or httpx.Client(timeout=30.0, follow_redirects=True)
    base = services_endpoint(url).removesuffix("/services")
    try:
        _check(report, schemas, "api_root", get_json(client, base + "/", {}), "GET /")
        for item in _pages(report, schemas, client, base + "/services", "service_summary"):
            if isinstance(item, dict) and item.get("id"):
                _check(report, schemas, "service", get_json(client, f"{base}/services/{item['id']}", {}),
                       f"GET /services/{item['id']}")
        for endpoint, kind in (("/taxonomy_terms", "taxonomy_term"), ("/organizations", "organization_summary")):
            list(_pages(report, schemas, client, base + endpoint, kind))
    finally:
        if own_client:
            client.close()
    return report


def _pages(report: ValidationReport, schemas: SchemaSet, client: httpx.Client, endpoint: str,
           kind: str) -> Iterator[Any]:
    number = 1
    while True:
        body = get_json(client, endpoint, {"page": number, "per_page": 50})
        _check(report, schemas, "page", body, f"GET {endpoint}?page={number}")
        contents = body.get("contents", []) if isinstance(body, dict) else []
        for n, item in enumerate(contents, start=1):
            _check(report, schemas, kind, item, f"GET {endpoint}?page={number} item {n}")
            yield item
        if not contents or body.get("last_page", True) or number >= int(body.get("total_pages") or 1):
            return
        number += 1


def validate_source(source: str, schemas: SchemaSet) -> ValidationReport:
    """A URL (a live API), a CSV folder or a JSON file (raises FeedError, OSError or ValueError)."""
    if source.startswith(("http://", "https://")):
        return validate_api(source, schemas)
    path = Path(source)
    if path.is_dir():
        return validate_csv(path, schemas)
    return validate_json(json.loads(path.read_text(encoding="utf-8")), schemas)


__all__ = ["FeedError", "SchemaSet", "ValidationReport", "validate_api", "validate_csv", "validate_json",
           "validate_source"]
