"""The search index a running process answers from: built once, and replaced whole when the directory changes."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from directory.search import SearchIndex


class LiveDirectory:
    """Holds the current `SearchIndex` for one database. Thread-safe: readers always see one whole index."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> SearchIndex:
        """The current index, built from the database on first use."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = SearchIndex.load(self._engine)
                index = self._index
        return index

    def reload(self) -> SearchIndex:
        """Rebuild from the database and swap the new index in (searches under way finish on the old one)."""
        fresh = SearchIndex.load(self._engine)
        with self._lock:
            self._index = fresh
        return fresh
