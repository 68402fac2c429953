"""`python -m directory`: seeding, import/export commands, exit codes and kind errors."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from core.db import make_engine, session_scope
from core.settings import PROJECT_ROOT, get_settings, sqlite_path
from directory.__main__ import main
from directory.models import Service, UnmetSearch
from directory.saved_index import open_if_current
from directory.taxonomy import CATEGORIES
from tests.oruk_servers import static_feed
from tests.test_seed import GOOD_ROW, SEED_ROWS, seed_sample, write_csv

ORUK_PAGE = Path(__file__).parent / "fixtures" / "oruk" / "page_3_0.json"

Cli = Callable[..., int]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """`main` against a fresh database, seeded from a sample of the seed file."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SEED_CSV", str(seed_sample(tmp_path / "sample.csv")))
    get_settings.cache_clear()
    yield lambda *argv: main([str(arg) for arg in argv])
    get_settings.cache_clear()


def test_seed_loads_only_into_an_empty_directory(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    sample_size = len(SEED_ROWS[::5])
    assert cli("seed") == 0
    assert f"Loaded {sample_size} services" in capsys.readouterr().out
    assert cli("seed") == 0
    assert f"already has {sample_size} services" in capsys.readouterr().out


def test_import_with_bad_rows_loads_the_rest_and_exits_1(cli: Cli, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "new.csv", [GOOD_ROW, {**GOOD_ROW, "id": "Bad Id"}])
    assert cli("import-csv", source) == 1
    captured = capsys.readouterr()
    assert "Loaded 1 services" in captured.out
    assert "row 3:" in captured.err and "Bad Id" in captured.err

    assert cli("export-csv", tmp_path / "out.csv") == 0
    exported = {row["id"] for row in csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8"))}
    assert GOOD_ROW["id"] in exported and "Bad Id" not in exported


def test_open_referral_export_and_import(cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("export-oruk", tmp_path / "oruk", "--json", tmp_path / "oruk.json") == 0
    assert (tmp_path / "oruk" / "services.csv").is_file() and (tmp_path / "oruk.json").is_file()
    capsys.readouterr()
    assert cli("import-oruk", tmp_path / "oruk") == 0
    assert cli("import-oruk", tmp_path / "oruk.json") == 0
    assert capsys.readouterr().out.count(f"Loaded {len(SEED_ROWS[::5])} services") == 2


@pytest.mark.parametrize("argv", [[], ["export-oruk"], ["import-csv"], ["no-such-command"]])
def test_usage_mistakes_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2


def test_a_missing_file_is_a_kind_usage_error(cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("import-csv", tmp_path / "nowhere.csv") == 2
    assert "can't find" in capsys.readouterr().err


@pytest.mark.slow
def test_module_runs_from_a_terminal_with_the_real_seed(tmp_path: Path) -> None:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    environment.pop("SEED_CSV", None)
    result = subprocess.run([sys.executable, "-m", "directory", "categories"], cwd=PROJECT_ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(CATEGORIES)
    assert all("(0 services)" not in line for line in lines)


def test_import_oruk_reads_a_feed_url_and_prints_each_rows_notes(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    services = json.loads(ORUK_PAGE.read_text())["contents"]
    with static_feed(services) as (url, _asked):
        assert cli("import-oruk", url) == 0
    captured = capsys.readouterr()
    assert f"Loaded 2 services from {url}." in captured.out
    assert "row 1: left out (Signpost has no place for them): alert" in captured.err


def test_an_unreachable_feed_is_a_kind_usage_error(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with static_feed([]) as (url, _asked):
        broken = url.replace("/feed", "/nowhere")
        assert cli("import-oruk", broken) == 2
    assert "answered 404" in capsys.readouterr().err


def test_a_command_line_search_does_not_load_the_oruk_and_api_libraries() -> None:
    """jsonschema's format checkers alone take seconds to import on a busy machine: only the ORUK commands pay."""
    heavy = "{'jsonschema', 'httpx', 'starlette', 'uvicorn'}"
    probe = f"import sys, directory.__main__; print(sorted({heavy} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)

    assert done.stdout.strip() == "[]"


def test_a_need_typed_in_polish_finds_the_money_services_on_the_command_line(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("seed") == 0
    capsys.readouterr()
    assert cli("search", "pomoc", "z", "długami", "--json") == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results and all("money" in result["categories"] for result in results)


# ---- a search answered from the saved index (issue 13: a command-line search starts in well under a second) ------

LAYER_PROBE = (
    "import sys; from directory.__main__ import main; code = main(sys.argv[1:]); "
    "print('ORM loaded' if 'sqlalchemy' in sys.modules else 'ORM not loaded', code)"
)


def _search_in_a_new_process(environment: dict[str, str], *argv: str) -> tuple[list[str], str]:
    done = subprocess.run([sys.executable, "-c", LAYER_PROBE, "search", *argv], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    *printed, layer = done.stdout.splitlines()
    return printed, layer


def test_a_search_with_a_saved_index_answers_without_loading_the_database_layer(tmp_path: Path) -> None:
    """Importing SQLAlchemy and SQLModel is about half a second of a command-line search's start."""
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
                   "SEED_CSV": str(seed_sample(tmp_path / "sample.csv"))}  # fmt: skip
    first, first_layer = _search_in_a_new_process(environment, "debt", "--json")  # migrates, seeds, saves the index
    again, again_layer = _search_in_a_new_process(environment, "debt", "--json")

    assert first_layer == "ORM loaded 0"
    assert again_layer == "ORM not loaded 0"
    assert again == first and json.loads("\n".join(again))["results"]


def test_a_search_after_the_directory_changed_shows_the_change(
    cli: Cli, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("search", "debt", "--json") == 0  # the index is saved
    first = json.loads(capsys.readouterr().out)["results"][0]
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        service = session.get(Service, first["id"])
        assert service is not None
        service.name = "Renamed debt help"
    engine.dispose()

    assert cli("search", "debt", "--json") == 0
    names = [result["name"] for result in json.loads(capsys.readouterr().out)["results"]]
    assert "Renamed debt help" in names and first["name"] not in names


def test_an_unmet_search_is_recorded_when_the_saved_index_is_current(cli: Cli, database_url: str) -> None:
    assert cli("search", "debt") == 0  # the index is saved
    assert cli("search", "car", "insurance", "quote") == 1
    assert cli("search", "car", "insurance", "quote") == 1

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        recorded = session.exec(select(UnmetSearch.query)).all()
    engine.dispose()
    assert recorded == ["car insurance quote", "car insurance quote"]


def test_the_saved_index_is_not_used_while_a_migration_is_pending(cli: Cli, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("only a SQLite database is searched from its saved index without the database layer")
    assert cli("search", "debt") == 0  # the index is saved
    settings = get_settings()
    assert open_if_current(settings) is not None
    database = sqlite3.connect(str(sqlite_path(database_url)))
    with database:
        database.execute("UPDATE alembic_version SET version_num = '0001'")
    database.close()

    assert open_if_current(settings) is None
