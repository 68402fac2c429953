"""Reading a search query: typed words, typo correction against the directory's words, lay phrases and intents.

`QueryReader` knows every word the indexed services use; `read()` turns what a person typed into the index keys
to look for (`Concept`s), the lay phrases it contains (`Meaning`s), and whether it is urgent or asks to self-refer.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise, takewhile

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.synonyms import (
    STOPWORDS,
    URGENT_WORDS,
    LayMeaning,
    asks_for_self_referral,
    lay_vocabulary,
    normalise,
    phrase_table,
    stem,
    term_keys,
)

MAX_QUERY_WORDS = 40
MAX_PHRASE_WORDS = 7

# Query-side weights.
CORRECTED_WORD_WEIGHT = 0.85  # a typo we corrected is slightly less certain than a word typed right
PHRASE_WORD_WEIGHT = 0.5  # a word that is part of a longer lay phrase ("lost my husband")
EXPANSION_WEIGHT = 0.5  # a directory word a lay phrase stands for
KNOWN_WORDS_MEANING = 0.5  # a lay phrase whose words services also use directly counts for less as a meaning
PAIR_WEIGHT = 1.0  # two typed words found side by side ("pension credit"), on top of each word

WORD, PAIR, IMPLIED = "word", "pair", "implied"


@dataclass
class Concept:
    """One index key the query looks for."""

    key: str  # a stemmed word, or "word word" for an adjacent pair
    weight: float
    said: str  # the words as the person typed them (the corrected word for typos)
    kind: str  # WORD or PAIR typed by the person, IMPLIED by a lay phrase
    position: int
    corrected_from: str | None = None


@dataclass
class Meaning:
    """A lay phrase found in the query and what it means."""

    said: str
    lay: LayMeaning
    own_words: frozenset[str]  # the phrase's own (stemmed) words
    keys: frozenset[str]  # index keys of the directory terms it stands for
    strength: float  # 1 for pure lay language ("brassic"), less when services use the words themselves


@dataclass
class ParsedQuery:
    """What a query asks for: index keys, lay meanings and intents."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    meanings: list[Meaning] = field(default_factory=list)
    urgent: bool = False
    wants_self_referral: bool = False
    name_text: str = ""  # corrected words, for comparing with service names

    def add(self, concept: Concept) -> None:
        known = self.concepts.get(concept.key)
        if known is None or concept.weight > known.weight:
            self.concepts[concept.key] = concept

    def of_kind(self, *kinds: str) -> list[Concept]:
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


class QueryReader:
    """Reads queries against the words of an indexed directory."""

    def __init__(
        self,
        frequencies: Mapping[str, int],
        surface: Mapping[str, str],
        spellings: Mapping[str, str],
        service_count: int,
    ) -> None:
        """`frequencies`: index key -> how many services hold it; `surface`: stem -> a word as services write
        it; `spellings`: each word services write -> its stem; `service_count`: how many services are indexed."""
        self._frequencies = frequencies
        self._surface = surface
        self._service_count = service_count
        self._spellings: dict[str, str] = dict(lay_vocabulary())  # every known written word -> its stem
        for word, term in spellings.items():
            self._spellings.setdefault(word, term)
        self._known = frozenset(frequencies) | frozenset(lay_vocabulary().values())
        self._spellings.update((word, word) for word in STOPWORDS)  # so "hlep" is read as "help" and ignored
        # Written words grouped by length (for typo correction) and sorted (for completing a word).
        words = sorted(word for word in self._spellings if word.isalpha() and len(word) > 2)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in words:
            self._by_length[len(word)].append(word)
        self._sorted_spellings = words

    def read(self, text: str) -> ParsedQuery:
        """Typed words -> corrected index keys, lay meanings and intents."""
        parsed = ParsedQuery(wants_self_referral=asks_for_self_referral(text))
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
                if key in self._frequencies:
                    weight = (PHRASE_WORD_WEIGHT if position in in_phrase else 1.0) * (
                        CORRECTED_WORD_WEIGHT if spelling else 1.0
                    )
                    parsed.add(Concept(key, weight, spelling or said, WORD, position, said if spelling else None))
        for (first, left), (last, right) in pairwise(content):
            pair = f"{left} {right}"
            if pair in self._frequencies:
                said = " ".join(shown for shown, _ in typed[first : last + 1])
                parsed.add(Concept(pair, PAIR_WEIGHT, said, PAIR, first))
        for meaning in parsed.meanings:
            for key in sorted(meaning.keys - parsed.concepts.keys()):
                weight = EXPANSION_WEIGHT * meaning.strength
                parsed.add(Concept(key, weight, meaning.said, IMPLIED, MAX_QUERY_WORDS))
        words = sorted(parsed.of_kind(WORD), key=by_position)
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

    def _find_phrases(self, terms: list[str], typed: list[tuple[str, str]], parsed: ParsedQuery) -> set[int]:
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
                keys = frozenset(k for term in lay.terms for k in term_keys(term) if k in self._frequencies)
                own_words = frozenset(key) - STOPWORDS
                strength = KNOWN_WORDS_MEANING if own_words <= self._frequencies.keys() else 1.0
                parsed.meanings.append(Meaning(said, lay, own_words, keys, strength))
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
            if stem(head) in self._frequencies and stem(tail) in self._frequencies:
                return head, tail
        return None

    def _frequency(self, key: str) -> int:
        """How many services hold an index key (0 for lay words no service uses; stopwords count as everywhere)."""
        if key in STOPWORDS:
            return self._service_count + 1
        return self._frequencies.get(key, 0)


def _letters_dropped(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with some letters left out ("fod" for "food"), the commonest kind of typo."""
    letters = iter(word)
    return all(letter in letters for letter in typed)


def by_position(concept: Concept) -> int:
    """Sort key: where in the query a concept was typed."""
    return concept.position
