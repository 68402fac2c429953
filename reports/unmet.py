"""Unmet need: searches that found nothing, with near-duplicate wordings grouped together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from reports.data import UnmetNeed

SIMILARITY_THRESHOLD = 85  # rapidfuzz token-sort ratio (0-100) at which two wordings count as the same need


@dataclass
class _Group:
    wording: str
    searches: int
    variants: int = 1


def normalise_query(text: str) -> str:
    """Case-folded with runs of whitespace collapsed, so 'Dog  Walking' and 'dog walking' are one wording."""
    return " ".join(text.casefold().split())


def group_unmet(queries: Iterable[str], threshold: int = SIMILARITY_THRESHOLD) -> list[UnmetNeed]:
    """Group zero-result searches; each group is shown by its most common wording, biggest groups first."""
    wordings = Counter(normalised for normalised in map(normalise_query, queries) if normalised)
    keys: list[str] = []  # processed form of each group's representative, for fuzzy matching
    groups: list[_Group] = []
    for wording, n in sorted(wordings.items(), key=lambda item: (-item[1], item[0])):
        key = utils.default_process(wording)
        match = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold) if key else None
        if match is None:
            keys.append(key)
            groups.append(_Group(wording, n))
        else:
            group = groups[match[2]]
            group.searches += n
            group.variants += 1
    found = [UnmetNeed(query=group.wording, n=group.searches, variants=group.variants) for group in groups]
    return sorted(found, key=lambda need: (-need.n, need.query))
