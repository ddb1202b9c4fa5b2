"""Answer deadlines for family questions: working weeks, due times, status and the clock text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.calendars import SATURDAY, describe_working_days
from domain.deadlines import (
    MONDAY_TO_FRIDAY,
    SATURDAY_TO_THURSDAY,
    SATURDAY_TO_WEDNESDAY,
    AnswerDeadline,
    QuestionStatus,
    WeekTimeliness,
    WorkingWeek,
    answer_due_at,
    describe_deadline,
    is_working_day,
    last_day_to_answer,
    next_working_day,
    parse_working_week,
    question_status,
    shared_week_start,
    time_left,
    time_left_text,
    timeliness_by_week,
)
from domain.text import use_translator
from i18n.catalog import translating

# One week of November 2026, Saturday to Friday.
SAT = date(2026, 11, 21)
SUN = date(2026, 11, 22)
MON = date(2026, 11, 23)
TUE = date(2026, 11, 24)
WED = date(2026, 11, 25)
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)
NEXT_SAT = date(2026, 11, 28)
NEXT_MON = date(2026, 11, 30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(days=1)


def test_the_calendar_of_these_tests() -> None:
    assert [d.strftime("%a") for d in (SAT, SUN, MON, TUE, WED, THU, FRI, NEXT_SAT, NEXT_MON)] == [
        "Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Mon"
    ]


# --- working weeks ------------------------------------------------------------------------


def test_constant_weeks_and_their_text() -> None:
    assert MONDAY_TO_FRIDAY.days == frozenset({0, 1, 2, 3, 4})
    assert SATURDAY_TO_WEDNESDAY.days == frozenset({5, 6, 0, 1, 2})
    assert SATURDAY_TO_THURSDAY.days == frozenset({5, 6, 0, 1, 2, 3})
    assert MONDAY_TO_FRIDAY.text == "mon,tue,wed,thu,fri"
    assert SATURDAY_TO_WEDNESDAY.text == "sat,sun,mon,tue,wed"
    assert SATURDAY_TO_THURSDAY.text == "sat,sun,mon,tue,wed,thu"


def test_text_uses_the_canonical_order_whatever_the_input_order() -> None:
    assert WorkingWeek(frozenset({4, 6, 5})).text == "sat,sun,fri"


@pytest.mark.parametrize("days", [frozenset(), frozenset({7}), frozenset({0, -1})])
def test_working_week_rejects_empty_or_outside_days(days: frozenset[int]) -> None:
    with pytest.raises(ValueError, match="working"):
        WorkingWeek(days)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", MONDAY_TO_FRIDAY),
        ("sat-wed", SATURDAY_TO_WEDNESDAY),
        ("sat-thu", SATURDAY_TO_THURSDAY),
        ("Sat, sun,MON", WorkingWeek(frozenset({5, 6, 0}))),
        ("SAT - wed", SATURDAY_TO_WEDNESDAY),
        ("mon,tue,wed,thu,fri", MONDAY_TO_FRIDAY),
        ("mon-wed, wed-fri, tue", MONDAY_TO_FRIDAY),
        ("thu-sun", WorkingWeek(frozenset({3, 4, 5, 6}))),
        ("fri-mon", WorkingWeek(frozenset({4, 5, 6, 0}))),
        ("wed-wed", WorkingWeek(frozenset({2}))),
        ("sun", WorkingWeek(frozenset({6}))),
    ],
)
def test_parse_working_week(text: str, expected: WorkingWeek) -> None:
    assert parse_working_week(text) == expected


def test_parsed_text_round_trips() -> None:
    assert parse_working_week(SATURDAY_TO_WEDNESDAY.text) == SATURDAY_TO_WEDNESDAY
    assert parse_working_week("fri-mon").text == "sat,sun,mon,fri"


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_rejects_empty_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"^working week is empty: .*allowed names: "
                                         r"sat, sun, mon, tue, wed, thu, fri$"):
        parse_working_week(text)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("sat,sundy", "sundy"),
        ("saturday-wed", "saturday"),
        ("sat-", ""),
        ("mon,,tue", ""),
        ("lun-ven", "lun"),
    ],
)
def test_parse_names_the_unknown_day(text: str, bad: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_working_week(text)
    assert str(raised.value) == (
        f"working week '{text}': unknown day '{bad}'; "
        "allowed names: sat, sun, mon, tue, wed, thu, fri"
    )


def test_parse_rejects_a_range_of_three() -> None:
    with pytest.raises(ValueError, match=r"'sat-mon-wed' is not a day or a range"):
        parse_working_week("sat-mon-wed")


def test_parse_error_is_one_line() -> None:
    with pytest.raises(ValueError) as raised:
        parse_working_week("sat,xyz")
    assert "\n" not in str(raised.value)


def test_parse_error_is_translated() -> None:
    with use_translator(lambda message: message.replace("unknown day", "روز ناشناخته")):
        with pytest.raises(ValueError, match="روز ناشناخته 'xyz'"):
            parse_working_week("xyz")


# --- working days -------------------------------------------------------------------------


def test_is_working_day() -> None:
    assert [is_working_day(d, MONDAY_TO_FRIDAY) for d in (SAT, SUN, MON, FRI)] == [
        False, False, True, True
    ]
    assert [is_working_day(d, SATURDAY_TO_WEDNESDAY) for d in (SAT, WED, THU, FRI)] == [
        True, True, False, False
    ]
    assert [is_working_day(d, SATURDAY_TO_THURSDAY) for d in (WED, THU, FRI)] == [
        True, True, False
    ]


@pytest.mark.parametrize(
    ("day", "week", "expected"),
    [
        (MON, MONDAY_TO_FRIDAY, TUE),
        (FRI, MONDAY_TO_FRIDAY, NEXT_MON),
        (SAT, MONDAY_TO_FRIDAY, MON),
        (WED, SATURDAY_TO_WEDNESDAY, NEXT_SAT),
        (THU, SATURDAY_TO_WEDNESDAY, NEXT_SAT),
        (WED, SATURDAY_TO_THURSDAY, THU),
        (THU, SATURDAY_TO_THURSDAY, NEXT_SAT),
        (SAT, WorkingWeek(frozenset({5})), NEXT_SAT),
    ],
)
def test_next_working_day_is_strictly_after(day: date, week: WorkingWeek, expected: date) -> None:
    assert next_working_day(day, week) == expected


# --- due times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked_at", "week", "last_day"),
    [
        # Monday to Friday: the weekend is crossed.
        (at(MON, 9), MONDAY_TO_FRIDAY, TUE),
        (at(THU, 23, 59), MONDAY_TO_FRIDAY, FRI),
        (at(FRI, 16), MONDAY_TO_FRIDAY, NEXT_MON),
        (at(SAT, 10), MONDAY_TO_FRIDAY, MON),
        (at(SUN, 0), MONDAY_TO_FRIDAY, MON),
        # Saturday to Wednesday: Thursday and Friday are the weekend.
        (at(TUE, 8), SATURDAY_TO_WEDNESDAY, WED),
        (at(WED, 12), SATURDAY_TO_WEDNESDAY, NEXT_SAT),
        (at(THU, 9), SATURDAY_TO_WEDNESDAY, NEXT_SAT),
        (at(FRI, 18), SATURDAY_TO_WEDNESDAY, NEXT_SAT),
        # Saturday to Thursday: only Friday is the weekend.
        (at(WED, 12), SATURDAY_TO_THURSDAY, THU),
        (at(THU, 12), SATURDAY_TO_THURSDAY, NEXT_SAT),
        (at(FRI, 12), SATURDAY_TO_THURSDAY, NEXT_SAT),
    ],
)
def test_one_working_day(asked_at: datetime, week: WorkingWeek, last_day: date) -> None:
    due_at = answer_due_at(asked_at, AnswerDeadline.ONE_WORKING_DAY, week)
    assert due_at == end_of(last_day)
    assert last_day_to_answer(due_at) == last_day


def test_one_working_day_returns_the_midnight_after_the_working_day() -> None:
    due_at = answer_due_at(at(FRI, 16), AnswerDeadline.ONE_WORKING_DAY, MONDAY_TO_FRIDAY)
    assert due_at == datetime(2026, 12, 1, 0, 0)


def test_seven_days_ignores_the_working_week() -> None:
    for week in (MONDAY_TO_FRIDAY, SATURDAY_TO_WEDNESDAY, SATURDAY_TO_THURSDAY):
        assert answer_due_at(at(MON, 10), AnswerDeadline.SEVEN_DAYS, week) == datetime(
            2026, 12, 1, 0, 0
        )


def test_seven_days_from_a_weekend_day_and_at_any_hour() -> None:
    assert answer_due_at(at(FRI, 0), AnswerDeadline.SEVEN_DAYS, SATURDAY_TO_WEDNESDAY) == (
        datetime(2026, 12, 5, 0, 0)
    )
    assert answer_due_at(at(FRI, 23, 59), AnswerDeadline.SEVEN_DAYS, SATURDAY_TO_WEDNESDAY) == (
        datetime(2026, 12, 5, 0, 0)
    )
    assert last_day_to_answer(datetime(2026, 12, 5, 0, 0)) == date(2026, 12, 4)


def test_last_day_to_answer() -> None:
    assert last_day_to_answer(datetime(2026, 12, 1, 0, 0)) == date(2026, 11, 30)
    assert last_day_to_answer(datetime(2027, 1, 1, 0, 0)) == date(2026, 12, 31)
    # A time within a day belongs to that day.
    assert last_day_to_answer(datetime(2026, 12, 1, 0, 1)) == date(2026, 12, 1)
    assert last_day_to_answer(datetime(2026, 12, 1, 17, 0)) == date(2026, 12, 1)


# --- status -------------------------------------------------------------------------------

DUE = datetime(2026, 11, 25, 0, 0)
ONE_SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("answered_at", "now", "expected"),
    [
        (None, DUE - ONE_SECOND, QuestionStatus.OPEN),
        (None, DUE, QuestionStatus.OVERDUE),
        (None, DUE + timedelta(days=3), QuestionStatus.OVERDUE),
        (DUE - ONE_SECOND, DUE + timedelta(days=3), QuestionStatus.ANSWERED_IN_TIME),
        (DUE - timedelta(hours=20), DUE - timedelta(hours=10), QuestionStatus.ANSWERED_IN_TIME),
        (DUE, DUE, QuestionStatus.ANSWERED_LATE),
        (DUE + timedelta(hours=2), DUE + timedelta(days=1), QuestionStatus.ANSWERED_LATE),
    ],
)
def test_question_status_boundaries(
    answered_at: datetime | None, now: datetime, expected: QuestionStatus
) -> None:
    assert question_status(DUE, answered_at, now) == expected


def test_time_left_is_negative_when_late() -> None:
    assert time_left(DUE, DUE - timedelta(hours=3)) == timedelta(hours=3)
    assert time_left(DUE, DUE + timedelta(minutes=5)) == timedelta(minutes=-5)
    assert time_left(DUE, DUE) == timedelta(0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE - timedelta(hours=3, minutes=20), "3 h 20 min left"),
        (DUE - timedelta(hours=3, minutes=20, seconds=59), "3 h 20 min left"),
        (DUE - timedelta(days=1, hours=4, minutes=59), "1 day 4 h left"),
        (DUE - timedelta(days=2), "2 days left"),
        (DUE - timedelta(days=6, minutes=30), "6 days left"),
        (DUE - timedelta(hours=2), "2 h left"),
        (DUE - timedelta(minutes=45), "45 min left"),
        (DUE - timedelta(seconds=30), "0 min left"),
        (DUE, "overdue by 0 min"),
        (DUE + timedelta(minutes=1), "overdue by 1 min"),
        (DUE + timedelta(hours=2, minutes=5), "overdue by 2 h 5 min"),
        (DUE + timedelta(hours=23, minutes=59), "overdue by 23 h 59 min"),
        (DUE + timedelta(days=1), "overdue by 1 day"),
        (DUE + timedelta(days=3, minutes=10), "overdue by 3 days"),
        (DUE + timedelta(days=3, hours=1), "overdue by 3 days 1 h"),
    ],
)
def test_time_left_text(now: datetime, expected: str) -> None:
    assert time_left_text(DUE, now) == expected


def test_time_left_text_is_translated() -> None:
    farsi = {"{duration} left": "{duration} مانده", "{hours} h": "{hours} ساعت"}
    with use_translator(lambda message: farsi.get(message, message)):
        assert time_left_text(DUE, DUE - timedelta(hours=2, minutes=5)) == "2 ساعت 5 min مانده"


# --- description --------------------------------------------------------------------------


def test_describe_deadline_names_the_working_days_as_the_calendar_does() -> None:
    assert describe_deadline(AnswerDeadline.ONE_WORKING_DAY, SATURDAY_TO_WEDNESDAY) == (
        "1 working day (working days: Saturday to Wednesday)"
    )
    assert describe_deadline(AnswerDeadline.ONE_WORKING_DAY, MONDAY_TO_FRIDAY) == (
        "1 working day (working days: Monday to Friday)"
    )
    # Days that do not run in one stretch are listed, from the week's start (Saturday here).
    assert describe_deadline(AnswerDeadline.ONE_WORKING_DAY,
                             parse_working_week("sat,mon,wed")) == (
        "1 working day (working days: Saturday, Monday, Wednesday)"
    )
    assert describe_deadline(AnswerDeadline.SEVEN_DAYS, MONDAY_TO_FRIDAY) == "7 days"


def test_describe_deadline_in_persian_uses_the_persian_day_names() -> None:
    with translating("fa"):
        assert describe_deadline(AnswerDeadline.ONE_WORKING_DAY, SATURDAY_TO_WEDNESDAY,
                                 "fa") == "یک روز کاری (روزهای کاری: شنبه تا چهارشنبه)"
        assert describe_deadline(AnswerDeadline.ONE_WORKING_DAY, MONDAY_TO_FRIDAY,
                                 "fa") == "یک روز کاری (روزهای کاری: دوشنبه تا جمعه)"
        # The calendar's own wording, word for word, inside the deadline.
        assert describe_working_days(SATURDAY_TO_THURSDAY.days, "fa") in describe_deadline(
            AnswerDeadline.ONE_WORKING_DAY, SATURDAY_TO_THURSDAY, "fa")


def test_enum_values_are_stable() -> None:
    assert [str(rule) for rule in AnswerDeadline] == ["one_working_day", "seven_days"]
    assert [str(status) for status in QuestionStatus] == [
        "open", "overdue", "answered_in_time", "answered_late"
    ]


def test_timeliness_counts_each_week_of_asking() -> None:
    now = datetime(2026, 11, 25, 12, 0)
    monday = datetime(2026, 11, 16, 9, 0)
    due = datetime(2026, 11, 18, 0, 0)
    rows = [
        (monday, due, datetime(2026, 11, 17, 15, 0)),  # in time
        (monday + timedelta(days=6), due + timedelta(days=6), due + timedelta(days=7)),  # late
        (monday, due, None),  # still unanswered: overdue
        (datetime(2026, 11, 24, 10, 0), datetime(2026, 11, 26, 0, 0), None),  # open
        (datetime(2026, 11, 9, 10, 0), datetime(2026, 11, 11, 0, 0), datetime(2026, 11, 11)),
    ]
    assert timeliness_by_week(rows, now) == [
        WeekTimeliness(date(2026, 11, 9), in_time=0, late=1, overdue=0, open=0),
        WeekTimeliness(date(2026, 11, 16), in_time=1, late=1, overdue=1, open=0),
        WeekTimeliness(date(2026, 11, 23), in_time=0, late=0, overdue=0, open=1),
    ]


def test_timeliness_weeks_start_on_the_clinics_first_weekday() -> None:
    """An Iranian clinic's week starts on Saturday: a question asked on Sunday 22 November
    belongs with the Tuesday after it, not with the Monday before."""
    now = datetime(2026, 11, 25, 12, 0)
    rows = [
        (datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18), datetime(2026, 11, 17)),  # Mon
        (datetime(2026, 11, 22, 9, 0), datetime(2026, 11, 24), datetime(2026, 11, 25)),  # Sun
        (datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 18), None),  # Mon, overdue
        (datetime(2026, 11, 24, 10, 0), datetime(2026, 11, 26), None),  # Tue, open
        (datetime(2026, 11, 9, 10, 0), datetime(2026, 11, 11), datetime(2026, 11, 11)),  # Mon
    ]
    assert timeliness_by_week(rows, now, first_weekday=SATURDAY) == [
        WeekTimeliness(date(2026, 11, 7), in_time=0, late=1, overdue=0, open=0),
        WeekTimeliness(date(2026, 11, 14), in_time=1, late=0, overdue=1, open=0),
        WeekTimeliness(date(2026, 11, 21), in_time=0, late=1, overdue=0, open=1),
    ]


def test_a_view_over_clinics_uses_their_common_week_start_or_monday() -> None:
    assert shared_week_start([SATURDAY_TO_WEDNESDAY]) == SATURDAY
    assert shared_week_start([SATURDAY_TO_WEDNESDAY, SATURDAY_TO_THURSDAY]) == SATURDAY
    assert shared_week_start([MONDAY_TO_FRIDAY]) == 0
    assert shared_week_start([SATURDAY_TO_WEDNESDAY, MONDAY_TO_FRIDAY]) == 0
    assert shared_week_start([]) == 0
