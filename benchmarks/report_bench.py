"""Reports at a year's scale: the figures, the XLSX export and the grouping of unmet searches, each side by side
with the alternative (openpyxl's default mode; comparing each wording with every group), in the same run.

Run: `.venv/bin/python benchmarks/report_bench.py [--referrals 50200] [--searches 3000,12000,48000] [--repeats 3]`.
  * figures: a year of `--referrals` referrals (three signpostings each) and 10k zero-result searches in a SQLite
    file; `build_report` for the year, then every format of one request (csv, xlsx, png, text) from that one
    computation — against computing the figures again for each format;
  * XLSX: the year's tables written in openpyxl's write-only mode (Signpost) and in its default mode;
  * unmet grouping: `--searches` zero-result searches (misspelt, reordered variants of ~1,600 needs) grouped by
    Signpost (only groups sharing a trigram are scored) and by comparing with every group; the groups must be equal.
Figures are medians over `--repeats` runs (seconds).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Font  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from casework.models import CaseStatus, Engagement, Referral, Signposting  # noqa: E402
from core.db import make_engine, migrate  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory.models import UnmetSearch  # noqa: E402
from directory.seed import ensure_seeded  # noqa: E402
from reports.cli import render_reports  # noqa: E402
from reports.export import _put, _sheet_title, write_xlsx  # noqa: E402
from reports.figures import build_report  # noqa: E402
from reports.period import Period  # noqa: E402
from reports.tables import Table, report_tables  # noqa: E402
from reports.unmet import group_unmet  # noqa: E402
from tests.test_unmet_grouping import every_group_compared, misspelt  # noqa: E402

TZ = ZoneInfo("Europe/London")
FORMATS = ("csv", "xlsx", "png", "text")
ADJECTIVES = ("free", "local", "weekly", "evening", "online", "women's", "men's", "young", "older", "family",
              "sunday", "community", "friendly", "quiet", "outdoor", "indoor", "gentle", "accessible", "carers",
              "veterans", "lgbt", "polish", "bengali", "deaf", "blind", "autism", "dementia", "stroke", "cancer",
              "grief", "money", "housing", "legal", "work", "tenancy", "benefits", "energy", "digital", "art",
              "music")  # fmt: skip
NOUNS = ("walking group", "choir", "cafe", "support group", "advice", "befriending", "allotment", "swimming",
         "yoga", "chess club", "book club", "tai chi", "knitting", "cooking class", "bike repair", "counselling",
         "mentoring", "drop in", "lunch club", "food bank", "clothes bank", "phone line", "coffee morning",
         "gardening", "dance class", "football", "bowls", "craft group", "computer help", "english lessons",
         "volunteering", "respite", "peer support", "day centre", "transport", "handyperson", "fishing",
         "photography", "drama", "singing")  # fmt: skip


def median_seconds(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def a_year(url: str, referrals: int, searches: int) -> Period:
    """A year of referrals (three signpostings each) and zero-result searches; the year's period."""
    engine = make_engine(url)
    migrate(engine)
    ensure_seeded(engine, Settings().seed_csv)
    end = datetime(2026, 3, 31, 12, tzinfo=UTC)
    rng = random.Random(7)
    step = timedelta(days=365) / referrals
    with engine.begin() as connection:
        services = [row[0] for row in connection.exec_driver_sql("SELECT id FROM service").all()]
        rows = [
            {"reference": f"SP-Y{n:06d}", "created_at": end - n * step, "referrer_user_id": 2000 + n % 400,
             "referrer_chat_id": 2000 + n % 400, "source_ward": f"Ward {n % 60}", "source_role": "ward_staff",
             "client_initials": "AB", "reasons": rng.sample(["money", "isolation", "housing", "mental_health",
                                                              "carer"], 1 + n % 3),
             "status": (CaseStatus.CLOSED, CaseStatus.CONTACTED, CaseStatus.CLAIMED)[n % 3],
             "claimed_by": 3000 + n % 50, "claimed_at": end - n * step + timedelta(hours=5),
             "first_contact_at": end - n * step + timedelta(days=1) if n % 3 < 2 else None}
            for n in range(referrals)
        ]  # fmt: skip
        for start in range(0, referrals, 5000):
            connection.execute(insert(Referral), rows[start : start + 5000])
        signpostings = [
            {"referral_id": n // 3 + 1, "service_id": services[n % len(services)], "created_by": 3000 + n % 50,
             "created_at": rows[n // 3]["created_at"] + timedelta(days=2), "engagement": Engagement.UNKNOWN}
            for n in range(3 * referrals)
        ]  # fmt: skip
        for start in range(0, len(signpostings), 10000):
            connection.execute(insert(Signposting), signpostings[start : start + 10000])
        unmet = [{"created_at": end - timedelta(minutes=n * 52), "query": misspelt(rng, need(rng)), "filters": {},
                  "reason": "none_found", "searcher": f"p{n % 3000:05d}"} for n in range(searches)]  # fmt: skip
        connection.execute(insert(UnmetSearch), unmet)
    engine.dispose()
    return Period(date(2025, 4, 1), date(2026, 3, 31))


def need(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"


def write_xlsx_default_mode(tables: Sequence[Table], handle: IO[bytes]) -> None:
    """The same workbook through openpyxl's default (in-memory) mode: what the export did before."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        _put(sheet.cell(row=1, column=1), table.title).font = Font(bold=True, size=12)
        for row_index, values in enumerate([table.header, *table.rows], start=2):
            for column_index, value in enumerate(values, start=1):
                _put(sheet.cell(row=row_index, column=column_index), value)
        sheet.freeze_panes = "A3"
    workbook.save(handle)


def figures_and_exports(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'year.db'}"
        period = a_year(url, args.referrals, args.unmet)
        engine = make_engine(url)
        figures, data = median_seconds(lambda: build_report(engine, period, TZ), args.repeats)
        tables = report_tables(data)
        cells = sum(len(table.header) * (len(table.rows) + 1) for table in tables)
        one, _ = median_seconds(lambda: render_reports(engine, period, FORMATS, False, TZ), args.repeats)
        each, _ = median_seconds(lambda: [render_reports(engine, period, (fmt,), False, TZ) for fmt in FORMATS],
                                 args.repeats)
        write_only, _ = median_seconds(lambda: write_xlsx(tables, io.BytesIO()), args.repeats)
        default_mode, _ = median_seconds(lambda: write_xlsx_default_mode(tables, io.BytesIO()), args.repeats)
        engine.dispose()
    print(f"\na year: {args.referrals:,} referrals, {3 * args.referrals:,} signpostings, {args.unmet:,} zero-result "
          f"searches (SQLite)")
    print(f"  figures for the year (build_report)              {figures:8.2f} s")
    print(f"  csv+xlsx+png+text, one computation (Signpost)    {one:8.2f} s")
    print(f"  csv+xlsx+png+text, figures computed per format   {each:8.2f} s")
    print(f"  XLSX, {cells:,} cells: write-only mode (Signpost)  {write_only:8.2f} s")
    print(f"  XLSX, {cells:,} cells: openpyxl default mode       {default_mode:8.2f} s")


def grouping(args: argparse.Namespace) -> None:
    print("\nunmet-search grouping (seconds)")
    print(f"  {'searches':>10}{'distinct':>10}{'groups':>8}{'Signpost':>10}{'every group':>13}{'same groups':>13}")
    for size in (int(part) for part in args.searches.split(",")):
        rng = random.Random(size)
        searches = [(misspelt(rng, need(rng)), f"p{rng.randrange(5000)}") for _ in range(size)]
        ours, grouped = median_seconds(lambda found=searches: group_unmet(found), args.repeats)
        naive, reference = median_seconds(lambda found=searches: every_group_compared(found),
                                          1 if size > 12_000 else args.repeats)
        distinct = len({query.casefold() for query, _ in searches})
        print(f"  {size:>10,}{distinct:>10,}{len(grouped):>8,}{ours:>10.2f}{naive:>13.2f}"
              f"{'yes' if grouped == reference else 'NO':>13}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=50_200)
    parser.add_argument("--unmet", type=int, default=10_000, help="zero-result searches in the year")
    parser.add_argument("--searches", default="3000,12000,48000", help="sizes for the grouping comparison")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    grouping(args)
    figures_and_exports(args)


if __name__ == "__main__":
    main()
