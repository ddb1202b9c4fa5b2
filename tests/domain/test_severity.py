"""DSM-5 OUD severity: 2-3 mild, 4-5 moderate, 6+ severe, out of 11 criteria."""

from __future__ import annotations

import pytest

from domain.severity import OudSeverity, oud_severity


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, OudSeverity.NONE),
        (1, OudSeverity.NONE),
        (2, OudSeverity.MILD),
        (3, OudSeverity.MILD),
        (4, OudSeverity.MODERATE),
        (5, OudSeverity.MODERATE),
        (6, OudSeverity.SEVERE),
        (11, OudSeverity.SEVERE),
    ],
)
def test_severity_boundaries(count: int, expected: OudSeverity) -> None:
    assert oud_severity(count) == expected


@pytest.mark.parametrize("count", [-1, 12])
def test_impossible_counts_are_refused(count: int) -> None:
    with pytest.raises(ValueError, match="11 criteria"):
        oud_severity(count)
