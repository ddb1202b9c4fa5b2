"""Whole-day arithmetic on date columns that compiles on SQLite and PostgreSQL alike.

SQLite keeps dates as ISO text and PostgreSQL as ``date``; counting days between them is
written differently on each. ``day_number(column)`` turns a date into days since 1970-01-01, an
integer on both, so gap and window arithmetic can stay in SQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement


class day_number(FunctionElement[int]):  # noqa: N801  (reads like a SQL function)
    type = Integer()
    inherit_cache = True
    name = "day_number"

    def __init__(self, column: Any) -> None:
        super().__init__(column)


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    argument = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({argument}) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    argument = compiler.process(element.clauses, **kw)
    return f"(CAST({argument} AS DATE) - DATE '1970-01-01')"

