"""Unmet need: remember searches that found nothing (the words and filters, and a pseudonym counting different
searchers; never who searched, and never text that looks like a personal identifier)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import session_scope
from core.identifiers import identifier_in
from directory.models import UnmetSearch
from directory.search import SearchFilters

MAX_STORED_QUERY = 500


def unmet_filters(filters: SearchFilters) -> dict[str, object]:
    """The filters that were switched on, as stored with an unmet search (e.g. {'area': 'NR3', 'free_only': True})."""
    return {name: value for name, value in asdict(filters).items() if value not in (None, False, "")}


def record_unmet_search(target: Engine | Session, query: str, filters: SearchFilters, searcher: str = "") -> None:
    """Store a zero-result search: its text (trimmed to 500 characters), filters and the searcher's pseudonym
    (`FieldCipher.pseudonym`, so reports can count different people). Blank queries are ignored, and so is text that
    looks like a personal identifier (an NHS or hospital number typed into the wrong box must not become unmet need).

    Pass a Session to join the caller's transaction, or an Engine to write in a transaction of its own.
    """
    text = " ".join(query.split())[:MAX_STORED_QUERY]
    if not text or identifier_in(text) is not None:
        return
    row = UnmetSearch(query=text, filters=unmet_filters(filters), searcher=searcher[:16])
    if isinstance(target, Session):
        target.add(row)
        return
    with session_scope(target) as session:
        session.add(row)
