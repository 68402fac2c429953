"""A person's saved search: what the result buttons change, and that it survives the dialog store as JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from directory.records import ServiceRecord
from directory.saved_search import SavedSearch
from directory.search import SearchIndex

NOW = datetime(2026, 12, 1, 11, 0)


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    services = [
        ServiceRecord(id=f"debt-{n}", name=f"Debt advice {n}", categories=("money",), areas=("Norwich",),
                      cost="free" if n % 2 else "paid")
        for n in range(7)
    ]  # fmt: skip
    return SearchIndex.from_services(services)


def test_a_search_round_trips_through_the_dialog_store(index: SearchIndex) -> None:
    search = SavedSearch(query="debt", area="Norwich", switched_on=frozenset({"free"})).run(index, NOW)
    stored = json.loads(json.dumps(search.to_data()))
    assert SavedSearch.from_data(stored) == search
    assert search.found and all(index.get(sid).cost == "free" for sid in search.found)


def test_filters_toggle_clear_and_keep_the_topic(index: SearchIndex) -> None:
    search = SavedSearch(category="money", area="NR3", switched_on=frozenset({"open"}))
    assert search.toggled("free").switched_on == {"open", "free"}
    assert search.toggled("open").switched_on == frozenset()
    cleared = search.toggled("clear")
    assert (cleared.category, cleared.area, cleared.switched_on) == ("money", None, frozenset())
    assert search.toggled("anywhere").area is None and search.toggled("anywhere").switched_on == {"open"}


def test_paging_stays_within_the_results(index: SearchIndex) -> None:
    search = SavedSearch(query="debt advice").run(index, NOW)
    assert len(search.found) == 7
    assert search.on_page(2, 3) is not None and search.on_page(2, 3).page == 2
    assert search.on_page(3, 3) is None and search.on_page(-1, 3) is None


@pytest.mark.parametrize("saved", [SavedSearch(query="debt", area="Norwich", switched_on=frozenset({"free"})),
                                   SavedSearch(category="money", switched_on=frozenset({"free"}))])
def test_opened_details_say_why_the_service_was_found_after_the_search_was_stored(
    index: SearchIndex, saved: SavedSearch
) -> None:
    """Reasons are worked out when a service is opened, not stored for every result: the same as the search's."""
    search = SavedSearch.from_data(json.loads(json.dumps(saved.run(index, NOW).to_data())))
    explained = (index.find(search.query, search.filters, limit=30, now=NOW).hits if search.query
                 else index.browse("money", replace(search.filters, category=None), limit=30))
    assert explained and search.found == tuple(hit.service_id for hit in explained)
    for hit in explained:
        assert hit.why and search.why_found(index, hit.service_id, NOW) == hit.why
    assert "why" not in search.to_data()
    assert search.why_found(index, "no-such-service", NOW) == ()
