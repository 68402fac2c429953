"""Grouping unmet searches compares a wording only with groups that could match it; the groups must be exactly
those a comparison with every group gives."""

from __future__ import annotations

import random
from collections import Counter

from rapidfuzz import fuzz, process, utils

from reports.data import UnmetNeed
from reports.unmet import SIMILARITY_THRESHOLD, group_unmet, normalise_query

NEEDS = ("dog walking", "help with gas bill", "sign language club", "grief support for dads", "allotment",
         "knitting group", "debt advice", "food bank", "men's shed", "carer respite", "tai chi", "choir",
         "wheelchair repair", "bereavement cafe", "housing advice", "walking football", "ukulele lessons")


def misspelt(rng: random.Random, text: str) -> str:
    """A search as people type it: sometimes a letter dropped, doubled or swapped, words reordered, a word added."""
    letters = list(text)
    for _ in range(rng.choice((0, 0, 1, 2))):
        at = rng.randrange(len(letters))
        action = rng.choice(("drop", "double", "swap"))
        if action == "drop" and len(letters) > 3:
            del letters[at]
        elif action == "double":
            letters.insert(at, letters[at])
        elif at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
    words = "".join(letters).split()
    if rng.random() < 0.2:
        rng.shuffle(words)
    if rng.random() < 0.2:
        words.append(rng.choice(("near me", "norwich", "free", "please", "today")))
    return " ".join(words)


def every_group_compared(searches: list[tuple[str, str]]) -> list[UnmetNeed]:
    """The reference: each wording scored against every group so far."""
    wordings: Counter[str] = Counter()
    people: dict[str, set[str]] = {}
    for query, searcher in searches:
        wording = normalise_query(query)
        wordings[wording] += 1
        people.setdefault(wording, set()).add(searcher)
    keys: list[str] = []
    groups: list[list] = []  # [wording, searches, searchers, variants]
    for wording, n in sorted(wordings.items(), key=lambda item: (-item[1], item[0])):
        key = utils.default_process(wording)
        match = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILARITY_THRESHOLD)
        if match is None:
            keys.append(key)
            groups.append([wording, n, set(people[wording]), 1])
        else:
            group = groups[match[2]]
            group[1] += n
            group[2] |= people[wording]
            group[3] += 1
    found = [UnmetNeed(wording, n, variants, len(searchers)) for wording, n, searchers, variants in groups]
    return sorted(found, key=lambda need: (-need.n, need.query))


def test_grouping_finds_the_same_groups_as_comparing_with_every_group() -> None:
    rng = random.Random(12)
    searches = [(misspelt(rng, rng.choice(NEEDS)), f"person-{rng.randrange(400)}") for _ in range(3000)]
    grouped = group_unmet(searches)
    assert grouped == every_group_compared(searches)
    assert len(grouped) < len({normalise_query(query) for query, _ in searches}) / 2  # misspellings were grouped
