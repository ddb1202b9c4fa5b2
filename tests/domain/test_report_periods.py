"""The Overview's named periods, checked by calendar on one as-of day."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendars import Calendar, format_date
from domain.overview import Period
from domain.report_periods import (
    PeriodChoice,
    PeriodError,
    chosen_period,
    custom_period,
    earliest_start,
)

AS_OF = date(2026, 3, 10)


@pytest.mark.parametrize(("choice", "expected"), [
    (PeriodChoice.LAST_12_MONTHS, Period(date(2025, 4, 1), date(2026, 3, 10))),
    (PeriodChoice.LAST_3_MONTHS, Period(date(2026, 1, 1), date(2026, 3, 10))),
    (PeriodChoice.LAST_30_DAYS, Period(date(2026, 2, 9), date(2026, 3, 10))),
    (PeriodChoice.THIS_MONTH, Period(date(2026, 3, 1), date(2026, 3, 10))),
    (PeriodChoice.LAST_MONTH, Period(date(2026, 2, 1), date(2026, 2, 28))),
])
def test_each_choice_names_fixed_days(choice: PeriodChoice, expected: Period) -> None:
    assert chosen_period(choice, AS_OF) == expected


def test_last_month_in_january_is_december() -> None:
    assert chosen_period(PeriodChoice.LAST_MONTH, date(2026, 1, 5)) == Period(
        date(2025, 12, 1), date(2025, 12, 31))


def test_a_custom_period_stays_within_the_twelve_months_up_to_today() -> None:
    assert earliest_start(AS_OF) == date(2025, 4, 1)
    assert custom_period(date(2025, 4, 1), date(2026, 3, 10), AS_OF) == Period(
        date(2025, 4, 1), date(2026, 3, 10))
    with pytest.raises(PeriodError, match="start on 2025-04-01 or later"):
        custom_period(date(2025, 3, 31), date(2026, 1, 1), AS_OF)
    with pytest.raises(PeriodError, match="cannot end after today"):
        custom_period(date(2026, 1, 1), date(2026, 3, 11), AS_OF)
    with pytest.raises(PeriodError, match="ends \\(2026-01-01\\) before it starts"):
        custom_period(date(2026, 2, 1), date(2026, 1, 1), AS_OF)


# --- Solar Hijri months ------------------------------------------------------------------------
# 26 Nov 2026 is 5 Azar 1405: 1 Azar is 22 Nov, 1 Aban 23 Oct, 1 Mehr 23 Sep (1 Farvardin 1405
# is 21 Mar 2026; months 1-6 have 31 days, 7-11 have 30). The twelve months start on 1 Dey 1404,
# 22 Dec 2025 (1 Farvardin 1404 is 21 Mar 2025; + 6 x 31 + 3 x 30 days).
JALALI_AS_OF = date(2026, 11, 26)


@pytest.mark.parametrize(("choice", "expected"), [
    (PeriodChoice.LAST_12_MONTHS, Period(date(2025, 12, 22), JALALI_AS_OF)),  # from 1 Dey 1404
    (PeriodChoice.LAST_3_MONTHS, Period(date(2026, 9, 23), JALALI_AS_OF)),  # from 1 Mehr 1405
    (PeriodChoice.LAST_30_DAYS, Period(date(2026, 10, 28), JALALI_AS_OF)),  # any calendar
    (PeriodChoice.THIS_MONTH, Period(date(2026, 11, 22), JALALI_AS_OF)),  # Azar 1405 so far
    (PeriodChoice.LAST_MONTH, Period(date(2026, 10, 23), date(2026, 11, 21))),  # Aban 1405
])
def test_each_choice_names_solar_hijri_months_for_a_solar_hijri_reader(
        choice: PeriodChoice, expected: Period) -> None:
    assert chosen_period(choice, JALALI_AS_OF, Calendar.JALALI) == expected


def test_a_gregorian_reader_keeps_gregorian_months_on_the_same_day() -> None:
    assert chosen_period(PeriodChoice.THIS_MONTH, JALALI_AS_OF) == Period(
        date(2026, 11, 1), JALALI_AS_OF)
    assert chosen_period(PeriodChoice.LAST_MONTH, JALALI_AS_OF, Calendar.GREGORIAN) == Period(
        date(2026, 10, 1), date(2026, 10, 31))


def test_last_month_on_11_aban_is_mehr() -> None:
    assert chosen_period(PeriodChoice.LAST_MONTH, date(2026, 11, 2), Calendar.JALALI) == Period(
        date(2026, 9, 23), date(2026, 10, 22))


def test_solar_hijri_last_month_across_nowruz_of_a_leap_year() -> None:
    # 1403 is a leap year: Esfand 1403 runs from 19 Feb to 30 Esfand, 20 Mar 2025; Nowruz 1404
    # is 21 Mar 2025. On 5 Farvardin 1404 (25 Mar 2025) last month is the whole of Esfand.
    assert chosen_period(PeriodChoice.LAST_MONTH, date(2025, 3, 25), Calendar.JALALI) == Period(
        date(2025, 2, 19), date(2025, 3, 20))
    assert chosen_period(PeriodChoice.THIS_MONTH, date(2025, 3, 25), Calendar.JALALI) == Period(
        date(2025, 3, 21), date(2025, 3, 25))
    # On 30 Esfand 1403 itself, this month is Esfand, 30 days so far.
    assert chosen_period(PeriodChoice.THIS_MONTH, date(2025, 3, 20), Calendar.JALALI) == Period(
        date(2025, 2, 19), date(2025, 3, 20))


def test_a_solar_hijri_custom_period_starts_from_1_dey_and_says_so_in_that_calendar() -> None:
    assert earliest_start(JALALI_AS_OF) == date(2025, 12, 1)
    assert earliest_start(JALALI_AS_OF, Calendar.JALALI) == date(2025, 12, 22)
    assert custom_period(date(2025, 12, 22), JALALI_AS_OF, JALALI_AS_OF,
                         Calendar.JALALI) == Period(date(2025, 12, 22), JALALI_AS_OF)
    # 1 to 21 Dec 2025 is within a Gregorian reader's months, not a Solar Hijri reader's.
    assert custom_period(date(2025, 12, 1), JALALI_AS_OF, JALALI_AS_OF) == Period(
        date(2025, 12, 1), JALALI_AS_OF)

    def solar_hijri(day: date) -> str:
        return format_date(day, Calendar.JALALI, "en")

    with pytest.raises(PeriodError, match="start on 1404/10/01 or later"):
        custom_period(date(2025, 12, 21), JALALI_AS_OF, JALALI_AS_OF, Calendar.JALALI,
                      shown=solar_hijri)
    with pytest.raises(PeriodError, match="start on 2025-12-22 or later"):  # ISO by default
        custom_period(date(2025, 12, 1), JALALI_AS_OF, JALALI_AS_OF, Calendar.JALALI)
    # 23 Oct 2026 is 1 Aban 1405, 27 Oct is 5 Aban, 27 Nov is 6 Azar.
    with pytest.raises(PeriodError, match=r"ends \(1405/08/01\) before it starts \(1405/08/05\)"):
        custom_period(date(2026, 10, 27), date(2026, 10, 23), JALALI_AS_OF, Calendar.JALALI,
                      shown=solar_hijri)
    with pytest.raises(PeriodError, match=r"after today \(1405/09/05\)"):
        custom_period(date(2026, 10, 27), date(2026, 11, 27), JALALI_AS_OF, Calendar.JALALI,
                      shown=solar_hijri)
