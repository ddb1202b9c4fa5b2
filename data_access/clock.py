"""The one place Hamrah reads the wall clock, so every stored time is naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_now() -> datetime:
    """Now in UTC without tzinfo: SQLite keeps no zone, so both engines store naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utc_now().date()
