"""Search latency and quality at 150, 1k and 10k services, side by side with SQLite FTS5 (trigram tokenizer).

Run: `.venv/bin/python benchmarks/search_bench.py` (or `make bench`). Prints p50/p95 latency per query and
recall@5 over the labelled queries in tests/search_queries.csv for each engine at each directory size.
The smallest size is the whole seed (it already has more than 150 services); extra services are synthetic
(benchmarks/synthetic.py) and the labelled seed services are always present. Rows:
- signpost (rapidfuzz): `SearchIndex.search`, the engine the bot uses;
- sqlite fts5 trigram: FTS5 over the same text, bm25-ranked OR of the query's words;
- fts5 + lay synonyms: the same plus the directory terms of lay phrases from directory/synonyms.py.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import expand  # noqa: E402
from core.db import make_engine, migrate  # noqa: E402
from core.settings import DEFAULT_SEED_CSV  # noqa: E402
from directory.records import ServiceRecord  # noqa: E402
from directory.search import SearchIndex  # noqa: E402
from directory.seed import ensure_seeded  # noqa: E402
from directory.synonyms import STOPWORDS, content_words, phrase_table, words  # noqa: E402
from directory.taxonomy import CATEGORIES  # noqa: E402
from tests.search_queries import K, LabelledQuery, load_labelled_queries, recall_at_k  # noqa: E402

SIZES = (150, 1_000, 10_000)
REPEATS = 5
FTS_COLUMN_WEIGHTS = (0.0, 3.0, 2.0, 2.5, 2.0, 1.0)  # id, name, organisation, tags, categories, description


def seed_records(seed_csv: Path) -> list[ServiceRecord]:
    """The seed directory as loaded by the app (through a throwaway SQLite database)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrate(engine)
        ensure_seeded(engine, seed_csv)
        records = list(SearchIndex.load(engine).services)
        engine.dispose()
    return sorted(records, key=lambda record: record.id)


class Fts5Search:
    """The baseline: SQLite FTS5 with the trigram tokenizer, bm25-ranked OR of the query's words."""

    def __init__(self, records: Sequence[ServiceRecord]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE services USING fts5("
            "id UNINDEXED, name, organisation, tags, categories, description, tokenize='trigram')"
        )
        self.db.executemany(
            "INSERT INTO services VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    r.id,
                    r.name,
                    r.organisation_name,
                    " ".join(r.tags),
                    " ".join(CATEGORIES[c].label if c in CATEGORIES else c for c in r.categories),
                    f"{r.description} {r.eligibility}",
                )
                for r in records
                if r.active
            ],
        )
        self.weights = ", ".join(str(weight) for weight in FTS_COLUMN_WEIGHTS)

    @staticmethod
    def match_expression(query: str, with_synonyms: bool = False) -> str | None:
        """OR of the query's meaningful words (stemmed, 3+ characters so trigrams can match), quoted for FTS5.

        With `with_synonyms`, lay phrases found in the query add the directory terms they stand for.
        """
        typed = words(query[:200])
        terms = dict.fromkeys(term for term in typed if term not in STOPWORDS)
        if with_synonyms:
            table = phrase_table()
            for start, end in combinations(range(len(typed) + 1), 2):
                for lay in table.get(tuple(typed[start:end]), ()):
                    terms.update(dict.fromkeys(" ".join(content_words(term)) for term in lay.terms))
        usable = [f'"{term}"' for term in terms if len(term) >= 3]
        return " OR ".join(usable) or None

    def search(self, query: str, limit: int = K, with_synonyms: bool = False) -> list[str]:
        expression = self.match_expression(query, with_synonyms)
        if expression is None:
            return []
        rows = self.db.execute(
            f"SELECT id FROM services WHERE services MATCH ? ORDER BY bm25(services, {self.weights}) LIMIT ?",
            (expression, limit),
        )
        return [row[0] for row in rows]


def top_ids(index: SearchIndex) -> Callable[[str], list[str]]:
    """The search under test, returning the top K service ids."""

    def search(query: str) -> list[str]:
        return [hit.service_id for hit in index.search(query, limit=K)]

    return search


def latencies_ms(search: Callable[[str], object], queries: Sequence[LabelledQuery]) -> list[float]:
    """Per query, the fastest of REPEATS runs (so other processes on a shared machine add less noise)."""
    timings = []
    for labelled in queries:
        best = float("inf")
        for _ in range(REPEATS):
            started = time.perf_counter()
            search(labelled.query)
            best = min(best, time.perf_counter() - started)
        timings.append(best * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-csv", type=Path, default=DEFAULT_SEED_CSV)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()

    queries = load_labelled_queries()
    seed = seed_records(args.seed_csv)
    print(
        f"{len(queries)} labelled queries, {len(seed)} seed services; recall@{K} = |expected ∩ top {K}| / "
        f"min(|expected|, {K}), hit@{K} = share of queries with any expected service in the top {K}\n"
    )
    header = (
        f"{'services':>8} | {'engine':<20} | {'build s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | "
        f"{'recall@5':>8} | {'hit@5':>6}"
    )
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        records = expand(seed, size)
        started = time.perf_counter()
        index = SearchIndex.from_services(records)
        fuzzy_build = time.perf_counter() - started
        started = time.perf_counter()
        fts = Fts5Search(records)
        fts_build = time.perf_counter() - started

        engines: list[tuple[str, float, Callable[[str], list[str]]]] = [
            ("signpost (rapidfuzz)", fuzzy_build, top_ids(index)),
            ("sqlite fts5 trigram", fts_build, fts.search),
            ("fts5 + lay synonyms", fts_build, partial(fts.search, with_synonyms=True)),
        ]
        for name, build_seconds, search in engines:
            timings = latencies_ms(search, queries)
            recall, hit = recall_at_k(queries, search)
            print(
                f"{len(records):>8} | {name:<18} | {build_seconds:>7.2f} | {percentile(timings, 0.5):>7.2f} | "
                f"{percentile(timings, 0.95):>7.2f} | {recall:>8.3f} | {hit:>6.3f}"
            )


if __name__ == "__main__":
    main()
