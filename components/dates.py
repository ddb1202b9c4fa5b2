"""Dates as the signed-in user reads and types them: Gregorian or Solar Hijri (issue 9).

Storage stays an ISO Gregorian ``date`` everywhere; this module is only the edge. A page shows a
stored date with :func:`shown_date` and asks for one with :func:`date_field`, which is
Streamlit's date picker for a Gregorian reader and a text field read by
``domain.calendars.parse_date`` for a Solar Hijri one (Streamlit's picker only knows the
Gregorian calendar). docs/i18n.md describes the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from components.state import SignedInUser
from domain.calendars import Calendar, DateInputError, date_hint, format_date, parse_date
from domain.digits import localise_digits
from domain.text import t


def shown_date(day: date, user: SignedInUser, *, long: bool = False) -> str:
    """``day`` in the user's calendar and language (``2026-11-02``, ``۱۴۰۵/۰۸/۱۱``)."""
    return format_date(day, user.calendar, user.language, long=long)


def shown_moment(moment: datetime, user: SignedInUser) -> str:
    """A date and time (``2026-11-02 14:05``, ``۱۴۰۵/۰۸/۱۱ ۱۴:۰۵``) in the user's calendar; the
    time is shown as stored."""
    return f"{shown_date(moment.date(), user)} {localise_digits(f'{moment:%H:%M}', user.language)}"


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
