"""The dose heat map's weeks: they start on the clinic's first weekday (issue 9)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from components.patient_charts import calendar_frame, dose_calendar_chart
from domain.calendars import SATURDAY
from domain.dose_calendar import DoseRow, dose_calendar
from domain.text import use_translator

# Thursday 29 October to Monday 2 November 2026; one dose on Sunday 1 November.
DAYS = dose_calendar([DoseRow(date(2026, 11, 1), "taken", "observed", 80.0)],
                     date(2026, 10, 29), date(2026, 11, 2), date(2025, 1, 1), None)


def _weeks(frame: pd.DataFrame) -> list[tuple[str, str, int]]:
    return [(row.date.date().isoformat(), row.week_start.date().isoformat(), row.week)
            for row in frame.itertuples()]


def test_weeks_start_on_monday_by_default() -> None:
    frame = calendar_frame(DAYS)
    assert _weeks(frame) == [
        ("2026-10-29", "2026-10-26", 0), ("2026-10-30", "2026-10-26", 0),
        ("2026-10-31", "2026-10-26", 0), ("2026-11-01", "2026-10-26", 0),
        ("2026-11-02", "2026-11-02", 1),
    ]
    assert list(frame["weekday"]) == ["Thu", "Fri", "Sat", "Sun", "Mon"]


def test_an_iranian_clinics_weeks_start_on_saturday() -> None:
    assert _weeks(calendar_frame(DAYS, first_weekday=SATURDAY)) == [
        ("2026-10-29", "2026-10-24", 0), ("2026-10-30", "2026-10-24", 0),
        ("2026-10-31", "2026-10-31", 1), ("2026-11-01", "2026-10-31", 1),
        ("2026-11-02", "2026-10-31", 1),
    ]
    with use_translator(lambda message: message):
        encoding = dose_calendar_chart(DAYS, first_weekday=SATURDAY).to_dict()["encoding"]
    assert encoding["y"]["sort"] == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]


def test_no_days_make_an_empty_frame() -> None:
    assert calendar_frame([], first_weekday=SATURDAY).empty
