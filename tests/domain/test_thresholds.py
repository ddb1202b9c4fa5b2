"""ClinicalThresholds: the CLINICAL.md defaults, and nonsense refused at construction."""

from __future__ import annotations

import dataclasses

import pytest

from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds


def test_defaults_match_clinical_reference() -> None:
    th = ClinicalThresholds()
    assert th.adherence_window_days == 28
    assert (th.missed_half_dose_days, th.missed_prescriber_review_days) == (3, 4)
    assert th.missed_reinduction_days == 5
    assert th.overdose_risk_missed_days == 3
    assert th.retention_horizons_days == (90, 180)
    assert th.retention_max_gap_days == 7
    assert th.underdose_methadone_below_mg == 60.0
    assert th.underdose_screen_window_days == 30
    assert th.unexpected_positive_flag_days == 30
    assert th.step_down_min_days_in_phase == 90
    assert th.step_down_min_adherence == 0.90
    assert th.step_down_clean_screen_days == 60
    assert th.take_home_tiers == ((0, 7), (15, 14), (31, 28))
    assert th == DEFAULT_THRESHOLDS


def test_thresholds_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_THRESHOLDS.adherence_window_days = 7  # type: ignore[misc]


def test_a_clinic_may_restart_from_three_days() -> None:
    th = ClinicalThresholds(
        missed_half_dose_days=2, missed_prescriber_review_days=3, missed_reinduction_days=4
    )
    assert th.missed_reinduction_days == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"adherence_window_days": 0}, "adherence_window_days must be at least 1"),
        ({"underdose_screen_window_days": -30}, "underdose_screen_window_days"),
        ({"unexpected_positive_flag_days": 0}, "unexpected_positive_flag_days"),
        ({"step_down_clean_screen_days": 0}, "step_down_clean_screen_days"),
        ({"overdose_risk_missed_days": 0}, "overdose_risk_missed_days"),
        ({"retention_max_gap_days": -1}, "retention_max_gap_days must not be negative"),
        ({"step_down_min_days_in_phase": -5}, "step_down_min_days_in_phase"),
        ({"missed_prescriber_review_days": 3}, "ladder must increase"),
        ({"missed_reinduction_days": 4}, "ladder must increase"),
        ({"missed_half_dose_days": 6}, "ladder must increase"),
        ({"retention_horizons_days": ()}, "at least one horizon"),
        ({"retention_horizons_days": (180, 90)}, "sorted"),
        ({"retention_horizons_days": (90, 90)}, "sorted"),
        ({"retention_horizons_days": (0, 90)}, "positive"),
        ({"underdose_methadone_below_mg": 0.0}, "positive number of mg"),
        ({"underdose_methadone_below_mg": float("nan")}, "positive number of mg"),
        ({"step_down_min_adherence": 90.0}, "between 0 and 1"),
        ({"step_down_min_adherence": -0.1}, "between 0 and 1"),
        ({"take_home_tiers": ()}, "at least one tier"),
        ({"take_home_tiers": ((1, 7), (15, 14))}, "start at day 0"),
        ({"take_home_tiers": ((0, 7), (31, 28), (15, 14))}, "sorted by day"),
        ({"take_home_tiers": ((0, 7), (15, 14), (15, 28))}, "sorted by day"),
        ({"take_home_tiers": ((0, -1),)}, "must not be negative"),
    ],
)
def test_nonsense_is_refused_with_a_clear_message(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClinicalThresholds(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("adherence", [0.0, 1.0])
def test_adherence_bounds_are_allowed(adherence: float) -> None:
    assert ClinicalThresholds(step_down_min_adherence=adherence).step_down_min_adherence == (
        adherence
    )
