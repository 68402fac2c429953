"""Fuzzy, explainable directory search: the `SearchIndex` over a snapshot of the services, and its ranking.

`SearchIndex.load(engine)` reads the directory once (`directory.records`); `search()` never touches the database.
Ranking: each query word (read by `directory.query`: typos corrected against the index vocabulary, lay phrases
translated by `directory.synonyms`) scores every service that contains it, weighted by field (name > tags >
categories > description) and by rarity; lay phrases also lift services in the need category they mean. The best
candidates are then re-ranked by how closely the whole query resembles the service name, and nudged towards
services that are open or take self-referrals when the query asks for that.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from rapidfuzz import fuzz
from sqlalchemy.engine import Engine

from core.clock import local_now
from core.settings import get_settings
from directory.areas import service_covers
from directory.explain import match_reasons
from directory.indexing import NAME_WEIGHT, name_keys, service_keys
from directory.models import Capacity, Cost, ReferralRoute
from directory.opening_hours import OpeningSlot, is_open_in, parse_opening_hours
from directory.query import IMPLIED, PAIR, WORD, ParsedQuery, QueryReader
from directory.records import ServiceRecord, load_records
from directory.synonyms import normalise
from directory.taxonomy import category_label

MAX_QUERY_CHARS = 200
SELF_REFERRAL_ROUTES = frozenset({ReferralRoute.SELF.value, ReferralRoute.EITHER.value})

# Ranking weights (field weights are in directory.indexing, query-side weights in directory.query).
MEANING_CATEGORY_BONUS = 4.0  # a service in the need category a lay phrase means
SPECIALIST_SHARE = 0.5  # part of that lift that depends on how much of what a service does is the need asked for
NAME_SIMILARITY_BONUS = 3.0  # at most, when the whole query is (nearly) the service name
NAME_SIMILARITY_FLOOR = 80.0
OPEN_NOW_BOOST = 1.3  # when the query says it is urgent ("today", "now")
SELF_REFERRAL_BOOST = 1.2  # when the query asks to contact a service directly ("self refer", "drop in")
CLOSED_FACTOR = 0.85  # services not taking people on sink a little
RERANK_POOL = 60


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters: a service must pass all of them to be shown."""

    category: str | None = None  # taxonomy id
    area: str | None = None  # local authority, county, postcode or postcode district (see directory.areas)
    age: int | None = None
    free_only: bool = False
    open_now: bool = False
    self_referral: bool = False  # only services a client can contact themselves


@dataclass(frozen=True)
class SearchHit:
    """One ranked result and, in plain words, why it was found."""

    service_id: str
    name: str
    score: float  # 0-100
    why: tuple[str, ...]


class SearchIndex:
    """An immutable search index over a snapshot of the directory."""

    def __init__(self, records: Sequence[ServiceRecord]) -> None:
        self._by_id = {record.id: record for record in records}
        self._records = [record for record in records if record.active]
        surface: dict[str, str] = {}  # stem -> a word as services write it, for showing corrections
        spellings: dict[str, str] = {}  # every word services write -> its stem
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._name_keys: list[frozenset[str]] = []
        self._keys: list[frozenset[str]] = []
        for position, record in enumerate(self._records):
            weights = service_keys(record, surface, spellings)
            for key, weight in weights.items():
                postings[key][position] = weight
            self._keys.append(frozenset(weights))
            self._name_keys.append(name_keys(record))
        self._name_text = [normalise(record.name) for record in self._records]
        self._postings = {
            key: (np.fromiter(hits.keys(), np.int32, len(hits)), np.fromiter(hits.values(), np.float64, len(hits)))
            for key, hits in postings.items()
        }
        self._idf = {key: math.log(1 + len(self._records) / len(hits)) for key, hits in postings.items()}
        frequencies = {key: len(hits) for key, hits in postings.items()}
        self._reader = QueryReader(frequencies, surface, spellings, len(self._records))
        self._build_filter_columns()

    def _build_filter_columns(self) -> None:
        """Per-service columns the cheap filters test in one vectorised step."""
        records = self._records
        self._free = np.array([r.cost == Cost.FREE.value for r in records], dtype=bool)
        self._self_referral = np.array([r.referral_route in SELF_REFERRAL_ROUTES for r in records], dtype=bool)
        self._min_age = np.array([-1 if r.min_age is None else r.min_age for r in records], dtype=np.int32)
        self._max_age = np.array([10_000 if r.max_age is None else r.max_age for r in records], dtype=np.int32)
        self._closed = np.array([r.capacity_status == Capacity.CLOSED.value for r in records], dtype=bool)
        members: dict[str, list[int]] = defaultdict(list)
        for position, record in enumerate(records):
            for category in record.categories:
                members[category].append(position)
        self._category_members = {cid: np.array(positions, dtype=np.int32) for cid, positions in members.items()}
        self._category_count = np.array([max(1, len(r.categories)) for r in records], dtype=np.float64)
        self._slots: list[tuple[OpeningSlot, ...]] = [parse_opening_hours(r.opening_hours) for r in records]
        order = sorted(range(len(records)), key=lambda i: (records[i].name.casefold(), records[i].id))
        self._tiebreak = np.empty(len(records), dtype=np.int64)
        self._tiebreak[order] = np.arange(len(records))

    @classmethod
    def from_services(cls, services: Sequence[ServiceRecord]) -> SearchIndex:
        """Index these service snapshots (inactive ones can be fetched with `get` but are never found)."""
        return cls(services)

    @classmethod
    def load(cls, engine: Engine) -> SearchIndex:
        """Read every service with its organisation name, categories and first location, and index them."""
        return cls(load_records(engine))

    # --- public API -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records)

    @property
    def services(self) -> tuple[ServiceRecord, ...]:
        """Every service snapshot the index was built from, including inactive ones."""
        return tuple(self._by_id.values())

    def get(self, service_id: str) -> ServiceRecord | None:
        """The snapshot of one service, or None."""
        return self._by_id.get(service_id)

    def search(
        self, query: str, filters: SearchFilters = SearchFilters(), limit: int = 10, now: datetime | None = None
    ) -> list[SearchHit]:
        """Services matching `query` that pass `filters`, best first.

        `now` is the local (Europe/London) time used for `open_now` and for ranking open services higher
        when the query says it is urgent; it defaults to the current local time.
        """
        parsed = self._reader.read((query or "")[:MAX_QUERY_CHARS])
        if parsed.empty or limit <= 0:
            return []
        scores = self._score(parsed)
        allowed = self._cheap_filter_mask(filters)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        ideal = self._ideal_score(parsed)
        local_now = _local_now(now) if (filters.open_now or parsed.urgent) else None
        hits: list[SearchHit] = []
        for position, raw in self._reranked(scores, parsed, local_now):
            record = self._records[position]
            if self._passes_costly_filters(position, filters, local_now):
                score = round(min(100.0, 100.0 * raw / ideal), 1)
                why = self._why(position, parsed, filters, local_now)
                hits.append(SearchHit(record.id, record.name, score, why))
                if len(hits) == limit:
                    break
        return hits

    def browse(self, category: str, filters: SearchFilters = SearchFilters(), limit: int = 50) -> list[SearchHit]:
        """Every service in a category passing `filters`: taking people on first, then by name."""
        members = self._category_members.get(category)
        if members is None or limit <= 0:
            return []
        allowed = self._cheap_filter_mask(filters)
        if allowed is not None:
            members = members[allowed[members]]
        capacity_rank = {Capacity.OPEN.value: 0, Capacity.WAITING_LIST.value: 1}
        ordered = sorted(
            members.tolist(), key=lambda i: (capacity_rank.get(self._records[i].capacity_status, 2), self._tiebreak[i])
        )
        label = category_label(category)
        local_now = _local_now(None) if filters.open_now else None
        hits: list[SearchHit] = []
        for position in ordered:
            if self._passes_costly_filters(position, filters, local_now):
                record = self._records[position]
                why = (f"in {label}", *self._filter_reasons(position, filters, local_now, ParsedQuery()))
                hits.append(SearchHit(record.id, record.name, 100.0, why))
                if len(hits) == limit:
                    break
        return hits

    # --- ranking --------------------------------------------------------------------------------------------

    def _score(self, parsed: ParsedQuery) -> np.ndarray:
        scores = np.zeros(len(self._records))
        for concept in parsed.concepts.values():
            positions, weights = self._postings[concept.key]
            scores[positions] += concept.weight * self._idf[concept.key] * weights
        bonuses = {c: bonus for c, bonus in _category_bonuses(parsed).items() if c in self._category_members}
        wanted = np.zeros(len(self._records))  # how many of its categories the query asks for
        for category in bonuses:
            wanted[self._category_members[category]] += 1
        focus = 1 - SPECIALIST_SHARE + SPECIALIST_SHARE * wanted / self._category_count
        for category, bonus in bonuses.items():
            members = self._category_members[category]
            scores[members] += bonus * focus[members]
        return scores

    def _ideal_score(self, parsed: ParsedQuery) -> float:
        """The raw score of a service matching every typed word in its name and the query's main need category."""
        typed = sum(c.weight * self._idf[c.key] for c in parsed.of_kind(WORD, PAIR)) * NAME_WEIGHT
        implied = sum(c.weight * self._idf[c.key] for c in parsed.of_kind(IMPLIED))
        bonuses = sorted(_category_bonuses(parsed).values(), reverse=True)
        return typed + implied + sum(bonuses[:2]) + NAME_SIMILARITY_BONUS

    def _reranked(
        self, scores: np.ndarray, parsed: ParsedQuery, local_now: datetime | None
    ) -> Iterator[tuple[int, float]]:
        """Services with a positive score, best first, in pools re-ranked by name likeness and intent."""
        remaining = np.flatnonzero(scores > 0)
        while remaining.size:
            if remaining.size > RERANK_POOL:
                cut = np.argpartition(-scores[remaining], RERANK_POOL - 1)[:RERANK_POOL]
                pool, remaining = remaining[cut], np.delete(remaining, cut)
            else:
                pool, remaining = remaining, remaining[:0]
            adjusted = np.array([self._adjusted(int(i), scores[i], parsed, local_now) for i in pool])
            for index in np.lexsort((self._tiebreak[pool], -adjusted)):
                yield int(pool[index]), float(adjusted[index])

    def _adjusted(self, position: int, score: float, parsed: ParsedQuery, local_now: datetime | None) -> float:
        if parsed.name_text:
            likeness = fuzz.token_set_ratio(parsed.name_text, self._name_text[position])
            if likeness > NAME_SIMILARITY_FLOOR:
                floor = NAME_SIMILARITY_FLOOR
                score += NAME_SIMILARITY_BONUS * (likeness - floor) / (100 - floor)
        if parsed.urgent and local_now is not None and is_open_in(self._slots[position], local_now):
            score *= OPEN_NOW_BOOST
        if parsed.wants_self_referral and self._self_referral[position]:
            score *= SELF_REFERRAL_BOOST
        if self._closed[position]:
            score *= CLOSED_FACTOR
        return score

    # --- filters --------------------------------------------------------------------------------------------

    def _cheap_filter_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Which services pass the filters that need no per-service work (None: all of them)."""
        mask = np.ones(len(self._records), dtype=bool)
        if filters.category is not None:
            mask[:] = False
            members = self._category_members.get(filters.category)
            if members is not None:
                mask[members] = True
        if filters.free_only:
            mask &= self._free
        if filters.self_referral:
            mask &= self._self_referral
        if filters.age is not None:
            mask &= (self._min_age <= filters.age) & (filters.age <= self._max_age)
        return None if mask.all() else mask

    def _passes_costly_filters(self, position: int, filters: SearchFilters, local_now: datetime | None) -> bool:
        if filters.area and not service_covers(list(self._records[position].areas), filters.area):
            return False
        return not (filters.open_now and local_now is not None and not is_open_in(self._slots[position], local_now))

    # --- explanations ---------------------------------------------------------------------------------------

    def _why(
        self, position: int, parsed: ParsedQuery, filters: SearchFilters, local_now: datetime | None
    ) -> tuple[str, ...]:
        """Plain-language reasons this service was found, only ones that really counted for it."""
        record_categories = self._records[position].categories
        reasons = match_reasons(parsed, self._keys[position], self._name_keys[position], record_categories)
        reasons.extend(self._filter_reasons(position, filters, local_now, parsed))
        return tuple(dict.fromkeys(reasons))

    def _filter_reasons(
        self, position: int, filters: SearchFilters, local_now: datetime | None, parsed: ParsedQuery
    ) -> list[str]:
        reasons = []
        if (filters.open_now or parsed.urgent) and local_now and is_open_in(self._slots[position], local_now):
            reasons.append("open now")
        if (filters.self_referral or parsed.wants_self_referral) and self._self_referral[position]:
            reasons.append("you can contact them yourself")
        if filters.area:
            reasons.append(f"covers {filters.area.strip()}")
        return reasons


def _category_bonuses(parsed: ParsedQuery) -> dict[str, float]:
    """Need category -> score lift for services in it, from the lay phrases in the query."""
    bonuses: dict[str, float] = {}
    for meaning in parsed.meanings:
        for category in meaning.lay.categories:
            bonuses[category] = max(bonuses.get(category, 0.0), MEANING_CATEGORY_BONUS * meaning.strength)
    return bonuses


def _local_now(now: datetime | None) -> datetime:
    """`now` as local wall-clock time (aware datetimes are converted; naive ones are taken as local)."""
    tz = get_settings().tz
    if now is None:
        return local_now(tz)
    return now.astimezone(tz) if now.tzinfo is not None else now

