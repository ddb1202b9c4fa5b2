"""The configurable clinical thresholds every Hamrah rule reads.

Defaults follow /work/shared/CLINICAL.md; clinics and jurisdictions differ, so each number is a
field here and the settings layer may override it. Nonsense values are refused when the object is
built, so that a mistyped setting fails at start-up rather than silently changing a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class ClinicalThresholds:
    """Every number a clinical rule depends on, with the defaults of CLINICAL.md."""

    # Adherence: share of scheduled days with a taken dose over this many days ending on as_of.
    adherence_window_days: int = 28
    # Missed methadone doses (Australian National Guidelines for MAT, missed doses section).
    missed_half_dose_days: int = 3
    missed_prescriber_review_days: int = 4
    missed_reinduction_days: int = 5
    overdose_risk_missed_days: int = 3
    # Retention (ASPE 90-day measure, NQF 3175 180-day): the horizons the data layer computes the
    # longest gap for, and the longest gap without a taken dose that does not break retention.
    retention_horizons_days: tuple[int, ...] = (90, 180)
    retention_max_gap_days: int = 7
    # Dose adequacy (e.g. PMC6258192): methadone below this dose with continued opioid use.
    underdose_methadone_below_mg: float = 60.0
    underdose_screen_window_days: int = 30
    unexpected_positive_flag_days: int = 30
    # Stepped care (Derbyshire Healthcare NHS Foundation Trust report, 2019).
    step_down_min_days_in_phase: int = 90
    step_down_min_adherence: float = 0.90
    step_down_clean_screen_days: int = 60
    # (from day in treatment, max take-home doses): US 42 CFR 8.12(i) as revised in 2024.
    take_home_tiers: tuple[tuple[int, int], ...] = ((0, 7), (15, 14), (31, 28))

    def __post_init__(self) -> None:
        for name in (
            "adherence_window_days",
            "underdose_screen_window_days",
            "unexpected_positive_flag_days",
            "step_down_clean_screen_days",
            "missed_half_dose_days",
            "overdose_risk_missed_days",
        ):
            _require(getattr(self, name) >= 1, f"{name} must be at least 1 day")
        for name in ("retention_max_gap_days", "step_down_min_days_in_phase"):
            _require(getattr(self, name) >= 0, f"{name} must not be negative")

        _require(
            self.missed_half_dose_days
            < self.missed_prescriber_review_days
            < self.missed_reinduction_days,
            "missed-dose ladder must increase: missed_half_dose_days < "
            "missed_prescriber_review_days < missed_reinduction_days, got "
            f"{self.missed_half_dose_days}, {self.missed_prescriber_review_days}, "
            f"{self.missed_reinduction_days}",
        )

        horizons = self.retention_horizons_days
        _require(len(horizons) > 0, "retention_horizons_days must name at least one horizon")
        _require(
            all(h >= 1 for h in horizons), f"retention_horizons_days must be positive: {horizons}"
        )
        _require(
            _strictly_increasing(horizons),
            f"retention_horizons_days must be sorted without repeats: {horizons}",
        )

        mg = self.underdose_methadone_below_mg
        _require(
            math.isfinite(mg) and mg > 0,
            f"underdose_methadone_below_mg must be a positive number of mg, got {mg}",
        )
        adherence = self.step_down_min_adherence
        _require(
            0.0 <= adherence <= 1.0,
            f"step_down_min_adherence is a share between 0 and 1 (0.9 = 90 %), got {adherence}",
        )

        tiers = self.take_home_tiers
        _require(len(tiers) > 0, "take_home_tiers must have at least one tier")
        _require(
            tiers[0][0] == 0,
            f"take_home_tiers must start at day 0 in treatment, got day {tiers[0][0]}",
        )
        _require(
            _strictly_increasing(tuple(day for day, _ in tiers)),
            f"take_home_tiers must be sorted by day without repeats: {tiers}",
        )
        _require(
            all(doses >= 0 for _, doses in tiers),
            f"take_home_tiers doses must not be negative: {tiers}",
        )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _strictly_increasing(numbers: tuple[int, ...]) -> bool:
    return all(earlier < later for earlier, later in pairwise(numbers))


DEFAULT_THRESHOLDS = ClinicalThresholds()
"""The CLINICAL.md defaults; immutable, so safe to share as a default argument."""
