"""When a clinic must answer a family's question, and whether it did.

Each clinic promises an answer within "one working day" or "seven days". Working days differ by
country (Saturday to Wednesday or Thursday in Iran, Monday to Friday elsewhere), so the working
week is a clinic setting, written as text such as ``"sat-wed"`` and parsed here.

Deadlines are day-granular: a question is due by the end of a day. That end is represented as an
exclusive, naive datetime — midnight at the start of the following day — so that "in time" is a
plain ``answered_at < due_at`` in Python and in SQL, with no 23:59:59 edge. All datetimes are
naive and on the stored clock (UTC, ``data_access.clock``); a clinic far from UTC sees its day
boundaries shifted by its offset until clinics get a time-zone setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.calendars import MONDAY, describe_working_days, start_of_week, week_start
from domain.text import t


class AnswerDeadline(StrEnum):
    """The answer time a clinic promises families."""

    ONE_WORKING_DAY = "one_working_day"
    SEVEN_DAYS = "seven_days"


class QuestionStatus(StrEnum):
    """Where a question stands against its deadline."""

    OPEN = "open"
    OVERDUE = "overdue"
    ANSWERED_IN_TIME = "answered_in_time"
    ANSWERED_LATE = "answered_late"


# Python weekday numbers (Monday 0 .. Sunday 6) of the three-letter English names.
_DAY_NUMBERS: dict[str, int] = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}
# Canonical order of names in text: starts on Saturday so that an Iranian week reads in one run
# ("sat,sun,mon,tue,wed") and a Monday-to-Friday week still reads naturally.
_CANONICAL_ORDER: tuple[int, ...] = (5, 6, 0, 1, 2, 3, 4)
_DAY_NAMES: dict[int, str] = {number: name for name, number in _DAY_NUMBERS.items()}
_ALLOWED_NAMES = ", ".join(_DAY_NAMES[number] for number in _CANONICAL_ORDER)

_SEVEN_DAYS = 7


@dataclass(frozen=True)
class WorkingWeek:
    """The weekdays a clinic works, as Python weekday numbers (Monday 0 .. Sunday 6)."""

    days: frozenset[int]

    def __post_init__(self) -> None:
        # An empty week would make "the next working day" loop for ever.
        if not self.days:
            raise ValueError("a working week needs at least one working day")
        outside = sorted(day for day in self.days if not 0 <= day <= 6)
        if outside:
            raise ValueError(
                f"working days are weekday numbers 0 (Monday) to 6 (Sunday), got {outside}"
            )

    @property
    def text(self) -> str:
        """The week as stored in settings and shown to staff, e.g. ``"sat,sun,mon,tue,wed"``.

        Always in the order sat..fri, so that two equal weeks have the same text.
        """
        return ",".join(_DAY_NAMES[day] for day in _CANONICAL_ORDER if day in self.days)


MONDAY_TO_FRIDAY = WorkingWeek(frozenset({0, 1, 2, 3, 4}))
SATURDAY_TO_WEDNESDAY = WorkingWeek(frozenset({5, 6, 0, 1, 2}))
SATURDAY_TO_THURSDAY = WorkingWeek(frozenset({5, 6, 0, 1, 2, 3}))


def _day_number(name: str, text: str) -> int:
    number = _DAY_NUMBERS.get(name.strip().lower())
    if number is None:
        raise ValueError(t(
            "working week '{text}': unknown day '{name}'; allowed names: {allowed}",
            text=text, name=name.strip(), allowed=_ALLOWED_NAMES,
        ))
    return number


def _day_range(first: int, last: int) -> set[int]:
    """Every day from ``first`` to ``last`` inclusive, wrapping past Sunday (``sat-wed``)."""
    return {(first + step) % 7 for step in range((last - first) % 7 + 1)}


def parse_working_week(text: str) -> WorkingWeek:
    """The working week written in ``text``: day names and ranges, separated by commas.

    Names are three-letter English day names, any case, spaces allowed (``"Sat, sun,MON"``). A
    range ``first-last`` includes both ends and may wrap around the week (``"sat-wed"``).
    Duplicates are harmless. The error names the bad part, so a person can correct the setting.
    """
    if not text.strip():
        raise ValueError(t(
            "working week is empty: write day names or ranges such as 'sat-wed' or "
            "'mon,tue,wed'; allowed names: {allowed}",
            allowed=_ALLOWED_NAMES,
        ))
    days: set[int] = set()
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) == 1:
            days.add(_day_number(ends[0], text))
        elif len(ends) == 2:
            days |= _day_range(_day_number(ends[0], text), _day_number(ends[1], text))
        else:
            raise ValueError(t(
                "working week '{text}': '{part}' is not a day or a range such as 'sat-wed'; "
                "allowed names: {allowed}",
                text=text, part=part.strip(), allowed=_ALLOWED_NAMES,
            ))
    return WorkingWeek(frozenset(days))


def is_working_day(day: date, week: WorkingWeek) -> bool:
    """Whether the clinic works on ``day``."""
    return day.weekday() in week.days


def next_working_day(day: date, week: WorkingWeek) -> date:
    """The first working day strictly after ``day`` (at most seven days later)."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate, week):
        candidate += timedelta(days=1)
    return candidate


def _end_of(day: date) -> datetime:
    """The exclusive end of ``day``: midnight at the start of the next day."""
    return datetime.combine(day + timedelta(days=1), time())


def answer_due_at(asked_at: datetime, rule: AnswerDeadline, week: WorkingWeek) -> datetime:
    """When the answer to a question asked at ``asked_at`` is due (exclusive end of a day).

    One working day: by the end of the first working day after the day of asking, whatever the
    hour — a question asked on a weekend or late on the last working day still gets a full
    working day. Seven days: by the end of the 7th calendar day after the day of asking; the
    working week does not matter.
    """
    asked_on = asked_at.date()
    if rule == AnswerDeadline.ONE_WORKING_DAY:
        return _end_of(next_working_day(asked_on, week))
    return _end_of(asked_on + timedelta(days=_SEVEN_DAYS))


def last_day_to_answer(due_at: datetime) -> date:
    """The day whose end is ``due_at``, for "due by the end of {day}" texts.

    ``due_at`` from :func:`answer_due_at` is always a midnight, the start of the day after; any
    other time is read as falling within its own day.
    """
    if due_at.time() == time():
        return due_at.date() - timedelta(days=1)
    return due_at.date()


def question_status(
    due_at: datetime, answered_at: datetime | None, now: datetime
) -> QuestionStatus:
    """Where a question stands: answered before ``due_at`` is in time, at or after it is late;
    unanswered, it is overdue from ``due_at`` on (``due_at`` itself is already past the end of
    the last day)."""
    if answered_at is not None:
        if answered_at < due_at:
            return QuestionStatus.ANSWERED_IN_TIME
        return QuestionStatus.ANSWERED_LATE
    if now >= due_at:
        return QuestionStatus.OVERDUE
    return QuestionStatus.OPEN


def time_left(due_at: datetime, now: datetime) -> timedelta:
    """Time until ``due_at``; negative once it has passed."""
    return due_at - now


def _duration_text(duration: timedelta) -> str:
    """A short, non-negative duration in whole parts: days and hours from one day on (minutes
    no longer matter then), otherwise hours and minutes; zero parts are left out."""
    total_minutes = int(duration.total_seconds()) // 60
    days, minutes_of_day = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(minutes_of_day, 60)
    parts: list[str] = []
    if days >= 1:
        parts.append(t("{days} day", days=days) if days == 1 else t("{days} days", days=days))
        if hours:
            parts.append(t("{hours} h", hours=hours))
    else:
        if hours:
            parts.append(t("{hours} h", hours=hours))
        if minutes or not hours:
            parts.append(t("{minutes} min", minutes=minutes))
    return " ".join(parts)


def time_left_text(due_at: datetime, now: datetime) -> str:
    """The clock column of a question: "3 h 20 min left", "1 day 4 h left", "overdue by 2 h".

    Parts are truncated to whole units. At ``due_at`` itself the question is overdue (as in
    :func:`question_status`), so zero reads "overdue by 0 min".
    """
    left = time_left(due_at, now)
    if left > timedelta(0):
        return t("{duration} left", duration=_duration_text(left))
    return t("overdue by {duration}", duration=_duration_text(-left))


def describe_deadline(rule: AnswerDeadline, week: WorkingWeek, language: str = "en") -> str:
    """The clinic's promise in words, for settings pages and family-facing notes; the working
    days are named as ``domain.calendars.describe_working_days`` names them in ``language``
    ("Saturday to Wednesday"), so every screen and the bot describe a clinic's week alike."""
    if rule == AnswerDeadline.ONE_WORKING_DAY:
        return t("1 working day (working days: {days})",
                 days=describe_working_days(week.days, language))
    return t("{days} days", days=_SEVEN_DAYS)


@dataclass(frozen=True)
class WeekTimeliness:
    """Questions asked in one week (starting on the clinic's first weekday) and how their
    answers met the deadline."""

    week_start: date
    in_time: int
    late: int
    overdue: int
    open: int


def shared_week_start(weeks: Iterable[WorkingWeek]) -> int:
    """The first weekday (Monday 0 .. Sunday 6) of a view over several clinics' questions: their
    common week start (``domain.calendars.week_start``: Saturday for ``sat-wed``); Monday, the
    ISO week, when they disagree or when there is no clinic."""
    starts = {week_start(week.days) for week in weeks}
    return starts.pop() if len(starts) == 1 else MONDAY


def timeliness_by_week(
    questions: Iterable[tuple[datetime, datetime, datetime | None]], now: datetime, *,
    first_weekday: int = MONDAY,
) -> list[WeekTimeliness]:
    """Count ``(asked_at, due_at, answered_at)`` rows per week of asking, oldest week first.

    The figure behind "answered in the deadline / late": a late answer and a still-overdue
    question both broke the clinic's promise, so they are kept apart from the answers in time.
    Weeks start on ``first_weekday`` (Monday 0 .. Sunday 6): the clinic's, from
    ``domain.calendars.week_start`` of its working days (Saturday for ``sat-wed``).
    """
    counts: dict[date, dict[QuestionStatus, int]] = {}
    for asked_at, due_at, answered_at in questions:
        start = start_of_week(asked_at.date(), first_weekday)
        week = counts.setdefault(start, dict.fromkeys(QuestionStatus, 0))
        week[question_status(due_at, answered_at, now)] += 1
    return [
        WeekTimeliness(
            week_start=start,
            in_time=week[QuestionStatus.ANSWERED_IN_TIME],
            late=week[QuestionStatus.ANSWERED_LATE],
            overdue=week[QuestionStatus.OVERDUE],
            open=week[QuestionStatus.OPEN],
        )
        for start, week in sorted(counts.items())
    ]
