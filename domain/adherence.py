"""Dose adherence: the share of scheduled days on which the dose was taken.

A day is scheduled when the patient is in treatment: on or after admission and before discharge.
A dose counts whether it was observed at the clinic or a take-home dose; a scheduled day without a
taken dose (a ``missed`` row or no row at all) counts as missed.

At network scale the data layer counts the taken days per patient in SQL and calls
:func:`adherence_rate`; :func:`adherence_from_dose_days` derives the same figure from a plain list
of dates for tests and for cross-checking that SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from domain.treatment_time import window_bounds


def scheduled_span(
    window_start: date, window_end: date, admission: date, discharged_on: date | None
) -> tuple[date, date] | None:
    """First and last scheduled day inside the window, or None when no day is scheduled.

    The data layer counts taken days between exactly these bounds, so that the numerator and the
    denominator of adherence cover the same days.
    """
    if window_end < window_start:
        raise ValueError(f"window ends ({window_end}) before it starts ({window_start})")
    first = max(window_start, admission)
    last = window_end
    if discharged_on is not None:
        # Not scheduled on the discharge day itself: treatment ended that day.
        last = min(last, discharged_on - timedelta(days=1))
    return (first, last) if first <= last else None


def scheduled_days(
    window_start: date, window_end: date, admission: date, discharged_on: date | None
) -> int:
    """How many days of the inclusive window the patient was expected to take a dose.

    Days before admission and from the discharge day on are not scheduled: a patient must not
    look non-adherent for days they were not in treatment.
    """
    span = scheduled_span(window_start, window_end, admission, discharged_on)
    return 0 if span is None else (span[1] - span[0]).days + 1


def adherence_rate(taken_days: int, scheduled: int) -> float | None:
    """Share of scheduled days with a taken dose, from 0.0 to 1.0; None when nothing is scheduled.

    None rather than 0 or 1, because a patient with no scheduled day has no adherence to judge.
    Taken days are clamped to the scheduled days, so that two dose rows on one day or a dose
    recorded outside the scheduled days can never push adherence above 100 %.
    """
    if taken_days < 0 or scheduled < 0:
        raise ValueError(
            f"day counts must not be negative: taken {taken_days}, scheduled {scheduled}"
        )
    if scheduled == 0:
        return None
    return min(taken_days, scheduled) / scheduled


def adherence_from_dose_days(
    taken_dates: Iterable[date],
    as_of: date,
    admission: date,
    discharged_on: date | None,
    window_days: int,
) -> float | None:
    """Adherence over the ``window_days`` ending on ``as_of``, from the dates a dose was taken.

    Only distinct dates inside the scheduled part of the window count; this is the reference the
    SQL aggregate is checked against.
    """
    window_start, window_end = window_bounds(as_of, window_days)
    span = scheduled_span(window_start, window_end, admission, discharged_on)
    if span is None:
        return None
    first, last = span
    taken = {day for day in taken_dates if first <= day <= last}
    return adherence_rate(len(taken), (last - first).days + 1)
