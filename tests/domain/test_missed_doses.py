"""Missed-dose streak and the Australian guideline ladder (3 half dose, 4 review, 5+ induction)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.missed_doses import (
    MissedDoseAction,
    is_overdose_risk,
    last_taken_on_or_before,
    missed_dose_action,
    missed_dose_streak,
)
from domain.thresholds import ClinicalThresholds

AS_OF = date(2026, 3, 28)
LONG_AGO = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("last_taken_on", "admission", "expected"),
    [
        (date(2026, 3, 28), LONG_AGO, 0),  # taken today
        (date(2026, 3, 27), LONG_AGO, 1),  # today not yet taken
        (date(2026, 3, 25), LONG_AGO, 3),  # 26, 27, 28 missed
        (date(2026, 3, 23), LONG_AGO, 5),
        (date(2026, 2, 16), LONG_AGO, 40),  # crosses the 28-day window start: not cut at 28
        (None, date(2026, 3, 28), 1),  # admitted today, no dose yet
        (None, date(2026, 3, 26), 3),  # admitted 26th, never came: capped at admission
        (date(2025, 5, 1), date(2026, 3, 25), 4),  # last dose in an earlier episode: capped
    ],
)
def test_missed_dose_streak(last_taken_on: date | None, admission: date, expected: int) -> None:
    assert missed_dose_streak(last_taken_on, AS_OF, admission) == expected


def test_streak_is_zero_before_admission() -> None:
    assert missed_dose_streak(None, AS_OF, date(2026, 3, 29)) == 0


def test_streak_is_zero_once_discharged() -> None:
    last = date(2026, 3, 1)
    assert missed_dose_streak(last, AS_OF, LONG_AGO, discharged_on=date(2026, 3, 28)) == 0
    assert missed_dose_streak(last, AS_OF, LONG_AGO, discharged_on=date(2026, 3, 10)) == 0
    # Discharge planned after as_of: still in treatment, the streak counts.
    assert missed_dose_streak(last, AS_OF, LONG_AGO, discharged_on=date(2026, 4, 1)) == 27


def test_last_taken_after_as_of_breaks_the_contract() -> None:
    with pytest.raises(ValueError, match="after as_of"):
        missed_dose_streak(date(2026, 3, 29), AS_OF, LONG_AGO)


def test_last_taken_on_or_before() -> None:
    taken = [date(2026, 3, 20), date(2026, 3, 30), date(2026, 3, 25), date(2026, 3, 25)]
    assert last_taken_on_or_before(taken, AS_OF) == date(2026, 3, 25)
    assert last_taken_on_or_before(taken, date(2026, 3, 20)) == date(2026, 3, 20)
    assert last_taken_on_or_before(taken, date(2026, 3, 19)) is None
    assert last_taken_on_or_before([], AS_OF) is None


@pytest.mark.parametrize(
    ("streak", "action", "overdose_risk"),
    [
        (0, MissedDoseAction.NONE, False),
        (1, MissedDoseAction.NONE, False),
        (2, MissedDoseAction.NONE, False),
        (3, MissedDoseAction.HALF_DOSE_REVIEW, True),
        (4, MissedDoseAction.PRESCRIBER_REVIEW, True),
        (5, MissedDoseAction.REINDUCTION, True),
        (40, MissedDoseAction.REINDUCTION, True),
    ],
)
def test_ladder_with_default_thresholds(
    streak: int, action: MissedDoseAction, overdose_risk: bool
) -> None:
    assert missed_dose_action(streak) == action
    assert is_overdose_risk(streak) is overdose_risk


def test_clinic_that_restarts_from_three_days() -> None:
    th = ClinicalThresholds(
        missed_half_dose_days=2,
        missed_prescriber_review_days=3,
        missed_reinduction_days=4,
        overdose_risk_missed_days=2,
    )
    assert missed_dose_action(2, th) == MissedDoseAction.HALF_DOSE_REVIEW
    assert missed_dose_action(3, th) == MissedDoseAction.PRESCRIBER_REVIEW
    assert missed_dose_action(4, th) == MissedDoseAction.REINDUCTION
    assert is_overdose_risk(2, th) is True


def test_action_codes_are_stable_strings() -> None:
    assert [str(a) for a in MissedDoseAction] == [
        "none",
        "half_dose_review",
        "prescriber_review",
        "reinduction",
    ]


def test_negative_streak_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        missed_dose_action(-1)
    with pytest.raises(ValueError, match="negative"):
        is_overdose_risk(-1)
