"""The live search index: the directory revision moves with every change, the index is saved and memory-mapped back
instead of rebuilt, a changed directory is rebuilt in the background, and command-line searches reuse the index."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.db import session_scope
from directory.index_file import IndexFileError
from directory.live import LiveDirectory
from directory.models import Service, Taxonomy
from directory.revision import current_revision
from directory.saved_index import default_index_path
from directory.search import SearchIndex
from directory.search_cli import add_search_parser, run_search
from directory.seed import ensure_seeded, load_directory_csv
from directory.vocabulary import Capacity
from tests.test_seed import GOOD_ROW, seed_sample, write_csv


@pytest.fixture
def seeded(engine: Engine, tmp_path: Path) -> Engine:
    ensure_seeded(engine, seed_sample(tmp_path / "sample.csv"))
    return engine


def never_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> SearchIndex:
        raise AssertionError("the index was rebuilt although the saved one was up to date")

    monkeypatch.setattr(SearchIndex, "build", staticmethod(refuse))  # `load` builds through it too


# --- the revision ---------------------------------------------------------------------------------------------


def test_every_kind_of_directory_change_moves_the_revision(seeded: Engine, tmp_path: Path) -> None:
    seen = [current_revision(seeded)]
    with session_scope(seeded) as session:
        load_directory_csv(session, write_csv(tmp_path / "new.csv", [GOOD_ROW]))
    seen.append(current_revision(seeded))
    with session_scope(seeded) as session:  # a capacity change, as a provider would make it
        service = session.get(Service, GOOD_ROW["id"])
        assert service is not None
        service.capacity_status = Capacity.WAITING_LIST
    seen.append(current_revision(seeded))
    with session_scope(seeded) as session:
        taxonomy = session.get(Taxonomy, "money")
        assert taxonomy is not None
        taxonomy.name = "Money and debt"
    seen.append(current_revision(seeded))

    assert [revision.number for revision in seen] == [seen[0].number + step for step in range(4)]
    assert len({revision.stamp for revision in seen}) == 4


def test_reading_and_a_rolled_back_change_leave_the_revision_alone(seeded: Engine, tmp_path: Path) -> None:
    before = current_revision(seeded)
    ensure_seeded(seeded, seed_sample(tmp_path / "sample.csv"))  # already seeded: nothing written
    with session_scope(seeded) as session:
        session.get(Service, GOOD_ROW["id"])
    with pytest.raises(RuntimeError), session_scope(seeded) as session:
        load_directory_csv(session, write_csv(tmp_path / "new.csv", [GOOD_ROW]))
        raise RuntimeError("the import is abandoned")

    assert current_revision(seeded) == before


# --- saving and opening an index ----------------------------------------------------------------------------


def test_a_saved_index_answers_exactly_like_the_one_it_was_saved_from(seeded: Engine, tmp_path: Path) -> None:
    built = SearchIndex.load(seeded)
    built.save(tmp_path / "saved.search-index", stamp="x")
    opened = SearchIndex.open(tmp_path / "saved.search-index")

    for query in ("skint", "lonely in cromer", "citzens advise", "food bank NR32"):
        assert opened.search(query, limit=30) == built.search(query, limit=30)
    assert opened.services == built.services
    assert opened.meta["stamp"] == "x"


@pytest.mark.parametrize("damage", [b"", b"not an index at all", None])
def test_a_missing_or_damaged_index_file_is_refused(tmp_path: Path, damage: bytes | None) -> None:
    path = tmp_path / "broken.search-index"
    if damage is not None:
        path.write_bytes(damage)
    with pytest.raises(IndexFileError):
        SearchIndex.open(path)


def test_a_truncated_index_file_is_rebuilt_not_trusted(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "signpost.search-index"
    LiveDirectory(seeded, path).refresh()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    live = LiveDirectory(seeded, path)
    live.start()
    assert live.wait(timeout=60)

    assert live.index.search("skint")
    assert SearchIndex.open(path).meta["stamp"] == current_revision(seeded).stamp


# --- the live directory ---------------------------------------------------------------------------------------


def test_a_restart_opens_the_saved_index_instead_of_rebuilding(
    seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signpost.search-index"
    LiveDirectory(seeded, path).refresh()
    never_rebuild(monkeypatch)

    restarted = LiveDirectory(seeded, path)
    restarted.start()
    assert restarted.wait(timeout=60)

    assert restarted.index.search("skint")


def test_a_changed_directory_is_rebuilt_in_the_background_and_swapped_in(seeded: Engine, tmp_path: Path) -> None:
    live = LiveDirectory(seeded, tmp_path / "signpost.search-index", check_every=0)
    first = live.index
    assert live.index.get(GOOD_ROW["id"]) is None
    with session_scope(seeded) as session:
        load_directory_csv(session, write_csv(tmp_path / "new.csv", [GOOD_ROW]))

    still_answering = live.index  # notices the new revision, starts the rebuild, answers from what it has
    assert live.wait(timeout=60)

    assert still_answering is first
    assert live.index is not first
    assert live.index.get(GOOD_ROW["id"]) is not None
    assert SearchIndex.open(tmp_path / "signpost.search-index").get(GOOD_ROW["id"]) is not None


def test_a_saved_index_from_an_older_directory_answers_at_once_while_the_new_one_is_built(
    seeded: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "signpost.search-index"
    LiveDirectory(seeded, path).refresh()
    with session_scope(seeded) as session:  # the directory changes while the bot is stopped
        load_directory_csv(session, write_csv(tmp_path / "new.csv", [GOOD_ROW]))

    live = LiveDirectory(seeded, path)
    live.start()
    assert live.wait(timeout=60)

    assert live.index.get(GOOD_ROW["id"]) is not None


def test_the_directory_is_checked_only_every_few_seconds(seeded: Engine, tmp_path: Path) -> None:
    now = [0.0]
    live = LiveDirectory(seeded, None, check_every=5.0, clock=lambda: now[0])
    first = live.index
    with session_scope(seeded) as session:
        load_directory_csv(session, write_csv(tmp_path / "new.csv", [GOOD_ROW]))

    now[0] = 4.0
    assert live.index is first and live.wait(timeout=60) and live.index is first
    now[0] = 6.0
    live.index  # noqa: B018 - reading it is what notices the change
    assert live.wait(timeout=60)
    assert live.index is not first


def test_without_a_path_sqlite_saves_beside_the_database_and_other_databases_keep_it_in_memory() -> None:
    assert default_index_path("sqlite:////data/signpost.db") == Path("/data/signpost.db.search-index")
    assert default_index_path("postgresql://db/signpost") is None
    assert default_index_path("postgresql://db/signpost", Path("/var/cache/s.idx")) == Path("/var/cache/s.idx")


# --- command-line search ----------------------------------------------------------------------------------------


def _cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_search_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["search", *argv])


def test_command_line_searches_reuse_the_saved_index(
    seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "signpost.search-index"
    assert run_search(_cli_args("skint"), seeded, LiveDirectory(seeded, path)) == 0
    never_rebuild(monkeypatch)

    assert run_search(_cli_args("lonely"), seeded, LiveDirectory(seeded, path)) == 0  # a new process, same file
    assert "1. " in capsys.readouterr().out
