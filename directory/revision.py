"""The directory's revision: bumped in the same transaction as any change to services, organisations, locations or
categories, so every process answering searches can notice with one tiny query that its index is out of date.

`mark_changed(session)` is the one call a write path needs (bulk `UPDATE`/`DELETE` statements, which the ORM does
not track, must call it). ORM changes to directory rows mark the session by themselves (an `after_flush` hook), and
the bump itself happens once, just before that transaction commits.
"""

from __future__ import annotations

import uuid
from itertools import chain

from sqlalchemy import event, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.db import reading
from directory.models import (
    DirectoryRevision,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    ServiceTaxonomy,
    Taxonomy,
)
from directory.saved_index import Revision

DIRECTORY_TABLES = (Service, Organisation, Location, Taxonomy, ServiceTaxonomy, ServiceAtLocation)
_CHANGED = "signpost.directory_changed"


def mark_changed(session: Session) -> None:
    """Record that this transaction changes the directory: the revision is bumped when it commits."""
    session.info[_CHANGED] = True


def current_revision(source: Engine | Connection) -> Revision:
    """The directory's revision now (0 and "" before anything was ever changed)."""
    query = select(DirectoryRevision.revision, DirectoryRevision.stamp).where(DirectoryRevision.id == 1)  # type: ignore[call-overload]
    if isinstance(source, Engine):
        # read-only: it is also called inside an update's write transaction (another connection of this thread)
        with reading(source).connect() as connection:
            row = connection.execute(query).first()
    else:
        row = source.execute(query).first()
    return Revision(row[0], row[1]) if row else Revision(0, "")


@event.listens_for(Session, "after_flush")
def _notice_directory_changes(session: Session, _context: object) -> None:
    changed = chain(session.new, session.deleted, (item for item in session.dirty if session.is_modified(item)))
    if any(isinstance(item, DIRECTORY_TABLES) for item in changed):
        mark_changed(session)


@event.listens_for(Session, "before_commit")
def _bump_revision(session: Session) -> None:
    session.flush()  # commit flushes after this hook: flush now so pending directory changes mark the session
    if not session.info.pop(_CHANGED, False):
        return
    values = {"revision": DirectoryRevision.revision + 1, "stamp": uuid.uuid4().hex, "changed_at": utcnow()}
    bumped = session.execute(update(DirectoryRevision).where(DirectoryRevision.id == 1).values(**values))  # type: ignore[arg-type]
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.add(DirectoryRevision(id=1, revision=1, stamp=values["stamp"], changed_at=values["changed_at"]))
        session.flush()
