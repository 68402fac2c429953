"""SQL expressions the reports need that SQLite and PostgreSQL spell differently, compiled for each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class EpochMicroseconds(FunctionElement[int]):
    """Whole microseconds from 1970-01-01 UTC to a stored (UTC) timestamp, worked out by the database: exact, so
    differences of two give the same hours to the last bit as subtracting the datetimes in Python."""

    type = BigInteger()
    inherit_cache = True


@compiles(EpochMicroseconds, "sqlite")
def _epoch_microseconds_sqlite(element: EpochMicroseconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): the whole seconds by strftime from the first 19
    # characters, the six digits after the point as written (SQLite's own time functions round to milliseconds)
    moment = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%s', substr({moment}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({moment}, 21, 6) AS INTEGER))")


@compiles(EpochMicroseconds, "postgresql")
def _epoch_microseconds_postgresql(element: EpochMicroseconds, compiler: SQLCompiler, **kw: Any) -> str:
    # extract(epoch ...) is numeric (PostgreSQL 14+): exact to the microsecond
    return f"CAST(extract(epoch FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


class Unindexed(FunctionElement[Any]):
    """A column as it is, but never looked up by an index on SQLite (its no-op unary `+`): for a GROUP BY that
    SQLite would otherwise walk an index for, row by row back to the table (three times slower for a year's
    signpostings than scanning the table and sorting). PostgreSQL gets the column unchanged."""

    inherit_cache = True


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"
