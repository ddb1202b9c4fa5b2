"""The per-patient contract of `hamrah signals`: facts in, signals and a JSON record out."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from domain.adherence import adherence_from_dose_days
from domain.missed_doses import MissedDoseAction, last_taken_on_or_before
from domain.retention import longest_gap_by_horizon
from domain.signals import (
    Flag,
    PatientFacts,
    current_missed_streak,
    patient_signals,
    shown_adherence,
    window_adherence,
)
from domain.thresholds import ClinicalThresholds
from domain.vocabulary import Medication, Phase

AS_OF = date(2026, 10, 31)
ADMISSION = date(2026, 1, 1)  # day 303 in treatment on AS_OF

STABLE = PatientFacts(
    patient_id=7,
    patient_code="P-0007",
    clinic_code="TEH-1",
    medication=Medication.METHADONE,
    dose_mg=80.0,
    phase=Phase.MAINTENANCE,
    phase_since=date(2026, 7, 11),  # 112 days in phase
    admission_date=ADMISSION,
    discharged_on=None,
    taken_days_in_window=26,
    last_taken_on=AS_OF,
    longest_gap_by_horizon={90: 2, 180: 5},
    last_unexpected_positive_on=None,
    last_unexpected_opioid_positive_on=None,
    consented_members=2,
)


def signals_for(**changes: object) -> dict[str, object]:
    facts = STABLE._replace(**changes)
    return patient_signals(facts, AS_OF).as_record()


def test_stable_patient_record() -> None:
    assert signals_for() == {
        "patient_code": "P-0007",
        "clinic_code": "TEH-1",
        "phase": "maintenance",
        "days_in_phase": 112,
        "adherence_28d": 0.929,
        "missed_streak": 0,
        "missed_dose_action": "none",
        "retained_90": True,
        "retained_180": True,
        "step_down_ready": True,
        "take_home_max_doses": 28,
        "flags": [],
    }


def test_record_keys_and_json() -> None:
    facts = STABLE._replace(
        last_taken_on=date(2026, 10, 26),
        consented_members=0,
        dose_mg=40.0,
        last_unexpected_positive_on=date(2026, 10, 20),
        last_unexpected_opioid_positive_on=date(2026, 10, 20),
    )
    record = patient_signals(facts, AS_OF).as_record()
    assert list(record) == [
        "patient_code",
        "clinic_code",
        "phase",
        "days_in_phase",
        "adherence_28d",
        "missed_streak",
        "missed_dose_action",
        "retained_90",
        "retained_180",
        "step_down_ready",
        "take_home_max_doses",
        "flags",
    ]
    assert json.loads(json.dumps(record)) == record
    assert type(record["phase"]) is str
    assert type(record["missed_dose_action"]) is str
    assert record["missed_dose_action"] == "reinduction"
    assert record["flags"] == [
        "no_consented_support",
        "overdose_risk_tolerance",
        "possible_underdosing",
        "unexpected_positive_30d",
    ]
    assert all(type(flag) is str for flag in record["flags"])


def test_signals_keep_details_for_screens() -> None:
    signals = patient_signals(STABLE, AS_OF)
    assert signals.patient_id == 7
    assert signals.days_in_treatment == 303
    assert [c.code for c in signals.readiness] == [
        "days_in_phase",
        "adherence_28d",
        "no_unexpected_positive",
        "no_missed_streak",
    ]
    with pytest.raises(AttributeError):
        signals.step_down_ready = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("dose_mg", "positive_on", "flagged"),
    [
        (59.9, AS_OF, True),
        (60.0, AS_OF, False),  # "below 60 mg": 60 itself is not under-dosed
        (59.9, AS_OF - timedelta(days=29), True),  # day 30 of the window
        (59.9, AS_OF - timedelta(days=30), False),  # day 31: outside
        (59.9, None, False),  # low dose alone is not a signal
    ],
)
def test_possible_underdosing(dose_mg: float, positive_on: date | None, flagged: bool) -> None:
    flags = signals_for(
        dose_mg=dose_mg,
        last_unexpected_positive_on=positive_on,
        last_unexpected_opioid_positive_on=positive_on,
    )["flags"]
    assert ("possible_underdosing" in flags) is flagged  # type: ignore[operator]


def test_underdosing_is_a_methadone_signal_only() -> None:
    flags = signals_for(
        medication=Medication.BUPRENORPHINE,
        dose_mg=8.0,
        last_unexpected_positive_on=AS_OF,
        last_unexpected_opioid_positive_on=AS_OF,
    )["flags"]
    assert flags == ["unexpected_positive_30d"]


def test_non_opioid_positive_is_not_underdosing() -> None:
    flags = signals_for(dose_mg=40.0, last_unexpected_positive_on=AS_OF)["flags"]
    assert flags == ["unexpected_positive_30d"]


@pytest.mark.parametrize(
    ("positive_on", "flagged"),
    [
        (AS_OF - timedelta(days=29), True),
        (AS_OF - timedelta(days=30), False),
    ],
)
def test_unexpected_positive_30d(positive_on: date, flagged: bool) -> None:
    flags = signals_for(last_unexpected_positive_on=positive_on)["flags"]
    assert flags == (["unexpected_positive_30d"] if flagged else [])


@pytest.mark.parametrize(
    ("last_taken_on", "streak", "action", "flags"),
    [
        (AS_OF - timedelta(days=2), 2, "none", []),
        (AS_OF - timedelta(days=3), 3, "half_dose_review", ["overdose_risk_tolerance"]),
        (AS_OF - timedelta(days=4), 4, "prescriber_review", ["overdose_risk_tolerance"]),
        (AS_OF - timedelta(days=5), 5, "reinduction", ["overdose_risk_tolerance"]),
    ],
)
def test_missed_doses_in_signals(
    last_taken_on: date, streak: int, action: str, flags: list[str]
) -> None:
    record = signals_for(last_taken_on=last_taken_on)
    assert (record["missed_streak"], record["missed_dose_action"]) == (streak, action)
    assert record["flags"] == flags
    assert record["step_down_ready"] is (streak == 0)


def test_new_patient_admitted_today() -> None:
    record = signals_for(
        admission_date=AS_OF,
        phase=Phase.INDUCTION,
        phase_since=AS_OF,
        taken_days_in_window=0,
        last_taken_on=None,
        longest_gap_by_horizon={},
    )
    assert record["days_in_phase"] == 0
    assert record["adherence_28d"] == 0.0
    assert record["missed_streak"] == 1
    assert record["missed_dose_action"] == "none"
    assert (record["retained_90"], record["retained_180"]) == (None, None)
    assert record["take_home_max_doses"] == 7
    assert record["step_down_ready"] is False


def test_retention_between_horizons() -> None:
    record = signals_for(admission_date=AS_OF - timedelta(days=100), longest_gap_by_horizon={90: 8})
    assert (record["retained_90"], record["retained_180"]) == (False, None)


def test_missing_gap_for_a_complete_horizon_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"P-0007.*180-day"):
        signals_for(longest_gap_by_horizon={90: 0})


def test_retention_not_read_is_none_and_changes_nothing_else() -> None:
    read = patient_signals(STABLE, AS_OF)
    unread = patient_signals(STABLE._replace(longest_gap_by_horizon={},
                                                 retention_read=False), AS_OF)
    assert (read.retained_90, read.retained_180) == (True, True)
    assert unread == read._replace(retained_90=None, retained_180=None)


def test_horizon_not_configured_is_none() -> None:
    facts = STABLE._replace(longest_gap_by_horizon={90: 0})
    signals = patient_signals(facts, AS_OF, ClinicalThresholds(retention_horizons_days=(90,)))
    assert (signals.retained_90, signals.retained_180) == (True, None)


def test_discharged_patient() -> None:
    # Discharged on day 60 after dropping out; still listed for retention reporting.
    record = signals_for(
        phase=Phase.DISCHARGED,
        phase_since=date(2026, 3, 2),
        discharged_on=date(2026, 3, 2),
        taken_days_in_window=0,
        last_taken_on=date(2026, 2, 20),
        longest_gap_by_horizon={},
    )
    assert record["adherence_28d"] is None
    assert (record["missed_streak"], record["missed_dose_action"]) == (0, "none")
    assert (record["retained_90"], record["retained_180"]) == (False, False)
    assert record["take_home_max_doses"] is None
    assert record["step_down_ready"] is False
    assert record["flags"] == []


def test_patient_admitted_after_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="P-0007: admitted 2026-11-01"):
        signals_for(admission_date=date(2026, 11, 1))


def test_facts_from_plain_dose_days_match_the_aggregate_path() -> None:
    # Doses every day except 3..9 October (7 days) and 29..31 October: streak 3.
    taken = [
        ADMISSION + timedelta(days=n)
        for n in range((AS_OF - ADMISSION).days + 1)
        if not date(2026, 10, 3) <= ADMISSION + timedelta(days=n) <= date(2026, 10, 9)
        and ADMISSION + timedelta(days=n) < date(2026, 10, 29)
    ]
    facts = STABLE._replace(
        taken_days_in_window=sum(1 for d in taken if d >= AS_OF - timedelta(days=27)),
        last_taken_on=last_taken_on_or_before(taken, AS_OF),
        longest_gap_by_horizon=longest_gap_by_horizon(taken, ADMISSION, (90, 180)),
    )
    signals = patient_signals(facts, AS_OF)
    assert signals.adherence_28d == round(
        adherence_from_dose_days(taken, AS_OF, ADMISSION, None, 28) or -1, 3
    )
    # Window 4..31 October: 4..9 and 29..31 missed, 19 of 28 days taken.
    assert signals.adherence_28d == 0.679
    assert signals.missed_streak == 3
    assert signals.missed_dose_action == MissedDoseAction.HALF_DOSE_REVIEW
    assert signals.flags == (Flag.OVERDOSE_RISK_TOLERANCE,)
    assert (signals.retained_90, signals.retained_180) == (True, True)


def test_the_outreach_reads_adherence_and_streak_as_the_signals_do() -> None:
    """Facts without retention (the outreach's) give the same adherence and streak: 26 of 28
    days is 0.928571…, shown as 0.929; a dose last taken 4 days ago is a streak of 4."""
    facts = STABLE._replace(last_taken_on=AS_OF - timedelta(days=4),
                                longest_gap_by_horizon={})
    assert window_adherence(facts, AS_OF) == 26 / 28
    assert shown_adherence(window_adherence(facts, AS_OF)) == 0.929
    assert current_missed_streak(facts, AS_OF) == 4
    signals = patient_signals(facts._replace(longest_gap_by_horizon={90: 2, 180: 5}),
                              AS_OF)
    assert (signals.adherence_28d, signals.missed_streak) == (0.929, 4)
    # Admitted 10 days ago and discharged today: 10 scheduled days, no current streak.
    late = facts._replace(admission_date=AS_OF - timedelta(days=10),
                               discharged_on=AS_OF, taken_days_in_window=5)
    assert (window_adherence(late, AS_OF), current_missed_streak(late, AS_OF)) == (0.5, 0)
    assert shown_adherence(None) is None


def test_signals_carry_the_consented_count_behind_their_flag() -> None:
    """The roster shows the count beside the flag: both come from the same facts."""
    assert patient_signals(STABLE, AS_OF).consented_members == 2
    alone = patient_signals(STABLE._replace(consented_members=0), AS_OF)
    assert (alone.consented_members, Flag.NO_CONSENTED_SUPPORT in alone.flags) == (0, True)
