"""Reports at a year's scale: the figures, the XLSX export and the grouping of unmet searches, each side by side
with the alternative, in the same run.

Run: `.venv/bin/python benchmarks/report_bench.py [--referrals 50200] [--searches 3000,12000,48000] [--repeats 3]
[--only figures|grouping] [--postgres auto|URL] [--no-sqlite]`.
  * figures: a year of `--referrals` referrals (three signpostings each) and 10k zero-result searches in a SQLite
    file (with `--postgres`, in a temp PostgreSQL database too; `auto` starts a throwaway cluster); `build_report`
    for the year against the figures code of round 4 (commit ROUND_4: timestamps parsed and converted in Python)
    and as it was before issue 12's round 3 (commit BEFORE: whole rows aggregated in Python), both read from git —
    all must give the same figures; then every format of one request (csv, xlsx, png, text) from that one
    computation, against computing the figures again for each format;
  * XLSX: the year's tables written by Signpost (XlsxWriter, constant-memory mode) and by openpyxl's write-only
    mode with lxml (what the export used before);
  * unmet grouping: `--searches` zero-result searches (misspelt, reordered variants of ~1,600 needs) grouped by
    Signpost (only groups sharing a trigram are scored) and by comparing with every group; the groups must be equal.
Figures are medians over `--repeats` runs: wall-clock seconds and this process's CPU seconds (less sensitive to
other load on the machine; SQLite runs in-process, so its work is included).
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell  # noqa: E402
from openpyxl.styles import Font  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from casework.models import CaseStatus, Engagement, Referral, Signposting  # noqa: E402
from core.csvsafe import safe_cell  # noqa: E402
from core.db import make_engine, migrate, reading, session_scope  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory.models import UnmetSearch  # noqa: E402
from directory.seed import ensure_seeded  # noqa: E402
from reports.cli import render_reports  # noqa: E402
from reports.data import ReportData  # noqa: E402
from reports.export import MAX_COLUMN_WIDTH, _sheet_title, write_xlsx  # noqa: E402
from reports.figures import build_report  # noqa: E402
from reports.period import Period  # noqa: E402
from reports.tables import Table, report_tables  # noqa: E402
from reports.unmet import group_unmet  # noqa: E402
from tests.test_unmet_grouping import every_group_compared, misspelt  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from followup_bench import postgres_database, postgres_server  # noqa: E402

TZ = ZoneInfo("Europe/London")
BEFORE = "0d5db351d20b1c1f85b208db9978b6372fa7bee8"  # main before round 3 of issue 12: figures aggregated in Python
ROUND_4 = "2890f0789b8b8750cf1400e19ff2b0fff1693ce1"  # before round 5: timestamps parsed and converted in Python
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


def median_times(action: Callable[[], Any], repeats: int) -> tuple[tuple[float, float], Any]:
    """(median wall-clock seconds, median CPU seconds) of `action` over `repeats` runs, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        started, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return (statistics.median(walls), statistics.median(cpus)), result


def median_seconds(action: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    (wall, _), result = median_times(action, repeats)
    return wall, result


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


def module_at(commit: str, path: str, name: str, renames: dict[str, str]) -> types.ModuleType:
    """The module at `path` as it was at `commit`, importable as `name` (its imports renamed by `renames`)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True,
                            check=True).stdout
    for old, new in renames.items():
        source = source.replace(old, new)
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"{commit[:7]}:{path}", "exec"), module.__dict__)  # our own history, not input
    return module


def figures_at(commit: str, modules: Sequence[str]) -> Callable[..., ReportData]:
    """`compute_report` as it was at `commit`, with the `reports` modules named in `modules` (in import order,
    ending with "figures") as they were too; the others are today's."""
    renames: dict[str, str] = {}
    for stem in modules:
        module = module_at(commit, f"reports/{stem}.py", f"reports_{stem}_{commit[:7]}", renames)
        renames[f"from reports.{stem} import"] = f"from {module.__name__} import"
    return module.compute_report


def write_xlsx_openpyxl(tables: Sequence[Table], handle: IO[bytes]) -> None:
    """The same workbook through openpyxl's write-only mode (lxml): the export before round 3 of issue 12."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    title_font, header_font = Font(bold=True, size=12), Font(bold=True)

    def styled(value: Any, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type, cell.quotePrefix = "s", safe_cell(cell.value) != cell.value
        if font is not None:
            cell.font = font
        return cell

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            text = ILLEGAL_CHARACTERS_RE.sub("", value)
            return styled(text) if text.startswith("=") or safe_cell(text) != text else text
        return value

    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.freeze_panes = "A3"
        for column_index, heading in enumerate(table.header, start=1):
            width = max(len(str(value)) for value in [heading, *(row[column_index - 1] for row in table.rows)])
            sheet.column_dimensions[get_column_letter(column_index)].width = min(MAX_COLUMN_WIDTH, width + 2)
        sheet.append([styled(table.title, title_font)])
        sheet.append([styled(heading, header_font) for heading in table.header])
        for values in table.rows:
            sheet.append([plain(value) for value in values])
    workbook.save(handle)


def figures_and_exports(args: argparse.Namespace, backend: str, url: str) -> None:
    """The year's figures and exports on the database at `url` (an empty one, filled here)."""
    period = a_year(url, args.referrals, args.unmet)
    engine = make_engine(url)
    build_report(engine, period, TZ)  # once unmeasured, so no code measured reads a cold database
    figures, data = median_times(lambda: build_report(engine, period, TZ), args.repeats)

    def earlier(commit: str, modules: Sequence[str]) -> tuple[tuple[float, float], bool]:
        """Median times of the figures code at `commit` (see `figures_at`), and whether its figures are ours."""
        compute = figures_at(commit, modules)

        def figures_then() -> ReportData:
            with session_scope(reading(engine)) as session:
                return compute(session, period, TZ)

        times, reference = median_times(figures_then, args.repeats)
        return times, reference == data

    round_4, same_4 = earlier(ROUND_4, ("stats", "received", "unmet", "outcomes", "figures"))
    old, same = earlier(BEFORE, ("stats", "outcomes", "figures"))
    tables = report_tables(data)
    cells = sum(len(table.header) * (len(table.rows) + 1) for table in tables)
    one, _ = median_times(lambda: render_reports(engine, period, FORMATS, False, TZ), args.repeats)
    each, _ = median_times(lambda: [render_reports(engine, period, (fmt,), False, TZ) for fmt in FORMATS],
                           args.repeats)
    ours, _ = median_times(lambda: write_xlsx(tables, io.BytesIO()), args.repeats)
    openpyxl, _ = median_times(lambda: write_xlsx_openpyxl(tables, io.BytesIO()), args.repeats)
    engine.dispose()
    print(f"\na year: {args.referrals:,} referrals, {3 * args.referrals:,} signpostings, {args.unmet:,} zero-result "
          f"searches ({backend}); wall / CPU seconds")
    rows = [("figures for the year (Signpost)", figures),
            (f"figures for the year (round 4, {ROUND_4[:7]}: times in Python)", round_4),
            (f"figures for the year (before, {BEFORE[:7]}: rows in Python)", old),
            ("csv+xlsx+png+text, one computation (Signpost)", one),
            ("csv+xlsx+png+text, figures computed per format", each),
            (f"XLSX, {cells:,} cells: XlsxWriter constant_memory (Signpost)", ours),
            (f"XLSX, {cells:,} cells: openpyxl write-only + lxml (before)", openpyxl)]
    for label, (wall, cpu) in rows:
        print(f"  {label:<62}{wall:8.2f}{cpu:8.2f}")
    print(f"  same figures as round 4: {'yes' if same_4 else 'NO'}, as before round 3: {'yes' if same else 'NO'}")


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
    parser.add_argument("--only", choices=("grouping", "figures"), help="run one part only")
    parser.add_argument("--postgres", metavar="URL",
                        help="figures on this PostgreSQL server too (temp database); 'auto' starts a throwaway cluster")
    parser.add_argument("--no-sqlite", action="store_true", help="figures on PostgreSQL only")
    args = parser.parse_args()
    if args.only != "figures":
        grouping(args)
    if args.only == "grouping":
        return
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
            figures_and_exports(args, "SQLite", f"sqlite:///{Path(folder) / 'year.db'}")
    with postgres_server(args.postgres) as server:
        if server:
            with postgres_database(server) as url:
                figures_and_exports(args, "PostgreSQL", url)


if __name__ == "__main__":
    main()
