"""Unmet need: searches that found nothing, with near-duplicate wordings grouped together.

A wording is only ever shown when at least `MIN_PEOPLE` different people searched it (counted by the pseudonym
stored with each search): rare search text is the text most likely to identify someone.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter

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
        match = matcher.group_of(utils.default_process(wording))
        if match is None:
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
    group, as a full comparison would; a wording whose sorted words equal a group's goes to that group unscored
    (only equal strings score 100, and a second group with the same string never forms). (Hand-written: rapidfuzz
    has no candidate index of its own.)"""

    SHORTLIST = 128

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        # each group's key with its words sorted once, so scoring is `fuzz.ratio` (what `token_sort_ratio` does
        # after sorting both strings' words on every call: most of the scoring time at a year's scale)
        self.keys: list[str] = []
        self._exact: dict[str, int] = {}  # key with its words sorted -> its group
        self._with_trigram: dict[str, array[int]] = {}
        self._views: dict[str, np.ndarray] = {}  # numpy views of `_with_trigram`, until the group list grows
        self._sizes = np.zeros(1024, dtype=np.int32)  # per group: its distinct trigrams (grown by doubling)

    def group_of(self, key: str) -> int | None:
        """The index of the best group for `key` (a processed wording) scoring at least the threshold with
        `fuzz.token_sort_ratio`; or None, after making `key` a new group (an empty key always is one)."""
        key = _words_sorted(key)
        if key and (exact := self._exact.get(key)) is not None:
            return exact
        trigrams = _trigrams(key)
        match = self._best(key, trigrams) if key else None
        if match is None:
            self._add(key, trigrams)
        return match

    def _best(self, key: str, trigrams: set[str]) -> int | None:
        views, lists = self._views, []
        for trigram in trigrams:
            if (view := views.get(trigram)) is None and (groups := self._with_trigram.get(trigram)) is not None:
                view = views[trigram] = np.frombuffer(groups, dtype=np.int32)
            if view is not None:
                lists.append(view)
        if not lists:
            return None
        shared = np.bincount(np.concatenate(lists))
        sharing = shared.nonzero()[0]
        if len(sharing) > self.SHORTLIST:  # the most alike by trigrams (Dice), not merely the longest
            alike = shared[sharing] / (self._sizes[sharing] + len(trigrams))
            sharing = np.sort(sharing[np.argpartition(alike, -self.SHORTLIST)[-self.SHORTLIST :]])
        ordered = sharing.tolist()
        candidates = itemgetter(*ordered)(self.keys) if len(ordered) > 1 else [self.keys[ordered[0]]]
        match = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=self.threshold)
        return None if match is None else ordered[match[2]]

    def _add(self, key: str, trigrams: set[str]) -> None:
        index = len(self.keys)
        self.keys.append(key)
        self._exact.setdefault(key, index)
        if index == len(self._sizes):
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
        self._sizes[index] = len(trigrams)
        for trigram in trigrams:
            self._views.pop(trigram, None)  # (an array cannot grow while a view shares its buffer)
            self._with_trigram.setdefault(trigram, array("i")).append(index)


def reportable(needs: Iterable[UnmetNeed]) -> list[UnmetNeed]:
    """The groups whose wording may be shown: searched by at least `MIN_PEOPLE` different people."""
    return [need for need in needs if need.people >= MIN_PEOPLE]
