"""The read-only Open Referral UK 3.0 API of the directory (`python -m directory serve`), on Starlette + uvicorn.

Endpoints (ORUK 3.0 API standard): `GET /`, `GET /services` (paged; `search` or `text`, `taxonomy_term_id`,
`taxonomy_id`, `organization_id`, `minimum_age`, `maximum_age`, `age`, `postcode` and `proximity`),
`GET /services/{id}`, `GET /taxonomies`, `GET /taxonomy_terms`, `GET /taxonomy_terms/{id}`, `GET /organizations`,
`GET /organizations/{id}`. Every answer is read from the database when asked, so an import shows at once.
Public read API manners: CORS for any origin, `ETag` / `If-None-Match` and `Cache-Control`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.db import session_scope
from directory.areas import service_covers
from directory.models import Organisation, Service
from directory.oruk.documents import (
    Document,
    Snapshot,
    organization_document,
    organization_summary,
    page,
    service_document,
    service_summary,
    taxonomy_document,
    taxonomy_term_document,
)
from directory.oruk.ids import oruk_id
from directory.rows import RowProblem, normalise_postcode
from directory.taxonomy import CATEGORIES

ORUK_VERSION = "3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/OpenReferralUK/uk-profile/main/schema/openapi.json"
DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 500
CACHE_CONTROL = "public, max-age=300"
EARTH_RADIUS_M = 6_371_000


class BadQuery(ValueError):
    """A query parameter that can't be used; the message says why (answered with 400)."""


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @classmethod
    def of(cls, request: Request) -> Paging:
        return cls(_whole(request, "page", 1, 1, 1_000_000), _whole(request, "per_page", DEFAULT_PER_PAGE, 1,
                                                                     MAX_PER_PAGE))

    def slice(self, items: Sequence[Any]) -> Sequence[Any]:
        start = (self.page - 1) * self.per_page
        return items[start:start + self.per_page]


def _whole(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    try:
        number = int(text)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not '{text}'") from None
    if not low <= number <= high:
        raise BadQuery(f"{name} must be between {low} and {high}")
    return number


def _number(request: Request, name: str) -> float | None:
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise BadQuery(f"{name} must be a number, not '{text}'") from None


# ---- filters for GET /services -----------------------------------------------------------------------------------

def service_filter(request: Request, snapshot: Snapshot) -> Callable[[Service], bool]:
    """The ORUK 3.0 query parameters of `GET /services`, combined with AND (raises BadQuery)."""
    checks: list[Callable[[Service], bool]] = []
    words = (request.query_params.get("search") or request.query_params.get("text") or "").casefold().split()
    if words:
        checks.append(lambda service: all(word in _search_text(snapshot, service) for word in words))
    term = request.query_params.get("taxonomy_term_id", "").strip()
    if term:
        checks.append(lambda service: any(term in (t.id, oruk_id("taxonomy_term", t.id))
                                          for t in snapshot.service_terms(service)))
    vocabulary = request.query_params.get("taxonomy_id", "").strip()
    if vocabulary:
        checks.append(lambda service: any(vocabulary in (t.vocabulary, oruk_id("taxonomy", t.vocabulary))
                                          for t in snapshot.service_terms(service)))
    organisation = request.query_params.get("organization_id", "").strip()
    if organisation:
        checks.append(lambda service: organisation in (service.organisation_id,
                                                       oruk_id("organization", service.organisation_id)))
    checks += _age_checks(request)
    postcode = request.query_params.get("postcode", "").strip()
    if postcode:
        checks.append(_postcode_check(request, snapshot, postcode))
    return lambda service: all(check(service) for check in checks)


def _search_text(snapshot: Snapshot, service: Service) -> str:
    """What `search`/`text` matches (every word must appear): a plain filter, not the bot's ranked search."""
    labels = [CATEGORIES[t.id].label if t.id in CATEGORIES else t.name for t in snapshot.service_terms(service)]
    parts = [service.name, service.description, service.eligibility, snapshot.organisations[service.organisation_id]
             .name, *service.tags, *labels]
    return " ".join(parts).casefold()


def _age_checks(request: Request) -> list[Callable[[Service], bool]]:
    checks: list[Callable[[Service], bool]] = []
    minimum, maximum, age = (_number(request, name) for name in ("minimum_age", "maximum_age", "age"))
    if minimum is not None:
        checks.append(lambda service: service.min_age is not None and service.min_age >= minimum)
    if maximum is not None:
        checks.append(lambda service: service.max_age is not None and service.max_age <= maximum)
    if age is not None:
        checks.append(lambda service: (service.min_age is None or service.min_age <= age)
                      and (service.max_age is None or age <= service.max_age))
    return checks


def _postcode_check(request: Request, snapshot: Snapshot, postcode: str) -> Callable[[Service], bool]:
    """Services whose areas cover the postcode; with `proximity` (metres), services with a place that near."""
    try:
        postcode = normalise_postcode(postcode)
    except RowProblem as problem:
        raise BadQuery(str(problem)) from None
    proximity = _number(request, "proximity")
    if proximity is None:
        return lambda service: not service.areas or service_covers(service.areas, postcode)
    centre = next(((place.latitude, place.longitude) for place in snapshot.locations.values()
                   if place.postcode == postcode and place.latitude is not None and place.longitude is not None), None)
    if centre is None:
        raise BadQuery(f"proximity needs coordinates for {postcode}, and no place in the directory has them")
    return lambda service: any(
        _metres(centre, (place.latitude, place.longitude)) <= proximity
        for place in snapshot.service_places(service) if place.latitude is not None and place.longitude is not None
    )


def _metres(a: tuple[float, float], b: tuple[float | None, float | None]) -> float:
    """Great-circle distance (haversine) between two WGS84 points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0] or 0.0, b[1] or 0.0))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


# ---- responses -------------------------------------------------------------------------------------------------------

def json_response(request: Request, body: Any, status: int = 200) -> Response:
    """JSON with a strong ETag of its bytes; `If-None-Match` with that ETag gets 304 Not Modified."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL if status == 200 else "no-store"}
    wanted = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if status == 200 and (etag in wanted or "*" in wanted):
        return Response(status_code=304, headers=headers)
    return Response(content, status_code=status, headers=headers, media_type="application/json")


def _problem(request: Request, status: int, message: str) -> Response:
    return json_response(request, {"error": message}, status)


def _paged(request: Request, items: Sequence[Any], render: Callable[[Any], Document]) -> Response:
    paging = Paging.of(request)
    return json_response(request, page([render(item) for item in paging.slice(items)], len(items), paging.page,
                                       paging.per_page))


_NOT_FOUND = {
    "service": "There is no service with that id.",
    "taxonomy_term": "There is no taxonomy term with that id.",
    "organization": "There is no organisation with that id.",
}


def _one(request: Request, items: Sequence[Any], kind: str, render: Callable[[Any], Document]) -> Response:
    """The record whose ORUK id or Signpost id is in the path, or 404."""
    wanted = request.path_params["id"]
    found = next((item for item in items if wanted in (item.id, oruk_id(kind, item.id))), None)
    if found is None:
        return _problem(request, 404, _NOT_FOUND[kind])
    return json_response(request, render(found))


def create_app(engine: Engine) -> Starlette:
    """The ORUK API over the directory in `engine`."""

    def read(handler: Callable[[Request, Snapshot], Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:  # Starlette runs plain functions in its thread pool
            try:
                with session_scope(engine) as session:
                    snapshot = Snapshot.load(session)
                return handler(request, snapshot)
            except BadQuery as problem:
                return _problem(request, 400, str(problem))
        return endpoint

    def root(request: Request, snapshot: Snapshot) -> Response:
        return json_response(request, {"version": ORUK_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL})

    def services(request: Request, snapshot: Snapshot) -> Response:
        wanted = service_filter(request, snapshot)
        return _paged(request, [s for s in snapshot.services if wanted(s)], lambda s: service_summary(snapshot, s))

    def one_service(request: Request, snapshot: Snapshot) -> Response:
        return _one(request, snapshot.services, "service", lambda found: service_document(snapshot, found))

    def terms(request: Request, snapshot: Snapshot) -> Response:
        return _paged(request, list(snapshot.terms.values()), taxonomy_term_document)

    def one_term(request: Request, snapshot: Snapshot) -> Response:
        return _one(request, list(snapshot.terms.values()), "taxonomy_term", taxonomy_term_document)

    def taxonomies(request: Request, snapshot: Snapshot) -> Response:
        vocabularies = sorted({term.vocabulary for term in snapshot.terms.values() if term.vocabulary})
        return _paged(request, vocabularies, taxonomy_document)

    def organisations(request: Request, snapshot: Snapshot) -> Response:
        return _paged(request, list(snapshot.organisations.values()), organization_summary)

    def one_organisation(request: Request, snapshot: Snapshot) -> Response:
        def with_services(found: Organisation) -> Document:
            runs = [service_summary(snapshot, s) for s in snapshot.services if s.organisation_id == found.id]
            return organization_document(found, runs)
        return _one(request, list(snapshot.organisations.values()), "organization", with_services)

    routes = [
        Route("/", read(root)),
        Route("/services", read(services)),
        Route("/services/{id}", read(one_service)),
        Route("/taxonomies", read(taxonomies)),
        Route("/taxonomy_terms", read(terms)),
        Route("/taxonomy_terms/{id}", read(one_term)),
        Route("/organizations", read(organisations)),
        Route("/organizations/{id}", read(one_organisation)),
    ]
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS"],
                      allow_headers=["*"], expose_headers=["ETag"], max_age=86400)
    return Starlette(routes=routes, middleware=[cors])


def serve(engine: Engine, host: str, port: int) -> None:
    """Run the API with uvicorn until stopped (Ctrl+C)."""
    uvicorn.run(create_app(engine), host=host, port=port, log_level="info", access_log=False)
