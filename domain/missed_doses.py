"""Missed doses: the current run of days without a taken dose and what it calls for.

The rule is the missed-dose section of the Australian National Guidelines for Medication-Assisted
Treatment of Opioid Dependence: 1-2 missed days change nothing; 3 call for a half dose after the
prescriber is contacted; 4 for a prescriber review; 5 or more for a new induction. Tolerance falls
after 3 missed days, so the patient is then at risk of overdose. The data layer supplies the last
date a dose was taken (one ``max(date)`` per patient in SQL); these functions decide from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds


class MissedDoseAction(StrEnum):
    """What the missed-dose ladder asks of the prescriber; information, never an order."""

    NONE = "none"
    HALF_DOSE_REVIEW = "half_dose_review"
    PRESCRIBER_REVIEW = "prescriber_review"
    REINDUCTION = "reinduction"


def last_taken_on_or_before(taken_dates: Iterable[date], as_of: date) -> date | None:
    """The latest date a dose was taken on or before ``as_of``, or None if there is none.

    Later dates are ignored so that a computation "as of" a past day gives the answer that was true
    on that day; this is the input :func:`missed_dose_streak` expects.
    """
    return max((day for day in taken_dates if day <= as_of), default=None)


def missed_dose_streak(
    last_taken_on: date | None,
    as_of: date,
    admission: date,
    *,
    discharged_on: date | None = None,
) -> int:
    """Consecutive scheduled days without a taken dose, ending on and including ``as_of``.

    The streak runs from ``max(last_taken_on + 1 day, admission)`` through ``as_of``: 0 when a dose
    was taken on ``as_of``; 1 for a patient admitted on ``as_of`` with no dose yet (that day is
    scheduled and not yet taken). Days before admission are not scheduled and never count, so the
    streak is capped at the days in treatment. The streak is not limited by the adherence window:
    a patient who last came 40 days ago has a streak of 40.

    A patient whose discharge date is on or before ``as_of`` is not scheduled on ``as_of`` and has
    a streak of 0: the missed-dose ladder is about adjusting a current dose.

    Contract: ``last_taken_on`` is the last taken date on or before ``as_of`` (see
    :func:`last_taken_on_or_before`); a later date is refused rather than read as "taken today".
    """
    if last_taken_on is not None and last_taken_on > as_of:
        raise ValueError(f"last_taken_on {last_taken_on} is after as_of {as_of}")
    if discharged_on is not None and discharged_on <= as_of:
        return 0
    first_missed = admission
    if last_taken_on is not None:
        first_missed = max(first_missed, last_taken_on + timedelta(days=1))
    return max(0, (as_of - first_missed).days + 1)


def missed_dose_action(
    streak: int, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> MissedDoseAction:
    """The step of the missed-dose ladder a streak has reached.

    Australian National Guidelines for MAT, missed doses: by default 3 days -> half dose after
    prescriber contact, 4 -> prescriber review (restart at the lower of 40 mg or half), 5 or more
    -> new induction. Some clinics restart from 3 days: that is a change of thresholds, not code.
    """
    if streak < 0:
        raise ValueError(f"a missed-dose streak cannot be negative, got {streak}")
    if streak >= thresholds.missed_reinduction_days:
        return MissedDoseAction.REINDUCTION
    if streak >= thresholds.missed_prescriber_review_days:
        return MissedDoseAction.PRESCRIBER_REVIEW
    if streak >= thresholds.missed_half_dose_days:
        return MissedDoseAction.HALF_DOSE_REVIEW
    return MissedDoseAction.NONE


def is_overdose_risk(streak: int, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS) -> bool:
    """Whether the streak is long enough for opioid tolerance to have fallen.

    After 3 missed days (by default) a usual dose, or use on top of it, can cause an overdose;
    CLINICAL.md asks to reach the family with naloxone and emergency information then
    (Australian National Guidelines for MAT; Derbyshire Healthcare NHS Foundation Trust, 2019).
    """
    if streak < 0:
        raise ValueError(f"a missed-dose streak cannot be negative, got {streak}")
    return streak >= thresholds.overdose_risk_missed_days
