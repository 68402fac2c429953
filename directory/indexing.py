"""What a service is found by: its index keys (words and adjacent word pairs), weighted by the field they are in."""

from __future__ import annotations

from collections import defaultdict

from directory.records import ServiceRecord
from directory.synonyms import STOPWORDS, content_words, normalise, stem, word_pairs
from directory.taxonomy import category_label

# Field weights: how much a word found in each part of a service counts.
NAME_WEIGHT = 3.0
ORGANISATION_WEIGHT = 2.0
TAG_WEIGHT = 2.5
CATEGORY_WEIGHT = 2.0
DETAIL_WEIGHT = 1.0  # description, eligibility, languages, town
ACCESSIBILITY_WEIGHT = 0.5
EXTRA_FIELD_WEIGHT = 0.15  # per further field holding the same word


def service_keys(record: ServiceRecord, surface: dict[str, str], spellings: dict[str, str]) -> dict[str, float]:
    """Each word and adjacent word pair of a service -> weight (best field, plus a little per further field).

    Also notes each word the service writes in `surface` (stem -> first such word) and `spellings` (word -> stem).
    """
    fields_by_weight = (
        (NAME_WEIGHT, (record.name,)),
        (ORGANISATION_WEIGHT, (record.organisation_name,)),
        (TAG_WEIGHT, record.tags),
        (CATEGORY_WEIGHT, [f"{category_label(cid)} {cid.replace('_', ' ')}" for cid in record.categories]),
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
                    surface.setdefault(term, word)
                    spellings.setdefault(word, term)
            for key in (*content, *word_pairs(content)):
                found[key].add(weight)
    return {key: max(weights) + EXTRA_FIELD_WEIGHT * (len(weights) - 1) for key, weights in found.items()}


def name_keys(record: ServiceRecord) -> frozenset[str]:
    """Index keys of a service's own name and its organisation's name."""
    keys: set[str] = set()
    for name in (record.name, record.organisation_name):
        content = content_words(name)
        keys.update(content, word_pairs(content))
    return frozenset(keys)
