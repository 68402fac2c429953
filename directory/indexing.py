"""Building a search index: what each service is found by (its words and adjacent word pairs, weighted by the field
they are in) packed into flat arrays, so 1M services cost a few hundred MB instead of a Python set per service.

`IndexBuilder.add(record)` takes services one at a time (the directory is streamed from the database);
`finish()` returns the `IndexData` that `directory.search.SearchIndex` answers from and `directory.index_file`
stores on disk.
"""

from __future__ import annotations

import array
import io
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

from directory.english import ordinary_english
from directory.records import ServiceRecord, encode_record
from directory.synonyms import STOPWORDS, normalise, stem
from directory.taxonomy import category_label
from directory.vocabulary import Capacity, Cost, ReferralRoute

FORMAT = 8  # bump when the arrays or their meaning change: older index files are then rebuilt (5: records carry
# capacity_updated_at and closed_until; 6: postings as int64 positions and float32 weights; 7: OFFERED_INSTEAD flag;
# 8: no lone "loss" for "sight loss")

# Field weights: how much a word found in each part of a service counts.
NAME_WEIGHT = 3.0
ORGANISATION_WEIGHT = 2.0
TAG_WEIGHT = 2.5
CATEGORY_WEIGHT = 2.0
DETAIL_WEIGHT = 1.0  # description, eligibility, languages, town
ACCESSIBILITY_WEIGHT = 0.5
EXTRA_FIELD_WEIGHT = 0.15  # per further field holding the same word
CAPACITY_ORDER = {Capacity.OPEN.value: 0, Capacity.WAITING_LIST.value: 1, Capacity.CLOSED.value: 2}  # for browsing
IN_NAME = 1  # posting flag: the key is in the service's or its organisation's name
OFFERED_INSTEAD = 2  # posting flag: the service calls itself an alternative to it ("an alternative to payday lenders")
INSTEAD_CUES = ("alternative to", "alternatives to", "instead of", "rather than")
INSTEAD_REACH = 3  # content words after a cue that name what the service replaces
_SENTENCE_END = re.compile(r"[.;:!?()]")
_INSTEAD_HINTS = ("alternative", "instead", "rather")  # plain `in` tests: 20x faster than an IGNORECASE regex
SELF_REFERRAL_ROUTES = frozenset({ReferralRoute.SELF.value, ReferralRoute.EITHER.value})
QUALIFIED_SENSES = {"loss": frozenset({"sight", "hear", "memory", "weight", "hair", "blood", "job", "income"})}
"""Words whose sense the word before them changes: "sight loss" and "memory loss" are not a bereavement ("loss"
alone is how people and bereavement services say it). The pair stays a key; the lone word is not kept for it."""
SORT_CHUNK = 1 << 22  # postings sorted at a time while finishing an index (4M: about 100 MB of working memory)
SPILL_AT = 1 << 20  # postings held in memory while adding services; the rest wait in a temporary file


def _fields(record: ServiceRecord) -> tuple[tuple[float, bool, bool, tuple[str, ...]], ...]:
    """(weight, is a name, gives word pairs, texts) for each part of a service that search reads.

    Word pairs come from the short fields only: in descriptions they would double the index for little gain.
    """
    categories = tuple(f"{category_label(cid)} {cid.replace('_', ' ')}" for cid in record.categories)
    return (
        (NAME_WEIGHT, True, True, (record.name,)),
        (ORGANISATION_WEIGHT, True, True, (record.organisation_name,)),
        (TAG_WEIGHT, False, True, record.tags),
        (CATEGORY_WEIGHT, False, True, categories),
        (DETAIL_WEIGHT, False, False, (record.description, record.eligibility, *record.languages, record.town)),
        (ACCESSIBILITY_WEIGHT, False, False, (record.accessibility,)),
    )


@dataclass
class Vocabulary:
    """The words services write: stem -> one way it is written (to show corrections), written word -> stem."""

    surface: dict[str, str] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)


def offered_instead(description: str) -> set[str]:
    """Stemmed words a service's description says it replaces ("an alternative to payday lenders and doorstep
    lenders" -> payday, lender, doorstep): someone who says they do not want a payday lender wants this service, so
    its mention of one must not count against it."""
    replaced: set[str] = set()
    lowered = description.lower()
    if not any(hint in lowered for hint in _INSTEAD_HINTS):  # most descriptions have no cue: skip the normalising
        return replaced
    for sentence in _SENTENCE_END.split(description):
        said = normalise(sentence)
        for cue in INSTEAD_CUES:
            start = said.find(cue + " ")
            if start >= 0 and (start == 0 or said[start - 1] == " "):
                after = [_stem(word) for word in said[start + len(cue) :].split()]
                replaced.update([word for word in after if word not in STOPWORDS][:INSTEAD_REACH])
    return replaced


def service_keys(record: ServiceRecord, vocabulary: Vocabulary) -> dict[str, tuple[float, int]]:
    """Each index key of a service -> (weight, posting flags: IN_NAME, OFFERED_INSTEAD).

    Keys are stemmed words (not bare numbers: "17" or "2" say nothing on their own) and, from the short fields,
    adjacent word pairs ("pension credit"). The weight is the best field's, plus a little per further field.
    """
    best: dict[str, float] = {}
    fields_holding: dict[str, int] = {}
    named: set[str] = set()
    spellings, surface = vocabulary.spellings, vocabulary.surface
    for weight, is_name, with_pairs, texts in _fields(record):
        for text in texts:
            content = []
            for word in normalise(text).split():
                term = spellings.get(word)
                if term is None:
                    term = spellings[word] = _stem(word)
                    surface.setdefault(term, word)
                if term not in STOPWORDS:
                    content.append(term)
            keys = set(term for term in content if not term.isdigit())
            if not keys.isdisjoint(QUALIFIED_SENSES):  # most texts hold no such word: skip the pair scan
                keys.difference_update(second for first, second in itertools.pairwise(content)
                                       if first in QUALIFIED_SENSES.get(second, ()))  # fmt: skip
            if with_pairs:
                keys.update(f"{first} {second}" for first, second in itertools.pairwise(content))
            for key in keys:
                if key in best:
                    best[key] = max(best[key], weight)
                    fields_holding[key] += 1
                else:
                    best[key], fields_holding[key] = weight, 1
            if is_name:
                named.update(keys)
    instead = offered_instead(record.description)  # a word pair ("payday loan") when both its words are
    replaced = {key for key in best if instead.issuperset(key.split(" "))} if instead else set()
    return {
        key: (
            weight + EXTRA_FIELD_WEIGHT * (fields_holding[key] - 1),
            (IN_NAME if key in named else 0) | (OFFERED_INSTEAD if key in replaced else 0),
        )
        for key, weight in best.items()
    }


_STEMS: dict[str, str] = {}


def _stem(word: str) -> str:
    """`stem` with an unbounded cache: a directory's vocabulary is small next to the words it writes."""
    term = _STEMS.get(word)
    if term is None:
        term = _STEMS[word] = stem(word)
    return term


@dataclass
class IndexData:
    """A built index: flat arrays and a little JSON-able meta (see `directory.search.SearchIndex`)."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]


class _Strings:
    """Many strings as one UTF-8 blob and offsets. With `spill`, the blob goes to an anonymous temporary file and is
    memory-mapped back, so a million service records (about 1 GB) need not sit in memory while the index is built."""

    def __init__(self, spill: bool = False) -> None:
        self.blob: BinaryIO = tempfile.TemporaryFile() if spill else io.BytesIO()  # noqa: SIM115 - lives with the index
        self.offsets = array.array("q", [0])
        self.size = 0

    def add(self, data: bytes) -> None:
        self.blob.write(data)
        self.size += len(data)
        self.offsets.append(self.size)

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        if isinstance(self.blob, io.BytesIO):
            blob = np.frombuffer(self.blob.getbuffer(), dtype=np.uint8)
        elif self.size:
            self.blob.flush()
            blob = np.memmap(self.blob, dtype=np.uint8, mode="r", shape=(self.size,))
        else:
            blob = np.zeros(0, dtype=np.uint8)
        return {f"{name}_blob": blob, f"{name}_offsets": np.frombuffer(self.offsets, dtype=np.int64)}


class _SpilledColumn:
    """A growing column of numbers (an `array` typecode) kept in an anonymous temporary file: SPILL_AT values are
    buffered in memory, and `chunks` reads the whole column back a slice at a time."""

    def __init__(self, typecode: str) -> None:
        self._buffer = array.array(typecode)
        self._file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - lives with the builder, closed by close()
        self._dtype = np.dtype(typecode)

    def extend(self, values: Iterable[Any]) -> None:
        self._buffer.extend(values)
        if len(self._buffer) >= SPILL_AT:
            self._flush()

    def _flush(self) -> None:
        self._buffer.tofile(self._file)
        del self._buffer[:]

    def chunks(self, size: int) -> Iterator[np.ndarray]:
        """The column from its start, `size` values at a time."""
        self._flush()
        self._file.seek(0)
        while data := self._file.read(size * self._dtype.itemsize):
            yield np.frombuffer(data, dtype=self._dtype)

    def close(self) -> None:
        self._file.close()


class IndexBuilder:
    """Collects services one by one into the arrays of an index."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self._key_ids: dict[str, int] = {}
        # Postings as added (key, service position, weight, flags), in temporary files until the index is finished:
        # at a million services they are about 800 MB, which need not sit in memory beside the sorted copy.
        self._post_key, self._post_pos = _SpilledColumn("i"), _SpilledColumn("i")
        self._post_weight, self._post_flags = _SpilledColumn("f"), _SpilledColumn("B")
        self._records, self._ids, self._names = _Strings(spill=True), _Strings(), _Strings()
        self._columns: dict[str, array.array] = {
            name: array.array(code)
            for name, code in (("free", "b"), ("self_referral", "b"), ("closed", "b"), ("active", "b"),
                               ("min_age", "h"), ("max_age", "h"), ("area_group", "i"), ("hours_group", "i"),
                               ("category_count", "b"), ("capacity", "b"))
        }  # fmt: skip
        self._groups: dict[str, dict[Any, int]] = {"area": {}, "hours": {}}
        self._category_members: dict[str, array.array] = {}
        self._sort_names: list[str] = []
        self.count = 0

    def add_all(self, records: Iterable[ServiceRecord]) -> IndexBuilder:
        for record in records:
            self.add(record)
        return self

    def add(self, record: ServiceRecord) -> None:
        """Add one service (an inactive one can be fetched by id but is never found)."""
        position = self.count
        self.count += 1
        self._records.add(encode_record(record))
        self._ids.add(record.id.encode())
        self._names.add(record.name.encode())
        self._sort_names.append(record.name.casefold())
        columns = self._columns
        columns["free"].append(record.cost == Cost.FREE.value)
        columns["self_referral"].append(record.referral_route in SELF_REFERRAL_ROUTES)
        columns["closed"].append(record.capacity_status == Capacity.CLOSED.value)
        columns["capacity"].append(CAPACITY_ORDER.get(record.capacity_status, len(CAPACITY_ORDER)))
        columns["active"].append(record.active)
        columns["min_age"].append(-1 if record.min_age is None else max(-1, min(record.min_age, 10_000)))
        columns["max_age"].append(10_000 if record.max_age is None else max(-1, min(record.max_age, 10_000)))
        columns["area_group"].append(self._group("area", tuple(record.areas)))
        columns["hours_group"].append(self._group("hours", record.opening_hours))
        columns["category_count"].append(min(len(record.categories), 100))
        for category in dict.fromkeys(record.categories):
            self._category_members.setdefault(category, array.array("i")).append(position)
        if not record.active:
            return
        keys = service_keys(record, self.vocabulary)
        key_ids = self._key_ids
        self._post_key.extend([key_ids.setdefault(key, len(key_ids)) for key in keys])
        self._post_pos.extend(itertools.repeat(position, len(keys)))
        self._post_weight.extend([weight for weight, _ in keys.values()])
        self._post_flags.extend([flags for _, flags in keys.values()])

    def _postings_by_key(self, key_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, weights, flags) of every posting grouped by key, positions ascending within a key.

        A counting sort of the spilled postings, read back SORT_CHUNK at a time: one argsort of all of them would
        need an 8-byte order per posting (about 800 MB at a million services) on top of the arrays being sorted.
        """
        total = int(key_offsets[-1])
        # Stored the way search reads them fastest: numpy indexes with 64-bit positions (32-bit ones are converted
        # on every use) and adds float32 faster than float16 (about 2.5x for both at 100k services). Weights keep
        # half precision's rounding (three significant digits are plenty), so ranking is what it was with float16.
        positions = np.empty(total, dtype=np.int64)
        weights = np.empty(total, dtype=np.float32)
        flags = np.empty(total, dtype=np.uint8)
        next_slot = key_offsets[:-1].copy()  # where each key's next posting goes
        chunks = zip(*(column.chunks(SORT_CHUNK) for column in
                       (self._post_key, self._post_pos, self._post_weight, self._post_flags)), strict=True)  # fmt: skip
        for chunk, *values in chunks:
            order = np.argsort(chunk, kind="stable")  # within a key, postings keep their (ascending) order
            chunk_keys = chunk[order]
            first = np.flatnonzero(np.r_[True, chunk_keys[1:] != chunk_keys[:-1]])
            run_lengths = np.diff(np.r_[first, len(chunk)])
            rank = np.arange(len(chunk)) - np.repeat(first, run_lengths)  # place within its key's run
            slots = next_slot[chunk_keys] + rank
            values[1] = values[1].astype(np.float16)
            for out, chunk_values in zip((positions, weights, flags), values, strict=True):
                out[slots] = chunk_values[order]
            next_slot[chunk_keys[first]] += run_lengths
        return positions, weights, flags

    def _key_counts(self) -> np.ndarray:
        """How many services hold each key."""
        counts = np.zeros(len(self._key_ids), dtype=np.int64)
        for chunk in self._post_key.chunks(SORT_CHUNK):
            counts += np.bincount(chunk, minlength=len(self._key_ids))
        return counts

    def _group(self, kind: str, value: Any) -> int:
        groups = self._groups[kind]
        return groups.setdefault(value, len(groups))

    def finish(self) -> IndexData:
        """The arrays and meta of the index (the builder should not be used afterwards)."""
        key_offsets = np.zeros(len(self._key_ids) + 1, dtype=np.int64)
        np.cumsum(self._key_counts(), out=key_offsets[1:])
        post_pos, post_weight, post_flags = self._postings_by_key(key_offsets)
        for column in (self._post_key, self._post_pos, self._post_weight, self._post_flags):
            column.close()
        key_strings = _Strings()
        for key in self._key_ids:  # dicts keep insertion order: key ids are 0, 1, 2 ...
            key_strings.add(key.encode())
        categories = sorted(self._category_members)
        category_offsets = np.zeros(len(categories) + 1, dtype=np.int64)
        np.cumsum([len(self._category_members[c]) for c in categories], out=category_offsets[1:])
        members = [np.frombuffer(self._category_members[c], dtype=np.int32) for c in categories]
        tiebreak = np.empty(self.count, dtype=np.int32)
        tiebreak[sorted(range(self.count), key=self._sort_names.__getitem__)] = np.arange(self.count, dtype=np.int32)
        arrays: dict[str, np.ndarray] = {
            "key_offsets": key_offsets,
            "post_pos": post_pos,
            "post_weight": post_weight,
            "post_flags": post_flags,
            "category_offsets": category_offsets,
            "category_members": np.concatenate(members) if members else np.zeros(0, dtype=np.int32),
            "tiebreak": tiebreak,
            **key_strings.arrays("keys"),
            **self._records.arrays("records"),
            **self._ids.arrays("ids"),
            **self._names.arrays("names"),
        }
        for name, values in self._columns.items():
            dtype = {"b": np.int8, "h": np.int16, "i": np.int32}[values.typecode]
            arrays[name] = np.frombuffer(values, dtype=dtype)
        meta = {
            "format": FORMAT,
            "count": self.count,
            "categories": categories,
            "area_groups": [list(areas) for areas in self._groups["area"]],
            "hours_groups": list(self._groups["hours"]),
            "surface": self.vocabulary.surface,
            "spellings": self.vocabulary.spellings,
            "english": ordinary_english(),
        }
        return IndexData(arrays, meta)
