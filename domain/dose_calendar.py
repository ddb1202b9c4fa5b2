"""Each day of a patient's dose history classified for the dose calendar.

A scheduled day without a dose row is a missed day: many dispensing exports list only the doses
given, so the absence of a row must not read as "no data".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class DayKind(StrEnum):
    OBSERVED = "observed"
    TAKE_HOME = "take_home"
    MISSED = "missed"
    NOT_SCHEDULED = "not_scheduled"


@dataclass(frozen=True)
class DoseRow:
    day: date
    status: str
    kind: str
    dose_mg: float | None


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: DayKind
    dose_mg: float | None


def dose_calendar(rows: Iterable[DoseRow], start: date, end: date, admission: date,
                  discharged_on: date | None) -> list[CalendarDay]:
    """One entry per day from ``start`` to ``end``; days outside treatment are not scheduled."""
    by_day = {row.day: row for row in rows}
    days = []
    day = start
    while day <= end:
        row = by_day.get(day)
        in_treatment = day >= admission and (discharged_on is None or day < discharged_on)
        if row is not None and row.status == "taken":
            kind = DayKind.TAKE_HOME if row.kind == "take_home" else DayKind.OBSERVED
            days.append(CalendarDay(day, kind, row.dose_mg))
        elif in_treatment:
            days.append(CalendarDay(day, DayKind.MISSED, None))
        else:
            days.append(CalendarDay(day, DayKind.NOT_SCHEDULED, None))
        day += timedelta(days=1)
    return days
