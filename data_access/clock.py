"""The one place Hamrah reads the wall clock, so every stored time is naive UTC.

``HAMRAH_NOW`` pins the clock to one UTC instant (ISO 8601) outside production: a training
session or a screenshot can show the dashboard "as of" a day, and tests that build rows for
"today" cannot see a different day when they run across midnight.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

PINNED_NOW_VARIABLE = "HAMRAH_NOW"


def utc_now() -> datetime:
    """Now in UTC without tzinfo: SQLite keeps no zone, so both engines store naive UTC."""
    pinned = pinned_now()
    if pinned is not None:
        return pinned
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utc_now().date()


def pinned_now() -> datetime | None:
    """The instant ``HAMRAH_NOW`` names, or None; production always reads the real clock."""
    text = os.environ.get(PINNED_NOW_VARIABLE, "").strip()
    if not text or os.environ.get("HAMRAH_ENV", "").strip() == "production":
        return None
    try:
        pinned = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{PINNED_NOW_VARIABLE}={text!r}: use an ISO 8601 time such as "
                         "2026-11-02T09:30:00") from None
    if pinned.tzinfo is not None:
        pinned = pinned.astimezone(UTC).replace(tzinfo=None)
    return pinned
