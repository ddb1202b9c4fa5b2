"""The periods a person picks on the Overview: named choices that become a ``Period``.

Named choices rather than two free dates, because a team comparing this month with last month
needs both to mean the same days every time; a custom range is still possible. Every period ends
on or before the as-of day (figures never count days that have not happened) and starts within
the 12 months the Overview loads, so the figures of a moment always have their records.

The months are those of the reader's calendar (``domain.calendars.Calendar``): for a Solar Hijri
reader "last month" on 2 November 2026 is Mehr 1405 (23 September to 22 October), not October.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from enum import StrEnum

from domain.calendars import Calendar
from domain.overview import Period, last_months
from domain.text import t

OVERVIEW_MONTHS = 12
"""The months of trend on the Overview, and the earliest a chosen period may start."""


class PeriodChoice(StrEnum):
    LAST_12_MONTHS = "last_12_months"
    LAST_3_MONTHS = "last_3_months"
    LAST_30_DAYS = "last_30_days"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"


def period_label(choice: PeriodChoice) -> str:
    labels = {
        PeriodChoice.LAST_12_MONTHS: t("Last 12 months"),
        PeriodChoice.LAST_3_MONTHS: t("Last 3 months"),
        PeriodChoice.LAST_30_DAYS: t("Last 30 days"),
        PeriodChoice.THIS_MONTH: t("This month so far"),
        PeriodChoice.LAST_MONTH: t("Last month"),
    }
    return labels[choice]


def earliest_start(as_of: date, calendar: Calendar = Calendar.GREGORIAN) -> date:
    """The first day of the first of the Overview's months."""
    return last_months(as_of, OVERVIEW_MONTHS, calendar)[0].start


def chosen_period(choice: PeriodChoice, as_of: date,
                  calendar: Calendar = Calendar.GREGORIAN) -> Period:
    """The days of ``choice`` as seen on ``as_of``, in months of ``calendar``; "last 12 months"
    is the whole trend window (eleven whole months and this month so far), so its figures match
    the trend's sum."""
    months = last_months(as_of, OVERVIEW_MONTHS, calendar)
    if choice is PeriodChoice.LAST_12_MONTHS:
        return Period(months[0].start, as_of)
    if choice is PeriodChoice.LAST_3_MONTHS:
        return Period(months[-3].start, as_of)
    if choice is PeriodChoice.LAST_30_DAYS:
        return Period(as_of - timedelta(days=29), as_of)
    if choice is PeriodChoice.THIS_MONTH:
        return months[-1]
    return months[-2]


class PeriodError(ValueError):
    """A custom period the Overview cannot show, with the reason in words."""


def custom_period(start: date, end: date, as_of: date,
                  calendar: Calendar = Calendar.GREGORIAN, *,
                  shown: Callable[[date], str] = date.isoformat) -> Period:
    """A range typed by a person, checked against what the Overview can count (the months of
    ``calendar``). ``shown`` writes a date in the refusal as the reader reads dates (a page
    passes ``components.dates.shown_date``); ISO by default."""
    if end < start:
        raise PeriodError(t("The period ends ({end}) before it starts ({start}).",
                            end=shown(end), start=shown(start)))
    if end > as_of:
        raise PeriodError(t("The period cannot end after today ({today}).",
                            today=shown(as_of)))
    first = earliest_start(as_of, calendar)
    if start < first:
        raise PeriodError(t("The Overview covers the last 12 months: start on {first} or later.",
                            first=shown(first)))
    return Period(start, end)
