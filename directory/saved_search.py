"""A person's search kept between taps: the words, the filters they switched on, what was found and their page.

Stored in the dialog store as plain JSON (`to_data` / `from_data`) so paging and filters work after a restart and in
any bot process.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from directory.search import SearchFilters, SearchIndex
from directory.vocabulary import UnmetReason

MAX_RESULTS = 30
TOGGLES = ("free", "open", "self")  # filters a button switches on and off
FILTER_ACTIONS = frozenset({*TOGGLES, "clear", "anywhere"})


@dataclass(frozen=True)
class SavedSearch:
    """What one person searched for and what they are looking at."""

    query: str = ""
    category: str | None = None  # browsing a topic (kept when other filters are cleared)
    area: str | None = None
    switched_on: frozenset[str] = frozenset()  # of TOGGLES
    page: int = 0
    found: tuple[str, ...] = ()  # service ids, best first (why each was found: `why_found`, when it is opened)
    unmet: UnmetReason | None = None  # after `run`: why nothing fits, when nothing does (not kept between taps)
    wants_person: bool = False  # after `run`: the words ask to talk to a person (not kept between taps)

    @property
    def filters(self) -> SearchFilters:
        return SearchFilters(
            category=self.category,
            area=self.area,
            free_only="free" in self.switched_on,
            open_now="open" in self.switched_on,
            self_referral="self" in self.switched_on,
        )

    @property
    def narrowed(self) -> bool:
        """Whether any filter beyond the topic is on (so 'Clear filters' means something)."""
        return bool(self.area or self.switched_on)

    def run(self, index: SearchIndex, now: datetime) -> SavedSearch:
        """Search again with the current words and filters, back on page one."""
        filters = self.filters
        unmet, wants_person = None, False
        if self.query:
            result = index.find(self.query, filters, limit=MAX_RESULTS, now=now, explain=False)
            hits, unmet, wants_person = result.hits, result.unmet, result.wants_person
        else:
            hits = index.browse(self.category or "", replace(filters, category=None), limit=MAX_RESULTS)
        return replace(self, page=0, found=tuple(hit.service_id for hit in hits), unmet=unmet,
                       wants_person=wants_person)

    def why_found(self, index: SearchIndex, service_id: str, now: datetime) -> tuple[str, ...]:
        """Why one of the services found was found, in plain words (for its details)."""
        return index.why_found(service_id, self.query, self.filters, now)

    def toggled(self, action: str) -> SavedSearch:
        """After tapping a filter button: one of TOGGLES, 'clear' (all but the topic) or 'anywhere' (no area)."""
        if action == "clear":
            return replace(self, area=None, switched_on=frozenset())
        if action == "anywhere":
            return replace(self, area=None)
        return replace(self, switched_on=self.switched_on ^ {action})

    def on_page(self, page: int, page_size: int) -> SavedSearch | None:
        """The same results on `page`, or None if there is no such page."""
        return replace(self, page=page) if 0 <= page * page_size < max(len(self.found), 1) else None

    def to_data(self) -> dict[str, Any]:
        filters: dict[str, Any] = dict.fromkeys(sorted(self.switched_on), True)
        if self.category:
            filters["category"] = self.category
        if self.area:
            filters["area"] = self.area
        return {"q": self.query, "f": filters, "page": self.page, "ids": list(self.found)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SavedSearch:
        filters = data.get("f") or {}
        return cls(
            query=data.get("q") or "",
            category=filters.get("category"),
            area=filters.get("area"),
            switched_on=frozenset(key for key in TOGGLES if filters.get(key)),
            page=int(data.get("page") or 0),
            found=tuple(data.get("ids") or ()),
        )
