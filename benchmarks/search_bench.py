"""Search quality, speed and memory: Signpost side by side with SQLite FTS5 (porter) and tantivy, in one run.

Run: `.venv/bin/python benchmarks/search_bench.py` (or `make bench`); `--sizes 207 10000 100000 1000000` for the
million (several minutes). Prints:

1. Quality on the seed directory (tests/search_queries.csv, graded with best and acceptable answers; see
   tests/search_queries.py): recall@5, top-1, hit@5 and per kind, the share of need+place messages whose first
   result covers the place, and the share of off-topic messages answered with a service, for
   - signpost: `SearchIndex.search`, the engine the bot uses;
   - fts5 porter: SQLite FTS5 (porter stemmer) over name + organisation + tags + description, bm25, OR of words;
   - tantivy: tantivy's English stemmer over the same fields, fuzzy terms (1 edit), tags boosted.
2. Scale at each size, each engine in a fresh subprocess so memory is its own: index build time, peak and
   resident memory, p50/p95 of the bot's own call (30 results with an area filter), and for Signpost the time a
   restarted process takes to answer its first search from the saved index, and a command-line search's cold
   start (`python -m directory search`, a new process, the saved index present) beside tantivy's (a new process
   opening its on-disk index and answering the same search).
Extra services are synthetic (benchmarks/synthetic.py), written to a SQLite database the way an import would be.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from benchmarks.synthetic import expand  # noqa: E402
from core.db import make_engine, migrate  # noqa: E402
from core.settings import DEFAULT_SEED_CSV  # noqa: E402
from directory.areas import covering_areas, normalise_area, places_in, service_covers  # noqa: E402
from directory.live import LiveDirectory  # noqa: E402
from directory.models import Location, Organisation, Service, ServiceAtLocation, ServiceTaxonomy, Taxonomy  # noqa: E402
from directory.record_source import iter_records  # noqa: E402
from directory.records import ServiceRecord  # noqa: E402
from directory.search import SearchFilters, SearchIndex  # noqa: E402
from directory.seed import ensure_seeded  # noqa: E402
from directory.synonyms import STOPWORDS, normalise  # noqa: E402
from directory.taxonomy import CATEGORIES  # noqa: E402
from tests.search_queries import (  # noqa: E402
    FIRST_NEW_ROW,
    FIRST_ROUND2_ROW,
    OFF_TOPIC,
    QUERIES_CSV,
    ROUND_FILES,
    K,
    LabelledQuery,
    grade,
    load_labelled_queries,
    query_recall,
    top_one,
)

SIZES = (207, 10_000, 100_000)
BOT_LIMIT = 30  # the bot asks for 30 results (directory.saved_search.MAX_RESULTS)
AREAS = ("NR3", "NR32", "Great Yarmouth", "IP22", "King's Lynn and West Norfolk")
LATENCY_QUERIES = 200
FIELD_BOOSTS = {"name": 3.0, "organisation": 2.0, "tags": 2.5, "description": 1.0}


# --- baselines ----------------------------------------------------------------------------------------------------


def _terms(query: str) -> list[str]:
    return [word for word in dict.fromkeys(normalise(query[:4096]).split()) if word not in STOPWORDS][:60]


class Fts5Porter:
    """SQLite FTS5 with the porter stemmer over name, organisation, tags and description; bm25, OR of words."""

    def __init__(self, records: Iterable[ServiceRecord]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE s USING fts5(id UNINDEXED, areas UNINDEXED, name, organisation, "
                        "tags, description, tokenize='porter unicode61')")  # fmt: skip
        self.db.executemany(
            "INSERT INTO s VALUES (?, ?, ?, ?, ?, ?)",
            ((r.id, "|".join(r.areas), r.name, r.organisation_name, " ".join(r.tags), r.description)
             for r in records if r.active),
        )  # fmt: skip
        self.weights = "0, 0, " + ", ".join(str(boost) for boost in FIELD_BOOSTS.values())

    def search(self, query: str, limit: int = K, area: str | None = None) -> list[str]:
        terms = [f'"{term}"' for term in _terms(query)]
        if not terms:
            return []
        rows = self.db.execute(
            f"SELECT id, areas FROM s WHERE s MATCH ? ORDER BY bm25(s, {self.weights}) LIMIT ?",
            (" OR ".join(terms), limit * (20 if area else 1)),
        ).fetchall()
        found = [sid for sid, areas in rows if area is None or service_covers(areas.split("|"), area)]
        return found[:limit]


class Tantivy:
    """tantivy: English stemming over the same fields, every term fuzzy (1 edit), tags boosted."""

    def __init__(self, records: Iterable[ServiceRecord], path: Path | None = None) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("area", stored=False, tokenizer_name="raw")
        for field in FIELD_BOOSTS:
            builder.add_text_field(field, stored=False, tokenizer_name="en_stem")
        self.tantivy = tantivy
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(builder.build(), path=str(path) if path else None)
        writer = self.index.writer(heap_size=200_000_000, num_threads=1)
        for r in records:
            if r.active:
                writer.add_document(tantivy.Document(
                    id=r.id, area=[normalise_area(a) or a for a in r.areas], name=r.name,
                    organisation=r.organisation_name, tags=" ".join(r.tags), description=r.description,
                ))  # fmt: skip
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: str, limit: int = K, area: str | None = None) -> list[str]:
        terms = [re.sub(r"[^a-z0-9]", "", term) for term in _terms(query)]
        terms = [term for term in terms if term]
        if not terms:
            return []
        fuzzy = {field: (False, 1 if len(" ".join(terms)) > 3 else 0, True) for field in FIELD_BOOSTS}
        parsed = self.index.parse_query(" ".join(terms), list(FIELD_BOOSTS), field_boosts=FIELD_BOOSTS,
                                        fuzzy_fields=fuzzy)  # fmt: skip
        if area:
            Occur = self.tantivy.Occur
            covering = self.tantivy.Query.term_set_query(self.index.schema, "area", sorted(covering_areas(area)))
            parsed = self.tantivy.Query.boolean_query([(Occur.Must, parsed), (Occur.Must, covering)])
        hits = self.searcher.search(parsed, limit).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


# --- quality ------------------------------------------------------------------------------------------------------


def seed_records(seed_csv: Path) -> list[ServiceRecord]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'seed.db'}")
        migrate(engine)
        ensure_seeded(engine, seed_csv)
        records = list(SearchIndex.load(engine).services)
        engine.dispose()
    return records


def place_and_off_topic(
    queries: Sequence[LabelledQuery], search: Callable[[str], list[str]], records: dict[str, ServiceRecord]
) -> tuple[float, int, float, int]:
    """Share of need+place messages whose first result covers the place; share of off-topic messages answered."""
    covered = placed = answered = off_topic = 0
    for labelled in queries:
        found = search(labelled.query)
        if labelled.kind == OFF_TOPIC:
            off_topic += 1
            answered += bool(found)
            continue
        places = places_in(normalise(labelled.query).split())
        if places:
            placed += 1
            covered += bool(found) and service_covers(list(records[found[0]].areas), places[0][2])
    return covered / max(placed, 1), placed, answered / max(off_topic, 1), off_topic


def print_failures(queries: Sequence[LabelledQuery], search: Callable[[str], list[str]]) -> None:
    """Every query Signpost misses part of (recall@5 below 1 or a wrong first result), by kind: what to look at."""
    print("\nFAILURES (signpost): recall@5 / top-1, the query, then the best answers missing from the first five")
    for labelled in sorted(queries, key=lambda q: (q.kind, q.source, q.row)):
        found = search(labelled.query)
        recall, first = query_recall(labelled, found), top_one(labelled, found)
        if recall < 1 or first < 1:
            missing = sorted(labelled.best - set(found[:K]))
            print(f"  {labelled.kind:<12} {recall:.2f} / {first:.0f}  {labelled.query[:90]!r}\n"
                  f"{'':>16}found {found[:K]}; missing {missing}")  # fmt: skip


def print_quality(seed_csv: Path, failures: bool = False) -> None:
    queries = load_labelled_queries()
    records = seed_records(seed_csv)
    by_id = {record.id: record for record in records}
    engines: list[tuple[str, Callable[[str], list[str]]]] = []
    index = SearchIndex.from_services(records)
    engines.append(("signpost", lambda q: [hit.service_id for hit in index.search(q, limit=K)]))
    fts = Fts5Porter(records)
    engines.append(("fts5 porter", fts.search))
    tv = Tantivy(records)
    engines.append(("tantivy fuzzy+tags", tv.search))
    kinds = sorted({labelled.kind for labelled in queries})
    first = [q for q in queries if q.source == QUERIES_CSV.name]
    parts = {
        "pre-13": [q for q in first if q.row < FIRST_NEW_ROW],
        "13": [q for q in first if FIRST_NEW_ROW <= q.row < FIRST_ROUND2_ROW],
        "13b": [q for q in first if q.row >= FIRST_ROUND2_ROW],
    }
    ordinals = ("third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth")
    rounds_read = []
    for letter, ordinal, path in zip("cdefghijkl", ordinals, ROUND_FILES, strict=False):
        parts[f"13{letter}"] = [q for q in queries if q.source == path.name]
        rounds_read.append(f"{len(parts[f'13{letter}'])} for its {ordinal} (13{letter}, {path.name})")
    print(f"QUALITY on the seed directory ({len(records)} services), {len(queries)} labelled queries: "
          f"{len(parts['pre-13'])} from before issue 13, {len(parts['13'])} written for issue 13 and "
          f"{len(parts['13b'])} for its second round (13b: multi-need, long, lay, typo), {', '.join(rounds_read)}; "
          f"from the fourth round on written without reading the search code; all but the first part graded "
          "strictly\n")  # fmt: skip
    header = f"{'engine':<19}| {'recall@5':>8} | {'top-1':>5} | {'hit@5':>5} | "
    header += "".join(f"{name + ' r@5':>10} | " for name in parts)
    header += f"{'place 1st':>9} | {'off-topic answered':>18}"
    print(header)
    print("-" * len(header))
    later = [part for part in parts if part not in ("pre-13", "13")]
    rounds = {"all queries": queries, **{f"{part} queries only": parts[part] for part in later}}
    kinds_by_round: dict[str, dict[str, dict[str, dict[str, float]]]] = {title: {} for title in rounds}
    for name, search in engines:
        grades = grade(queries, search)
        for title, subset in rounds.items():
            kinds_by_round[title][name] = grade(subset, search).kinds
        covered, placed, answered, off_topic = place_and_off_topic(queries, search, by_id)
        cells = "".join(f"{grade(part, search).recall:>10.3f} | " for part in parts.values())
        print(f"{name:<19}| {grades.recall:>8.3f} | {grades.top1:>5.3f} | {grades.hit:>5.3f} | {cells}"
              f"{covered:>5.0%} of {placed:<2}| {answered:>9.0%} of {off_topic}")  # fmt: skip
    for title, table in kinds_by_round.items():
        names = kinds if title == "all queries" else sorted(table["signpost"])
        print(f"\nper kind, recall@5 / top-1, {title}:")
        print(f"{'kind':<13}{'n':>4}  " + "".join(f"{name:>22}" for name, _ in engines))
        for kind in names:
            n = int(table["signpost"][kind]["n"])
            cells = "".join(f"{table[name][kind]['recall']:>14.3f} / {table[name][kind]['top1']:.2f}"
                            for name, _ in engines)  # fmt: skip
            print(f"{kind:<13}{n:>4}  {cells}")
    if failures:
        print_failures(queries, engines[0][1])
    print()


# --- scale --------------------------------------------------------------------------------------------------------


def write_directory(records: Sequence[ServiceRecord], path: Path) -> None:
    """Store the services in a fresh, migrated SQLite database (plain INSERTs, as fast as an import can be)."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.begin() as connection:
        ensure_taxonomy_rows(connection)
        organisations = {r.organisation_id: r.organisation_name for r in records}
        connection.execute(insert(Organisation), [{"id": i, "name": n} for i, n in organisations.items()])
        towns = sorted({(r.organisation_id, r.location_name, r.town) for r in records if r.location_name})
        location_ids = {town: f"loc-{n}" for n, town in enumerate(towns)}
        connection.execute(insert(Location), [
            {"id": location_ids[key], "organisation_id": key[0], "name": key[1], "town": key[2]} for key in towns
        ])  # fmt: skip
        columns = {column.name for column in Service.__table__.columns}  # type: ignore[attr-defined]
        for start in range(0, len(records), 20_000):
            batch = records[start : start + 20_000]
            connection.execute(insert(Service), [
                {name: list(value) if isinstance(value, tuple) else value
                 for name, value in vars(r).items() if name in columns} for r in batch
            ])  # fmt: skip
            connection.execute(insert(ServiceTaxonomy), [
                {"service_id": r.id, "taxonomy_id": c} for r in batch for c in dict.fromkeys(r.categories)
            ])  # fmt: skip
            links = [{"service_id": r.id, "location_id": location_ids[(r.organisation_id, r.location_name, r.town)]}
                     for r in batch if r.location_name]  # fmt: skip
            if links:
                connection.execute(insert(ServiceAtLocation), links)
    engine.dispose()


def ensure_taxonomy_rows(connection: Any) -> None:
    connection.execute(insert(Taxonomy), [{"id": c.id, "name": c.label, "vocabulary": "signpost"}
                                          for c in CATEGORIES.values()])  # fmt: skip


def memory_mb() -> tuple[float, float]:
    """(resident now, peak resident) of this process in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def bot_calls(queries: Sequence[LabelledQuery]) -> list[tuple[str, str]]:
    texts = [q.query for q in queries if q.kind != OFF_TOPIC]
    return [(texts[i % len(texts)], AREAS[i % len(AREAS)]) for i in range(LATENCY_QUERIES)]


def time_calls(search: Callable[[str, str], object], calls: Sequence[tuple[str, str]]) -> dict[str, float]:
    """p50/p95 in ms of wall-clock time and of this process's CPU time (less sensitive to a busy machine)."""
    wall, cpu = [], []
    for query, area in calls:
        started, started_cpu = time.perf_counter(), time.process_time()
        search(query, area)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {"p50": percentile(wall, 0.5), "p95": percentile(wall, 0.95),
            "cpu_p50": percentile(cpu, 0.5), "cpu_p95": percentile(cpu, 0.95)}  # fmt: skip


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One measurement in a fresh process (so memory figures are its own); prints JSON."""
    calls = bot_calls(load_labelled_queries())
    database = f"sqlite:///{args.db}"
    engine = make_engine(database)
    if args.worker == "signpost-build":
        started, started_cpu = time.perf_counter(), time.process_time()
        LiveDirectory(engine, args.index).refresh()
        return {"build_s": time.perf_counter() - started, "build_cpu_s": time.process_time() - started_cpu,
                "peak_mb": memory_mb()[1]}  # fmt: skip
    if args.worker == "signpost-serve":
        started = time.perf_counter()
        live = LiveDirectory(engine, args.index)
        live.start()
        live.index.find("help with debt", SearchFilters(area="NR3"), limit=BOT_LIMIT)
        first_answer = time.perf_counter() - started
        index = live.index
        latency = time_calls(lambda q, a: index.find(q, SearchFilters(area=a), limit=BOT_LIMIT), calls)
        gc.collect()
        resident, peak = memory_mb()
        return {"first_answer_s": first_answer, **latency, "rss_mb": resident, "peak_mb": peak,
                "file_mb": args.index.stat().st_size / 1e6}  # fmt: skip
    records = list(iter_records(engine)) if args.worker != "tantivy" else None
    if args.worker == "tantivy":
        before = memory_mb()[0]
        started = time.perf_counter()
        engine_under_test: Any = Tantivy(iter_records(engine), args.index)
    else:
        before = memory_mb()[0]
        started = time.perf_counter()
        engine_under_test = Fts5Porter(records or [])
    build = time.perf_counter() - started
    del records
    gc.collect()
    latency = time_calls(lambda q, a: engine_under_test.search(q, BOT_LIMIT, a), calls)
    resident, peak = memory_mb()
    return {"build_s": build, **latency, "rss_mb": resident, "peak_mb": peak, "before_mb": before}


def run_worker(kind: str, db: Path, index: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--db", str(db), "--index", str(index)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


COLD_START_QUERY = ("debt advice", "NR3", 3)  # words, area, results: what a command-line search asks
TANTIVY_COLD_START = f"""
import sys, tantivy
from directory.areas import covering_areas
words, area, limit = sys.argv[2], sys.argv[3], int(sys.argv[4])
index = tantivy.Index.open(sys.argv[1])
boosts = {FIELD_BOOSTS!r}
fuzzy = {{field: (False, 1, True) for field in boosts}}
need = index.parse_query(words, list(boosts), field_boosts=boosts, fuzzy_fields=fuzzy)
covering = tantivy.Query.term_set_query(index.schema, "area", sorted(covering_areas(area)))
query = tantivy.Query.boolean_query([(tantivy.Occur.Must, need), (tantivy.Occur.Must, covering)])
searcher = index.searcher()
print([searcher.doc(address)["id"][0] for _, address in searcher.search(query, limit).hits])
"""


def cli_cold_start(db: Path) -> float:
    """Seconds for `python -m directory search ...` in a new process, with the saved index already present."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SEED_CSV": str(DEFAULT_SEED_CSV)}
    words, area, limit = COLD_START_QUERY
    command = [sys.executable, "-m", "directory", "search", words, "--area", area, "--limit", str(limit)]
    subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, check=True)  # saves the index
    return _seconds(command, environment)


def tantivy_cold_start(index_dir: Path) -> float:
    """Seconds for a new process to open tantivy's on-disk index and answer the same search (the strongest
    alternative for a command-line search: nothing to build, nothing but tantivy to import)."""
    words, area, limit = COLD_START_QUERY
    return _seconds([sys.executable, "-c", TANTIVY_COLD_START, str(index_dir), words, area, str(limit)], os.environ)


def _seconds(command: list[str], environment: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - started


def cpu(result: dict[str, Any]) -> str:
    return f"{result['cpu_p50']:>6.2f} / {result['cpu_p95']:<5.2f}"


def print_scale(seed_csv: Path, sizes: Sequence[int], db_dir: Path | None = None) -> None:
    seed = seed_records(seed_csv)
    print(f"SCALE: the bot's call = {BOT_LIMIT} results with an area filter, {LATENCY_QUERIES} calls; "
          "memory = resident MB after serving (peak while building); each engine in its own process\n")  # fmt: skip
    header = (f"{'services':>9} | {'engine':<9} | {'build s':>7} | {'peak MB':>7} | {'RSS MB':>6} | {'p50 ms':>6} | "
              f"{'p95 ms':>6} | {'CPU p50/p95 ms':>14} | notes")  # fmt: skip
    print(header)
    print("-" * len(header))
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            db, index = Path(folder) / "bench.db", Path(folder) / "bench.db.search-index"
            kept = db_dir / f"bench-{size}.db" if db_dir else None
            if kept and kept.exists():
                db = kept  # written by an earlier run (writing a million services takes many minutes)
            else:
                records = expand(seed, size)
                write_directory(records, kept or db)
                db = kept or db
                del records
                gc.collect()
            count = max(size, len(seed))
            built = run_worker("signpost-build", db, index)
            served = run_worker("signpost-serve", db, index)
            notes = (f"build {built['build_cpu_s']:.1f} s CPU, restart to first answer "
                     f"{served['first_answer_s']:.2f} s, index file {served['file_mb']:.0f} MB")  # fmt: skip
            if size <= 20_000:
                notes += f", CLI cold start {cli_cold_start(db):.2f} s"
            print(f"{count:>9} | {'signpost':<9} | {built['build_s']:>7.1f} | {built['peak_mb']:>7.0f} | "
                  f"{served['rss_mb']:>6.0f} | {served['p50']:>6.2f} | {served['p95']:>6.2f} | {cpu(served)} | "
                  f"{notes}")  # fmt: skip
            for kind in ("tantivy", "fts5"):
                result = run_worker(kind, db, Path(folder) / f"{kind}-index")
                where = "on disk" if kind == "tantivy" else "in memory"
                if kind == "tantivy" and size <= 20_000:
                    where += f", CLI cold start {tantivy_cold_start(Path(folder) / 'tantivy-index'):.2f} s"
                print(f"{count:>9} | {kind:<9} | {result['build_s']:>7.1f} | {result['peak_mb']:>7.0f} | "
                      f"{result['rss_mb']:>6.0f} | {result['p50']:>6.2f} | {result['p95']:>6.2f} | {cpu(result)} | "
                      f"index {where}, "
                      f"records read first ({result['before_mb']:.0f} MB before building)")  # fmt: skip
            sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-csv", type=Path, default=DEFAULT_SEED_CSV)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--failures", action="store_true", help="list the labelled queries Signpost gets wrong")
    parser.add_argument("--db-dir", type=Path, help="keep each size's database here and reuse it in later runs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    if not args.skip_quality:
        print_quality(args.seed_csv, args.failures)
    if args.sizes:
        print_scale(args.seed_csv, args.sizes, args.db_dir)


if __name__ == "__main__":
    main()
