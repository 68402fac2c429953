"""Fuzzy, explainable directory search: the `SearchIndex` over a snapshot of the services, and its ranking.

`SearchIndex.load(engine)` reads the directory once (`directory.record_source`, `directory.indexing`); `search()` never
touches the database, and an index can be saved to one file and memory-mapped back (`save` / `open`), so a
restart or a command-line search does not rebuild it.

Ranking: each query word (read by `directory.query`: typos corrected against the index vocabulary, lay phrases
translated by `directory.synonyms`) scores every service that contains it, weighted by field (name > tags >
categories > description) and by rarity; lay phrases also lift services in the need category they mean. A place
named in the message ranks services covering it first (the place's own services before county-wide and national
ones), an age ranks services for that age first, and what the person says they do not want sinks. The best
candidates are then re-ranked by how closely the whole query resembles the service name, nudged towards services
that are open or take self-referrals when the query asks for that, and, when the message has several needs, the
first results are shared between them. Finally the results must answer most of what the message needs
(`CONFIDENT_COVERAGE`): otherwise the search says honestly that nothing fits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz

from core.clock import local_now
from core.settings import get_settings
from directory.areas import NATIONAL, coverage_levels
from directory.explain import match_reasons
from directory.index_file import IndexFileError, read_index_file, write_index_file
from directory.indexing import FORMAT, IN_NAME, NAME_WEIGHT, OFFERED_INSTEAD, IndexBuilder, IndexData
from directory.opening_hours import is_open_in, parse_opening_hours
from directory.query import IMPLIED, INCIDENTAL_WEIGHT, PAIR, PAIR_IMPORTANCE, WORD, Meaning, ParsedQuery, QueryReader
from directory.records import ServiceRecord, decode_record
from directory.synonyms import (
    CRISIS_FIRST_RESULTS,
    CRISIS_MEANING,
    CRISIS_TERM,
    NIGHT_DISTRESS,
    PEOPLE_WORDS,
    normalise,
    stem,
    words,
)
from directory.taxonomy import category_label
from directory.vocabulary import UnmetReason

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MAX_QUERY_CHARS = 4096  # Telegram's message limit: a whole message is read

# Ranking weights (field weights are in directory.indexing, query-side weights in directory.query).
MEANING_CATEGORY_BONUS = 4.0  # a service in the need category a lay phrase means
SPECIALIST_SHARE = 0.5  # part of that lift that depends on how much of what a service does is the need asked for
NAME_SIMILARITY_BONUS = 3.0  # at most, when the whole query is (nearly) the service name
NAME_SIMILARITY_FLOOR = 80.0
OPEN_NOW_BOOST = 1.3  # when the query says it is urgent ("today", "now")
LISTENING = "mental_wellbeing"  # distress in the small hours: a listening line (Samaritans, Shout) answers it
SELF_REFERRAL_BOOST = 1.2  # when the query asks to contact a service directly ("self refer", "drop in")
CLOSED_FACTOR = 0.85  # services not taking people on sink a little
UNWANTED_FACTOR = 0.3  # a service with what the person said they do not want ("doesn't need a voucher")
UNWANTED_GATEKEEPERS = frozenset(stem(word) for word in ("gp", "doctor", "referral"))
"""Go-betweens a person may not want ("I don't want to go to my GP"): a service people can also contact themselves
mentions them without needing them, so only services without self-referral sink."""
PLACE_FACTORS = (0.1, 0.55, 0.8, 1.0)  # by how a service covers the place named: not, nationally, county, locally
REACH_FACTORS = (0.9, 0.95, 1.0)  # no place named: a local service, a county-wide one, a national one
REACH_FACTORS_SEVERAL_NEEDS = (0.6, 0.9, 1.0)  # several needs: a first-page slot is for help the person can surely use
WRONG_AGE_FACTOR = 0.35  # a service whose age range leaves out the age the message gives
OTHER_AUDIENCE_FACTOR = 0.8  # a service named for a group the message does not mention ("Child Bereavement UK")
PEOPLE_WHO_HARM = "people who harm"
"""How a line for those who harm others names itself ("Respect phoneline (for people who harm)"). It sinks by
PEOPLE_WHO_HARM_FACTOR unless the writer speaks of harm they cause: someone harmed by a partner must never be shown
it first (hazard H9)."""
PEOPLE_WHO_HARM_FACTOR = 0.3
AUDIENCES = {  # groups a service's name may be for -> the (stemmed) words that name them
    "children": frozenset({"child", "kid", "baby", "parent", "family", "school", "son", "daughter"}),
    "young people": frozenset({"young", "youth", "teen", "teenager", "student", "school", "son", "daughter"}),
    # A woman writing about her husband is not asking for a men's group: men and women name themselves.
    "men": frozenset({"man", "male", "bloke", "lad", "guy"}),
    "women": frozenset({"woman", "female", "girl", "lady"}),
    "veterans": frozenset({"veteran", "forces", "military", "army", "navy", "raf"}),
    "lgbt": frozenset({"lgbt", "gay", "lesbian", "trans", "bi", "bisexual"}),
    # a group for the families of people with a problem ("Al-Anon family groups") suits a message about someone else
    "families": frozenset({stem(word) for word in PEOPLE_WORDS} | {"family", "someone", "somebody", "carer"}),
}
_NAMED_AUDIENCE = {"child": "children", "baby": "children", "young": "young people", "youth": "young people",
                   "teen": "young people", "man": "men", "woman": "women", "veteran": "veterans",
                   "lgbt": "lgbt", "family": "families"}  # fmt: skip
YOUNG_AGE = 25  # a message giving an age under this is about a young person
RERANK_POOL = 60
WORD_NEED_IMPORTANCE = 0.5  # a need word at least this telling (not everyday English) may name a need of its own
WORD_NEED_SHARE = 0.1  # ... when at most this share of services use it ("parkinsons", not "help")
SCATTERED_PLACES = 3  # local services for this many different places on a first page, and no place named
WIDE_HELP_SHARE = 0.6  # ... a service covering everyone that scores this share of the first leads instead
SHARE_FLOOR = 0.25  # a need takes a first-page slot only with a result scoring at least this share of the top one
SHARED_FIRST_RESULTS = 5  # with several needs, the first results are shared between them
CONFIDENCE_DEPTH = 3  # the first page: together these must answer the message
CONFIDENT_COVERAGE = 0.67  # share of a query's need words (weighted by importance) the first page must answer
CONFIDENT_COVERAGE_LONG = 0.45  # the same for a message of several sentences, which has more incidental words


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters: a service must pass all of them to be shown."""

    category: str | None = None  # taxonomy id
    area: str | None = None  # local authority, county, postcode or postcode district (see directory.areas)
    age: int | None = None
    free_only: bool = False
    open_now: bool = False
    self_referral: bool = False  # only services a client can contact themselves

    def switched_on(self) -> dict[str, object]:
        """The filters that are switched on (e.g. {'area': 'NR3', 'free_only': True}), as stored with an unmet search
        and printed by the command-line search."""
        return {name: value for name, value in asdict(self).items() if value not in (None, False, "")}


@dataclass(frozen=True)
class SearchHit:
    """One ranked result and, in plain words, why it was found."""

    service_id: str
    name: str
    score: float  # 0-100
    why: tuple[str, ...]


@dataclass(frozen=True)
class SearchResult:
    """What a search found, and what the person asked for beyond services."""

    hits: list[SearchHit] = field(default_factory=list)
    unmet: UnmetReason | None = None  # set when nothing fits what the message needs
    wants_person: bool = False  # the message asks to talk to a person
    place: str | None = None  # the place the message names, as an area token


class SearchIndex:
    """An immutable search index over a snapshot of the directory."""

    def __init__(self, data: IndexData) -> None:
        arrays, meta = data.arrays, data.meta
        self._arrays = arrays
        self._meta = meta
        self._count = int(meta["count"])
        self._key_offsets = arrays["key_offsets"]
        self._post_pos, self._post_weight, self._post_flags = (
            arrays["post_pos"], arrays["post_weight"], arrays["post_flags"],
        )  # fmt: skip
        self._key_ids = {key: i for i, key in enumerate(_strings(arrays, "keys"))}
        self._ids = {service_id: i for i, service_id in enumerate(_strings(arrays, "ids"))}
        self._active = arrays["active"].astype(bool)
        self._active_count = int(self._active.sum())
        self._categories = {cid: i for i, cid in enumerate(meta["categories"])}
        self._area_groups = [tuple(areas) for areas in meta["area_groups"]]
        self._hours_groups = meta["hours_groups"]
        self._coverage_cache: dict[str, np.ndarray] = {}
        counts = np.diff(self._key_offsets)
        frequencies = dict(zip(self._key_ids, counts.tolist(), strict=True))
        self._reader = QueryReader(
            frequencies, meta["surface"], meta["spellings"], self._active_count, meta.get("english")
        )

    @classmethod
    def from_services(cls, services: Sequence[ServiceRecord]) -> SearchIndex:
        """Index these service snapshots (inactive ones can be fetched with `get` but are never found)."""
        return cls(IndexBuilder().add_all(services).finish())

    @classmethod
    def load(cls, engine: Engine) -> SearchIndex:
        """Read every service with its organisation name, categories and first location, and index them."""
        return cls(cls.build(engine))

    @staticmethod
    def build(engine: Engine) -> IndexData:
        """The arrays of an index of every service, streamed from the database (to save without opening it)."""
        # Imported here, where the database is read, and nowhere else in this module: answering from a saved index
        # (a command-line search) then never imports the ORM, about half a second of its start (issue 13).
        from directory.record_source import iter_records

        return IndexBuilder().add_all(iter_records(engine)).finish()

    @classmethod
    def open(cls, path: Path) -> SearchIndex:
        """An index saved with `save`, memory-mapped (raises `IndexFileError` for a missing or outdated file)."""
        arrays, meta = read_index_file(path)
        if meta.get("format") != FORMAT:
            raise IndexFileError(f"{path.name} was written by another version")
        return cls(IndexData(arrays, meta))

    def save(self, path: Path, **meta: object) -> None:
        """Write the index to one file (atomically), with extra `meta` such as the directory revision it shows."""
        write_index_file(path, self._arrays, {**self._meta, **meta})

    @property
    def meta(self) -> dict[str, object]:
        """What was saved with the index (e.g. the directory revision)."""
        return self._meta

    # --- public API -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._active_count

    @property
    def services(self) -> tuple[ServiceRecord, ...]:
        """Every service snapshot the index was built from, including inactive ones."""
        return tuple(self._record(position) for position in range(self._count))

    def get(self, service_id: str) -> ServiceRecord | None:
        """The snapshot of one service, or None."""
        position = self._ids.get(service_id)
        return None if position is None else self._record(position)

    def search(
        self, query: str, filters: SearchFilters = SearchFilters(), limit: int = 10, now: datetime | None = None
    ) -> list[SearchHit]:
        """Services matching `query` that pass `filters`, best first (none when nothing really fits).

        `now` is the local (Europe/London) time used for `open_now` and for ranking open services higher
        when the query says it is urgent; it defaults to the current local time.
        """
        return self.find(query, filters, limit, now).hits

    def find(
        self, query: str, filters: SearchFilters = SearchFilters(), limit: int = 10, now: datetime | None = None,
        *, explain: bool = True,
    ) -> SearchResult:
        """Like `search`, and also whether the search counts as unmet need and whether it asks for a person.
        Without `explain` the hits carry no reasons (`why_found` gives one service's when its details are opened)."""
        parsed = self._reader.read((query or "")[:MAX_QUERY_CHARS])
        if limit <= 0:
            return SearchResult(wants_person=parsed.wants_person, place=parsed.place)
        unmet_if_empty = None if parsed.wants_person and not parsed.need_words else UnmetReason.NONE_FOUND
        if parsed.empty:
            return SearchResult(unmet=unmet_if_empty, wants_person=parsed.wants_person, place=parsed.place)
        local_now = _local_now(now) if (filters.open_now or parsed.urgent) else None
        scores = self._score(parsed)
        scores *= self._filter_mask(filters, local_now)
        ranked = self._ranked(scores, parsed, _at_night(local_now, parsed.night_hour), filters, limit)
        if not ranked:
            return SearchResult(unmet=unmet_if_empty, wants_person=parsed.wants_person, place=parsed.place)
        needed = CONFIDENT_COVERAGE_LONG if parsed.long else CONFIDENT_COVERAGE
        depth = CONFIDENCE_DEPTH + (CRISIS_FIRST_RESULTS if _in_crisis(parsed) else 0)  # the lines lead: look past them
        if self._coverage(parsed, [position for position, _ in ranked[:depth]]) < needed:
            unmet = None if parsed.wants_person else UnmetReason.LOW_CONFIDENCE
            return SearchResult(unmet=unmet, wants_person=parsed.wants_person, place=parsed.place)
        ideal = self._ideal_score(parsed)
        positions = np.array([position for position, _ in ranked], dtype=np.int64)
        reasons = self._why(positions, parsed, filters, local_now) if explain else [()] * len(ranked)
        hits = [
            SearchHit(self._id(position), self._name(position), round(min(100.0, 100.0 * raw / ideal), 1), why)
            for (position, raw), why in zip(ranked, reasons, strict=True)
        ]
        return SearchResult(hits, wants_person=parsed.wants_person, place=parsed.place)

    def why_found(self, service_id: str, query: str, filters: SearchFilters = SearchFilters(),
                  now: datetime | None = None) -> tuple[str, ...]:
        """In plain words, why `service_id` is among what `query` finds with `filters` (with no words: why it is in
        `filters.category`). Worked out for the one service whose details are opened, rather than for every
        result of every search (a third of a search's time)."""
        position = self._ids.get(service_id)
        if position is None:
            return ()
        if not query.strip():
            local_now = _local_now(None) if filters.open_now else None
            return self._browse_reasons(position, filters.category or "", filters, local_now)
        parsed = self._reader.read(query[:MAX_QUERY_CHARS])
        local_now = _local_now(now) if (filters.open_now or parsed.urgent) else None
        return self._why(np.array([position], dtype=np.int64), parsed, filters, local_now)[0]

    def browse(self, category: str, filters: SearchFilters = SearchFilters(), limit: int = 50) -> list[SearchHit]:
        """Every service in a category passing `filters`: taking people on first, then by name; a line for people
        who harm comes last (someone harmed browsing "domestic abuse" sees the help for them first)."""
        members = self._category_members(category)
        if members is None or limit <= 0:
            return []
        local_now = _local_now(None) if filters.open_now else None
        members = members[self._filter_mask(filters, local_now)[members]]
        for_people_who_harm = [_is_for_people_who_harm(self._name(position)) for position in members.tolist()]
        order = np.lexsort((self._arrays["tiebreak"][members], self._arrays["capacity"][members],
                            np.asarray(for_people_who_harm, dtype=bool)))[:limit]  # fmt: skip
        return [SearchHit(self._id(position), self._name(position), 100.0,
                          self._browse_reasons(position, category, filters, local_now))
                for position in members[order].tolist()]

    def _browse_reasons(self, position: int, category: str, filters: SearchFilters,
                        local_now: datetime | None) -> tuple[str, ...]:
        return (f"in {category_label(category)}", *self._filter_reasons(position, filters, local_now, ParsedQuery()))

    # --- stored columns -------------------------------------------------------------------------------------

    def _record(self, position: int) -> ServiceRecord:
        offsets = self._arrays["records_offsets"]
        return decode_record(self._arrays["records_blob"][offsets[position] : offsets[position + 1]])

    def _id(self, position: int) -> str:
        offsets = self._arrays["ids_offsets"]
        return bytes(self._arrays["ids_blob"][offsets[position] : offsets[position + 1]]).decode()

    def _name(self, position: int) -> str:
        offsets = self._arrays["names_offsets"]
        return bytes(self._arrays["names_blob"][offsets[position] : offsets[position + 1]]).decode()

    def _postings(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(positions, weights, flags) of the services holding an index key, positions ascending."""
        key_id = self._key_ids.get(key)
        if key_id is None:
            return None
        start, end = self._key_offsets[key_id], self._key_offsets[key_id + 1]
        return self._post_pos[start:end], self._post_weight[start:end], self._post_flags[start:end]

    def _idf(self, key: str) -> float:
        key_id = self._key_ids.get(key)
        if key_id is None:
            return 0.0
        holders = int(self._key_offsets[key_id + 1] - self._key_offsets[key_id])
        return math.log(1 + self._active_count / max(holders, 1))

    def _holders(self, key: str, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of `positions`: whether the service holds `key`, and whether it holds it in a name."""
        postings = self._postings(key)
        if postings is None or not len(postings[0]):
            empty = np.zeros(len(positions), dtype=bool)
            return empty, empty
        held_positions, _, flags = postings
        found = np.searchsorted(held_positions, positions)
        found = np.minimum(found, len(held_positions) - 1)
        holds = held_positions[found] == positions
        return holds, holds & ((flags[found] & IN_NAME) != 0)

    def _category_members(self, category: str) -> np.ndarray | None:
        index = self._categories.get(category)
        if index is None:
            return None
        offsets = self._arrays["category_offsets"]
        return self._arrays["category_members"][offsets[index] : offsets[index + 1]]

    def _in_category(self, category: str, positions: np.ndarray) -> np.ndarray:
        members = self._category_members(category)
        if members is None or not len(members):
            return np.zeros(len(positions), dtype=bool)
        found = np.minimum(np.searchsorted(members, positions), len(members) - 1)
        return members[found] == positions

    @cached_property
    def _membership(self) -> np.ndarray:
        """Category x service: 1 where the service is in the category (17 bytes per service, dense for speed)."""
        matrix = np.zeros((len(self._categories), self._count), dtype=np.float32 if self._count < 200_000 else np.uint8)
        for category, row in self._categories.items():
            members = self._category_members(category)
            if members is not None:
                matrix[row, members] = 1
        return matrix

    @cached_property
    def _per_category(self) -> np.ndarray:
        """1 / how many categories each service is in."""
        return (1.0 / np.maximum(self._arrays["category_count"], 1)).astype(np.float32)

    @cached_property
    def _reach_factor(self) -> np.ndarray:
        return np.asarray(REACH_FACTORS, dtype=np.float32)[self._reach]

    @cached_property
    def _reach_factor_several_needs(self) -> np.ndarray:
        return np.asarray(REACH_FACTORS_SEVERAL_NEEDS, dtype=np.float32)[self._reach]

    @cached_property
    def _reach(self) -> np.ndarray:
        """Per service: 2 national, 1 county-wide, 0 local (or unknown areas)."""

        def reach(areas: tuple[str, ...]) -> int:
            tokens = set(areas)
            return 2 if NATIONAL in tokens else 1 if tokens & {"Norfolk", "Suffolk"} else 0

        by_group = np.array([reach(areas) for areas in self._area_groups], dtype=np.int8)
        return by_group[self._arrays["area_group"]] if len(by_group) else np.zeros(self._count, dtype=np.int8)

    @cached_property
    def _hours_slots(self) -> list[tuple]:
        return [parse_opening_hours(hours) for hours in self._hours_groups]

    def _open_mask(self, local_now: datetime) -> np.ndarray:
        by_group = np.array([is_open_in(slots, local_now) for slots in self._hours_slots], dtype=bool)
        return by_group[self._arrays["hours_group"]] if len(by_group) else np.zeros(self._count, dtype=bool)

    def _coverage_by_service(self, wanted: str) -> np.ndarray:
        """For each service, how it covers the place `wanted` (0 not, 1 nationally, 2 county-wide, 3 locally)."""
        levels = self._coverage_cache.get(wanted)
        if levels is None:
            by_group = np.array([coverage_levels(areas, wanted) for areas in self._area_groups], dtype=np.int8)
            levels = by_group[self._arrays["area_group"]] if len(by_group) else np.zeros(self._count, dtype=np.int8)
            if len(self._coverage_cache) > 256:
                self._coverage_cache.clear()
            self._coverage_cache[wanted] = levels
        return levels

    # --- ranking --------------------------------------------------------------------------------------------

    def _score(self, parsed: ParsedQuery) -> np.ndarray:
        scores = np.zeros(self._count, dtype=np.float32)
        for concept in parsed.concepts.values():
            postings = self._postings(concept.key)
            if postings is not None:
                positions, weights, _ = postings
                scores[positions] += np.float32(concept.weight * self._idf(concept.key)) * weights
        bonuses = {c: bonus for c, bonus in _category_bonuses(parsed).items() if c in self._categories}
        if bonuses:
            rows = self._membership[[self._categories[c] for c in bonuses]]
            wanted = rows.sum(axis=0, dtype=np.float32)  # how many of its categories the query asks for
            focus = (1 - SPECIALIST_SHARE) + SPECIALIST_SHARE * wanted * self._per_category
            lift = np.asarray(list(bonuses.values()), dtype=np.float32) @ rows  # each service's category bonuses
            scores += lift * focus
        for key in parsed.unwanted:
            postings = self._postings(key)
            if postings is not None:  # not the services offered instead of it ("an alternative to payday lenders")
                positions, _, flags = postings
                sunk = (flags & OFFERED_INSTEAD) == 0
                if key in UNWANTED_GATEKEEPERS:
                    sunk &= ~self._arrays["self_referral"][positions].astype(bool)
                scores[positions[sunk]] *= UNWANTED_FACTOR
        return scores

    def _ideal_score(self, parsed: ParsedQuery) -> float:
        """The raw score of a service matching every typed word in its name and the query's main need category."""
        typed = sum(c.weight * self._idf(c.key) for c in parsed.of_kind(WORD, PAIR)) * NAME_WEIGHT
        implied = sum(c.weight * self._idf(c.key) for c in parsed.of_kind(IMPLIED))
        bonuses = sorted(_category_bonuses(parsed).values(), reverse=True)
        return typed + implied + sum(bonuses[:2]) + NAME_SIMILARITY_BONUS

    def _preference(self, parsed: ParsedQuery, filters: SearchFilters) -> np.ndarray | None:
        """Per service, how much the place and age in the message (or the area filter) favour it."""
        factor: np.ndarray | None = None
        wanted_place = parsed.place or filters.area
        if wanted_place:
            factor = np.asarray(PLACE_FACTORS, dtype=np.float32)[self._coverage_by_service(wanted_place)]
        elif len(self._needs(parsed)) > 1:  # each need has a slot or two on the first page: spend them widely
            factor = self._reach_factor_several_needs
        else:  # anyone can use a national service; a town's service only suits people there
            factor = self._reach_factor
        if parsed.age is not None and filters.age is None:
            fits = (self._arrays["min_age"] <= parsed.age) & (parsed.age <= self._arrays["max_age"])
            age_factor = np.where(fits, 1.0, WRONG_AGE_FACTOR).astype(np.float32)
            factor = age_factor if factor is None else factor * age_factor
        return factor

    def _ranked(
        self,
        scores: np.ndarray,
        parsed: ParsedQuery,
        local_now: datetime | None,
        filters: SearchFilters,
        limit: int,
    ) -> list[tuple[int, float]]:
        preference = self._preference(parsed, filters)
        if preference is not None:
            scores *= preference
        ranked: list[tuple[int, float]] = []
        wide = parsed.night_hour is not None or _in_crisis(parsed)  # the lines that answer may rank low on the words
        depth = max(limit, RERANK_POOL if wide else SHARED_FIRST_RESULTS * 4)
        for position, score in self._reranked(scores, parsed, local_now):
            ranked.append((position, score))
            if len(ranked) >= depth:
                break
        ranked = self._shared_between_needs(self._open_first_at_night(ranked, parsed, local_now), parsed)
        wanted_place = parsed.place or filters.area
        if wanted_place:
            return self._local_branch_before_its_national_line(ranked, wanted_place)[:limit]
        return self._wide_help_before_scattered_branches(ranked, parsed)[:limit]

    def _wide_help_before_scattered_branches(
        self, ranked: list[tuple[int, float]], parsed: ParsedQuery
    ) -> list[tuple[int, float]]:
        """With no place named, a first page of local services for as many different places ("food bank near me":
        Norwich, Great Yarmouth, King's Lynn…) mostly shows help for somewhere else: a service that covers everyone
        and answers the same words about as well (a national helpline that finds the nearest food bank) leads."""
        page = ranked[:SHARED_FIRST_RESULTS]
        local = [position for position, _ in page if self._reach[position] == 0]
        places = {int(self._arrays["area_group"][position]) for position in local}
        if len(places) < SCATTERED_PLACES or any(self._reach[position] > 0 for position, _ in page):
            return ranked
        positions = np.array([position for position, _ in ranked], dtype=np.int64)
        first_local = next(index for index, (position, _) in enumerate(page) if position == local[0])
        holding = [  # per word or pair typed (not a run-together spelling, "foodbank" for "food bank"): who holds it
            self._holders(concept.key, positions)[0]
            for concept in parsed.of_kind(WORD, PAIR) if " " in concept.key or " " not in concept.said
        ]
        wanted = [held for held in holding if held[first_local]]
        if not wanted:  # lay words alone ("skint") say too little to tell a service of the same kind
            return ranked
        floor = WIDE_HELP_SHARE * ranked[0][1]
        for index, (position, score) in enumerate(ranked[SHARED_FIRST_RESULTS:], start=SHARED_FIRST_RESULTS):
            if score < floor:
                break
            if self._reach[position] > 0 and all(held[index] for held in wanted):
                return [ranked[index], *ranked[:index], *ranked[index + 1 :]]
        return ranked

    def _local_branch_before_its_national_line(
        self, ranked: list[tuple[int, float]], place: str
    ) -> list[tuple[int, float]]:
        """With a place named, an organisation's national line adds nothing to a first page that already shows its
        branch for that place (Citizens Advice Great Yarmouth, then the Citizens Advice adviceline): the line moves
        to just after the first page, and the slot goes to the next service."""
        page = ranked[:SHARED_FIRST_RESULTS]
        levels = self._coverage_by_service(place)
        local = {_family(self._record(position).organisation_name) for position, _ in page if levels[position] == 3}
        local.discard("")
        if not local:
            return ranked
        moved = [
            hit for hit in page
            if self._reach[hit[0]] == 2 and _family(self._record(hit[0]).organisation_name) in local
        ]  # fmt: skip
        if not moved:
            return ranked
        kept = [hit for hit in ranked if hit not in moved]
        return kept[: SHARED_FIRST_RESULTS] + moved + kept[SHARED_FIRST_RESULTS:]

    def _reranked(
        self, scores: np.ndarray, parsed: ParsedQuery, local_now: datetime | None
    ) -> Iterator[tuple[int, float]]:
        """Services with a positive score, best first, in pools re-ranked by name likeness and intent."""
        remaining = np.flatnonzero(scores > 0)
        tiebreak = self._arrays["tiebreak"]
        asked = _audiences_asked(parsed)  # the same for every service: worked out once per search
        while remaining.size:
            if remaining.size > RERANK_POOL:
                cut = np.argpartition(-scores[remaining], RERANK_POOL - 1)[:RERANK_POOL]
                pool, remaining = remaining[cut], np.delete(remaining, cut)
            else:
                pool, remaining = remaining, remaining[:0]
            adjusted = np.array([self._adjusted(int(i), float(scores[i]), parsed, local_now, asked) for i in pool])
            for index in np.lexsort((tiebreak[pool], -adjusted)):
                yield int(pool[index]), float(adjusted[index])

    def _adjusted(self, position: int, score: float, parsed: ParsedQuery, local_now: datetime | None,
                  asked: frozenset[str]) -> float:
        """A service's score after its name (the groups it is for, likeness to a name typed) and intent."""
        shown_name = self._name(position)
        name = _name_words(shown_name)
        if _audiences(name) - asked:
            score *= OTHER_AUDIENCE_FACTOR
        if not parsed.harms_others and _is_for_people_who_harm(shown_name):
            score *= PEOPLE_WHO_HARM_FACTOR
        if parsed.name_text:
            likeness = fuzz.token_set_ratio(parsed.name_text, name)
            if likeness > NAME_SIMILARITY_FLOOR:
                floor = NAME_SIMILARITY_FLOOR
                score += NAME_SIMILARITY_BONUS * (likeness - floor) / (100 - floor)
        if parsed.urgent and local_now is not None and self._is_open(position, local_now):
            score *= OPEN_NOW_BOOST
        if parsed.wants_self_referral and self._arrays["self_referral"][position]:
            score *= SELF_REFERRAL_BOOST
        if self._arrays["closed"][position]:
            score *= CLOSED_FACTOR
        return score

    def _is_open(self, position: int, local_now: datetime) -> bool:
        return is_open_in(self._hours_slots[self._arrays["hours_group"][position]], local_now)

    def _needs(self, parsed: ParsedQuery) -> list[list[Meaning]]:
        """The message's distinct needs: its lay meanings grouped by the need category they are mainly about."""
        groups: dict[str, list[Meaning]] = {}
        for meaning in parsed.meanings:  # one with no category ("armed forces veterans") is a need of its own
            group = meaning.lay.categories[0] if meaning.lay.categories else meaning.lay.meaning
            if meaning.strength < 1.0 and meaning.lay.categories:
                # a thing named in the directory's own words ("wheelchair", "blue badge") is a need of its own,
                # even beside another of the same category; lay feelings ("lonely and isolated") are one need
                group = f"{group}:{' '.join(sorted(meaning.own_words))}"
            groups.setdefault(group, []).append(meaning)
        return list(groups.values())

    def _word_needs(self, parsed: ParsedQuery) -> list[tuple[str, ...]]:
        """Needs named in the directory's own words rather than lay language ("parkinsons", "wheelchair"): each
        specific need word outside the lay phrases, a word and the neighbour it makes a phrase with counted once.

        A word services rarely use says what is needed; a common one ("help", "group"), one a lay phrase already
        covers or an everyday word of a long message ("the rent is due on Friday") does not add a need."""
        covered = {key for meaning in parsed.meanings for key in meaning.keys | meaning.own_words}
        needs: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for word in parsed.need_words:
            if (word.meanings or not word.keys or word.importance < WORD_NEED_IMPORTANCE
                    or (word.incidental and not word.pairs)):
                continue
            keys = word.pairs or word.keys
            if seen.intersection(keys) or covered.intersection(word.keys):
                continue
            holders = [self._postings(key) for key in keys]
            held = max((len(postings[0]) for postings in holders if postings is not None), default=0)
            if 0 < held <= WORD_NEED_SHARE * self._active_count:
                needs.append(tuple(keys))
            seen.update(keys)
        return needs

    def _serves(self, meanings: list[Meaning], positions: np.ndarray, strictly: bool = False) -> np.ndarray:
        """Which of `positions` answer a need: in one of its categories, or holding what it stands for.

        `strictly`: the category counts only for pure lay language ("skint"); a need in the directory's own words
        ("stroke") is served by services holding them, not by everything in its category.
        """
        served = np.zeros(len(positions), dtype=bool)
        for meaning in meanings:
            for category in meaning.lay.categories[: 0 if strictly and meaning.strength < 1.0 else 1]:
                served |= self._in_category(category, positions)
            for key in meaning.keys | {word for word in meaning.own_words if self._telling(word)}:
                served |= self._holders(key, positions)[0]
        return served

    def _telling(self, word: str) -> bool:
        """Whether a lay phrase's own word says something of its need: "lonely" does, "anyone" in "I don't see
        anyone" does not (it is in a third of all services: "for anyone aged 15+")."""
        postings = self._postings(word)
        return postings is not None and len(postings[0]) <= WORD_NEED_SHARE * self._active_count

    def _shared_between_needs(self, ranked: list[tuple[int, float]], parsed: ParsedQuery) -> list[tuple[int, float]]:
        """With several needs ("debt and anxiety"), the first results take turns between them, best first."""
        needs = self._needs(parsed)
        word_needs = self._word_needs(parsed) if needs or len(parsed.need_words) > 1 else []
        if len(ranked) < 2:
            return ranked
        if len(needs) + len(word_needs) < 2:
            return self._crisis_lines_first(ranked, parsed)
        positions = np.array([position for position, _ in ranked], dtype=np.int64)
        good_enough = np.array([score for _, score in ranked], dtype=np.float32) >= SHARE_FLOOR * ranked[0][1]
        serving = [self._serves(need, positions, strictly=True) & good_enough for need in needs]
        for keys in word_needs:
            held = np.zeros(len(positions), dtype=bool)
            for key in keys:
                held |= self._holders(key, positions)[0]
            serving.append(held & good_enough)
        needs = needs + [[] for _ in word_needs]
        chosen: list[int] = []
        picks = [0] * len(needs)
        if _in_crisis(parsed):
            # despair beside loneliness, debt or grief: the suicide-support lines lead, the other needs follow
            crisis = self._holders(stem(CRISIS_TERM), positions)[0]
            chosen = [int(i) for i in np.flatnonzero(crisis)[:CRISIS_FIRST_RESULTS]]
            for index in chosen:
                for other in range(len(needs)):
                    picks[other] += bool(serving[other][index])
        while len(chosen) < min(SHARED_FIRST_RESULTS, len(ranked)):
            # (picks so far, the need's best remaining result): the need with fewest picks goes next, and of
            # needs level on picks the one whose next result ranks higher.
            candidates = [
                (picks[need], next(i for i in range(len(ranked)) if i not in chosen and serving[need][i]))
                for need in range(len(needs))
                if any(serving[need][i] for i in range(len(ranked)) if i not in chosen)
            ]
            if not candidates:
                break
            index = min(candidates)[1]
            chosen.append(index)
            for other in range(len(needs)):
                picks[other] += bool(serving[other][index])
        rest = [i for i in range(len(ranked)) if i not in chosen]
        return [ranked[i] for i in chosen + rest]

    def _crisis_lines_first(self, ranked: list[tuple[int, float]], parsed: ParsedQuery) -> list[tuple[int, float]]:
        """Thoughts of suicide or self-harm as the only need ("I want to end it all"): the suicide-support lines lead,
        even when a word of the phrase ("end", "self") makes another service rank higher on the words."""
        if not _in_crisis(parsed):
            return ranked
        positions = np.array([position for position, _ in ranked], dtype=np.int64)
        crisis = self._holders(stem(CRISIS_TERM), positions)[0]
        first = [int(i) for i in np.flatnonzero(crisis)[:CRISIS_FIRST_RESULTS]]
        return [ranked[i] for i in first] + [hit for i, hit in enumerate(ranked) if i not in first]

    def _open_first_at_night(
        self, ranked: list[tuple[int, float]], parsed: ParsedQuery, local_now: datetime | None
    ) -> list[tuple[int, float]]:
        """Distress in the small hours ("so lonely and it's 3am"): of the results that answer it well enough, the
        listening and company services open at that hour come first (a café that opens at ten can wait until
        morning); help with other needs keeps its place after them."""
        if parsed.night_hour is None or local_now is None or not ranked:
            return ranked
        good_enough = SHARE_FLOOR * ranked[0][1]
        positions = np.array([position for position, _ in ranked], dtype=np.int64)
        listening = np.zeros(len(ranked), dtype=bool)
        for category in NIGHT_DISTRESS:
            listening |= self._in_category(category, positions)
        open_then = [
            hit for hit, listens in zip(ranked, listening.tolist(), strict=True)
            if listens and hit[1] >= good_enough and self._is_open(hit[0], local_now)
        ]  # fmt: skip
        return open_then + [hit for hit in ranked if hit not in open_then]

    def _coverage(self, parsed: ParsedQuery, top: list[int]) -> float:
        """How much of what the message needs (its need words, weighted by importance) the top services answer.

        Lay need language the directory does not use itself ("skint", "on the drink") answered by the top
        services counts as answering the message: people add all sorts of words around it.
        """
        positions = np.array(top, dtype=np.int64)
        in_pairs = {pair for word in parsed.need_words for pair in word.pairs}
        answered_pairs = {pair for pair in in_pairs if self._holders(pair, positions)[0].any()}
        importance = [
            max(word.importance, PAIR_IMPORTANCE) if answered_pairs.intersection(word.pairs)
            else word.importance * (INCIDENTAL_WEIGHT if word.incidental else 1.0)
            for word in parsed.need_words
        ]
        total = sum(importance)
        if not total:
            return 1.0
        served_meanings = [bool(self._serves([meaning], positions).any()) for meaning in parsed.meanings]
        pure_lay = [meaning.strength >= 1.0 for meaning in parsed.meanings]
        if any(served and lay for served, lay in zip(served_meanings, pure_lay, strict=True)):
            return 1.0
        answered = 0.0
        for word, weight in zip(parsed.need_words, importance, strict=True):
            if any(served_meanings[i] for i in word.meanings) or any(
                self._holders(key, positions)[0].any() for key in word.keys
            ):
                answered += weight
        return answered / total

    # --- filters --------------------------------------------------------------------------------------------

    def _filter_mask(self, filters: SearchFilters, local_now: datetime | None) -> np.ndarray:
        """Which services pass every filter (inactive services never do)."""
        mask = self._active.copy()
        arrays = self._arrays
        if filters.category is not None:
            in_category = np.zeros(self._count, dtype=bool)
            members = self._category_members(filters.category)
            if members is not None:
                in_category[members] = True
            mask &= in_category
        if filters.free_only:
            mask &= arrays["free"].astype(bool)
        if filters.self_referral:
            mask &= arrays["self_referral"].astype(bool)
        if filters.age is not None:
            mask &= (arrays["min_age"] <= filters.age) & (filters.age <= arrays["max_age"])
        if filters.area:
            mask &= self._coverage_by_service(filters.area) > 0
        if filters.open_now and local_now is not None:
            mask &= self._open_mask(local_now)
        return mask

    # --- explanations ---------------------------------------------------------------------------------------

    def _why(
        self, positions: np.ndarray, parsed: ParsedQuery, filters: SearchFilters, local_now: datetime | None
    ) -> list[tuple[str, ...]]:
        """For each service found, plain-language reasons it was found: only ones that really counted for it."""
        wanted = set(parsed.concepts)
        for meaning in parsed.meanings:
            wanted |= meaning.keys | meaning.own_words
        held = {key: self._holders(key, positions) for key in wanted}
        categories = {c for meaning in parsed.meanings for c in meaning.lay.categories}
        member = {category: self._in_category(category, positions) for category in categories}
        reasons = []
        for i, position in enumerate(positions.tolist()):
            keys = frozenset(key for key, (holds, _) in held.items() if holds[i])
            name_keys = frozenset(key for key, (_, in_name) in held.items() if in_name[i])
            in_categories = tuple(category for category, inside in member.items() if inside[i])
            found = match_reasons(parsed, keys, name_keys, in_categories)
            found.extend(self._filter_reasons(position, filters, local_now, parsed))
            reasons.append(tuple(dict.fromkeys(found)))
        return reasons

    def _filter_reasons(
        self, position: int, filters: SearchFilters, local_now: datetime | None, parsed: ParsedQuery
    ) -> list[str]:
        reasons = []
        if (filters.open_now or parsed.urgent) and local_now and self._is_open(position, local_now):
            reasons.append("open now")
        if (filters.self_referral or parsed.wants_self_referral) and self._arrays["self_referral"][position]:
            reasons.append("you can contact them yourself")
        if filters.area:
            reasons.append(f"covers {filters.area.strip()}")
        elif parsed.place and self._coverage_by_service(parsed.place)[position] > 0:
            reasons.append(f"covers {parsed.place_said}")
        return reasons


_name_words = lru_cache(maxsize=1 << 15)(normalise)  # service names, compared with every query's words


def _strings(arrays: dict[str, np.ndarray], name: str) -> list[str]:
    """The strings stored as `<name>_blob` and `<name>_offsets`."""
    blob = bytes(arrays[f"{name}_blob"])
    offsets = arrays[f"{name}_offsets"].tolist()
    return [blob[start:end].decode() for start, end in itertools.pairwise(offsets)]


def _family(organisation: str) -> str:
    """An organisation's family name: its first two words ("Citizens Advice Norfolk" and "Citizens Advice" are one
    family; "Age UK Norfolk" and "Age UK" another)."""
    return " ".join(organisation.lower().split()[:2])


def _category_bonuses(parsed: ParsedQuery) -> dict[str, float]:
    """Need category -> score lift for services in it, from the lay phrases in the query."""
    bonuses: dict[str, float] = {}
    for meaning in parsed.meanings:
        for category in meaning.lay.categories:
            bonuses[category] = max(bonuses.get(category, 0.0), MEANING_CATEGORY_BONUS * meaning.strength)
    if parsed.night_hour is not None:  # distress in the small hours: someone to talk to is a listening line
        bonuses[LISTENING] = MEANING_CATEGORY_BONUS
    return bonuses


def _in_crisis(parsed: ParsedQuery) -> bool:
    """The message speaks of suicide or self-harm (the bot has already given the crisis reply)."""
    return any(meaning.lay.meaning == CRISIS_MEANING for meaning in parsed.meanings)


def _is_for_people_who_harm(name: str) -> bool:
    """Whether a service's name says it is for people who harm others (a plain lower-case test: browsing a large
    category checks every member's name)."""
    return PEOPLE_WHO_HARM in name.lower()


@lru_cache(maxsize=1 << 15)  # the same few dozen names come up in every search's pool
def _audiences(name: str) -> frozenset[str]:
    """The groups a service's (normalised) name says it is for: "men's peer support group" -> men."""
    return frozenset(_NAMED_AUDIENCE[word] for word in words(name) if word in _NAMED_AUDIENCE)


def _audiences_asked(parsed: ParsedQuery) -> frozenset[str]:
    """The groups a message mentions (its words, or an age under YOUNG_AGE)."""
    said = set(parsed.concepts) | {word for meaning in parsed.meanings for word in meaning.own_words}
    said |= parsed.said_words
    asked = {audience for audience, names in AUDIENCES.items() if names & said}
    if parsed.age is not None and parsed.age < YOUNG_AGE:
        asked |= {"children", "young people"}
    return frozenset(asked)


def _at_night(local_now: datetime | None, hour: int | None) -> datetime | None:
    """The time to rank open services by: the small hours the message says it is written in ("it's 3am"), else
    `local_now`."""
    if local_now is None or hour is None:
        return local_now
    return local_now.replace(hour=hour, minute=0, second=0, microsecond=0)


def _local_now(now: datetime | None) -> datetime:
    """`now` as local wall-clock time (aware datetimes are converted; naive ones are taken as local)."""
    tz = get_settings().tz
    if now is None:
        return local_now(tz)
    return now.astimezone(tz) if now.tzinfo is not None else now
