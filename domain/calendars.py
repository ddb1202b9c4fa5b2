"""Dates in the Gregorian or the Solar Hijri (Jalali) calendar, as a staff user chooses.

Clinics in Iran keep dates in the Solar Hijri calendar (the year starts at Nowruz, the March
equinox; months 1-6 have 31 days, 7-11 have 30, Esfand 29, or 30 in a leap year). Hamrah stores
every date as an ISO Gregorian ``datetime.date``; this module only converts at the edge:
:func:`format_date` shows a stored date in the user's calendar and language,
:func:`parse_date` reads a date typed in the calendar the page shows and says precisely what is
wrong with a bad one. The conversion is ``jdatetime``'s (the 33-year arithmetic rule, which
agrees with the official calendar for the years a clinic deals with, 1300-1500).

A guard against the commonest slip: a year that belongs to the other calendar (``1403`` typed
where Gregorian dates are expected, ``2025`` where Solar Hijri ones are) is refused with the
date it would have meant, instead of being read as a date six centuries away.

Weeks: an Iranian week starts on Saturday, a European one on Monday. Hamrah derives a clinic's
first weekday from its working days (:func:`week_start`: the day after its weekend), so week
views follow the clinic's settings rather than the user's calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import jdatetime

from domain.digits import localise_digits, to_ascii_digits
from domain.text import t


class Calendar(StrEnum):
    """The calendar a staff user reads and types dates in (stored in the user's settings)."""

    GREGORIAN = "gregorian"
    JALALI = "jalali"


PERSIAN_JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان",
                         "آذر", "دی", "بهمن", "اسفند")
ENGLISH_JALALI_MONTHS = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
                         "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")
PERSIAN_GREGORIAN_MONTHS = ("ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت",
                            "سپتامبر", "اکتبر", "نوامبر", "دسامبر")
ENGLISH_GREGORIAN_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
                            "August", "September", "October", "November", "December")
# Python weekday numbers: Monday 0 .. Sunday 6.
PERSIAN_WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
ENGLISH_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday")
# A heat map's row labels: English abbreviates; a Persian weekday name is short enough whole,
# and its one-letter abbreviations (ش، ی، د) are read more slowly by staff than the names.
ENGLISH_WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONDAY, SATURDAY = 0, 5

# Years a date of a living patient's treatment can have in each calendar; outside these, a year
# that fits the other calendar is taken for a slip between calendars.
GREGORIAN_YEARS = range(1900, 2201)
JALALI_YEARS = range(1279, 1580)  # the same span: 1279 AP began in March 1900

_SEPARATORS = re.compile(r"[/\-.\s]+")


@dataclass(frozen=True)
class JalaliDate:
    """A Solar Hijri date: year (AP), month 1-12, day 1-31."""

    year: int
    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.year:04d}/{self.month:02d}/{self.day:02d}"


class DateInputError(ValueError):
    """A typed date that cannot be read; the message says what to correct."""


def to_jalali(day: date) -> JalaliDate:
    """The Solar Hijri date of a Gregorian one."""
    converted: Any = jdatetime.date.fromgregorian(date=day)
    return JalaliDate(int(converted.year), int(converted.month), int(converted.day))


def jalali_month_length(year: int, month: int) -> int:
    """Days in a Solar Hijri month: 31 (months 1-6), 30 (7-11), Esfand 29 or 30 (leap year)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not between 1 and 12")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_jalali_leap_year(year) else 29


def is_jalali_leap_year(year: int) -> bool:
    return bool(jdatetime.date(year, 1, 1).isleap())


def from_jalali(year: int, month: int, day: int) -> date:
    """The Gregorian date of a Solar Hijri one; :class:`DateInputError` for a day that does not
    exist (Esfand 30 of a common year, Mehr 31)."""
    if not 1 <= month <= 12:
        raise DateInputError(t("the month must be between 1 and 12, not {month}", month=month))
    length = jalali_month_length(year, month)
    if not 1 <= day <= length:
        raise DateInputError(t("month {month} of {year} has {days} days: there is no day {day}",
                               month=month, year=year, days=length, day=day))
    converted: Any = jdatetime.date(year, month, day).togregorian()
    return date(int(converted.year), int(converted.month), int(converted.day))


def month_name(month: int, calendar: Calendar, language: str) -> str:
    """The name of month 1-12 of ``calendar`` in ``language`` (Persian or English)."""
    if calendar is Calendar.JALALI:
        names = PERSIAN_JALALI_MONTHS if language == "fa" else ENGLISH_JALALI_MONTHS
    else:
        names = PERSIAN_GREGORIAN_MONTHS if language == "fa" else ENGLISH_GREGORIAN_MONTHS
    return names[month - 1]


def weekday_name(weekday: int, language: str) -> str:
    """The name of a Python weekday (Monday 0 .. Sunday 6) in ``language``."""
    return (PERSIAN_WEEKDAYS if language == "fa" else ENGLISH_WEEKDAYS)[weekday]


def weekday_short_name(weekday: int, language: str) -> str:
    """A Python weekday (Monday 0 .. Sunday 6) as a chart's row label: ``Mon``, ``دوشنبه``."""
    return (PERSIAN_WEEKDAYS if language == "fa" else ENGLISH_WEEKDAYS_SHORT)[weekday]


def _parts(day: date, calendar: Calendar) -> tuple[int, int, int]:
    if calendar is Calendar.JALALI:
        jalali = to_jalali(day)
        return jalali.year, jalali.month, jalali.day
    return day.year, day.month, day.day


def format_date(day: date, calendar: Calendar, language: str, *, long: bool = False) -> str:
    """``day`` as a person reading ``language`` in ``calendar`` expects it.

    Short: ``2026-11-02`` (Gregorian), ``1405/08/11`` (Solar Hijri, as Iranian forms write it);
    long: ``2 November 2026``, ``11 Aban 1405``. In Persian the digits are Persian
    (``۱۴۰۵/۰۸/۱۱``, ``۱۱ آبان ۱۴۰۵``).
    """
    year, month, number = _parts(day, calendar)
    if long:
        text = f"{number} {month_name(month, calendar, language)} {year}"
    elif calendar is Calendar.JALALI:
        text = f"{year:04d}/{month:02d}/{number:02d}"
    else:
        text = day.isoformat()
    return localise_digits(text, language)


def format_moment(moment: datetime, calendar: Calendar, language: str, *,
                  seconds: bool = False) -> str:
    """A date and time: the short date of :func:`format_date` and the time as stored
    (``2026-11-02 14:05``, ``۱۴۰۵/۰۸/۱۱ ۱۴:۰۵``); ``seconds`` where they matter (the audit
    log)."""
    time_of_day = localise_digits(f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}",
                                  language)
    return f"{format_date(moment.date(), calendar, language)} {time_of_day}"


def day_and_month(day: date, calendar: Calendar, language: str) -> str:
    """``11 Aban`` / ``۱۱ آبان`` / ``2 November``: a day of a short span, for a chart's axis."""
    _, month, number = _parts(day, calendar)
    return localise_digits(f"{number} {month_name(month, calendar, language)}", language)


def date_hint(calendar: Calendar) -> str:
    """How to type a date in ``calendar``, for a field's help text."""
    if calendar is Calendar.JALALI:
        return t("Solar Hijri date, year/month/day, e.g. 1405/08/11")
    return t("Gregorian date, year-month-day, e.g. 2026-11-02")


def parse_date(text: str, calendar: Calendar) -> date:
    """The Gregorian date of ``text`` typed in ``calendar``: year, month and day in that order,
    separated by ``/``, ``-``, ``.`` or spaces, in ASCII, Persian or Arabic-Indic digits.

    Raises :class:`DateInputError` saying what is wrong: not three numbers, a month or day out
    of range, a day the month does not have, or a year of the other calendar.
    """
    typed = to_ascii_digits(text).strip()
    parts = [part for part in _SEPARATORS.split(typed) if part]
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        raise DateInputError(t("'{text}' is not a date: {hint}", text=text.strip(),
                               hint=date_hint(calendar)))
    year, month, day = (int(part) for part in parts)
    if calendar is Calendar.JALALI:
        if year in GREGORIAN_YEARS:
            raise DateInputError(t(
                "{year} is a Gregorian year: type the date in the Solar Hijri calendar "
                "(e.g. {example})", year=year, example=_other_calendar_example(
                    year, month, day, Calendar.GREGORIAN)))
        if year not in JALALI_YEARS:
            raise DateInputError(t("the year {year} is out of range ({first}-{last})",
                                   year=year, first=JALALI_YEARS[0], last=JALALI_YEARS[-1]))
        return from_jalali(year, month, day)
    if year in JALALI_YEARS:
        raise DateInputError(t(
            "{year} is a Solar Hijri year: type the date in the Gregorian calendar "
            "(e.g. {example})", year=year,
            example=_other_calendar_example(year, month, day, Calendar.JALALI)))
    if year not in GREGORIAN_YEARS:
        raise DateInputError(t("the year {year} is out of range ({first}-{last})",
                               year=year, first=GREGORIAN_YEARS[0], last=GREGORIAN_YEARS[-1]))
    if not 1 <= month <= 12:
        raise DateInputError(t("the month must be between 1 and 12, not {month}", month=month))
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError(t("month {month} of {year} has {days} days: there is no day {day}",
                               month=month, year=year,
                               days=_gregorian_month_length(year, month), day=day)) from None


def _gregorian_month_length(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _other_calendar_example(year: int, month: int, day: int, typed_in: Calendar) -> str:
    """What the date typed in ``typed_in`` is in the other calendar, when it is a real date;
    otherwise an example of the other calendar's form."""
    try:
        if typed_in is Calendar.GREGORIAN:
            return str(to_jalali(date(year, month, day)))
        return from_jalali(year, month, day).isoformat()
    except ValueError:
        return "1405/08/11" if typed_in is Calendar.GREGORIAN else "2026-11-02"


def solar_hijri_slip(day: date) -> date | None:
    """For a Gregorian date whose year is a Solar Hijri one (``1403-12-30``, a Persian date in
    a Gregorian column), the date that was meant; None for any other date or an impossible one.
    """
    if day.year not in JALALI_YEARS:
        return None
    try:
        return from_jalali(day.year, day.month, day.day)
    except ValueError:
        return None


# -- months and weeks ----------------------------------------------------------------------------

def month_start(day: date, calendar: Calendar) -> date:
    """The first day (Gregorian) of the month of ``calendar`` that holds ``day``: the key to
    count admissions or doses per Solar Hijri month."""
    if calendar is Calendar.JALALI:
        jalali = to_jalali(day)
        return from_jalali(jalali.year, jalali.month, 1)
    return day.replace(day=1)


def month_label(day: date, calendar: Calendar, language: str) -> str:
    """``Aban 1405`` / ``آبان ۱۴۰۵`` / ``November 2026``: the month of ``day`` for an axis."""
    year, month, _ = _parts(day, calendar)
    return localise_digits(f"{month_name(month, calendar, language)} {year}", language)


def week_start(working_days: frozenset[int]) -> int:
    """The weekday a clinic's week starts on (Monday 0 .. Sunday 6): the first working day after
    the clinic's longest stretch of days off (``sat-wed`` starts on Saturday, after Thursday and
    Friday; ``mon-fri`` on Monday), Monday when the clinic works every day or on a tie."""
    if not working_days or len(working_days) == 7:
        return MONDAY

    def days_off_before(weekday: int) -> int:
        gap = 0
        while (weekday - gap - 1) % 7 not in working_days:
            gap += 1
        return gap

    return max(sorted(working_days), key=days_off_before)


def start_of_week(day: date, first_weekday: int) -> date:
    """The first day of the week holding ``day``, for a week starting on ``first_weekday``."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def describe_working_days(working_days: frozenset[int], language: str) -> str:
    """The working days in words, from the week's start: ``Saturday to Wednesday``,
    ``شنبه تا چهارشنبه``; days that do not run in one stretch are listed."""
    first = week_start(working_days)
    ordered = [(first + offset) % 7 for offset in range(7)
               if (first + offset) % 7 in working_days]
    names = [weekday_name(weekday, language) for weekday in ordered]
    contiguous = all((b - a) % 7 == 1 for a, b in zip(ordered, ordered[1:], strict=False))
    if contiguous and len(names) > 2:
        return t("{first} to {last}", first=names[0], last=names[-1])
    return ("، " if language == "fa" else ", ").join(names)
