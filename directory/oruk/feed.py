"""Importing a live ORUK API: `GET /services` page by page, then `GET /services/{id}` for each service's full
record (list pages carry only one-to-one fields, per the ORUK 3.0 API standard)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlmodel import Session

from directory.oruk.json_file import load_service_objects, service_objects
from directory.store import ImportReport

PER_PAGE = 100
MAX_PAGES = 10_000  # a feed that never says it is on its last page still ends
TIMEOUT_SECONDS = 30.0


class FeedError(OSError):
    """The feed could not be read; the message says why, for the person running the import."""


def is_feed_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def services_endpoint(url: str) -> str:
    """The `/services` endpoint of an ORUK API given its base URL or the endpoint itself (query dropped)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def fetch_feed(url: str, client: httpx.Client | None = None, per_page: int = PER_PAGE) -> list[dict[str, Any]]:
    """Every service of the feed, in full where the feed gives it (raises FeedError)."""
    endpoint = services_endpoint(url)
    own_client = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True,
                                    headers={"Accept": "application/json"})
    try:
        services: list[dict[str, Any]] = []
        for number in range(1, MAX_PAGES + 1):
            body = get_json(client, endpoint, {"page": number, "per_page": per_page})
            items = [item for item in service_objects(body) if isinstance(item, dict)]
            services += [_full(client, endpoint, item) for item in items]
            if not items or not isinstance(body, dict) or body.get("last_page", True) is True or (
                number >= int(body.get("total_pages") or number)
            ):
                return services
        return services
    finally:
        if own_client:
            client.close()


def _full(client: httpx.Client, endpoint: str, item: dict[str, Any]) -> dict[str, Any]:
    """The service's full record from `/services/{id}`, or the list item when the feed has none."""
    service_id = str(item.get("id") or "")
    if not service_id:
        return item
    try:
        full = get_json(client, f"{endpoint}/{service_id}", {})
    except FeedError:
        return item
    return full if isinstance(full, dict) and full.get("id") == item.get("id") else item


def get_json(client: httpx.Client, url: str, params: dict[str, int]) -> Any:
    """The JSON answer of a GET that must succeed (raises FeedError, worded for the person running it)."""
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as problem:
        raise FeedError(f"the feed at {url} can't be reached ({type(problem).__name__})") from None
    if response.status_code != 200:
        raise FeedError(f"the feed at {url} answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise FeedError(f"the feed at {url} did not answer with JSON") from None


def import_oruk_feed(session: Session, url: str) -> ImportReport:
    """Fetch a feed and load it (row N is the Nth service of the feed). The CLI fetches before it opens a
    transaction; this is for callers that already hold the services' session."""
    return load_service_objects(session, enumerate(fetch_feed(url), start=1))
