"""Fuzzy, explainable directory search over an in-memory snapshot of the services.

`SearchIndex.load(engine)` reads the directory once; `search()` never touches the database.
Ranking: each query word (typos corrected against the index vocabulary, lay phrases translated by
`directory.synonyms`) scores every service that contains it, weighted by field (name > tags > categories >
description) and by rarity; lay phrases also lift services in the need category they mean. The best
candidates are then re-ranked by how closely the whole query resembles the service name, and nudged
towards services that are open or take self-referrals when the query asks for that.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from itertools import pairwise, takewhile
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.clock import utcnow
from bot.config import get_settings
from bot.db import session_scope
from directory.areas import service_covers
from directory.models import (
    Capacity,
    Cost,
    Location,
    Organisation,
    ReferralRoute,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
)
from directory.opening_hours import OpeningSlot, is_open_in, parse_opening_hours
from directory.synonyms import (
    STOPWORDS,
    URGENT_WORDS,
    LayMeaning,
    asks_for_self_referral,
    content_words,
    lay_vocabulary,
    normalise,
    phrase_table,
    stem,
    term_keys,
    word_pairs,
)
from directory.taxonomy import CATEGORIES

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 40
SELF_REFERRAL_ROUTES = frozenset({ReferralRoute.SELF.value, ReferralRoute.EITHER.value})

# Field weights: how much a word found in each part of a service counts.
NAME_WEIGHT = 3.0
ORGANISATION_WEIGHT = 2.0
TAG_WEIGHT = 2.5
CATEGORY_WEIGHT = 2.0
DETAIL_WEIGHT = 1.0  # description, eligibility, languages, town
ACCESSIBILITY_WEIGHT = 0.5
EXTRA_FIELD_WEIGHT = 0.15  # per further field holding the same word

# Query-side weights.
CORRECTED_WORD_WEIGHT = 0.85  # a typo we corrected is slightly less certain than a word typed right
PHRASE_WORD_WEIGHT = 0.5  # a word that is part of a longer lay phrase ("lost my husband")
EXPANSION_WEIGHT = 0.5  # a directory word a lay phrase stands for
MEANING_CATEGORY_BONUS = 4.0  # a service in the need category a lay phrase means
SPECIALIST_SHARE = 0.5  # part of that lift that depends on how much of what a service does is the need asked for
KNOWN_WORDS_MEANING = 0.5  # a lay phrase whose words services also use directly counts for less as a meaning
PAIR_WEIGHT = 1.0  # two typed words found side by side ("pension credit"), on top of each word
NAME_SIMILARITY_BONUS = 3.0  # at most, when the whole query is (nearly) the service name
NAME_SIMILARITY_FLOOR = 80.0
OPEN_NOW_BOOST = 1.3  # when the query says it is urgent ("today", "now")
SELF_REFERRAL_BOOST = 1.2  # when the query asks to contact a service directly ("self refer", "drop in")
CLOSED_FACTOR = 0.85  # services not taking people on sink a little
RERANK_POOL = 60
MAX_PHRASE_WORDS = 7


@dataclass(frozen=True)
class ServiceRecord:
    """A read-only snapshot of one service with what a card needs (no database session required)."""

    id: str
    name: str
    organisation_id: str = ""
    organisation_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    eligibility: str = ""
    areas: tuple[str, ...] = ()
    referral_route: str = ReferralRoute.EITHER.value
    access_methods: tuple[str, ...] = ()
    opening_hours: str = ""
    cost: str = Cost.FREE.value
    cost_detail: str = ""
    languages: tuple[str, ...] = ()
    accessibility: str = ""
    accompany_allowed: bool = True
    capacity_status: str = Capacity.OPEN.value
    waiting_weeks: int | None = None
    last_verified: date | None = None
    active: bool = True
    location_name: str = ""
    address: str = ""
    town: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_models(
        cls,
        service: Service,
        organisation_name: str = "",
        categories: Sequence[str] = (),
        location: Location | None = None,
    ) -> ServiceRecord:
        """Snapshot a Service row with its organisation name, category ids and main location."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if hasattr(service, spec.name):
                value = getattr(service, spec.name)
                values[spec.name] = tuple(value) if isinstance(value, list) else value
        if location is not None:
            values.update(
                location_name=location.name,
                address=location.address,
                town=location.town,
                postcode=location.postcode,
                latitude=location.latitude,
                longitude=location.longitude,
            )
        return cls(**values, organisation_name=organisation_name, categories=tuple(categories))


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


WORD, PAIR, IMPLIED = "word", "pair", "implied"


@dataclass
class _Concept:
    """One index key the query looks for."""

    key: str  # a stemmed word, or "word word" for an adjacent pair
    weight: float
    said: str  # the words as the person typed them (the corrected word for typos)
    kind: str  # WORD or PAIR typed by the person, IMPLIED by a lay phrase
    position: int
    corrected_from: str | None = None


@dataclass
class _Meaning:
    """A lay phrase found in the query and what it means."""

    said: str
    lay: LayMeaning
    own_words: frozenset[str]  # the phrase's own (stemmed) words
    keys: frozenset[str]  # index keys of the directory terms it stands for
    strength: float  # 1 for pure lay language ("brassic"), less when services use the words themselves


@dataclass
class _Query:
    concepts: dict[str, _Concept] = field(default_factory=dict)
    meanings: list[_Meaning] = field(default_factory=list)
    urgent: bool = False
    wants_self_referral: bool = False
    name_text: str = ""  # corrected words, for comparing with service names

    def add(self, concept: _Concept) -> None:
        known = self.concepts.get(concept.key)
        if known is None or concept.weight > known.weight:
            self.concepts[concept.key] = concept

    def of_kind(self, *kinds: str) -> list[_Concept]:
        return [concept for concept in self.concepts.values() if concept.kind in kinds]

    @property
    def empty(self) -> bool:
        return not self.concepts and not self.meanings


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _typed_words(text: str) -> list[tuple[str, str]]:
    """(as typed, normalised) pairs for each word of the query."""
    pairs: list[tuple[str, str]] = []
    for token in _WORD.findall(text):
        parts = normalise(token).split()
        pairs.extend((token if len(parts) == 1 else part, part) for part in parts)
    return pairs[:MAX_QUERY_WORDS]


class SearchIndex:
    """An immutable search index over a snapshot of the directory."""

    def __init__(self, records: Sequence[ServiceRecord]) -> None:
        self._by_id = {record.id: record for record in records}
        self._records = [record for record in records if record.active]
        self._surface: dict[str, str] = {}  # stem -> a word as services write it, for showing corrections
        self._spellings: dict[str, str] = dict(lay_vocabulary())  # every known written word -> its stem
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        self._name_keys: list[frozenset[str]] = []
        self._keys: list[frozenset[str]] = []
        for position, record in enumerate(self._records):
            weights = self._service_keys(record)
            for key, weight in weights.items():
                postings[key][position] = weight
            self._keys.append(frozenset(weights))
            self._name_keys.append(_name_keys(record))
        self._name_text = [normalise(record.name) for record in self._records]
        self._postings = {
            key: (np.fromiter(hits.keys(), np.int32, len(hits)), np.fromiter(hits.values(), np.float64, len(hits)))
            for key, hits in postings.items()
        }
        self._idf = {key: math.log(1 + len(self._records) / len(hits)) for key, hits in postings.items()}
        self._build_vocabulary()
        self._build_filter_columns()

    # --- building -------------------------------------------------------------------------------------------

    def _service_keys(self, record: ServiceRecord) -> dict[str, float]:
        """Each word and adjacent word pair of a service -> weight (best field, plus a little per further field)."""
        fields_by_weight = (
            (NAME_WEIGHT, (record.name,)),
            (ORGANISATION_WEIGHT, (record.organisation_name,)),
            (TAG_WEIGHT, record.tags),
            (CATEGORY_WEIGHT, [f"{_category_label(cid)} {cid.replace('_', ' ')}" for cid in record.categories]),
            (DETAIL_WEIGHT, (record.description, record.eligibility, *record.languages, record.town)),
            (ACCESSIBILITY_WEIGHT, (record.accessibility,)),
        )
        found: dict[str, set[float]] = defaultdict(set)
        for weight, texts in fields_by_weight:
            for text in texts:
                content = []
                for word in normalise(text).split():
                    term = stem(word)
                    if term not in STOPWORDS:
                        content.append(term)
                        self._surface.setdefault(term, word)
                        self._spellings.setdefault(word, term)
                for key in (*content, *word_pairs(content)):
                    found[key].add(weight)
        return {key: max(weights) + EXTRA_FIELD_WEIGHT * (len(weights) - 1) for key, weights in found.items()}

    def _build_vocabulary(self) -> None:
        """Written words grouped by length (for typo correction) and sorted (for completing a word)."""
        self._known = frozenset(self._postings) | frozenset(lay_vocabulary().values())
        self._spellings.update((word, word) for word in STOPWORDS)  # so "hlep" is read as "help" and ignored
        spellings = sorted(word for word in self._spellings if word.isalpha() and len(word) > 2)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in spellings:
            self._by_length[len(word)].append(word)
        self._sorted_spellings = spellings

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
        with session_scope(engine) as session:
            organisations = {org.id: org.name for org in session.exec(select(Organisation))}
            categories: dict[str, list[str]] = defaultdict(list)
            for link in session.exec(select(ServiceTaxonomy).order_by(ServiceTaxonomy.taxonomy_id)):
                categories[link.service_id].append(link.taxonomy_id)
            locations: dict[str, Location] = {}
            rows = session.exec(
                select(ServiceAtLocation.service_id, Location)
                .join(Location, Location.id == ServiceAtLocation.location_id)
                .order_by(ServiceAtLocation.location_id)
            )
            for service_id, location in rows:
                locations.setdefault(service_id, location)
            records = [
                ServiceRecord.from_models(
                    service,
                    organisations.get(service.organisation_id, ""),
                    categories[service.id],
                    locations.get(service.id),
                )
                for service in session.exec(select(Service).order_by(Service.id))
            ]
        return cls(records)

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
        parsed = self._parse((query or "")[:MAX_QUERY_CHARS])
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
        label = _category_label(category)
        local_now = _local_now(None) if filters.open_now else None
        hits: list[SearchHit] = []
        for position in ordered:
            if self._passes_costly_filters(position, filters, local_now):
                record = self._records[position]
                why = (f"in {label}", *self._filter_reasons(position, filters, local_now, _Query()))
                hits.append(SearchHit(record.id, record.name, 100.0, why))
                if len(hits) == limit:
                    break
        return hits

    # --- query understanding --------------------------------------------------------------------------------

    def _parse(self, text: str) -> _Query:
        """Typed words -> corrected index keys, lay meanings and intents."""
        parsed = _Query(wants_self_referral=asks_for_self_referral(text))
        typed = _typed_words(text)
        resolved = [self._resolve(word) for _, word in typed]
        in_phrase = self._find_phrases([keys[0][0] if len(keys) == 1 else "" for keys in resolved], typed, parsed)
        content: list[tuple[int, str]] = []  # (position, stem) of each meaningful word, in order
        for position, ((said, word), keys) in enumerate(zip(typed, resolved, strict=True)):
            term = stem(word)
            parsed.urgent |= term in URGENT_WORDS
            if term in STOPWORDS:
                continue
            for key, spelling in keys:
                if key in STOPWORDS:
                    continue
                content.append((position, key))
                if key in self._postings:
                    weight = (PHRASE_WORD_WEIGHT if position in in_phrase else 1.0) * (
                        CORRECTED_WORD_WEIGHT if spelling else 1.0
                    )
                    parsed.add(_Concept(key, weight, spelling or said, WORD, position, said if spelling else None))
        for (first, left), (last, right) in pairwise(content):
            pair = f"{left} {right}"
            if pair in self._postings:
                said = " ".join(shown for shown, _ in typed[first : last + 1])
                parsed.add(_Concept(pair, PAIR_WEIGHT, said, PAIR, first))
        for meaning in parsed.meanings:
            for key in sorted(meaning.keys - parsed.concepts.keys()):
                weight = EXPANSION_WEIGHT * meaning.strength
                parsed.add(_Concept(key, weight, meaning.said, IMPLIED, MAX_QUERY_WORDS))
        words = sorted(parsed.of_kind(WORD), key=_by_position)
        parsed.name_text = " ".join(self._surface.get(concept.key, concept.said) for concept in words)
        return parsed

    def _resolve(self, word: str) -> tuple[tuple[str, str | None], ...]:
        """(index key, corrected spelling or None) for what a typed word stands for: itself when known,
        else its most likely correction."""
        term = stem(word)
        if term in STOPWORDS or term in self._known or not word.isalpha():
            return ((term, None),)
        corrected = self._correct(word)
        if corrected is None:
            return ((term, None),)
        return tuple((self._spellings.get(spelling) or stem(spelling), spelling) for spelling in corrected)

    def _find_phrases(self, terms: list[str], typed: list[tuple[str, str]], parsed: _Query) -> set[int]:
        """Record lay phrases found in the (corrected) words; return positions inside multi-word phrases.

        A phrase lying wholly inside a longer one found ("pip" in "pip form") is not counted separately.
        """
        table = phrase_table()
        content = [i for i, term in enumerate(terms) if term and term not in STOPWORDS]
        spans: dict[tuple[int, int], tuple[str, ...]] = {}
        for sequence in (list(range(len(terms))), content):
            for start in range(len(sequence)):
                for end in range(start + 1, min(start + MAX_PHRASE_WORDS, len(sequence)) + 1):
                    key = tuple(terms[i] for i in sequence[start:end])
                    if key in table:
                        spans.setdefault((sequence[start], sequence[end - 1]), key)
        in_long_phrase: set[int] = set()
        for (first, last), key in sorted(spans.items()):
            if any(a <= first and last <= b and (a, b) != (first, last) for a, b in spans):
                continue
            if len(key) > 1:
                in_long_phrase.update(range(first, last + 1))
            said = " ".join(shown for shown, _ in typed[first : last + 1])
            for lay in table[key]:
                keys = frozenset(k for term in lay.terms for k in term_keys(term) if k in self._postings)
                own_words = frozenset(key) - STOPWORDS
                strength = KNOWN_WORDS_MEANING if own_words <= self._postings.keys() else 1.0
                parsed.meanings.append(_Meaning(said, lay, own_words, keys, strength))
        return in_long_phrase

    def _correct(self, word: str) -> tuple[str, ...] | None:
        """The known word(s) a misspelt, shortened or run-together word most likely stands for."""
        max_edits = 0 if len(word) < 3 else 1 if len(word) < 10 else 2
        if max_edits:
            pool = [
                spelling
                for size in range(len(word) - max_edits, len(word) + max_edits + 1)
                for spelling in self._by_length.get(size, ())
            ]
            matches = [  # two slips only in long words, and not in the first letter ("knitting" is not "fitting")
                match
                for match in process.extract(word, pool, scorer=OSA.distance, score_cutoff=max_edits, limit=20)
                if match[1] < 2 or match[0][0] == word[0]
            ]
            if matches:
                best = min(
                    matches,
                    key=lambda m: (
                        m[1],
                        not _letters_dropped(word, m[0]),
                        -self._frequency(self._spellings[m[0]]),
                        m[0],
                    ),
                )
                return (best[0],)
        if len(word) >= 4:
            start = bisect.bisect_left(self._sorted_spellings, word)
            completions = list(takewhile(lambda s: s.startswith(word), self._sorted_spellings[start : start + 50]))
            if completions:
                return (max(completions, key=lambda s: (self._frequency(self._spellings[s]), s)),)
        for cut in range(3, len(word) - 2):  # "foodbank" -> "food" + "bank"
            head, tail = word[:cut], word[cut:]
            if stem(head) in self._postings and stem(tail) in self._postings:
                return head, tail
        return None

    def _frequency(self, key: str) -> int:
        """How many services hold an index key (0 for lay words no service uses; stopwords count as everywhere)."""
        if key in STOPWORDS:
            return len(self._records) + 1
        hits = self._postings.get(key)
        return 0 if hits is None else len(hits[0])

    # --- ranking --------------------------------------------------------------------------------------------

    def _score(self, parsed: _Query) -> np.ndarray:
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

    def _ideal_score(self, parsed: _Query) -> float:
        """The raw score of a service matching every typed word in its name and the query's main need category."""
        typed = sum(c.weight * self._idf[c.key] for c in parsed.of_kind(WORD, PAIR)) * NAME_WEIGHT
        implied = sum(c.weight * self._idf[c.key] for c in parsed.of_kind(IMPLIED))
        bonuses = sorted(_category_bonuses(parsed).values(), reverse=True)
        return typed + implied + sum(bonuses[:2]) + NAME_SIMILARITY_BONUS

    def _reranked(self, scores: np.ndarray, parsed: _Query, local_now: datetime | None) -> Iterator[tuple[int, float]]:
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

    def _adjusted(self, position: int, score: float, parsed: _Query, local_now: datetime | None) -> float:
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
        self, position: int, parsed: _Query, filters: SearchFilters, local_now: datetime | None
    ) -> tuple[str, ...]:
        """Plain-language reasons this service was found, only ones that really counted for it."""
        keys, name_keys = self._keys[position], self._name_keys[position]
        typed = sorted((c for c in parsed.of_kind(WORD) if c.key in keys), key=_by_position)
        in_name = [c for c in typed if c.key in name_keys]
        elsewhere = [c for c in typed if c.key not in name_keys]
        reasons: list[str] = []
        if in_name:
            reasons.append(f'name matches "{_join_said(in_name)}"')
        if elsewhere:
            reasons.append("matches " + ", ".join(f'"{c.said}"' for c in elsewhere))
        categories = self._records[position].categories
        for meaning in parsed.meanings:
            if meaning.own_words <= keys:
                continue  # the service says it in the person's own words: "matches" covers it
            names_it = meaning.keys <= name_keys
            if meaning.keys & keys and (names_it or not meaning.lay.names_organisation):
                reasons.append(f'"{meaning.said}" means {meaning.lay.meaning}')
            elif shared := [c for c in meaning.lay.categories if c in categories]:
                reasons.append(f'"{meaning.said}" is about {_category_label(shared[0]).lower()}')
        corrections: dict[str, list[str]] = defaultdict(list)
        for concept in typed:
            if concept.corrected_from:
                corrections[concept.corrected_from].append(concept.said)
        reasons.extend(f'read "{typo}" as "{" ".join(fixes)}"' for typo, fixes in corrections.items())
        reasons.extend(self._filter_reasons(position, filters, local_now, parsed))
        return tuple(dict.fromkeys(reasons))

    def _filter_reasons(
        self, position: int, filters: SearchFilters, local_now: datetime | None, parsed: _Query
    ) -> list[str]:
        reasons = []
        if (filters.open_now or parsed.urgent) and local_now and is_open_in(self._slots[position], local_now):
            reasons.append("open now")
        if (filters.self_referral or parsed.wants_self_referral) and self._self_referral[position]:
            reasons.append("you can contact them yourself")
        if filters.area:
            reasons.append(f"covers {filters.area.strip()}")
        return reasons


def _letters_dropped(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with some letters left out ("fod" for "food"), the commonest kind of typo."""
    letters = iter(word)
    return all(letter in letters for letter in typed)


def _category_bonuses(parsed: _Query) -> dict[str, float]:
    """Need category -> score lift for services in it, from the lay phrases in the query."""
    bonuses: dict[str, float] = {}
    for meaning in parsed.meanings:
        for category in meaning.lay.categories:
            bonuses[category] = max(bonuses.get(category, 0.0), MEANING_CATEGORY_BONUS * meaning.strength)
    return bonuses


def _name_keys(record: ServiceRecord) -> frozenset[str]:
    """Index keys of a service's own name and its organisation's name."""
    keys: set[str] = set()
    for name in (record.name, record.organisation_name):
        content = content_words(name)
        keys.update(content, word_pairs(content))
    return frozenset(keys)


def _category_label(category: str) -> str:
    return CATEGORIES[category].label if category in CATEGORIES else category.replace("_", " ")


def _by_position(concept: _Concept) -> int:
    return concept.position


def _join_said(concepts: list[_Concept]) -> str:
    return " ".join(dict.fromkeys(c.said for c in concepts))


def _local_now(now: datetime | None) -> datetime:
    """`now` as local wall-clock time (aware datetimes are converted; naive ones are taken as local)."""
    tz = get_settings().tz
    if now is None:
        return utcnow().replace(tzinfo=UTC).astimezone(tz)
    return now.astimezone(tz) if now.tzinfo is not None else now
