"""Counting days in treatment, in a phase and in a look-back window.

One convention for the whole application: the day of admission (or of entering a phase) is day 0,
and a window of N days ends on and includes ``as_of``.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def days_in_treatment(admission: date, as_of: date) -> int:
    """Whole days since admission; the admission day is day 0.

    Day 0 matches US 42 CFR 8.12(i), whose take-home tiers count "days 0-14 in treatment".
    An ``as_of`` before admission is a caller error (the patient was not yet in treatment).
    """
    if as_of < admission:
        raise ValueError(f"as_of {as_of} is before admission {admission}")
    return (as_of - admission).days


def days_in_phase(phase_since: date, as_of: date) -> int:
    """Whole days since entering the current phase; the day of the change is day 0.

    Stepped care reads time stable in a phase as evidence before a step down (Derbyshire
    Healthcare NHS Foundation Trust report, 2019).
    """
    if as_of < phase_since:
        raise ValueError(f"as_of {as_of} is before the phase started on {phase_since}")
    return (as_of - phase_since).days


@lru_cache(maxsize=256)
def window_bounds(as_of: date, days: int) -> tuple[date, date]:
    """First and last day of the ``days`` days ending on and including ``as_of``.

    Inclusive bounds, so the same pair can go into SQL ``BETWEEN`` and into tests unchanged.
    Remembered: the rules ask it several times per patient with the same day and window (the
    roster and the worklist, 10,000 times each at network scale), and a ``timedelta`` each time
    was a twentieth of their Python.
    """
    if days < 1:
        raise ValueError(f"a window must span at least 1 day, got {days}")
    return as_of - timedelta(days=days - 1), as_of
