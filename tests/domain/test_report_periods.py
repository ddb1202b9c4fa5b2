"""The Overview's named periods, checked by calendar on one as-of day."""

from __future__ import annotations

from datetime import date

import pytest

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
