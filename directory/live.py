"""The search index a running process answers from: loaded from its file or built off the caller's thread, and
replaced whole, in the background, when the directory changes.

- At start-up `start()` loads the index saved beside the database (memory-mapped: well under a second even at
  100k services) or, when there is none, builds it in a background thread and saves it.
- A saved index from an older directory revision is served at once while the fresh one is built.
- Every `check_every` seconds a search also reads the directory revision (one tiny query, `directory.revision`);
  when an import, a capacity change or any other write has moved it on, a background thread rebuilds the index and
  swaps it in. Searches under way finish on the old index; nobody waits for a rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from directory.index_file import IndexFileError, write_index_file
from directory.revision import current_revision
from directory.saved_index import Revision, revision_shown
from directory.search import SearchIndex

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
class LiveDirectory:
    """Holds the current `SearchIndex` for one database. Thread-safe: readers always see one whole index."""

    def __init__(
        self,
        engine: Engine,
        index_path: Path | None = None,
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._path = index_path
        self._check_every = check_every
        self._clock = clock
        self._index: SearchIndex | None = None
        self._revision: Revision | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._builder: threading.Thread | None = None
        self._failure: BaseException | None = None

    # --- reading ------------------------------------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        """The current index (waiting for the first one if the process has only just started), refreshed in the
        background when the directory has changed."""
        if self._index is None:
            self.start()
            self._ready.wait()
            if self._index is None:
                raise RuntimeError("the search index could not be built") from self._failure
        self._check_revision()
        return self._index

    def refresh(self) -> SearchIndex:
        """Bring the index up to date now, in this thread (for scripts and tests): rebuilt only if the directory
        changed since it was built."""
        self.wait()
        revision = current_revision(self._engine)
        if self._index is None and (saved := self._open_saved()) is not None:
            self._install(*saved)
        if self._index is None or revision != self._revision:
            self._install(*self._build(revision))
        assert self._index is not None
        return self._index

    def reload(self) -> SearchIndex:
        """Rebuild from the database now and swap the new index in (searches under way finish on the old one)."""
        self.wait()
        self._install(*self._build(current_revision(self._engine)))
        assert self._index is not None
        return self._index

    # --- background work ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Load or build the index in a background thread (does nothing if it is loaded or being built)."""
        with self._lock:
            if self._index is not None or self._builder is not None:
                return
            self._ready.clear()  # a failed first load is tried again, and readers wait for this try
            self._builder = threading.Thread(target=self._first_load, name="search-index", daemon=True)
            self._builder.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no load or rebuild is under way; False if `timeout` ran out first."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
            return not builder.is_alive()
        return True

    def _first_load(self) -> None:
        try:
            revision = current_revision(self._engine)
            saved = self._open_saved()
            if saved is not None:
                index, saved_revision = saved
                self._install(index, saved_revision)
                if saved_revision == revision:
                    return
                log.info("search index: the saved index is out of date; rebuilding in the background")
            self._install(*self._build(revision))
        except Exception as failure:  # the next search tries again
            self._failure = failure
            log.exception("search index: could not load or build")
        finally:
            self._ready.set()
            self._done_building()

    def _check_revision(self) -> None:
        now = self._clock()
        if now - self._checked_at < self._check_every:
            return
        self._checked_at = now
        try:
            revision = current_revision(self._engine)
        except Exception:  # the database is briefly unreachable: keep answering from what we have
            log.warning("search index: could not read the directory revision", exc_info=True)
            return
        if revision == self._revision:
            return
        with self._lock:
            if self._builder is not None:
                return
            self._builder = threading.Thread(target=self._rebuild, args=(revision,), name="search-index", daemon=True)
            self._builder.start()

    def _rebuild(self, revision: Revision) -> None:
        try:
            self._install(*self._build(revision))
        except Exception:
            log.exception("search index: rebuild failed; still answering from the previous index")
        finally:
            self._done_building()

    def _done_building(self) -> None:
        with self._lock:
            self._builder = None

    def _build(self, revision: Revision) -> tuple[SearchIndex, Revision]:
        """A new index of the directory as it is at (or after) `revision`, saved when there is a path."""
        started = time.perf_counter()
        data = SearchIndex.build(self._engine)
        index: SearchIndex | None = None
        if self._path is not None:
            try:  # the built arrays are written straight to the file and freed: only the memory-mapped copy stays
                write_index_file(self._path, data.arrays, {**data.meta, "revision": revision.number,
                                                           "stamp": revision.stamp})  # fmt: skip
                del data
                index = SearchIndex.open(self._path)
            except OSError:
                log.warning("search index: could not save it to %s", self._path, exc_info=True)
        if index is None:
            index = SearchIndex(data)
        log.info("search index: %d services indexed in %.1f s", len(index), time.perf_counter() - started)
        return index, revision

    def _open_saved(self) -> tuple[SearchIndex, Revision] | None:
        if self._path is None or not self._path.exists():
            return None
        try:
            index = SearchIndex.open(self._path)
        except IndexFileError as problem:
            log.info("search index: not using the saved index (%s)", problem)
            return None
        return index, revision_shown(index)

    def _install(self, index: SearchIndex, revision: Revision) -> None:
        with self._lock:
            self._index, self._revision = index, revision
        self._ready.set()
