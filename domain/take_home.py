"""The take-home methadone ceiling by time in treatment.

US 42 CFR 8.12(i), as revised in 2024 (effective 2 April 2024): days 0-14 in treatment up to 7
take-home doses, from day 15 up to 14, from day 31 up to 28. States may be stricter; the tiers are
configurable in ``ClinicalThresholds.take_home_tiers``.
"""

from __future__ import annotations

from domain.thresholds import DEFAULT_THRESHOLDS
from domain.vocabulary import Medication


def take_home_max_doses(
    medication: Medication,
    days_in_treatment: int,
    tiers: tuple[tuple[int, int], ...] = DEFAULT_THRESHOLDS.take_home_tiers,
) -> int | None:
    """The most take-home methadone doses the regulation allows at this time in treatment.

    Information for the prescriber, never a decision: under 42 CFR 8.12(i) the medical director
    decides each take-home privilege against the listed criteria, so Hamrah only shows the
    ceiling. None for any medication but methadone, to which these tiers do not apply.
    ``tiers`` are (from day in treatment, max doses) pairs sorted by day; before the first tier no
    take-home dose is allowed.
    """
    if days_in_treatment < 0:
        raise ValueError(f"days in treatment cannot be negative, got {days_in_treatment}")
    if medication != Medication.METHADONE:
        return None
    allowed = 0
    for from_day, max_doses in tiers:
        if days_in_treatment >= from_day:
            allowed = max_doses
    return allowed
