"""The curated directory: its vocabulary and geography, the seed file, CSV import/export and seeding."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from casework.models import ReferralReason
from casework.signposting import REASON_TO_CATEGORIES
from core.db import session_scope
from core.settings import DEFAULT_SEED_CSV
from directory.areas import normalise_area, service_covers
from directory.models import (
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    Taxonomy,
)
from directory.seed import SEED_COLUMNS, ensure_seeded, ensure_taxonomy, export_directory_csv, load_directory_csv
from directory.taxonomy import CATEGORIES

SEED_ROWS = list(csv.DictReader(DEFAULT_SEED_CSV.open(encoding="utf-8")))
GOOD_ROW = {
    "id": "lunch-club-test", "organisation": "Test Village Hall", "name": "Village lunch club",
    "description": "A hot lunch and company every Wednesday.", "categories": "loneliness|food_fuel",
    "tags": "lunch club|lonely", "min_age": "60", "max_age": "", "eligibility": "Older people in the village",
    "areas": "nr19|Breckland", "referral_route": "self", "access_methods": "phone|walk-in",
    "phone": "01632 960999", "email": "", "url": "", "location_name": "Village hall", "address": "1 Church Lane",
    "town": "Dereham", "postcode": "nr19 1aa", "opening_hours": "Wed 12:00-14:00", "cost": "low_cost",
    "cost_detail": "£4", "languages": "English", "accessibility": "Level access", "accompany_allowed": "yes",
    "capacity_status": "open", "waiting_weeks": "", "last_verified": "2026-01-15",
}


def directory_rows(session: Session) -> dict[str, list[dict]]:
    """Every directory row as plain dicts, in a stable order, for whole-directory comparisons."""
    tables = (Organisation, Location, Taxonomy, Service, ServiceTaxonomy, ServiceAtLocation)
    return {
        table.__name__: sorted((row.model_dump() for row in session.exec(select(table)).all()), key=repr)
        for table in tables
    }


def write_csv(path: Path, rows: list[dict], columns: tuple[str, ...] = SEED_COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def seed_sample(path: Path, every: int = 5) -> Path:
    """Every `every`-th seed row: variety without volume, for tests that don't need the whole directory."""
    return write_csv(path, SEED_ROWS[::every])


# ---- vocabulary and geography -------------------------------------------------------------------

def test_every_referral_reason_points_to_known_categories() -> None:
    assert set(REASON_TO_CATEGORIES) == {reason.value for reason in ReferralReason}
    for categories in REASON_TO_CATEGORIES.values():
        assert categories and set(categories) <= set(CATEGORIES)


def test_taxonomy_rows_are_created_once_with_plain_labels(engine) -> None:
    with session_scope(engine) as session:
        ensure_taxonomy(session)
        ensure_taxonomy(session)
        rows = {row.id: row.name for row in session.exec(select(Taxonomy)).all()}
    assert len(rows) == 17
    assert rows["money"] == "Money, debt and benefits"
    assert all(rows[category] for category in CATEGORIES)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("nr3", "NR3"), ("NR3 4AB", "NR3"), ("nr34ab", "NR3"), ("norwich", "Norwich"),
     ("Kings Lynn", "King's Lynn and West Norfolk"), ("Waveney", "East Suffolk"), ("lowestoft", "NR32"),
     ("NORFOLK", "Norfolk"), ("National", "national"), ("Cambridge", None), ("", None)],
)
def test_places_people_type_are_recognised(typed: str, expected: str | None) -> None:
    assert normalise_area(typed) == expected


@pytest.mark.parametrize(
    ("service_areas", "wanted", "covered"),
    [(["national"], "Cambridge", True), (["Norfolk"], "NR19 1AA", True), (["Norfolk"], "Breckland", True),
     (["Norfolk"], "Lowestoft", False), (["Suffolk"], "Lowestoft", True), (["Breckland"], "Thetford", True),
     (["Breckland"], "Norwich", False), (["NR3"], "nr3", True), (["NR3"], "Norwich", False),
     (["Norwich"], "Norfolk", False), (["Great Yarmouth", "NR32"], "Gorleston", True)],
)
def test_service_areas_cover_the_places_inside_them(service_areas: list[str], wanted: str, covered: bool) -> None:
    assert service_covers(service_areas, wanted) is covered


# ---- the seed file ------------------------------------------------------------------------------

def test_seed_file_has_every_column_and_enough_services_in_every_category() -> None:
    assert tuple(SEED_ROWS[0]) == SEED_COLUMNS
    assert len(SEED_ROWS) >= 150
    per_category = {category: 0 for category in CATEGORIES}
    for row in SEED_ROWS:
        for category in row["categories"].split("|"):
            per_category[category] += 1
    assert min(per_category.values()) >= 5, per_category


def test_local_entries_use_contact_details_that_reach_nobody() -> None:
    """Local entries are sample data: Ofcom drama numbers and example.org addresses, never a real line."""
    fictional_phone = re.compile(r"^(01632 960\d{3}|07700 900\d{3}|111)?$")
    for row in (row for row in SEED_ROWS if row["areas"] != "national"):
        assert fictional_phone.match(row["phone"]), row["id"]
        assert row["email"] == "" or row["email"].endswith(".example.org"), row["id"]
        assert row["url"] == "" or ".example.org/" in row["url"] or row["phone"] == "111", row["id"]


def test_seed_gives_link_workers_something_to_judge_fit_and_freshness() -> None:
    assert {row["capacity_status"] for row in SEED_ROWS} == {"open", "waiting_list", "closed"}
    assert all(row["waiting_weeks"] for row in SEED_ROWS if row["capacity_status"] == "waiting_list")
    assert {row["referral_route"] for row in SEED_ROWS} == {"self", "professional", "either"}
    assert {row["cost"] for row in SEED_ROWS} == {"free", "low_cost", "paid"}
    assert {row["accompany_allowed"] for row in SEED_ROWS} == {"yes", "no"}
    checked = [date.fromisoformat(row["last_verified"]) for row in SEED_ROWS]
    stale = [day for day in checked if (max(checked) - day).days > 365]
    assert 10 <= len(stale) <= len(SEED_ROWS) // 3


def test_every_seed_row_loads(engine) -> None:
    with session_scope(engine) as session:
        report = load_directory_csv(session, DEFAULT_SEED_CSV)
    assert report.errors == []
    assert report.loaded == len(SEED_ROWS)
    with session_scope(engine) as session:
        advice = session.get(Service, "citizens-advice-norwich")
        links = session.exec(select(ServiceAtLocation).where(ServiceAtLocation.service_id == advice.id)).all()
        place = session.get(Location, links[0].location_id)
        organisation = session.get(Organisation, advice.organisation_id)
    assert advice.areas == ["Norwich", "Broadland"]
    assert advice.capacity_status == "waiting_list" and advice.waiting_weeks == 3
    assert (place.town, place.postcode) == ("Norwich", "NR2 4SF")
    assert organisation.name == "Citizens Advice Norfolk"


# ---- importing and exporting --------------------------------------------------------------------

def test_bad_rows_are_reported_by_row_number_and_good_rows_still_load(engine, tmp_path: Path) -> None:
    rows = [
        GOOD_ROW,
        {**GOOD_ROW, "id": "bad-category", "organisation": "Never Created", "categories": "loneliness|knitting"},
        {**GOOD_ROW, "id": "bad-age", "min_age": "sixty"},
        {**GOOD_ROW, "id": "bad-hours", "opening_hours": "whenever"},
        {**GOOD_ROW, "id": "bad-area", "areas": "Cambridge"},
        {**GOOD_ROW, "id": "bad-contact", "access_methods": "email", "email": ""},
        {**GOOD_ROW, "id": "future-check", "last_verified": "2999-01-01"},
        GOOD_ROW,
        {**GOOD_ROW, "id": "second-good", "name": "Second lunch club"},
    ]
    with session_scope(engine) as session:
        report = load_directory_csv(session, write_csv(tmp_path / "in.csv", rows))
    assert report.loaded == 2
    reasons = {error.row: error.reason for error in report.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "knitting" in reasons[3]
    assert "min_age" in reasons[4]
    assert "whenever" in reasons[5]
    assert "Cambridge" in reasons[6]
    assert "email" in reasons[7]
    assert "future" in reasons[8]
    assert "row 2" in reasons[9]
    with session_scope(engine) as session:
        assert {service.id for service in session.exec(select(Service)).all()} == {"lunch-club-test", "second-good"}
        assert session.exec(select(Organisation).where(Organisation.name == "Never Created")).first() is None
        stored = session.get(Service, "lunch-club-test")
        assert stored.areas == ["NR19", "Breckland"]
        assert stored.min_age == 60 and stored.cost == "low_cost" and stored.accompany_allowed is True


def test_missing_columns_stop_the_import_before_anything_is_written(engine, tmp_path: Path) -> None:
    columns = tuple(column for column in SEED_COLUMNS if column != "areas")
    rows = [{key: value for key, value in GOOD_ROW.items() if key != "areas"}]
    with session_scope(engine) as session:
        report = load_directory_csv(session, write_csv(tmp_path / "in.csv", rows, columns))
        assert session.exec(select(Service)).first() is None
    assert report.loaded == 0
    assert report.errors[0].row == 1 and "areas" in report.errors[0].reason


def test_reimport_updates_services_without_duplicating_them(engine, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [GOOD_ROW, {**GOOD_ROW, "id": "second-good"}])
    with session_scope(engine) as session:
        load_directory_csv(session, source)
    with session_scope(engine) as session:
        first = directory_rows(session)
    with session_scope(engine) as session:
        again = load_directory_csv(session, source)
        assert directory_rows(session) == first
    assert (again.loaded, again.errors) == (2, [])

    changed = {**GOOD_ROW, "description": "Now on Thursdays too.", "categories": "loneliness"}
    with session_scope(engine) as session:
        load_directory_csv(session, write_csv(tmp_path / "changed.csv", [changed]))
    with session_scope(engine) as session:
        assert session.get(Service, "lunch-club-test").description == "Now on Thursdays too."
        links = session.exec(select(ServiceTaxonomy).where(ServiceTaxonomy.service_id == "lunch-club-test")).all()
        assert [link.taxonomy_id for link in links] == ["loneliness"]
        assert len(session.exec(select(Service)).all()) == 2


def test_export_reimports_to_the_same_directory(engine, tmp_path: Path) -> None:
    rows = [
        GOOD_ROW,
        {**GOOD_ROW, "id": "no-location", "location_name": "", "address": "", "town": "", "postcode": "",
         "capacity_status": "waiting_list", "waiting_weeks": "6", "accompany_allowed": "no", "max_age": "90"},
    ]
    with session_scope(engine) as session:
        load_directory_csv(session, write_csv(tmp_path / "in.csv", rows))
        session.get(Service, "no-location").active = False
    with session_scope(engine) as session:
        before = directory_rows(session)
        export_directory_csv(session, tmp_path / "out.csv")
    with session_scope(engine) as session:
        report = load_directory_csv(session, tmp_path / "out.csv")
        assert (report.loaded, report.errors) == (2, [])
        assert directory_rows(session) == before


def test_export_neutralises_spreadsheet_formulas_and_reimport_restores_the_text(engine, tmp_path: Path) -> None:
    hostile = {**GOOD_ROW, "name": "=HYPERLINK(\"http://evil.example\",\"Click\")",
               "description": "+cmd|' /C calc'!A0", "eligibility": "@SUM(1+1)", "tags": "-2+3"}
    with session_scope(engine) as session:
        load_directory_csv(session, write_csv(tmp_path / "in.csv", [hostile]))
        export_directory_csv(session, tmp_path / "out.csv")
    exported = next(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    for column in ("name", "description", "eligibility", "tags"):
        assert exported[column].startswith("'"), column
    with session_scope(engine) as session:
        load_directory_csv(session, tmp_path / "out.csv")
        service = session.get(Service, "lunch-club-test")
    assert service.name == hostile["name"]
    assert service.description == hostile["description"]
    assert service.tags == ["-2+3"]


def test_seeding_happens_only_into_an_empty_directory(engine, tmp_path: Path) -> None:
    seed = write_csv(tmp_path / "seed.csv", [GOOD_ROW, {**GOOD_ROW, "id": "second-good"}])
    assert ensure_seeded(engine, seed) == 2
    assert ensure_seeded(engine, seed) == 0
    assert ensure_seeded(engine, write_csv(tmp_path / "other.csv", [{**GOOD_ROW, "id": "third"}])) == 0
    with session_scope(engine) as session:
        assert len(session.exec(select(Service)).all()) == 2
