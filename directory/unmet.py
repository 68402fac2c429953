"""Unmet need: remember searches the directory could not answer (the words, filters and why, never who searched).

`record_unmet_search` is the one place a search is recorded as unmet need, from the bot, a link worker's case
and the command line alike.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import session_scope
from directory.models import UnmetReason, UnmetSearch
from directory.search import SearchFilters

MAX_STORED_QUERY = 500


def unmet_filters(filters: SearchFilters) -> dict[str, object]:
    """The filters that were switched on, as stored with an unmet search (e.g. {'area': 'NR3', 'free_only': True})."""
    return {name: value for name, value in asdict(filters).items() if value not in (None, False, "")}


def record_unmet_search(
    target: Engine | Session, query: str, filters: SearchFilters, reason: UnmetReason = UnmetReason.NONE_FOUND
) -> None:
    """Store a search nothing fitted: its text (trimmed to 500 characters), filters and why (nothing found, or
    only weak matches). Blank queries are ignored.

    Pass a Session to join the caller's transaction, or an Engine to write in a transaction of its own.
    """
    text = " ".join(query.split())[:MAX_STORED_QUERY]
    if not text:
        return
    row = UnmetSearch(query=text, filters=unmet_filters(filters), reason=reason.value)
    if isinstance(target, Session):
        target.add(row)
        return
    with session_scope(target) as session:
        session.add(row)
