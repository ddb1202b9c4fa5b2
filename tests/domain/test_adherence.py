"""Adherence: taken days over scheduled days, scheduled only between admission and discharge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.adherence import (
    adherence_from_dose_days,
    adherence_rate,
    scheduled_days,
    scheduled_span,
)

# A 28-day window: 1 to 28 March 2026.
START, END = date(2026, 3, 1), date(2026, 3, 28)


def march(day: int) -> date:
    return date(2026, 3, day)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("admission", "discharged_on", "expected"),
    [
        (date(2025, 6, 1), None, 28),  # in treatment all window
        (march(1), None, 28),  # admitted on the first window day
        (march(28), None, 1),  # admitted today
        (march(15), None, 14),  # admitted mid-window: 15..28
        (date(2025, 6, 1), march(11), 10),  # discharged on 11th: scheduled 1..10
        (date(2025, 6, 1), march(1), 0),  # discharged on the first window day
        (date(2025, 6, 1), march(28), 27),  # discharged today: today not scheduled
        (date(2025, 6, 1), march(29), 28),  # discharged tomorrow
        (march(10), march(20), 10),  # admitted and discharged inside: 10..19
        (date(2026, 4, 1), None, 0),  # admitted after the window
        (date(2025, 1, 1), date(2025, 6, 1), 0),  # discharged before the window
    ],
)
def test_scheduled_days(admission: date, discharged_on: date | None, expected: int) -> None:
    assert scheduled_days(START, END, admission, discharged_on) == expected


def test_scheduled_span_bounds_for_the_sql() -> None:
    assert scheduled_span(START, END, march(10), march(20)) == (march(10), march(19))
    assert scheduled_span(START, END, march(29), None) is None


def test_inverted_window_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        scheduled_days(END, START, march(1), None)


@pytest.mark.parametrize(
    ("taken", "scheduled", "expected"),
    [
        (28, 28, 1.0),
        (0, 28, 0.0),
        (21, 28, 0.75),
        (9, 10, 0.9),
        (30, 28, 1.0),  # two rows on one day never push it above 100 %
        (0, 0, None),  # nothing scheduled: no adherence to judge
        (5, 0, None),
    ],
)
def test_adherence_rate(taken: int, scheduled: int, expected: float | None) -> None:
    assert adherence_rate(taken, scheduled) == expected


@pytest.mark.parametrize(("taken", "scheduled"), [(-1, 28), (3, -1)])
def test_adherence_rate_refuses_negative_counts(taken: int, scheduled: int) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        adherence_rate(taken, scheduled)


def test_dose_every_day_is_full_adherence() -> None:
    taken = days(date(2026, 1, 1), END)
    assert adherence_from_dose_days(taken, END, date(2026, 1, 1), None, 28) == 1.0


def test_no_dose_at_all_is_zero() -> None:
    assert adherence_from_dose_days([], END, date(2026, 1, 1), None, 28) == 0.0


def test_only_taken_dates_inside_the_window_count() -> None:
    # 14 doses before the window, 7 inside it (1..7 March), one after as_of.
    taken = [*days(date(2026, 2, 15), march(7)), march(30)]
    assert adherence_from_dose_days(taken, END, date(2026, 1, 1), None, 28) == 7 / 28


def test_duplicate_dose_rows_on_one_day_count_once() -> None:
    taken = [march(27), march(27), march(28)]  # observed and take-home rows on the 27th
    assert adherence_from_dose_days(taken, END, date(2026, 1, 1), None, 28) == 2 / 28


def test_admitted_today_with_todays_dose() -> None:
    assert adherence_from_dose_days([END], END, END, None, 28) == 1.0
    assert adherence_from_dose_days([], END, END, None, 28) == 0.0


def test_discharge_inside_the_window() -> None:
    # Discharged on 11 March: scheduled 1..10 (10 days), took 8 of them; the dose recorded on the
    # discharge day is outside the scheduled days and does not count.
    taken = [*days(march(1), march(8)), march(11)]
    assert adherence_from_dose_days(taken, END, date(2025, 6, 1), march(11), 28) == 0.8


def test_discharged_before_the_window_has_no_adherence() -> None:
    assert adherence_from_dose_days([], END, date(2025, 6, 1), date(2026, 2, 1), 28) is None
