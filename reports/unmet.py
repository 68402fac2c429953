"""Unmet need: searches that found nothing, with near-duplicate wordings grouped together.

A wording is only ever shown when at least `MIN_PEOPLE` different people searched it (counted by the pseudonym
stored with each search): rare search text is the text most likely to identify someone.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process, utils

from reports.data import UnmetNeed

SIMILARITY_THRESHOLD = 85  # rapidfuzz token-sort ratio (0-100) at which two wordings count as the same need
MIN_PEOPLE = 5  # different searchers a wording needs before any report shows it


@dataclass
class _Group:
    wording: str
    searches: int
    searchers: set[str]
    variants: int = 1


def normalise_query(text: str) -> str:
    """Case-folded with runs of whitespace collapsed, so 'Dog  Walking' and 'dog walking' are one wording."""
    return " ".join(text.casefold().split())


def group_unmet(searches: Iterable[tuple[str, str]], threshold: int = SIMILARITY_THRESHOLD) -> list[UnmetNeed]:
    """Group zero-result searches, given as (query, searcher pseudonym); each group is shown by its most common
    wording, biggest groups first, with how many different people searched it ('' = not known, never counted)."""
    wordings: Counter[str] = Counter()
    searchers: dict[str, set[str]] = {}
    for query, searcher in searches:
        if normalised := normalise_query(query):
            wordings[normalised] += 1
            searchers.setdefault(normalised, set()).update({searcher} if searcher else set())
    matcher = _GroupMatcher(threshold)
    groups: list[_Group] = []
    for wording, n in sorted(wordings.items(), key=lambda item: (-item[1], item[0])):
        key = utils.default_process(wording)
        match = matcher.best(key) if key else None
        if match is None:
            matcher.add(key)
            groups.append(_Group(wording, n, set(searchers[wording])))
        else:
            group = groups[match]
            group.searches += n
            group.searchers |= searchers[wording]
            group.variants += 1
    found = [UnmetNeed(group.wording, group.searches, group.variants, len(group.searchers)) for group in groups]
    return sorted(found, key=lambda need: (-need.n, need.query))


def _words_sorted(key: str) -> str:
    """The key with its words sorted: the string `fuzz.token_sort_ratio` compares with `fuzz.ratio`."""
    return " ".join(sorted(key.split()))


def _trigrams(words_sorted: str) -> set[str]:
    """The trigrams of a key with its words sorted (see `_words_sorted`)."""
    padded = f" {words_sorted} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _GroupMatcher:
    """Finds the best-matching group for a wording without scoring it against every group. Groups are ranked by
    the character trigrams they share with the wording (of the words sorted, the string the scorer compares),
    counted by numpy over an inverted index at a few nanoseconds per entry, and only the `SHORTLIST` most alike
    (Dice) are scored with rapidfuzz: a wording alike enough to group shares most of its trigrams with its group.
    The Python work and the scoring per wording are then bounded however many groups there are; only numpy's
    count grows with them. A shortlist could in principle miss the best group, so tests/test_unmet_grouping.py
    and benchmarks/report_bench.py check the groups equal a comparison with every group. Ties go to the earliest
    group, as a full comparison would. (Hand-written: rapidfuzz has no candidate index of its own.)"""

    SHORTLIST = 128

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        # each group's key with its words sorted once, so scoring is `fuzz.ratio` (what `token_sort_ratio` does
        # after sorting both strings' words on every call: most of the scoring time at a year's scale)
        self.keys: list[str] = []
        self._with_trigram: dict[str, array[int]] = {}
        self._sizes: array[int] = array("i")  # per group: its distinct trigrams

    def best(self, key: str) -> int | None:
        """The index of the best group scoring at least the threshold (`fuzz.token_sort_ratio`), or None."""
        key = _words_sorted(key)
        trigrams = _trigrams(key)
        lists = [self._with_trigram[trigram] for trigram in trigrams if trigram in self._with_trigram]
        if not lists:
            return None
        shared = np.bincount(np.concatenate([np.frombuffer(groups, dtype=np.int32) for groups in lists]))
        sharing = np.flatnonzero(shared)
        if len(sharing) > self.SHORTLIST:  # the most alike by trigrams (Dice), not merely the longest
            sizes = np.frombuffer(self._sizes, dtype=np.int32)[: len(shared)][sharing]
            alike = shared[sharing] / (sizes + len(trigrams))
            sharing = np.sort(sharing[np.argpartition(alike, -self.SHORTLIST)[-self.SHORTLIST :]])
        ordered = sharing.tolist()
        match = process.extractOne(
            key, [self.keys[index] for index in ordered], scorer=fuzz.ratio, score_cutoff=self.threshold
        )
        return None if match is None else ordered[match[2]]

    def add(self, key: str) -> None:
        index = len(self.keys)
        key = _words_sorted(key)
        self.keys.append(key)
        trigrams = _trigrams(key)
        self._sizes.append(len(trigrams))
        for trigram in trigrams:
            self._with_trigram.setdefault(trigram, array("i")).append(index)


def reportable(needs: Iterable[UnmetNeed]) -> list[UnmetNeed]:
    """The groups whose wording may be shown: searched by at least `MIN_PEOPLE` different people."""
    return [need for need in needs if need.people >= MIN_PEOPLE]
