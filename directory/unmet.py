"""Unmet need: remember searches the directory could not answer — the words, filters and why, and a pseudonym
counting different searchers; never who searched, and never text that looks like a personal identifier.

`record_unmet_search` is the one place a search is recorded as unmet need, from the bot, a link worker's case
and the command line alike.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import session_scope
from core.identifiers import identifier_in, only_postcodes, postcode_districts_only
from directory.models import UnmetSearch
from directory.search import SearchFilters
from directory.vocabulary import UnmetReason

MAX_STORED_QUERY = 500


def record_unmet_search(
    target: Engine | Session,
    query: str,
    filters: SearchFilters,
    reason: UnmetReason = UnmetReason.NONE_FOUND,
    searcher: str = "",
) -> None:
    """Store a search nothing fitted: its text (trimmed to 500 characters), filters, why (nothing found, or only
    weak matches) and the searcher's pseudonym (`FieldCipher.pseudonym`, so reports can count different people).
    Blank queries are ignored, and so is text that looks like a personal identifier (an NHS or hospital number
    typed into the wrong box must not become unmet need); a full postcode is kept as its district only.

    Pass a Session to join the caller's transaction, or an Engine to write in a transaction of its own.
    """
    typed = " ".join(query.split())
    text = postcode_districts_only(typed)[:MAX_STORED_QUERY]
    if not text or only_postcodes(typed) or identifier_in(text) is not None:
        return
    row = UnmetSearch(query=text, filters=filters.switched_on(), reason=reason.value, searcher=searcher[:16])
    if isinstance(target, Session):
        target.add(row)
        return
    with session_scope(target) as session:
        session.add(row)
