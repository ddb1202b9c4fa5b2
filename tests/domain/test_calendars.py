"""Gregorian <-> Solar Hijri: conversions around Nowruz and leap years, display, typed input.

Expected dates are the official Iranian calendar's: Nowruz 1400 fell on 21 March 2021, the
day after Esfand 30 of the leap year 1399; Nowruz 1403 on 20 March 2024, and 1403 is leap
again (Esfand 30 = 20 March 2025); 1402 is a common year (Esfand has 29 days).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.calendars import (
    Calendar,
    DateInputError,
    JalaliDate,
    day_and_month,
    describe_working_days,
    format_date,
    format_moment,
    from_jalali,
    is_jalali_leap_year,
    jalali_month_length,
    month_label,
    month_start,
    parse_date,
    solar_hijri_slip,
    start_of_week,
    to_jalali,
    week_start,
    weekday_short_name,
)
from i18n.catalog import translating

AS_OF = date(2026, 11, 2)  # a Monday; 11 Aban 1405
JALALI, GREGORIAN = Calendar.JALALI, Calendar.GREGORIAN


@pytest.mark.parametrize(("gregorian", "jalali"), [
    (date(2020, 3, 20), JalaliDate(1399, 1, 1)),  # Nowruz 1399
    (date(2021, 3, 20), JalaliDate(1399, 12, 30)),  # Esfand 30 of the leap year 1399
    (date(2021, 3, 21), JalaliDate(1400, 1, 1)),  # Nowruz 1400
    (date(2024, 2, 29), JalaliDate(1402, 12, 10)),  # a Gregorian leap day
    (date(2024, 3, 19), JalaliDate(1402, 12, 29)),  # the last day of the common year 1402
    (date(2024, 3, 20), JalaliDate(1403, 1, 1)),  # Nowruz 1403
    (date(2025, 3, 20), JalaliDate(1403, 12, 30)),  # Esfand 30 of the leap year 1403
    (date(2025, 3, 21), JalaliDate(1404, 1, 1)),  # Nowruz 1404
    (date(2025, 9, 22), JalaliDate(1404, 6, 31)),  # the last 31-day month ends
    (date(2025, 9, 23), JalaliDate(1404, 7, 1)),
    (AS_OF, JalaliDate(1405, 8, 11)),
])
def test_known_days_convert_both_ways(gregorian: date, jalali: JalaliDate) -> None:
    assert to_jalali(gregorian) == jalali
    assert from_jalali(jalali.year, jalali.month, jalali.day) == gregorian


def test_every_day_round_trips_and_follows_the_day_before_over_leap_years() -> None:
    day, end = date(2019, 3, 21), date(2030, 3, 21)  # Nowruz 1398 to Nowruz 1409
    previous = to_jalali(day - timedelta(days=1))
    while day < end:
        jalali = to_jalali(day)
        assert from_jalali(jalali.year, jalali.month, jalali.day) == day
        if jalali.day == 1:  # a new month starts after the full length of the last one
            assert previous.day == jalali_month_length(previous.year, previous.month)
            assert (previous.month % 12) + 1 == jalali.month
        else:
            assert (previous.year, previous.month, previous.day + 1) == (
                jalali.year, jalali.month, jalali.day)
        previous, day = jalali, day + timedelta(days=1)


def test_leap_years_have_thirty_days_in_esfand() -> None:
    leap = [year for year in range(1395, 1410) if is_jalali_leap_year(year)]

    assert leap == [1395, 1399, 1403, 1408]
    assert [jalali_month_length(1403, month) for month in (1, 6, 7, 11, 12)] == [31, 31, 30, 30,
                                                                                30]
    assert jalali_month_length(1404, 12) == 29


def test_a_day_that_does_not_exist_is_refused() -> None:
    with pytest.raises(DateInputError, match="month 12 of 1402 has 29 days: there is no day 30"):
        from_jalali(1402, 12, 30)
    with pytest.raises(DateInputError, match="month 7 of 1404 has 30 days: there is no day 31"):
        from_jalali(1404, 7, 31)
    with pytest.raises(DateInputError, match="between 1 and 12, not 13"):
        from_jalali(1404, 13, 1)


# -- display -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("calendar", "language", "long", "shown"), [
    (GREGORIAN, "en", False, "2026-11-02"),
    (GREGORIAN, "en", True, "2 November 2026"),
    (GREGORIAN, "fa", True, "۲ نوامبر ۲۰۲۶"),
    (JALALI, "en", False, "1405/08/11"),
    (JALALI, "en", True, "11 Aban 1405"),
    (JALALI, "fa", False, "۱۴۰۵/۰۸/۱۱"),
    (JALALI, "fa", True, "۱۱ آبان ۱۴۰۵"),
])
def test_a_stored_date_in_the_users_calendar(calendar: Calendar, language: str, long: bool,
                                             shown: str) -> None:
    assert format_date(AS_OF, calendar, language, long=long) == shown


def test_months_for_counting_and_axes() -> None:
    assert month_start(AS_OF, JALALI) == date(2026, 10, 23)  # 1 Aban 1405
    assert month_start(AS_OF, GREGORIAN) == date(2026, 11, 1)
    assert month_start(date(2025, 3, 20), JALALI) == date(2025, 2, 19)  # 1 Esfand 1403
    assert month_label(AS_OF, JALALI, "fa") == "آبان ۱۴۰۵"
    assert month_label(AS_OF, JALALI, "en") == "Aban 1405"
    assert month_label(AS_OF, GREGORIAN, "en") == "November 2026"


# -- typed dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "calendar", "meant"), [
    ("1403/12/30", JALALI, date(2025, 3, 20)),
    ("۱۴۰۳/۱۲/۳۰", JALALI, date(2025, 3, 20)),  # Persian digits
    ("١٤٠٣-١٢-٣٠", JALALI, date(2025, 3, 20)),  # Arabic-Indic digits, dashes
    (" 1405.8.11 ", JALALI, AS_OF),  # points, no leading zeros, spaces around
    ("1399 12 30", JALALI, date(2021, 3, 20)),
    ("2026-11-02", GREGORIAN, AS_OF),
    ("۲۰۲۴/۰۲/۲۹", GREGORIAN, date(2024, 2, 29)),
])
def test_a_date_typed_in_the_shown_calendar(typed: str, calendar: Calendar, meant: date) -> None:
    assert parse_date(typed, calendar) == meant


@pytest.mark.parametrize(("typed", "calendar", "problem"), [
    ("1402/12/30", JALALI, "month 12 of 1402 has 29 days: there is no day 30"),
    ("1403/13/01", JALALI, "the month must be between 1 and 12, not 13"),
    ("2025/03/20", JALALI, "2025 is a Gregorian year: type the date in the Solar Hijri "
                           "calendar (e.g. 1403/12/30)"),
    ("1403-12-30", GREGORIAN, "1403 is a Solar Hijri year: type the date in the Gregorian "
                              "calendar (e.g. 2025-03-20)"),
    ("2025-02-29", GREGORIAN, "month 2 of 2025 has 28 days: there is no day 29"),
    ("2025-13-01", GREGORIAN, "the month must be between 1 and 12, not 13"),
    ("0900-01-01", GREGORIAN, "the year 900 is out of range (1900-2200)"),
    ("yesterday", GREGORIAN, "'yesterday' is not a date: Gregorian date, year-month-day, "
                             "e.g. 2026-11-02"),
    ("1405/08", JALALI, "'1405/08' is not a date: Solar Hijri date, year/month/day, "
                        "e.g. 1405/08/11"),
])
def test_a_bad_typed_date_says_what_to_correct(typed: str, calendar: Calendar,
                                               problem: str) -> None:
    with pytest.raises(DateInputError) as raised:
        parse_date(typed, calendar)
    assert str(raised.value) == problem


def test_the_errors_read_in_the_users_language() -> None:
    with translating("fa"), pytest.raises(DateInputError) as raised:
        parse_date("1402/12/30", JALALI)
    assert str(raised.value) == "ماه 12 سال 1402، 29 روز دارد: روز 30 وجود ندارد"


def test_a_solar_hijri_date_in_a_gregorian_column_is_recognised() -> None:
    assert solar_hijri_slip(date(1403, 12, 30)) == date(2025, 3, 20)
    assert solar_hijri_slip(date(1402, 12, 30)) is None  # no such Solar Hijri day
    assert solar_hijri_slip(AS_OF) is None


# -- weeks ---------------------------------------------------------------------------------------

SAT_TO_WED = frozenset({5, 6, 0, 1, 2})
MON_TO_FRI = frozenset({0, 1, 2, 3, 4})


@pytest.mark.parametrize(("working_days", "first"), [
    (SAT_TO_WED, 5),  # an Iranian clinic: the week starts on Saturday
    (frozenset({5, 6, 0, 1, 2, 3}), 5),
    (MON_TO_FRI, 0),
    (frozenset({6, 0, 1, 2, 3}), 6),  # Sunday to Thursday
    (frozenset(range(7)), 0),
    (frozenset({0, 2, 4}), 0),  # Monday follows the longest time off (Saturday, Sunday)
    (frozenset({1, 5}), 5),  # Wednesday to Friday off, then Saturday
])
def test_the_week_starts_on_the_clinics_first_working_day(working_days: frozenset[int],
                                                           first: int) -> None:
    assert week_start(working_days) == first


def test_the_week_of_a_day() -> None:
    assert start_of_week(AS_OF, week_start(SAT_TO_WED)) == date(2026, 10, 31)  # Saturday
    assert start_of_week(AS_OF, week_start(MON_TO_FRI)) == AS_OF
    assert start_of_week(date(2026, 10, 31), 5) == date(2026, 10, 31)


def test_working_days_in_words() -> None:
    assert describe_working_days(SAT_TO_WED, "en") == "Saturday to Wednesday"
    assert describe_working_days(frozenset({0, 2, 4}), "en") == "Monday, Wednesday, Friday"
    with translating("fa"):
        assert describe_working_days(SAT_TO_WED, "fa") == "شنبه تا چهارشنبه"
        assert describe_working_days(frozenset({5, 1}), "fa") == "شنبه، سه‌شنبه"


# -- moments, chart labels -----------------------------------------------------------------------

@pytest.mark.parametrize(("calendar", "language", "shown"), [
    (GREGORIAN, "en", "2026-11-02 14:05"),
    (GREGORIAN, "fa", "۲۰۲۶-۱۱-۰۲ ۱۴:۰۵"),
    (JALALI, "en", "1405/08/11 14:05"),
    (JALALI, "fa", "۱۴۰۵/۰۸/۱۱ ۱۴:۰۵"),
])
def test_a_moment_is_its_short_date_and_the_time_as_stored(calendar: Calendar, language: str,
                                                          shown: str) -> None:
    assert format_moment(datetime(2026, 11, 2, 14, 5, 9), calendar, language) == shown


def test_a_moment_keeps_its_seconds_where_asked() -> None:
    assert format_moment(datetime(2026, 11, 2, 14, 5, 9), JALALI, "fa",
                         seconds=True) == "۱۴۰۵/۰۸/۱۱ ۱۴:۰۵:۰۹"


def test_a_day_and_its_month_for_an_axis() -> None:
    assert day_and_month(AS_OF, JALALI, "fa") == "۱۱ آبان"
    assert day_and_month(AS_OF, JALALI, "en") == "11 Aban"
    assert day_and_month(AS_OF, GREGORIAN, "fa") == "۲ نوامبر"
    assert day_and_month(date(2026, 3, 21), JALALI, "en") == "1 Farvardin"  # Nowruz 1405


def test_weekday_row_labels() -> None:
    assert [weekday_short_name(day, "en") for day in range(7)] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert weekday_short_name(5, "fa") == "شنبه"  # Saturday
    assert weekday_short_name(AS_OF.weekday(), "fa") == "دوشنبه"  # a Monday
