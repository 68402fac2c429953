"""Importing real-shaped ORUK data: ORUK 3.0 pages, single services and CSV packages, HSDS 1.0 packages and live
feeds; what lands in the directory, what each row's notes say was left out, and lossless round trips.

The fixtures in tests/fixtures/oruk are written for Signpost (not copies of the official examples) and exercise
the same features: pages, ages 12-100, Thu/Fri 10:00-18:00, "2nd Monday", addresses, taxonomy terms,
service_at_location, phones on services/locations/organisations/contacts, quoted CSV phones, service areas.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlmodel import select

from core.db import session_scope
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy
from directory.oruk import import_oruk
from directory.oruk.csv_tables import export_oruk_csv
from directory.oruk.feed import fetch_feed
from directory.oruk.json_file import export_oruk_json, load_service_objects
from directory.seed import load_directory_csv
from directory.store import ImportReport
from directory.vocabulary import Cost
from tests.oruk_servers import static_feed
from tests.test_oruk import add_unusual_services, empty_directory
from tests.test_seed import directory_rows, seed_sample

FIXTURES = Path(__file__).parent / "fixtures" / "oruk"
PAGE, SINGLE, CSV_3, HSDS_1 = (FIXTURES / name for name in ("page_3_0.json", "service_3_0.json", "csv_3_0",
                                                              "hsds_1_0"))
ADVICE, CLUB = "3c12bf67-44c4-5c57-8555-7d50b22a7065", "3a481bdb-41a0-586c-b656-deb90ca0ab3d"
HALL = "b90be9fc-aceb-5eb6-95be-a6ec704e86fc"
CAFE, LINE = "12530432-84ae-5174-8c43-b71bb353a6e7", "c0c84790-bb3d-514d-bb45-8e8f874a08aa"
PANTRY, WARM, BEFRIEND = ("100bc0e4-27f3-54b4-9e70-62d77b5d950c", "f0a3725f-9ce3-5ed8-839a-95794f949d23",
                          "8aaad93b-327b-5246-9005-915282757fd6")


def _notes(report: ImportReport, row: int) -> str:
    return "\n".join(note.reason for note in report.notes if note.row == row)


def _categories(session, service_id: str) -> set[str]:  # type: ignore[no-untyped-def]
    return set(session.exec(select(ServiceTaxonomy.taxonomy_id).where(ServiceTaxonomy.service_id == service_id)))


def _places(session, service_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(session.exec(select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == service_id)))


def test_an_oruk_3_page_loads_every_service_with_what_link_workers_need(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, PAGE)
        advice, club = session.get(Service, ADVICE), session.get(Service, CLUB)
        hall = session.get(Location, HALL)
        organisation = session.get(Organisation, advice.organisation_id)
        advice_categories, advice_places = _categories(session, ADVICE), _places(session, ADVICE)
    assert (report.loaded, report.errors) == (2, [])
    assert (advice.min_age, advice.max_age) == (12, 100)
    assert advice.opening_hours == "Thu,Fri 10:00-18:00; 2nd Mon 14:00-16:00"
    assert advice.hours_notes == "Closed on bank holidays; Evening session for people in work"
    assert club.opening_hours == "last Fri 12:00-14:00"
    assert "Every 2 weeks on Tue 10:00-11:30 from 2025-01-07" in club.hours_notes
    assert advice_places == [HALL] and _places_match(hall)
    assert "money" in advice_categories  # "Debt advice" maps to Signpost's money category
    assert "Knitting circle" in advice.tags and "125ea497-5724-5bd8-8e0d-042535b75a66" in advice_categories
    assert advice.phone == "01632 960412"  # the quotes and +44 are gone
    texts = {"name": "Ann Example", "title": "Money adviser", "email": "ann@wensum-trust.example.org",
             "phone": "07700 900413", "phone_type": "text", "phone_note": "Texts answered within a day"}
    assert texts in advice.contacts
    assert {"phone": "01632 960411", "phone_note": "Hall booking line"} in advice.contacts  # the location's phone
    assert organisation.phone == "01632 960410" and organisation.url == "https://wensum-trust.example.org"
    assert advice.areas == ["Breckland"] and advice.area_description.startswith("Villages along the river Wensum")
    assert advice.languages == ["English", "Polish"]  # Polish was given only as the code "pl"
    assert advice.accessibility.startswith("Step-free entrance")
    assert (advice.cost, advice.cost_detail) == (Cost.FREE, "No charge; donations welcome")
    assert (club.cost, club.cost_detail) == (Cost.PAID, "Per lunch: £4.50")
    assert club.capacity_status == "closed" and club.active


def _places_match(hall: Location) -> bool:
    return (hall.name, hall.address, hall.town, hall.county, hall.postcode, hall.external_identifier) == (
        "Lenwade Village Hall", "The Street", "Lenwade", "Norfolk", "NR9 5SA", "100091234567")


def test_every_field_left_out_is_named_on_its_row(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, PAGE)
    first, second = _notes(report, 1), _notes(report, 2)
    for dropped in ("alert", "funding", "organization.logo", "organization.organization_identifiers",
                    "schedules[0].valid_from", "service_areas[1].extent",
                    "service_at_locations[0].location.addresses[0].attention"):
        assert dropped in first, dropped
    assert "'ring reception' is not a phone number" in first
    assert "'Knitting circle' is not one of Signpost's categories; kept as a search tag" in first
    assert "interval 2 is kept as a note only" in second and "alert" not in second


def test_a_single_service_object_loads_like_a_page_item(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, SINGLE)
        service = session.get(Service, ADVICE)
        assert _places(session, ADVICE) == [HALL]
    assert (report.loaded, report.errors) == (1, [])
    assert (service.min_age, service.max_age, service.opening_hours) == (12, 100, "Thu,Fri 10:00-18:00; "
                                                                                  "2nd Mon 14:00-16:00")


def test_an_oruk_3_csv_package_loads_with_quoted_phones_schedules_and_locations(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, CSV_3)
        cafe, line = session.get(Service, CAFE), session.get(Service, LINE)
        cafe_places, cafe_categories = _places(session, CAFE), _categories(session, CAFE)
        term = session.get(Taxonomy, "bb088b0e-baf1-58aa-bad9-4087834a565d")  # "Peer support groups"
    assert (report.loaded, report.errors) == (2, [])
    assert line.phone == "01632 960420"  # written """+44 1632 960420""" in phones.csv
    assert cafe.opening_hours == "Wed 10:00-12:00; 1st Sat 10:00-12:00; 3rd Sat 10:00-12:00"  # via service_at_location
    assert line.opening_hours == "Mon-Fri 09:00-17:00" and line.hours_notes == "Answerphone out of hours"
    assert len(cafe_places) == 1 and cafe.accessibility == "Level access. Ask for the side door"
    assert "carers" in cafe_categories and "Peer support groups" in cafe.tags
    assert cafe.cost_detail == "Tea and cake: £1.50 per visit" and cafe.areas == ["Breckland"]
    assert (term.name, term.vocabulary) == ("Peer support groups", "Norfolk carers vocabulary")  # via taxonomy_id
    notes = "\n".join(note.reason for note in report.notes)
    assert "funding.csv: Signpost has no place for this table; row left out" in notes
    assert "services.csv row 2: accreditations" in notes and "cost_options.csv row 2: valid_from" in notes
    assert "the time zone of opens_at '09:00Z' was left out" in notes
    assert "'not known' is not a phone number; left out" in notes


def test_an_hsds_1_package_links_locations_and_reads_phones_wherever_they_hang(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, HSDS_1)
        pantry, warm, befriend = (session.get(Service, sid) for sid in (PANTRY, WARM, BEFRIEND))
        organisation = session.get(Organisation, pantry.organisation_id)
        places = {sid: _places(session, sid) for sid in (PANTRY, WARM, BEFRIEND)}
        pantry_categories = _categories(session, PANTRY)
        address = session.get(Location, places[PANTRY][0])
    assert (report.loaded, report.errors) == (3, [])
    assert all(len(linked) == 1 for linked in places.values())  # services_at_location.csv
    assert pantry.phone == "01632 960430"  # on the service
    assert {"phone": "01632 960431", "phone_type": "voice", "phone_note": "Shop"} in pantry.contacts  # the location's
    assert organisation.phone == "01632 960432"  # on the organisation
    assert warm.phone == "01632 960434 x12"  # on the service-at-location link, with its extension
    assert befriend.phone == "07700 900433"  # the contact's: the service's own number is not a UK number
    assert any(entry.get("name") == "Pat Example" for entry in befriend.contacts)
    assert pantry.opening_hours == "Tue,Thu 10:00-13:00"  # weekday 2 and 4
    assert (befriend.min_age, befriend.eligibility) == (65, "Older people living alone")
    assert befriend.languages == ["English", "Polish"] and not warm.active
    assert "food_fuel" in pantry_categories  # "Food banks"
    assert (address.address, address.town, address.postcode) == ("12 High Street, Gorleston", "Great Yarmouth",
                                                                 "NR31 6RB")
    notes = "\n".join(note.reason for note in report.notes)
    assert "'(555) 010 0199' is not a UK phone number" in notes
    assert "holiday_schedules.csv: Signpost has no place for this table" in notes
    assert "services.csv row 4: interpretation_services" in notes and "contacts.csv row 2: department" in notes


def _directory_after_import(engine, source: Path) -> dict:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        report = import_oruk(session, source)
    assert report.errors == []
    with session_scope(engine) as session:
        return directory_rows(session)


@pytest.mark.parametrize("source", [PAGE, SINGLE, CSV_3, HSDS_1], ids=["3.0-page", "3.0-service", "3.0-csv",
                                                                      "hsds-1.0-csv"])
@pytest.mark.parametrize("export", [export_oruk_csv, export_oruk_json], ids=["to-csv", "to-json"])
def test_import_export_import_is_lossless(engine, tmp_path: Path, source: Path, export) -> None:  # type: ignore[no-untyped-def]
    before = _directory_after_import(engine, source)
    target = tmp_path / ("out" if export is export_oruk_csv else "out.json")
    with session_scope(engine) as session:
        export(session, target)
        empty_directory(session)
    assert _directory_after_import(engine, target) == before


def test_the_seed_and_unusual_services_survive_both_formats_in_a_row(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        load_directory_csv(session, seed_sample(tmp_path / "sample.csv", every=2))
        add_unusual_services(session)
    with session_scope(engine) as session:
        before = directory_rows(session)
        export_oruk_json(session, tmp_path / "a.json")
        empty_directory(session)
    _directory_after_import(engine, tmp_path / "a.json")
    with session_scope(engine) as session:
        export_oruk_csv(session, tmp_path / "b")
        empty_directory(session)
    assert _directory_after_import(engine, tmp_path / "b") == before


def test_importing_the_same_file_twice_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    once = _directory_after_import(engine, HSDS_1)
    assert _directory_after_import(engine, HSDS_1) == once


def test_a_feed_is_read_page_by_page_with_each_full_service(engine) -> None:  # type: ignore[no-untyped-def]
    services = json.loads(PAGE.read_text())["contents"]
    with static_feed(services) as (url, asked):
        fetched = fetch_feed(url, per_page=1)
    assert [service["id"] for service in fetched] == [ADVICE, CLUB]
    assert "/feed/services?page=1&per_page=1" in asked and "/feed/services?page=2&per_page=1" in asked
    assert f"/feed/services/{CLUB}" in asked
    with session_scope(engine) as session:
        report = load_service_objects(session, enumerate(fetched, start=1))
        club = session.get(Service, CLUB)
    assert (report.loaded, report.errors) == (2, []) and club.opening_hours == "last Fri 12:00-14:00"


def test_a_feed_without_service_records_still_loads_its_list(engine) -> None:  # type: ignore[no-untyped-def]
    services = json.loads(PAGE.read_text())["contents"]
    with static_feed(services, full=False) as (url, _asked), session_scope(engine) as session:
        report = import_oruk(session, url)
        advice = session.get(Service, ADVICE)
    assert report.loaded == 2 and (advice.min_age, advice.max_age) == (12, 100)


def test_a_bad_csv_phone_row_or_postcode_is_reported_and_the_rest_loads(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "hsds"
    shutil.copytree(HSDS_1, folder)
    text = (folder / "physical_addresses.csv").read_text().replace("NR31 6RB", "QQ1 1QQ")
    (folder / "physical_addresses.csv").write_text(text)
    with session_scope(engine) as session:
        report = import_oruk(session, folder)
        loaded = set(session.exec(select(Service.id)))
    assert any("'QQ1 1QQ' is not a UK postcode" in error.reason for error in report.errors)
    assert BEFRIEND in loaded  # its location is the other one


def test_records_no_service_links_to_survive_the_json_export(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        add_unusual_services(session)
        session.add(Organisation(id="quiet-org", name="An organisation with no services yet"))
        session.add(Taxonomy(id="unused-term", name="Nobody uses this", vocabulary="local"))
    with session_scope(engine) as session:
        before = directory_rows(session)
        export_oruk_json(session, tmp_path / "out.json")
        for table in (ServiceAtLocation, ServiceTaxonomy, Service, Location, Organisation, Taxonomy):
            session.execute(delete(table))
    assert _directory_after_import(engine, tmp_path / "out.json") == before


def test_an_oruk_import_moves_the_directory_revision_so_running_bots_rebuild(engine) -> None:  # type: ignore[no-untyped-def]
    from directory.revision import current_revision

    before = current_revision(engine)
    with session_scope(engine) as session:
        import_oruk(session, PAGE)
    after = current_revision(engine)
    assert after.number > before.number and after.stamp != before.stamp
