"""Whole-day arithmetic on date columns that compiles on SQLite and PostgreSQL alike.

SQLite keeps dates as ISO text and PostgreSQL as ``date``; counting days between them is
written differently on each. ``day_number(column)`` turns a date into days since 1970-01-01, an
integer on both, so gap and window arithmetic can stay in SQL; ``days_after(column, n)`` is the
date ``n`` days after a date column, so that a range relative to it can bound an index seek;
``days_between(later, earlier)`` is their difference in days, cheaper per row on SQLite.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, literal
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



class days_after(FunctionElement[date]):  # noqa: N801  (reads like a SQL function)
    """``column`` + ``days`` as a date, comparable with date columns on both backends.

    Lets a date range relative to another column (the days after a patient's admission) bound
    an index range: ``dose_date < days_after(admission_date, 180)`` is a seek, where a test on
    ``day_number(dose_date) - day_number(admission_date)`` reads every row of the patient.
    """

    type = Date()
    inherit_cache = True
    name = "days_after"

    def __init__(self, column: Any, days: int) -> None:
        super().__init__(column, literal(days, Integer()))


@compiles(days_after, "sqlite")
def _days_after_sqlite(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    column, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({column}, {days} || ' days')"


@compiles(days_after, "postgresql")
def _days_after_postgresql(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    column, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({column} AS DATE) + CAST({days} AS INTEGER))"


class days_between(FunctionElement[int]):  # noqa: N801  (reads like a SQL function)
    """Whole days from ``earlier`` to ``later`` (negative when ``later`` comes first).

    ``day_number(later) - day_number(earlier)`` with one conversion less per row on SQLite,
    for expressions evaluated on every dose row of a scan.
    """

    type = Integer()
    inherit_cache = True
    name = "days_between"

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # Both Julian days of a date end in .5: the difference is a whole number, exactly.
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
