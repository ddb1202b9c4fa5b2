"""Dates as the signed-in user reads and types them: Gregorian or Solar Hijri (issue 9).

Storage stays an ISO Gregorian ``date`` everywhere; this module is only the edge. A page shows a
stored date with :func:`shown_date` and asks for one with :func:`date_field`, which is
Streamlit's date picker for a Gregorian reader and a text field read by
``domain.calendars.parse_date`` for a Solar Hijri one (Streamlit's picker only knows the
Gregorian calendar). docs/i18n.md describes the rules.

Tables: :func:`dates_as_shown` turns a frame's date and date-time columns into the user's text
for anyone but a Gregorian English reader, and :func:`date_columns_as_text` makes the table's
``DateColumn``/``DatetimeColumn`` settings text columns to match. Short dates are zero-padded
(``1405/08/11``, and Persian digits are consecutive code points), so the text columns still
sort in date order when a person clicks their header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from components.state import SignedInUser
from domain.calendars import (
    Calendar,
    DateInputError,
    date_hint,
    format_date,
    format_moment,
    parse_date,
)
from domain.digits import localise_digits
from domain.text import t


def shown_date(day: date, user: SignedInUser, *, long: bool = False) -> str:
    """``day`` in the user's calendar and language (``2026-11-02``, ``۱۴۰۵/۰۸/۱۱``)."""
    return format_date(day, user.calendar, user.language, long=long)


def shown_moment(moment: datetime, user: SignedInUser) -> str:
    """A date and time (``2026-11-02 14:05``, ``۱۴۰۵/۰۸/۱۱ ۱۴:۰۵``) in the user's calendar; the
    time is shown as stored."""
    return format_moment(moment, user.calendar, user.language)


def reads_native_dates(user: SignedInUser) -> bool:
    """Whether Streamlit's own date columns already show dates as the user reads them: only
    for a Gregorian calendar in English (they know neither Solar Hijri nor Persian digits)."""
    return user.calendar is Calendar.GREGORIAN and user.language != "fa"


# Named formats of st.column_config.DatetimeColumn; each shows a time.
_NAMED_DATETIME_FORMATS = frozenset({"localized", "distance", "relative", "calendar", "iso8601"})


@dataclass(frozen=True)
class _Precision:
    """How much of a stored moment a column shows."""

    time: bool
    seconds: bool = False


def _configured_precision(setting: object) -> _Precision | None:
    """What a column's ``DateColumn``/``DatetimeColumn`` setting shows (a date-time column
    formatted ``YYYY-MM-DD`` shows the day only); None for any other setting."""
    if not isinstance(setting, Mapping):
        return None
    type_config = setting.get("type_config") or {}
    if type_config.get("type") == "date":
        return _Precision(time=False)
    if type_config.get("type") != "datetime":
        return None
    shape = type_config.get("format")
    if shape is None or shape in _NAMED_DATETIME_FORMATS:
        return _Precision(time=True)
    # Moment.js tokens: hours H/h, minutes m, seconds s; dates use Y, M, D, d, Q, W only.
    return _Precision(time=any(token in shape for token in "Hhm"), seconds="s" in shape)


def _holds_dates(column: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return True
    if column.dtype != object:
        return False
    present = [value for value in column if not _is_missing(value)]
    return bool(present) and all(isinstance(value, date) for value in present)


def _is_missing(value: object) -> bool:
    return (value is None or value is pd.NaT or value is pd.NA
            or (isinstance(value, float) and pd.isna(value)))


class _CellTexts:
    """The text of a table's date cells for one user; each day is converted once, since a
    roster's columns repeat the same days row after row."""

    def __init__(self, user: SignedInUser) -> None:
        self.user = user
        self.days: dict[date, str] = {}

    def day(self, day: date) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = shown_date(day, self.user)
        return text

    def cell(self, value: object, precision: _Precision | None) -> str:
        if _is_missing(value):
            return ""
        if isinstance(value, datetime):
            if precision is not None and not precision.time:
                return self.day(value.date())
            seconds = precision is not None and precision.seconds
            clock = f"{value:%H:%M:%S}" if seconds else f"{value:%H:%M}"
            return f"{self.day(value.date())} {localise_digits(clock, self.user.language)}"
        if isinstance(value, date):
            return self.day(value)
        return str(value)


def dates_as_shown(frame: pd.DataFrame, user: SignedInUser, *,
                   column_config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The frame to draw: for a Gregorian English reader ``frame`` itself, so Streamlit's date
    columns and their formats work; for anyone else a copy whose date and date-time columns
    are the user's text (``1405/08/11``, ``۱۴۰۵/۰۸/۱۱ ۱۴:۰۵``, empty where there is none):
    the columns that hold dates or datetimes, and those ``column_config`` sets up as dates.

    A date-time column shows the day only where ``column_config`` formats it so
    (``DatetimeColumn(format="YYYY-MM-DD")``) and seconds where it shows them; pass the
    settings on to the table through :func:`date_columns_as_text`. Rows keep their order and
    index, so a selection by row position still points at the same row.
    """
    if reads_native_dates(user):
        return frame
    settings = column_config or {}
    texts = _CellTexts(user)
    shown = frame.copy()
    for name in frame.columns:
        column = frame[name]
        precision = _configured_precision(settings.get(name))
        # A column set up as dates is text even when it has no date yet (it becomes a text
        # column); an unconfigured one is recognised by its values.
        if isinstance(column, pd.Series) and (precision is not None or _holds_dates(column)):
            shown[name] = [texts.cell(value, precision) for value in column]
    return shown


def date_columns_as_text(column_config: Mapping[str, Any], user: SignedInUser
                         ) -> dict[str, Any]:
    """A table's column settings for the frame of :func:`dates_as_shown`: its date and
    date-time columns become text columns with the same label, width, help and pinning (a
    ``DateColumn`` cannot draw text); unchanged for a Gregorian English reader."""
    if reads_native_dates(user):
        return dict(column_config)
    return {name: ({**setting, "default": None,
                    "type_config": {"type": "text", "max_chars": None, "validate": None}}
                   if _configured_precision(setting) is not None else setting)
            for name, setting in column_config.items()}


@dataclass(frozen=True)
class DateEntry:
    """What a date field holds: the Gregorian ``day`` (None when empty or refused), and the
    ``problem`` with what was typed, already shown under the field. A caller saves nothing
    while there is a problem: an empty field and a refused one are different answers."""

    day: date | None
    problem: str | None = None

    @property
    def refused(self) -> bool:
        return self.problem is not None


def date_field(label: str, value: date | None, *, key: str, user: SignedInUser,
               min_value: date | None = None, max_value: date | None = None) -> DateEntry:
    """Ask for a date in the user's calendar.

    Gregorian: Streamlit's date picker, which keeps the date inside ``min_value``..``max_value``
    itself. Solar Hijri: a text field with the calendar's hint; what is typed is read by
    ``parse_date`` (any digits) and checked against the bounds, and a refusal is shown under the
    field in words (inside a form, on the run that submits it).
    """
    if user.calendar is Calendar.GREGORIAN:
        picked = st.date_input(label, value=value, min_value=min_value, max_value=max_value,
                               key=key)
        return DateEntry(picked if isinstance(picked, date) else None)
    typed = st.text_input(label, value="" if value is None else shown_date(value, user),
                          key=key, help=date_hint(user.calendar),
                          placeholder=date_hint(user.calendar))
    if not typed.strip():
        return DateEntry(None)
    problem: str | None = None
    try:
        day = parse_date(typed, user.calendar)
    except DateInputError as error:
        problem = str(error)
    else:
        if min_value is not None and day < min_value:
            problem = t("the date must be {first} or later",
                        first=shown_date(min_value, user))
        elif max_value is not None and day > max_value:
            problem = t("the date must be {last} or earlier", last=shown_date(max_value, user))
        else:
            return DateEntry(day)
    shown = t("{label} ({typed}): {problem}", label=label, typed=typed.strip(), problem=problem)
    st.error(shown)
    return DateEntry(None, shown)
