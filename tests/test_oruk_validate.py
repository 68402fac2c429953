"""Exports are valid ORUK 3.0 (Signpost's own schema, format checks on), the validator finds what is wrong, and
`python -m directory validate-oruk` reads an official uk-profile checkout laid out as the profile is."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from core.db import make_engine, session_scope
from directory.__main__ import main
from directory.oruk import import_oruk
from directory.oruk.csv_tables import export_oruk_csv
from directory.oruk.json_file import export_oruk_json
from directory.oruk.validate import SchemaSet, validate_csv, validate_json
from directory.seed import load_directory_csv
from tests.test_directory_cli import Cli, cli  # noqa: F401 - the fixture
from tests.test_oruk import add_unusual_services
from tests.test_oruk_import import CSV_3, HSDS_1, PAGE
from tests.test_seed import seed_sample


@pytest.fixture(scope="module")
def exported_once(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> tuple[Path, Path]:
    """The whole seed, unusual services and every fixture, exported once as JSON and as CSV (the export does
    not depend on the backend; import and export on both are tested in test_oruk_import)."""
    tmp_path = tmp_path_factory.mktemp("exported")
    shutil.copy(sqlite_template, tmp_path / "signpost.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'signpost.db'}")
    with session_scope(engine) as session:
        load_directory_csv(session, seed_sample(tmp_path / "seed.csv", every=1))
        add_unusual_services(session)
    for source in (PAGE, CSV_3, HSDS_1):
        with session_scope(engine) as session:
            assert import_oruk(session, source).errors == []
    with session_scope(engine) as session:
        export_oruk_json(session, tmp_path / "out.json")
        export_oruk_csv(session, tmp_path / "csv")
    engine.dispose()
    return tmp_path / "out.json", tmp_path / "csv"


@pytest.fixture
def exported(exported_once: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy each test may change."""
    shutil.copy(exported_once[0], tmp_path / "out.json")
    shutil.copytree(exported_once[1], tmp_path / "csv")
    return tmp_path / "out.json", tmp_path / "csv"


def test_the_json_export_is_valid_oruk_3(exported: tuple[Path, Path]) -> None:
    report = validate_json(json.loads(exported[0].read_text()), SchemaSet.signpost())
    assert report.errors == 0, report.lines()
    assert report.kinds["service"].checked > 200 and report.kinds["page"].checked == 1


def test_the_csv_export_is_valid_oruk_3_with_the_profiles_file_names(exported: tuple[Path, Path]) -> None:
    report = validate_csv(exported[1], SchemaSet.signpost())
    assert report.errors == 0, report.lines()
    assert {"services.csv", "schedule.csv", "service_at_location.csv", "address.csv", "taxonomy_terms.csv",
            "attribute.csv"} <= {path.name for path in exported[1].glob("*.csv")}


def test_the_validator_finds_what_oruk_readers_reject(exported: tuple[Path, Path]) -> None:
    page = json.loads(exported[0].read_text())
    service = page["contents"][0]
    service["id"] = "citizens-advice-norwich"  # not a UUID
    service["email"] = ""  # format: email
    service["service_at_locations"] = [{"id": service["organization"]["id"],
                                        "location": {"id": service["organization"]["id"], "latitude": None}}]
    page["total_items"] = "many"
    report = validate_json(page, SchemaSet.signpost())
    assert report.kinds["service"].invalid == 1 and report.kinds["page"].invalid == 1
    messages = "\n".join(report.kinds["service"].examples)
    assert "is not a 'uuid'" in messages and "location_type" in messages


def test_a_csv_file_the_data_package_has_no_table_for_is_an_error(exported: tuple[Path, Path]) -> None:
    folder = exported[1]
    (folder / "regular_schedules.csv").write_text("id,service_id\n")
    with (folder / "phones.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(["not-a-uuid", "", "", "", "", ""])
    report = validate_csv(folder, SchemaSet.signpost())
    assert report.kinds["files"].invalid == 1 and report.kinds["phones.csv"].invalid == 1


def _profile_checkout(root: Path) -> Path:
    """A folder laid out like OpenReferralUK/uk-profile (schema/, schema/compiled/), with small stand-in
    schemas: the official files are downloaded by users, never committed here."""
    schema, compiled = root / "schema", root / "schema" / "compiled"
    compiled.mkdir(parents=True)
    uuid = {"type": "string", "format": "uuid"}
    service = {"type": "object", "required": ["id", "name", "status"], "properties": {"id": uuid}}
    (compiled / "service.json").write_text(json.dumps(service))
    (compiled / "service_list.json").write_text(json.dumps(service))
    (compiled / "organization_list.json").write_text(json.dumps({"type": "object", "required": ["id"]}))
    (schema / "taxonomy_term.json").write_text(json.dumps({"path": "taxonomy_terms.csv", "type": "object",
                                                           "properties": {"id": uuid}}))
    (schema / "service.json").write_text(json.dumps({"path": "services.csv", "type": "object", "required": ["id"],
                                                     "properties": {"id": uuid, "minimum_age": {"type": "number"},
                                                                    "schedules": {"type": "array"}}}))
    openapi = {"paths": {"/": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
        "type": "object", "properties": {"version": {"type": "string"}}}}}}}}}},
        "components": {"schemas": {"Page": {"type": "object", "properties": {"total_items": {"type": "integer"}}}}}}
    (schema / "openapi.json").write_text(json.dumps(openapi))
    return root


def test_validate_oruk_reads_an_official_profile_checkout(cli: Cli, tmp_path: Path,  # noqa: F811
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    profile = _profile_checkout(tmp_path / "uk-profile")
    assert cli("export-oruk", tmp_path / "csv", "--json", tmp_path / "out.json") == 0
    capsys.readouterr()
    assert cli("validate-oruk", "--schemas", profile, tmp_path / "out.json") == 0
    assert "0 error(s)." in capsys.readouterr().out
    assert cli("validate-oruk", "--schemas", profile, tmp_path / "csv") == 1  # only services.csv has a table here
    assert "is not a file of the ORUK 3.0 data package" in capsys.readouterr().out
    assert cli("validate-oruk", tmp_path / "csv") == 0  # Signpost's own schema knows every file


def test_validate_oruk_says_kindly_what_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-oruk", "--schemas", str(tmp_path), str(tmp_path)]) == 2
    assert "can't find" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["validate-oruk", str(tmp_path / "broken.json")]) == 2
    assert "can't be checked" in capsys.readouterr().err
