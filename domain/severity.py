"""Severity of opioid use disorder from the count of DSM-5 criteria met.

DSM-5 / DSM-5-TR: 11 criteria over 12 months; 2-3 mild, 4-5 moderate, 6 or more severe. Tolerance
and withdrawal do not count for a patient under supervised opioid treatment: the caller leaves
them out of the count.
"""

from __future__ import annotations

from enum import StrEnum

DSM5_CRITERIA = 11


class OudSeverity(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


def oud_severity(criteria_count: int) -> OudSeverity:
    """The DSM-5 severity for ``criteria_count`` criteria met (0 to 11).

    Fewer than 2 criteria is below the diagnostic threshold, reported as ``none``. A count outside
    0..11 is a data-entry error and is refused rather than clamped.
    """
    if not 0 <= criteria_count <= DSM5_CRITERIA:
        raise ValueError(
            f"DSM-5 lists {DSM5_CRITERIA} criteria; a count of {criteria_count} is impossible"
        )
    if criteria_count >= 6:
        return OudSeverity.SEVERE
    if criteria_count >= 4:
        return OudSeverity.MODERATE
    if criteria_count >= 2:
        return OudSeverity.MILD
    return OudSeverity.NONE
