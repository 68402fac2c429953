"""The labelled search queries (tests/search_queries.csv) and the recall measure used by tests and benchmarks."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

QUERIES_CSV = Path(__file__).with_name("search_queries.csv")
K = 5


@dataclass(frozen=True)
class LabelledQuery:
    """A query as a link worker or client might type it, and the services that are a good answer."""

    query: str
    expected: frozenset[str]  # acceptable service ids from directory_seed.csv
    kind: str  # typo, lay, abbreviation, multi-need, name, plain


def load_labelled_queries(path: Path = QUERIES_CSV) -> list[LabelledQuery]:
    """Read the labelled set: columns query, expected (ids separated by `|`), kind."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            LabelledQuery(row["query"], frozenset(filter(None, row["expected"].split("|"))), row["kind"])
            for row in csv.DictReader(handle)
        ]


def query_recall(expected: frozenset[str], found: Sequence[str], k: int = K) -> float:
    """Share of the top k that could have been right and was: |expected ∩ top k| / min(|expected|, k)."""
    return len(expected & set(found[:k])) / min(len(expected), k)


def recall_at_k(
    queries: Sequence[LabelledQuery], search: Callable[[str], Sequence[str]], k: int = K
) -> tuple[float, float]:
    """Mean recall@k over the labelled set, and the share of queries with at least one expected service in the top k."""
    recalls, successes = [], 0
    for labelled in queries:
        found = list(search(labelled.query))[:k]
        recalls.append(query_recall(labelled.expected, found, k))
        successes += bool(labelled.expected & set(found))
    return sum(recalls) / len(queries), successes / len(queries)
