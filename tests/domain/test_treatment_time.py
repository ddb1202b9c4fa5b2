"""Day counting: admission day is day 0, windows end on and include as_of."""

from __future__ import annotations

from datetime import date

import pytest

from domain.treatment_time import days_in_phase, days_in_treatment, window_bounds


@pytest.mark.parametrize(
    ("admission", "as_of", "expected"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), 0),  # admitted today
        (date(2026, 3, 1), date(2026, 3, 15), 14),
        (date(2026, 3, 1), date(2026, 3, 16), 15),
        (date(2025, 12, 31), date(2026, 1, 1), 1),  # across a year
        (date(2024, 2, 28), date(2024, 3, 1), 2),  # leap year
    ],
)
def test_days_in_treatment(admission: date, as_of: date, expected: int) -> None:
    assert days_in_treatment(admission, as_of) == expected


def test_days_in_treatment_refuses_as_of_before_admission() -> None:
    with pytest.raises(ValueError, match="before admission"):
        days_in_treatment(date(2026, 3, 2), date(2026, 3, 1))


def test_days_in_phase() -> None:
    assert days_in_phase(date(2026, 1, 1), date(2026, 1, 1)) == 0
    assert days_in_phase(date(2026, 1, 1), date(2026, 4, 1)) == 90
    with pytest.raises(ValueError, match="before the phase started"):
        days_in_phase(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("as_of", "days", "expected"),
    [
        (date(2026, 3, 28), 28, (date(2026, 3, 1), date(2026, 3, 28))),
        (date(2026, 3, 28), 1, (date(2026, 3, 28), date(2026, 3, 28))),
        (date(2026, 3, 1), 30, (date(2026, 1, 31), date(2026, 3, 1))),
    ],
)
def test_window_bounds(as_of: date, days: int, expected: tuple[date, date]) -> None:
    assert window_bounds(as_of, days) == expected


def test_window_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        window_bounds(date(2026, 3, 1), 0)
