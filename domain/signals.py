"""The per-patient contract of ``hamrah signals``: aggregates in, clinical signals out.

At network scale (10,000 patients, 8 million dose rows) the data layer computes a few aggregates
per patient in SQL (:class:`PatientFacts`) and :func:`patient_signals` applies the rules of the
other domain modules to them. The same function serves the Patients page, the CLI and exports, so
that every screen tells the same story about a patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from domain.adherence import adherence_rate, scheduled_days
from domain.missed_doses import (
    MissedDoseAction,
    is_overdose_risk,
    missed_dose_action,
    missed_dose_streak,
)
from domain.readiness import Criterion, is_step_down_ready, step_down_readiness
from domain.retention import horizon_bounds, retention_status
from domain.take_home import take_home_max_doses
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.treatment_time import days_in_phase, window_bounds
from domain.vocabulary import Medication, Phase

ASPE_RETENTION_DAYS = 90
NQF_3175_RETENTION_DAYS = 180


class PatientFacts(NamedTuple):
    """What the data layer computes per patient for one ``as_of`` day (all dates inclusive).

    - ``taken_days_in_window``: distinct dates with a taken dose (observed or take-home) between
      the bounds of ``domain.adherence.scheduled_span`` for the adherence window ending on as_of,
      i.e. from max(window start, admission) to min(as_of, discharged_on - 1 day).
    - ``last_taken_on``: latest date with a taken dose on or before as_of.
    - ``longest_gap_by_horizon``: for each horizon of ``thresholds.retention_horizons_days`` that
      is complete on as_of, the longest run of days without a taken dose between the bounds of
      ``domain.retention.horizon_bounds``; incomplete horizons may be left out. Empty when the
      data layer was asked for facts without retention (``retention_read`` False).
    - ``last_unexpected_positive_on`` / ``last_unexpected_opioid_positive_on``: latest screen on
      or before as_of with an unexpected (not prescribed) positive result, any substance / an
      opioid.
    - ``consented_members``: support members with an active consent on as_of.
    - ``discharged_on``: the discharge date of the current episode, None while in treatment.
    - ``retention_read``: False when the caller shows no retention (the roster, the meeting
      agenda, the outreach rules) and the data layer left its costliest aggregate out;
      :func:`patient_signals` then gives ``retained_90`` and ``retained_180`` as None (not read),
      every other signal as usual.
    """

    patient_id: int
    patient_code: str
    clinic_code: str
    medication: Medication
    dose_mg: float
    phase: Phase
    phase_since: date
    admission_date: date
    discharged_on: date | None
    taken_days_in_window: int
    last_taken_on: date | None
    longest_gap_by_horizon: Mapping[int, int]
    last_unexpected_positive_on: date | None
    last_unexpected_opioid_positive_on: date | None
    consented_members: int
    retention_read: bool = True


class Flag(StrEnum):
    """Reasons to look at a patient now; codes are stable, labels are translated elsewhere."""

    OVERDOSE_RISK_TOLERANCE = "overdose_risk_tolerance"
    POSSIBLE_UNDERDOSING = "possible_underdosing"
    UNEXPECTED_POSITIVE_30D = "unexpected_positive_30d"
    NO_CONSENTED_SUPPORT = "no_consented_support"


# The columns of ``hamrah signals``, in order: the contract documented in the README.
SIGNAL_FIELDS = (
    "patient_code", "clinic_code", "phase", "days_in_phase", "adherence_28d", "missed_streak",
    "missed_dose_action", "retained_90", "retained_180", "step_down_ready",
    "take_home_max_doses", "flags",
)


class PatientSignals(NamedTuple):
    """The clinical signals of one patient on one day, as shown on screens and exported."""

    patient_id: int
    patient_code: str
    clinic_code: str
    phase: Phase
    days_in_phase: int
    days_in_treatment: int
    adherence_28d: float | None
    missed_streak: int
    missed_dose_action: MissedDoseAction
    retained_90: bool | None
    retained_180: bool | None
    step_down_ready: bool
    readiness: tuple[Criterion, ...]
    take_home_max_doses: int | None
    flags: tuple[Flag, ...]
    consented_members: int
    """The support members with an active consent on the day, the count behind
    ``Flag.NO_CONSENTED_SUPPORT``: the roster shows it beside the flag, from the same read."""

    def as_record(self) -> dict[str, object]:
        """A JSON-ready row for the CLI and exports: plain strings, numbers, booleans and None.

        The patient id, the days in treatment and the readiness details stay out: the record is
        what ``hamrah signals`` prints per patient.
        """
        return {
            "patient_code": self.patient_code,
            "clinic_code": self.clinic_code,
            "phase": str(self.phase),
            "days_in_phase": self.days_in_phase,
            "adherence_28d": self.adherence_28d,
            "missed_streak": self.missed_streak,
            "missed_dose_action": str(self.missed_dose_action),
            "retained_90": self.retained_90,
            "retained_180": self.retained_180,
            "step_down_ready": self.step_down_ready,
            "take_home_max_doses": self.take_home_max_doses,
            "flags": [str(flag) for flag in self.flags],
        }


def patient_signals(
    facts: PatientFacts, as_of: date, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> PatientSignals:
    """Apply every Patients rule to one patient's aggregates, as of one day.

    A patient whose discharge date is on or before ``as_of`` is out of treatment: no missed-dose
    streak or action, no take-home ceiling and not ready to step down; retention still reports
    how the episode went.
    """
    if as_of < facts.admission_date:
        raise ValueError(
            f"patient {facts.patient_code}: admitted {facts.admission_date}, after as_of {as_of}"
        )
    discharged_on = facts.discharged_on
    in_treatment = discharged_on is None or discharged_on > as_of
    # Days in treatment stop growing at discharge; the discharge day ends the count.
    episode_end = as_of if discharged_on is None else min(as_of, discharged_on)

    adherence = window_adherence(facts, as_of, thresholds)
    streak = current_missed_streak(facts, as_of)
    phase_days = days_in_phase(facts.phase_since, as_of)
    treatment_days = (episode_end - facts.admission_date).days
    readiness = step_down_readiness(
        phase_days, adherence, facts.last_unexpected_positive_on, as_of, streak, thresholds
    )

    return PatientSignals(
        patient_id=facts.patient_id,
        patient_code=facts.patient_code,
        clinic_code=facts.clinic_code,
        phase=facts.phase,
        days_in_phase=phase_days,
        days_in_treatment=treatment_days,
        adherence_28d=shown_adherence(adherence),
        missed_streak=streak,
        missed_dose_action=missed_dose_action(streak, thresholds),
        retained_90=_retained(facts, as_of, ASPE_RETENTION_DAYS, thresholds),
        retained_180=_retained(facts, as_of, NQF_3175_RETENTION_DAYS, thresholds),
        step_down_ready=in_treatment and is_step_down_ready(readiness),
        readiness=tuple(readiness),
        take_home_max_doses=(
            take_home_max_doses(facts.medication, treatment_days, thresholds.take_home_tiers)
            if in_treatment
            else None
        ),
        flags=_flags(facts, as_of, streak, thresholds),
        consented_members=facts.consented_members,
    )


def window_adherence(
    facts: PatientFacts, as_of: date, thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS
) -> float | None:
    """Adherence over the window ending on as_of, unrounded (readiness compares this share).

    Also what the outreach rules read, without the rest of :func:`patient_signals`, so that the
    worklist and the Patients page agree on a patient's adherence.
    """
    window_start, window_end = window_bounds(as_of, thresholds.adherence_window_days)
    scheduled = scheduled_days(window_start, window_end, facts.admission_date, facts.discharged_on)
    return adherence_rate(facts.taken_days_in_window, scheduled)


def shown_adherence(share: float | None) -> float | None:
    """The adherence as screens, exports and the worklist show it: 3 decimals."""
    return None if share is None else round(share, 3)


def current_missed_streak(facts: PatientFacts, as_of: date) -> int:
    """The run of missed days ending on as_of (``domain.missed_doses.missed_dose_streak``)."""
    return missed_dose_streak(
        facts.last_taken_on, as_of, facts.admission_date, discharged_on=facts.discharged_on
    )


def _retained(
    facts: PatientFacts, as_of: date, horizon_days: int, thresholds: ClinicalThresholds
) -> bool | None:
    # None also when the clinic does not compute this horizon (not in retention_horizons_days)
    # and when the caller did not ask for retention.
    if horizon_days not in thresholds.retention_horizons_days or not facts.retention_read:
        return None
    _, last_day = horizon_bounds(facts.admission_date, horizon_days)
    if as_of <= last_day:
        return None
    gap = facts.longest_gap_by_horizon.get(horizon_days)
    if gap is None:
        if facts.discharged_on is not None and facts.discharged_on <= last_day:
            return False  # a discharge inside the horizon decides without the gap
        raise ValueError(
            f"patient {facts.patient_code}: the data layer gave no longest gap for the complete "
            f"{horizon_days}-day retention horizon"
        )
    return retention_status(
        facts.admission_date,
        as_of,
        horizon_days,
        gap,
        facts.discharged_on,
        thresholds.retention_max_gap_days,
    )


def _flags(
    facts: PatientFacts, as_of: date, streak: int, thresholds: ClinicalThresholds
) -> tuple[Flag, ...]:
    flags: set[Flag] = set()
    if is_overdose_risk(streak, thresholds):
        flags.add(Flag.OVERDOSE_RISK_TOLERANCE)
    # Dose adequacy (e.g. PMC6258192): methadone below 60 mg is linked to shorter retention;
    # flag it when screens show continued opioid use.
    if (
        facts.medication == Medication.METHADONE
        and facts.dose_mg < thresholds.underdose_methadone_below_mg
        and _within(
            facts.last_unexpected_opioid_positive_on, as_of, thresholds.underdose_screen_window_days
        )
    ):
        flags.add(Flag.POSSIBLE_UNDERDOSING)
    if _within(facts.last_unexpected_positive_on, as_of, thresholds.unexpected_positive_flag_days):
        flags.add(Flag.UNEXPECTED_POSITIVE_30D)
    if facts.consented_members == 0:
        flags.add(Flag.NO_CONSENTED_SUPPORT)
    return tuple(sorted(flags))


def _within(day: date | None, as_of: date, window_days: int) -> bool:
    if day is None:
        return False
    window_start, window_end = window_bounds(as_of, window_days)
    return window_start <= day <= window_end
