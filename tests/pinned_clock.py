"""One instant for tests that build rows for "today" and then read them back through the app.

The instant is taken once, when the test session imports this module; tests pin the app's clock
to it with ``HAMRAH_NOW`` so a run that crosses midnight still sees one day.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from data_access.clock import PINNED_NOW_VARIABLE, utc_now

PINNED_NOW: datetime = utc_now()
PINNED_TODAY: date = PINNED_NOW.date()


def pin_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin this process's clock (and that of any subprocess started with os.environ)."""
    monkeypatch.setenv(PINNED_NOW_VARIABLE, PINNED_NOW.isoformat())
