"""How fast a provider's change reaches search, against what a service does without the provider loop, and what the
hourly listing-check pass costs at scale.

Usage: .venv/bin/python benchmarks/provider_bench.py [--sizes 207 2000 10000]

For each directory size (the seed, grown with synthetic services as in search_bench.py) it prints, side by side:
- **/capacity from chat**: one service's capacity written through `directory.listing.set_capacity` (one
  transaction), then the running bot's index rebuilt because the directory revision moved (`LiveDirectory.refresh`,
  what the background thread does) — until a client's search shows it;
- **admin CSV round trip** (the alternative before this change): export the whole directory to CSV, change the row,
  import it back (`load_directory_csv`, every row checked), then the same rebuild;
- **listing-check pass**: `plan_listing_checks` with one organisation in ten having a provider, first pass (asks)
  and second pass (nothing new).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from benchmarks.search_bench import seed_records, write_directory  # noqa: E402
from benchmarks.synthetic import expand  # noqa: E402
from casework.models import Role, StaffUser  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.db import make_engine, session_scope  # noqa: E402
from core.settings import DEFAULT_SEED_CSV  # noqa: E402
from directory.listing import CapacityChoice, set_capacity  # noqa: E402
from directory.live import LiveDirectory  # noqa: E402
from directory.models import Organisation, Service  # noqa: E402
from directory.search import SearchFilters  # noqa: E402
from directory.seed import export_directory_csv, load_directory_csv  # noqa: E402
from directory.vocabulary import Capacity  # noqa: E402
from scheduler.policy import FollowUpPolicy  # noqa: E402
from scheduler.providers import plan_listing_checks  # noqa: E402

TARGET = "citizens-advice-norwich"


def _shows(live: LiveDirectory, weeks: int) -> bool:
    record = live.index.get(TARGET)
    hits = live.index.find("citizens advice norwich", SearchFilters()).hits
    return record is not None and record.waiting_weeks == weeks and any(hit.service_id == TARGET for hit in hits)


def capacity_from_chat(engine, live: LiveDirectory, weeks: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with session_scope(engine) as session:
        set_capacity(session, session.get(Service, TARGET), CapacityChoice(Capacity.WAITING_LIST, weeks), 1)
    written = time.perf_counter()
    live.refresh()
    assert _shows(live, weeks)
    return written - start, time.perf_counter() - start


def csv_round_trip(engine, live: LiveDirectory, folder: Path, weeks: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    path = folder / "directory.csv"
    start = time.perf_counter()
    with session_scope(engine) as session:
        export_directory_csv(session, path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["id"] == TARGET:
            row["capacity_status"], row["waiting_weeks"] = Capacity.WAITING_LIST.value, str(weeks)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with session_scope(engine) as session:
        report = load_directory_csv(session, path)
    written = time.perf_counter()
    live.refresh()
    assert _shows(live, weeks), report.errors[:3]
    return written - start, time.perf_counter() - start


def listing_pass(engine) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        organisations = sorted(session.exec(select(Organisation.id)).all())
        session.add_all(StaffUser(telegram_user_id=10_000 + n, role=Role.PROVIDER, organisation_id=organisation)
                        for n, organisation in enumerate(organisations[::10]))
    policy = FollowUpPolicy(admin_chat_ids=(1,))
    timings = []
    asked = 0
    for _ in range(2):
        start = time.perf_counter()
        with session_scope(engine) as session:
            done = plan_listing_checks(session, policy, utcnow())
        timings.append(time.perf_counter() - start)
        asked = asked or len(done.asked)
    return timings[0], timings[1], asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[207, 2_000, 10_000])
    args = parser.parse_args()
    seed = seed_records(DEFAULT_SEED_CSV)
    print(f"{'services':>9} | {'chat: write':>11} {'chat: in search':>15} | {'CSV: write':>10} {'CSV: in search':>14} "
          f"| {'listing pass 1':>14} {'pass 2':>7} {'asked':>6}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "bench.db"
            write_directory(expand(seed, size), db)
            engine = make_engine(f"sqlite:///{db}")
            live = LiveDirectory(engine, None, check_every=0.0)
            live.refresh()
            chat_write, chat_seen = capacity_from_chat(engine, live, 6)
            csv_write, csv_seen = csv_round_trip(engine, live, Path(folder), 8)
            first, second, asked = listing_pass(engine)
            engine.dispose()
        print(f"{size:>9} | {chat_write * 1000:>9.1f}ms {chat_seen:>14.2f}s | {csv_write:>9.2f}s {csv_seen:>13.2f}s "
              f"| {first * 1000:>12.0f}ms {second * 1000:>5.0f}ms {asked:>6}")


if __name__ == "__main__":
    main()
