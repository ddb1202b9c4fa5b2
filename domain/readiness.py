"""Step-down readiness: the evidence stepped care asks for before less treatment.

The Derbyshire Healthcare NHS Foundation Trust report (2019) found that pushing recovery too fast
raised relapse and accidental overdose deaths, so a step down is suggested only when every
criterion holds: long enough in the phase, good adherence, no unexpected positive urine screen
recently and no current run of missed doses. Each criterion can say what was found and what is
required, so that the screen can show why a patient is or is not ready; readiness informs the
clinician, it never moves a patient.

A criterion keeps the facts (the amount found, the amount required, the date found) and writes
its texts only when a screen reads them (``Criterion.value``, ``Criterion.required``): the
criteria are computed once per patient and shared by every reader through the cache, so texts
written then would be in the language and digits of whoever filled the cache first, and the
roster of 10,000 patients (issue 8), which shows none of them, would pay for eight per patient.
A value that names a date (the last unexpected positive) writes it in ISO unless a screen has
written the date as its reader reads dates (:func:`criteria_as_shown`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from domain.text import t
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.treatment_time import window_bounds


class CriterionCode(StrEnum):
    DAYS_IN_PHASE = "days_in_phase"
    ADHERENCE_28D = "adherence_28d"
    NO_UNEXPECTED_POSITIVE = "no_unexpected_positive"
    NO_MISSED_STREAK = "no_missed_streak"


class Criterion(NamedTuple):
    """One piece of step-down evidence: whether it holds, what was found, what is required,
    and the date what was found names (``day``), if any.

    ``found`` is the amount found (days in the phase, the adherence share, days of the missed
    streak; None for adherence without a scheduled day and for the screen criterion, whose
    finding is ``day``); ``threshold`` is the amount required (days, or a share for adherence).
    ``day_shown`` is ``day`` as a screen writes it for its reader, set by
    :func:`criteria_as_shown`; a plain text rather than the writing function, so that a
    criterion stays hashable and picklable for the cache.

    A named tuple rather than a frozen dataclass: every patient of the roster gets four, and a
    frozen dataclass's constructor sets each field through ``object.__setattr__``, several times
    slower (about 0.04 s of the roster's first run at 10,000 patients, bench/README.md).
    """

    code: CriterionCode
    met: bool
    found: int | float | None
    threshold: int | float
    day: date | None = None
    day_shown: str | None = None

    @property
    def value(self) -> str:
        """What was found, in the language of the reader (the context of the read)."""
        match self.code:
            case CriterionCode.ADHERENCE_28D:
                if self.found is None:
                    return t("no scheduled days")
                return t("{percent} %", percent=_whole_percent(self.found))
            case CriterionCode.NO_UNEXPECTED_POSITIVE:
                if self.day is None:
                    return t("none in {days} days", days=self.threshold)
                shown = self.day.isoformat() if self.day_shown is None else self.day_shown
                return t("last unexpected positive {date}", date=shown)
            case _:
                return t("{days} days", days=self.found)

    @property
    def required(self) -> str:
        """What is required, in the language of the reader (the context of the read)."""
        match self.code:
            case CriterionCode.DAYS_IN_PHASE:
                return t("at least {days} days", days=self.threshold)
            case CriterionCode.ADHERENCE_28D:
                return t("at least {percent} %", percent=_whole_percent(self.threshold))
            case CriterionCode.NO_UNEXPECTED_POSITIVE:
                return t("no unexpected positive screen in {days} days", days=self.threshold)
            case CriterionCode.NO_MISSED_STREAK:
                return t("no missed dose now (streak 0)")


def step_down_readiness(
    days_in_phase: int,
    adherence: float | None,
    last_unexpected_positive_on: date | None,
    as_of: date,
    missed_streak: int,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> list[Criterion]:
    """The four step-down criteria of stepped care, each with its facts and requirement.

    Derbyshire Healthcare NHS Foundation Trust report (2019): step down only on evidence of time
    stable, adherence and negative screens. Unknown adherence (no scheduled day) is not evidence,
    so it is not met. Any current missed-dose streak counts against readiness: a patient who is
    missing doses now is not showing the stability a step down needs.
    ``last_unexpected_positive_on`` is the latest unexpected positive on or before ``as_of``.
    """
    required_days = thresholds.step_down_min_days_in_phase
    required_adherence = thresholds.step_down_min_adherence
    clean_days = thresholds.step_down_clean_screen_days
    window_start, _ = window_bounds(as_of, clean_days)
    return [
        Criterion(CriterionCode.DAYS_IN_PHASE, days_in_phase >= required_days,
                  days_in_phase, required_days),
        Criterion(CriterionCode.ADHERENCE_28D,
                  adherence is not None and adherence >= required_adherence,
                  adherence, required_adherence),
        Criterion(CriterionCode.NO_UNEXPECTED_POSITIVE,
                  last_unexpected_positive_on is None
                  or last_unexpected_positive_on < window_start,
                  None, clean_days, day=last_unexpected_positive_on),
        Criterion(CriterionCode.NO_MISSED_STREAK, missed_streak == 0, missed_streak, 0),
    ]


def criteria_as_shown(criteria: Sequence[Criterion],
                      shown: Callable[[date], str]) -> list[Criterion]:
    """The criteria with the date of each value written by ``shown`` (a page passes
    ``components.dates.shown_date`` for its reader); a criterion without a date is kept."""
    return [criterion._replace(day_shown=shown(criterion.day))
            if criterion.day is not None else criterion
            for criterion in criteria]


def is_step_down_ready(criteria: Sequence[Criterion]) -> bool:
    """True only when there are criteria and every one is met: one gap in the evidence is enough
    to wait, because a step down that comes too early costs more than one that comes late."""
    return bool(criteria) and all(criterion.met for criterion in criteria)


def _whole_percent(share: float) -> int:
    # Rounded down so that a share just below the requirement never displays as meeting it
    # (0.897 shows "89 %", not "90 %"); the epsilon absorbs float error such as 0.29 * 100.
    return math.floor(share * 100 + 1e-9)
