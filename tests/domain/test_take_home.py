"""Take-home methadone ceiling, US 42 CFR 8.12(i) as revised in 2024."""

from __future__ import annotations

import pytest

from domain.take_home import take_home_max_doses
from domain.thresholds import ClinicalThresholds
from domain.vocabulary import Medication


@pytest.mark.parametrize(
    ("days_in_treatment", "expected"),
    [
        (0, 7),  # admission day
        (14, 7),
        (15, 14),
        (30, 14),
        (31, 28),
        (365, 28),
    ],
)
def test_methadone_tiers(days_in_treatment: int, expected: int) -> None:
    assert take_home_max_doses(Medication.METHADONE, days_in_treatment) == expected


@pytest.mark.parametrize("medication", [Medication.BUPRENORPHINE, Medication.NALTREXONE])
@pytest.mark.parametrize("days_in_treatment", [0, 15, 31])
def test_not_methadone_has_no_ceiling(medication: Medication, days_in_treatment: int) -> None:
    assert take_home_max_doses(medication, days_in_treatment) is None


def test_stricter_state_tiers() -> None:
    strict = ClinicalThresholds(take_home_tiers=((0, 0), (90, 6))).take_home_tiers
    assert take_home_max_doses(Medication.METHADONE, 89, strict) == 0
    assert take_home_max_doses(Medication.METHADONE, 90, strict) == 6


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        take_home_max_doses(Medication.METHADONE, -1)
