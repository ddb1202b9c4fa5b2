"""Step-down readiness: the evidence stepped care asks for before less treatment.

The Derbyshire Healthcare NHS Foundation Trust report (2019) found that pushing recovery too fast
raised relapse and accidental overdose deaths, so a step down is suggested only when every
criterion holds: long enough in the phase, good adherence, no unexpected positive urine screen
recently and no current run of missed doses. Each criterion carries its value and its requirement
as text so that the screen can show why a patient is or is not ready; readiness informs the
clinician, it never moves a patient.

A value that names a date (the last unexpected positive) writes it in ISO and keeps the date
(``Criterion.day``), so that a screen writes it as its reader reads dates
(:func:`criteria_as_shown`): the criteria are computed once and shared by every reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from domain.text import t
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.treatment_time import window_bounds


class CriterionCode(StrEnum):
    DAYS_IN_PHASE = "days_in_phase"
    ADHERENCE_28D = "adherence_28d"
    NO_UNEXPECTED_POSITIVE = "no_unexpected_positive"
    NO_MISSED_STREAK = "no_missed_streak"


@dataclass(frozen=True)
class Criterion:
    """One piece of step-down evidence: whether it holds, what was found, what is required,
    and the date what was found names (``day``), if any."""

    code: CriterionCode
    met: bool
    value: str
    required: str
    day: date | None = None


def step_down_readiness(
    days_in_phase: int,
    adherence: float | None,
    last_unexpected_positive_on: date | None,
    as_of: date,
    missed_streak: int,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> list[Criterion]:
    """The four step-down criteria of stepped care, each with its value and requirement.

    Derbyshire Healthcare NHS Foundation Trust report (2019): step down only on evidence of time
    stable, adherence and negative screens. Unknown adherence (no scheduled day) is not evidence,
    so it is not met. Any current missed-dose streak counts against readiness: a patient who is
    missing doses now is not showing the stability a step down needs.
    ``last_unexpected_positive_on`` is the latest unexpected positive on or before ``as_of``.
    """
    return [
        _days_in_phase(days_in_phase, thresholds),
        _adherence(adherence, thresholds),
        _no_unexpected_positive(last_unexpected_positive_on, as_of, thresholds),
        _no_missed_streak(missed_streak, thresholds),
    ]


def criteria_as_shown(criteria: Sequence[Criterion],
                      shown: Callable[[date], str]) -> list[Criterion]:
    """The criteria with the date of each value written by ``shown`` (a page passes
    ``components.dates.shown_date`` for its reader); a value without a date is kept."""
    return [replace(criterion, value=_last_positive_text(criterion.day, shown))
            if criterion.code is CriterionCode.NO_UNEXPECTED_POSITIVE and criterion.day
            else criterion
            for criterion in criteria]


def is_step_down_ready(criteria: Sequence[Criterion]) -> bool:
    """True only when there are criteria and every one is met: one gap in the evidence is enough
    to wait, because a step down that comes too early costs more than one that comes late."""
    return bool(criteria) and all(criterion.met for criterion in criteria)


def _days_in_phase(days_in_phase: int, thresholds: ClinicalThresholds) -> Criterion:
    required_days = thresholds.step_down_min_days_in_phase
    return Criterion(
        code=CriterionCode.DAYS_IN_PHASE,
        met=days_in_phase >= required_days,
        value=t("{days} days", days=days_in_phase),
        required=t("at least {days} days", days=required_days),
    )


def _adherence(adherence: float | None, thresholds: ClinicalThresholds) -> Criterion:
    required = thresholds.step_down_min_adherence
    if adherence is None:
        value = t("no scheduled days")
    else:
        value = t("{percent} %", percent=_whole_percent(adherence))
    return Criterion(
        code=CriterionCode.ADHERENCE_28D,
        met=adherence is not None and adherence >= required,
        value=value,
        required=t("at least {percent} %", percent=_whole_percent(required)),
    )


def _no_unexpected_positive(
    last_unexpected_positive_on: date | None, as_of: date, thresholds: ClinicalThresholds
) -> Criterion:
    clean_days = thresholds.step_down_clean_screen_days
    window_start, _ = window_bounds(as_of, clean_days)
    if last_unexpected_positive_on is None:
        met = True
        value = t("none in {days} days", days=clean_days)
    else:
        met = last_unexpected_positive_on < window_start
        value = _last_positive_text(last_unexpected_positive_on, date.isoformat)
    return Criterion(
        code=CriterionCode.NO_UNEXPECTED_POSITIVE,
        met=met,
        value=value,
        required=t("no unexpected positive screen in {days} days", days=clean_days),
        day=last_unexpected_positive_on,
    )


def _last_positive_text(day: date, shown: Callable[[date], str]) -> str:
    return t("last unexpected positive {date}", date=shown(day))


def _no_missed_streak(missed_streak: int, thresholds: ClinicalThresholds) -> Criterion:
    return Criterion(
        code=CriterionCode.NO_MISSED_STREAK,
        met=missed_streak == 0,
        value=t("{days} days", days=missed_streak),
        required=t("no missed dose now (streak 0)"),
    )


def _whole_percent(share: float) -> int:
    # Rounded down so that a share just below the requirement never displays as meeting it
    # (0.897 shows "89 %", not "90 %"); the epsilon absorbs float error such as 0.29 * 100.
    return math.floor(share * 100 + 1e-9)
