"""Retention in treatment: still in continuous treatment a fixed number of days after admission.

The measures are the ASPE 90-day retention measure and NQF 3175 (MIPS 468), 180 days. A horizon of
N days covers the days ``admission .. admission + N - 1`` inclusive. The patient is retained when
not discharged within the horizon and no gap without a taken dose inside it is longer than the
allowed gap (7 days by default). The data layer reads the taken days of the horizons in SQL as
bit masks and measures them with :func:`longest_gap_of_mask`; :func:`longest_gap_days` is the
plain-Python reference for tests and for checking that SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def horizon_bounds(admission: date, horizon_days: int) -> tuple[date, date]:
    """First and last day (inclusive) of a retention horizon of ``horizon_days`` days.

    The data layer computes the longest gap between exactly these days.
    """
    if horizon_days < 1:
        raise ValueError(f"a retention horizon must be at least 1 day, got {horizon_days}")
    return admission, admission + timedelta(days=horizon_days - 1)


def longest_gap_days(taken_dates: Iterable[date], start: date, end: date) -> int:
    """The longest run of consecutive days in ``[start, end]`` without a taken dose.

    A dose every day gives 0; no dose at all gives the whole span, ``(end - start).days + 1``.
    Runs at the start (before the first dose) and at the end (after the last) count too: a
    patient who stopped coming is out of treatment whether or not they come back later.
    """
    if end < start:
        raise ValueError(f"the span ends ({end}) before it starts ({start})")
    longest = 0
    previous = start - timedelta(days=1)  # a virtual dose the day before the span
    for day in sorted({day for day in taken_dates if start <= day <= end}):
        longest = max(longest, (day - previous).days - 1)
        previous = day
    return max(longest, (end - previous).days)


def longest_gap_of_mask(taken_days: int, horizon_days: int) -> int:
    """:func:`longest_gap_days` of a horizon whose taken days are the bits of ``taken_days``
    (bit n: the n-th day from the admission, 0 for the admission day), the shape in which the
    data layer reads a horizon's doses without returning them: runs at either end count, and no
    bit set is the whole horizon."""
    if horizon_days < 1:
        raise ValueError(f"a retention horizon must be at least 1 day, got {horizon_days}")
    untaken = ~taken_days & ((1 << horizon_days) - 1)
    longest = 0
    while untaken:  # each step shortens every run of untaken days by one
        untaken &= untaken >> 1
        longest += 1
    return longest


def retention_status(
    admission: date,
    as_of: date,
    horizon_days: int,
    longest_gap_in_horizon: int,
    discharged_on: date | None,
    max_gap_days: int,
) -> bool | None:
    """Whether the patient was retained ``horizon_days`` after admission; None if too early.

    None until the whole horizon is in the past (``as_of >= admission + horizon_days``): like the
    ASPE and NQF 3175 measures, which count only episodes that started at least the horizon before
    the end of the period, and so that today's not-yet-recorded dose cannot decide it. Then False
    when discharged within the horizon (on or before its last day) or when the longest gap
    without a taken dose in the horizon exceeds ``max_gap_days``; True otherwise. A gap of exactly
    ``max_gap_days`` does not break retention.
    """
    _, last_day = horizon_bounds(admission, horizon_days)
    if longest_gap_in_horizon < 0 or max_gap_days < 0:
        raise ValueError(
            f"gaps must not be negative: longest {longest_gap_in_horizon}, allowed {max_gap_days}"
        )
    if as_of <= last_day:
        return None
    if discharged_on is not None and discharged_on <= last_day:
        return False
    return longest_gap_in_horizon <= max_gap_days


def longest_gap_by_horizon(
    taken_dates: Iterable[date], admission: date, horizons_days: Iterable[int]
) -> dict[int, int]:
    """The longest gap inside each horizon, keyed by horizon length: the shape of the SQL aggregate.

    Used to build ``PatientFacts`` in tests and to cross-check the data layer.
    """
    taken = list(taken_dates)
    return {
        horizon: longest_gap_days(taken, *horizon_bounds(admission, horizon))
        for horizon in horizons_days
    }
