"""The read-only ORUK 3.0 API, served by a real uvicorn on 127.0.0.1 and read over HTTP: the endpoints, filters,
paging, errors, CORS and caching, schema validity of every response, and imports showing without a restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from core.db import session_scope
from directory.api import create_app
from directory.oruk import import_oruk
from directory.oruk.ids import NAMESPACE
from directory.oruk.validate import SchemaSet, validate_api
from directory.seed import load_directory_csv
from tests.oruk_servers import serving
from tests.test_oruk import add_unusual_services
from tests.test_oruk_import import ADVICE, PAGE
from tests.test_seed import SEED_ROWS, seed_sample


@pytest.fixture
def api(engine: Engine, tmp_path: Path) -> Iterator[httpx.Client]:
    """The API over a sample of the seed plus unusual services, and an HTTP client pointed at it."""
    with session_scope(engine) as session:
        load_directory_csv(session, seed_sample(tmp_path / "sample.csv"))
        add_unusual_services(session)
    with serving(create_app(engine)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _uuid(kind: str, our_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{our_id}"))


def test_root_says_which_oruk_version_and_profile(api: httpx.Client) -> None:
    body = api.get("/").json()
    assert body["version"] == "3.0" and body["profile"].startswith("https://") and body["openapi_url"]


def test_services_are_paged_and_every_page_adds_up(api: httpx.Client) -> None:
    total = len(SEED_ROWS[::5]) + 2
    first = api.get("/services", params={"per_page": 10}).json()
    assert (first["total_items"], first["total_pages"], first["size"]) == (total, -(-total // 10), 10)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    seen = [item["id"] for number in range(1, first["total_pages"] + 1)
            for item in api.get("/services", params={"per_page": 10, "page": number}).json()["contents"]]
    assert len(seen) == len(set(seen)) == total
    beyond = api.get("/services", params={"per_page": 10, "page": first["total_pages"] + 1}).json()
    assert beyond["empty"] and beyond["contents"] == []


def test_a_service_is_found_by_its_oruk_id_and_by_signposts_id(api: httpx.Client) -> None:
    by_uuid = api.get(f"/services/{_uuid('service', 'every-field')}")
    assert by_uuid.status_code == 200 and by_uuid.json()["x_signpost_id"] == "every-field"
    assert api.get("/services/every-field").json() == by_uuid.json()
    assert by_uuid.json()["schedules"] and by_uuid.json()["service_at_locations"]
    missing = api.get("/services/no-such-service")
    assert missing.status_code == 404 and "no service" in missing.json()["error"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"search": "every field"}, {"every-field"}),
    ({"text": "Bare minimum"}, {"bare"}),
    ({"taxonomy_term_id": "lunch_clubs"}, {"every-field"}),
    ({"taxonomy_term_id": _uuid("taxonomy_term", "lunch_clubs")}, {"every-field"}),
    ({"taxonomy_id": "local"}, {"every-field"}),
    ({"organization_id": _uuid("organization", "org-full")}, {"every-field", "bare"}),
    ({"organization_id": "org-full", "maximum_age": "17"}, {"every-field"}),
])
def test_filters_pick_the_services_they_name(api: httpx.Client, params: dict[str, str], expected: set[str]) -> None:
    contents = api.get("/services", params={**params, "per_page": 500}).json()["contents"]
    assert {item.get("x_signpost_id", item["id"]) for item in contents} == expected


def test_age_and_postcode_filters_follow_the_directory_rules(api: httpx.Client) -> None:
    everyone = {item["x_signpost_id"] for item in api.get("/services", params={"per_page": 500}).json()["contents"]}
    child = {item["x_signpost_id"] for item in api.get("/services", params={"age": 10, "per_page": 500})
             .json()["contents"]}
    assert "every-field" in child and child < everyone  # services for adults only are left out
    holt = {item["x_signpost_id"] for item in api.get("/services", params={"postcode": "nr25 6aa", "per_page": 500})
            .json()["contents"]}
    assert "every-field" in holt  # it serves NR25
    assert api.get("/services", params={"postcode": "QQ1 1QQ"}).status_code == 400
    assert "whole number" in api.get("/services", params={"page": "two"}).json()["error"]


def test_proximity_uses_coordinates_where_the_directory_has_them(api: httpx.Client, engine: Engine) -> None:
    near = api.get("/services", params={"postcode": "NR25 6AA", "proximity": "1000"}).json()["contents"]
    assert [item["x_signpost_id"] for item in near] == ["every-field"]
    unknown = api.get("/services", params={"postcode": "NR2 1TF", "proximity": "1000"})
    assert unknown.status_code == 400 and "coordinates" in unknown.json()["error"]


def test_taxonomy_terms_and_organisations_are_listed(api: httpx.Client) -> None:
    terms = api.get("/taxonomy_terms", params={"per_page": 500}).json()
    assert terms["total_items"] == 18 and {t.get("x_signpost_id") for t in terms["contents"]} >= {"money",
                                                                                                    "lunch_clubs"}
    assert api.get(f"/taxonomy_terms/{_uuid('taxonomy_term', 'money')}").json()["name"] == "Money, debt and benefits"
    organisations = api.get("/organizations", params={"per_page": 500}).json()["contents"]
    assert "Full Details Trust" in {org["name"] for org in organisations}
    full = api.get("/organizations/org-full").json()
    assert {service["x_signpost_id"] for service in full["services"]} == {"every-field", "bare"}
    assert {vocabulary["name"] for vocabulary in api.get("/taxonomies").json()["contents"]} == {"signpost", "local"}


def test_a_public_read_api_answers_cors_and_caches_by_etag(api: httpx.Client) -> None:
    answer = api.get("/services", headers={"Origin": "https://finder.example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert answer.headers["cache-control"].startswith("public") and answer.headers["etag"]
    again = api.get("/services", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    preflight = api.options("/services", headers={"Origin": "https://finder.example.org",
                                                  "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]
    assert api.post("/services").status_code == 405  # read-only


def test_every_response_is_valid_against_the_oruk_3_schema(api: httpx.Client) -> None:
    report = validate_api(str(api.base_url), SchemaSet.signpost(), client=api)
    assert report.errors == 0, report.lines()
    assert report.kinds["service"].checked == len(SEED_ROWS[::5]) + 2


def test_an_import_shows_in_the_running_api_without_a_restart(api: httpx.Client, engine: Engine) -> None:
    assert api.get(f"/services/{ADVICE}").status_code == 404
    etag = api.get("/services").headers["etag"]
    with session_scope(engine) as session:
        import_oruk(session, PAGE)
    assert api.get(f"/services/{ADVICE}").json()["minimum_age"] == 12
    assert api.get("/services", headers={"If-None-Match": etag}).status_code == 200  # the list changed
