"""Retention: continuous treatment over 90 / 180 days, gaps up to 7 days allowed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.retention import (
    horizon_bounds,
    longest_gap_by_horizon,
    longest_gap_days,
    longest_gap_of_mask,
    retention_status,
)

ADMISSION = date(2026, 1, 1)


def day(n: int) -> date:
    """Day n in treatment (admission is day 0)."""
    return ADMISSION + timedelta(days=n)


def doses_on(*ranges: range) -> list[date]:
    return [day(n) for r in ranges for n in r]


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (doses_on(range(10)), 0),  # a dose every day
        ([], 10),  # no dose at all: the whole span
        (doses_on(range(0, 3), range(7, 10)), 4),  # 3..6 missed
        (doses_on(range(3, 10)), 3),  # leading gap 0..2
        (doses_on(range(0, 8)), 2),  # trailing gap 8..9
        (doses_on(range(0, 2), range(4, 5), range(9, 10)), 4),  # gaps 2 and 4: longest 4
        ([day(-5), day(20)], 10),  # doses outside the span do not count
        (doses_on(range(5)) * 2, 5),  # duplicate rows are one day
    ],
)
def test_longest_gap_days(taken: list[date], expected: int) -> None:
    assert longest_gap_days(taken, day(0), day(9)) == expected


def mask_of(*ranges: range) -> int:
    """The bits of the days in ``ranges`` (bit n: day n after the admission)."""
    return sum(1 << n for n in {n for r in ranges for n in r})


@pytest.mark.parametrize(
    ("taken", "horizon", "expected"),
    [
        (mask_of(range(10)), 10, 0),  # a dose every day
        (0, 10, 10),  # no dose at all: the whole horizon
        (mask_of(range(0, 3), range(7, 10)), 10, 4),  # 3..6 missed
        (mask_of(range(3, 10)), 10, 3),  # leading gap 0..2
        (mask_of(range(0, 8)), 10, 2),  # trailing gap 8..9
        (mask_of(range(0, 2), range(4, 5), range(9, 10)), 10, 4),  # gaps 2 and 4
        (mask_of(range(20)), 10, 0),  # days after the horizon do not count
        (mask_of(range(12)), 10, 0),
        # 180 days, as the data layer sums them in chunks of 62: 55..70 missed across the
        # first chunk's end, and nothing from day 150.
        (mask_of(range(55), range(71, 150)), 180, 30),
        (mask_of(range(55), range(71, 180)), 180, 16),
        (mask_of(range(55), range(71, 180)), 90, 16),
    ],
)
def test_longest_gap_of_a_mask_of_taken_days(taken: int, horizon: int, expected: int) -> None:
    assert longest_gap_of_mask(taken, horizon) == expected
    days = [day(n) for n in range(horizon) if taken >> n & 1]
    assert longest_gap_of_mask(taken, horizon) == longest_gap_days(days, day(0),
                                                                   day(horizon - 1))


def test_longest_gap_of_a_mask_refuses_an_empty_horizon() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        longest_gap_of_mask(0, 0)


def test_longest_gap_of_one_day_span() -> None:
    assert longest_gap_days([day(0)], day(0), day(0)) == 0
    assert longest_gap_days([], day(0), day(0)) == 1


def test_longest_gap_refuses_inverted_span() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        longest_gap_days([], day(1), day(0))


def test_horizon_bounds_cover_horizon_days() -> None:
    assert horizon_bounds(ADMISSION, 90) == (date(2026, 1, 1), date(2026, 3, 31))
    assert horizon_bounds(ADMISSION, 1) == (ADMISSION, ADMISSION)
    with pytest.raises(ValueError, match="at least 1 day"):
        horizon_bounds(ADMISSION, 0)


def test_longest_gap_by_horizon() -> None:
    # Daily doses to day 99, then nothing: no gap in 90 days, days 100..179 empty in 180.
    taken = doses_on(range(100))
    assert longest_gap_by_horizon(iter(taken), ADMISSION, (90, 180)) == {90: 0, 180: 80}


@pytest.mark.parametrize(
    ("as_of", "gap", "discharged_on", "expected"),
    [
        (day(89), 0, None, None),  # last horizon day itself: not complete yet
        (day(90), 0, None, True),  # exactly at the horizon
        (day(90), 7, None, True),  # a 7-day gap is allowed
        (day(90), 8, None, False),  # an 8-day gap breaks it
        (day(90), 0, day(89), False),  # discharged on the last horizon day
        (day(90), 0, day(90), True),  # discharged the day after: retained
        (day(200), 0, day(30), False),  # dropped out early
        (day(30), 20, day(20), None),  # too early, even if already discharged
        (day(0), 0, None, None),  # admitted today
    ],
)
def test_retention_status_90(
    as_of: date, gap: int, discharged_on: date | None, expected: bool | None
) -> None:
    assert retention_status(ADMISSION, as_of, 90, gap, discharged_on, 7) is expected


def test_retention_status_180_exactly_at_horizon() -> None:
    assert retention_status(ADMISSION, day(179), 180, 0, None, 7) is None
    assert retention_status(ADMISSION, day(180), 180, 0, None, 7) is True


def test_retention_from_dose_days_end_to_end() -> None:
    # Daily doses except an 8-day holiday on days 40..47: retained at neither horizon...
    taken = doses_on(range(40), range(48, 200))
    gaps = longest_gap_by_horizon(taken, ADMISSION, (90, 180))
    assert gaps == {90: 8, 180: 8}
    assert retention_status(ADMISSION, day(200), 90, gaps[90], None, 7) is False
    assert retention_status(ADMISSION, day(200), 180, gaps[180], None, 7) is False
    # ...while a 7-day holiday (days 40..46) keeps the patient retained.
    taken = doses_on(range(40), range(47, 200))
    gaps = longest_gap_by_horizon(taken, ADMISSION, (90, 180))
    assert retention_status(ADMISSION, day(200), 180, gaps[180], None, 7) is True


def test_retention_refuses_negative_gaps() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        retention_status(ADMISSION, day(100), 90, -1, None, 7)
