"""Dates on charts in the reader's calendar and language (issue 9): axis labels and tooltips.

Vega-Lite formats time with d3, which knows only the Gregorian calendar and English names. So
for any reader but a Gregorian English one, the labels are made here, in Python: the axis gets
tick values chosen in the reader's calendar (:func:`axis_labels`: month starts over a long
span, week starts or days over a short one) and a ``labelExpr`` that looks each tick's label
up by its date (:func:`date_axis`); a tooltip shows a text column of the shown dates
(:func:`shown_dates`). A Gregorian English reader keeps Vega-Lite's own axes and tooltips.

Numbers too: d3 writes a quantitative axis's labels (dose in mg, counts, percentages) in ASCII
digits, so for a Persian reader :func:`number_axis` adds a ``labelExpr`` that rewrites each
formatted label in Persian digits and separators, as ``domain.digits.to_persian_digits`` does.

Pure: no Streamlit, so chart builders stay testable (tests render them to SVG) and the PDF,
which has no reader, draws with the defaults.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd
from altair.utils.schemapi import UndefinedType

from domain.calendars import (
    MONDAY,
    Calendar,
    day_and_month,
    format_date,
    format_moment,
    month_name,
    month_start,
    start_of_week,
    to_jalali,
)
from domain.digits import (
    PERSIAN_DECIMAL_SEPARATOR,
    PERSIAN_DIGITS,
    PERSIAN_THOUSANDS_SEPARATOR,
    localise_digits,
)

MOST_TICKS = 10
# An axis over more than about two months is labelled by month, over two weeks by week, and
# over a shorter span by day.
MONTHLY_AFTER_DAYS = 62
DAILY_UNTIL_DAYS = 13


def uses_vega_dates(calendar: Calendar, language: str) -> bool:
    """Whether Vega-Lite's own time formats read right: Gregorian dates in English only."""
    return calendar is Calendar.GREGORIAN and language != "fa"


def _thinned(days: list[date], most: int) -> list[date]:
    return days[::max(1, math.ceil(len(days) / most))]


def _next_month(day: date, calendar: Calendar) -> date:
    """The first day of the month after the one ``day`` (a month's first day) starts."""
    return month_start(day + timedelta(days=32), calendar)  # no month is longer than 31 days


def _month_starts(first: date, last: date, calendar: Calendar) -> list[date]:
    month = month_start(first, calendar)
    if month < first:
        month = _next_month(month, calendar)
    starts: list[date] = []
    while month <= last:
        starts.append(month)
        month = _next_month(month, calendar)
    return starts


def _year_and_month(day: date, calendar: Calendar) -> tuple[int, int]:
    if calendar is Calendar.JALALI:
        jalali = to_jalali(day)
        return jalali.year, jalali.month
    return day.year, day.month


def axis_labels(first: date, last: date, calendar: Calendar, language: str, *,
                first_weekday: int = MONDAY, most: int = MOST_TICKS) -> dict[date, str]:
    """The days an axis from ``first`` to ``last`` is labelled at (at most ``most``, in order)
    and their labels, in ``calendar`` and ``language``.

    Over more than about two months: the first days of the calendar's months (every second or
    third one when there are many), ``Aban 1405``, then ``Azar``, ``Dey``, with the year again
    where it changes (``آبان ۱۴۰۵``, ``آذر`` in Persian). Over a shorter span: the first days
    of weeks (from ``first_weekday``), or every day under two weeks, as ``11 Aban``
    (``۱۱ آبان``).
    """
    span = (last - first).days
    if span <= MONTHLY_AFTER_DAYS:
        if span > DAILY_UNTIL_DAYS:
            week = start_of_week(first, first_weekday)
            if week < first:
                week += timedelta(days=7)
            ticks = [week + timedelta(days=7 * n) for n in range((last - week).days // 7 + 1)]
        else:
            ticks = [first + timedelta(days=n) for n in range(span + 1)]
        return {day: day_and_month(day, calendar, language) for day in _thinned(ticks, most)}
    labels: dict[date, str] = {}
    year_shown: int | None = None
    for day in _thinned(_month_starts(first, last, calendar), most):
        year, month = _year_and_month(day, calendar)
        name = month_name(month, calendar, language)
        labels[day] = name if year == year_shown else localise_digits(f"{name} {year}", language)
        year_shown = year
    return labels


def label_expression(labels: Mapping[date, str]) -> str:
    """A Vega ``labelExpr`` giving each tick its label, looked up by its (local) day."""
    lookup = json.dumps({day.isoformat(): text for day, text in labels.items()},
                        ensure_ascii=False)
    return f"{lookup}[timeFormat(datum.value, '%Y-%m-%d')] || ''"


def _span(values: Iterable[Any]) -> tuple[date, date] | None:
    present = pd.to_datetime(pd.Series(list(values)), errors="coerce").dropna()
    if present.empty:
        return None
    return present.min().date(), present.max().date()


def date_axis(values: Iterable[Any], calendar: Calendar, language: str, *,
              first_weekday: int = MONDAY, **options: Any) -> alt.Axis | UndefinedType:
    """A temporal axis over the dates ``values`` holds (dates, datetimes or timestamps),
    labelled in ``calendar`` and ``language`` (:func:`axis_labels`). For a Gregorian English
    reader, or without dates, Vega-Lite's own axis: the chart is then drawn as it always was.
    ``options`` are other ``alt.Axis`` settings (title, label angle)."""
    span = None if uses_vega_dates(calendar, language) else _span(values)
    if span is None:
        return alt.Axis(**options) if options else alt.Undefined
    labels = axis_labels(*span, calendar, language, first_weekday=first_weekday)
    return alt.Axis(values=[alt.DateTime(year=day.year, month=day.month, date=day.day)
                            for day in labels],
                    labelExpr=label_expression(labels), **options)


def day_labels(values: Iterable[Any], calendar: Calendar, language: str) -> list[str]:
    """Each day as ``11 Aban`` (``۱۱ آبان``), for an axis of a few weeks drawn as text; as the
    short date (``1405/08/11``) when a span of over a year would give two days one label."""
    days = [value.date() if isinstance(value, datetime) else value for value in values]
    labels = [day_and_month(day, calendar, language) for day in days]
    if len(set(labels)) < len(set(days)):
        labels = [format_date(day, calendar, language) for day in days]
    return labels


def shown_dates(values: Iterable[Any], calendar: Calendar, language: str, *,
                time: bool = False) -> list[str]:
    """The dates (or, with ``time``, dates and times) as a reader of ``calendar`` and
    ``language`` reads them, for a tooltip; empty where there is none."""
    shown: list[str] = []
    for value in values:
        if value is None or pd.isna(value):
            shown.append("")
        elif time and isinstance(value, datetime):
            shown.append(format_moment(value, calendar, language))
        else:
            day = value.date() if isinstance(value, datetime) else value
            shown.append(format_date(day, calendar, language))
    return shown


def persian_digits_expression(text: str = "datum.label") -> str:
    """A Vega expression: the string ``text`` (an expression, a label by default) with Persian
    digits, and a point or comma between two digits as the Persian decimal or thousands
    separator (``1,200.5`` reads ``۱٬۲۰۰٫۵``). The separators go first, while the digits around
    them are still ASCII; each ``replace`` takes a global regular expression, since a string
    pattern would replace only the first occurrence."""
    expression = (f"replace(replace({text}, /([0-9])[.](?=[0-9])/g, "
                  f"'$1{PERSIAN_DECIMAL_SEPARATOR}'), /([0-9]),(?=[0-9])/g, "
                  f"'$1{PERSIAN_THOUSANDS_SEPARATOR}')")
    for ascii_digit, persian_digit in enumerate(PERSIAN_DIGITS):
        expression = f"replace({expression}, /{ascii_digit}/g, '{persian_digit}')"
    return expression


def number_axis(language: str, **options: Any) -> alt.Axis | UndefinedType:
    """A quantitative axis (dose, counts, percentages) whose labels are in the reader's digits:
    Persian for ``"fa"`` (Vega formats the label, :func:`persian_digits_expression` rewrites
    it, so ``format="%"`` still reads ``۵۰%``); otherwise Vega-Lite's own axis. ``options`` are
    other ``alt.Axis`` settings (format, title)."""
    if language == "fa":
        return alt.Axis(labelExpr=persian_digits_expression(), **options)
    return alt.Axis(**options) if options else alt.Undefined
