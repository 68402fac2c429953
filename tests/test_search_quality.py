"""Search quality on the real seed directory: recall@5 over the labelled queries in tests/search_queries.csv."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.db import make_engine
from core.settings import DEFAULT_SEED_CSV
from directory.search import SearchIndex
from directory.seed import ensure_seeded
from tests.search_queries import K, LabelledQuery, load_labelled_queries, query_recall, recall_at_k

# Floors just below what the engine achieves (recall@5 0.933, hit@5 1.000 on 216 queries when last measured).
RECALL_FLOOR = 0.91
HIT_FLOOR = 0.98
KIND_RECALL_FLOOR = 0.80


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[SearchIndex]:
    target = tmp_path_factory.mktemp("seeded") / "signpost.db"
    shutil.copy(sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    ensure_seeded(engine, DEFAULT_SEED_CSV)
    yield SearchIndex.load(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def queries() -> list[LabelledQuery]:
    return load_labelled_queries()


def top_ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.service_id for hit in index.search(query, limit=K)]


def test_labelled_set_is_big_and_varied(queries: list[LabelledQuery], seed_index: SearchIndex) -> None:
    kinds = {labelled.kind for labelled in queries}

    assert len(queries) >= 120
    assert {"typo", "lay", "abbreviation", "multi-need"} <= kinds
    assert len({labelled.query.casefold() for labelled in queries}) == len(queries)
    unknown = {sid for labelled in queries for sid in labelled.expected if seed_index.get(sid) is None}
    assert not unknown, f"expected services missing from directory_seed.csv: {sorted(unknown)}"


def test_recall_at_5_stays_above_the_floor(
    queries: list[LabelledQuery], seed_index: SearchIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    recall, hit = recall_at_k(queries, lambda query: top_ids(seed_index, query))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for labelled in queries:
        by_kind[labelled.kind].append(query_recall(labelled.expected, top_ids(seed_index, labelled.query)))
    kind_recall = {kind: sum(values) / len(values) for kind, values in sorted(by_kind.items())}
    with capsys.disabled():
        print(f"\nsearch quality on {len(queries)} labelled queries: recall@{K} {recall:.3f}, hit@{K} {hit:.3f}")
        print("  by kind: " + ", ".join(f"{kind} {value:.3f}" for kind, value in kind_recall.items()))

    assert recall >= RECALL_FLOOR
    assert hit >= HIT_FLOOR
    assert min(kind_recall.values()) >= KIND_RECALL_FLOOR, kind_recall


@pytest.mark.parametrize(
    ("query", "category"),
    [
        ("skint", "money"),
        ("bailiffs", "money"),
        ("food parcel", "food_fuel"),
        ("lost my husband", "bereavement"),
        ("lonely", "loneliness"),
        ("zimmer frame", "home_safety"),
    ],
)
def test_lay_words_bring_up_the_right_kind_of_help(seed_index: SearchIndex, query: str, category: str) -> None:
    hits = seed_index.search(query, limit=3)

    assert len(hits) == 3
    for hit in hits:
        record = seed_index.get(hit.service_id)
        assert record is not None and category in record.categories, (hit.name, record and record.categories)
        assert hit.why


def test_misspelt_citizens_advice_finds_citizens_advice(seed_index: SearchIndex) -> None:
    hits = seed_index.search("citzens advise", limit=5)

    assert len(hits) == 5
    for hit in hits:
        record = seed_index.get(hit.service_id)
        assert record is not None and record.organisation_name.startswith("Citizens Advice"), hit.name
    assert 'read "citzens" as "citizens"' in hits[0].why
