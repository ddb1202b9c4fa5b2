"""Phase order and the direction of a move (step down, step up as care, discharge...)."""

from __future__ import annotations

import pytest

from domain.phases import PHASE_ORDER, PhaseDirection, next_phases, phase_direction
from domain.vocabulary import Phase

IN, ST, MA, TA, AF, DI = (
    Phase.INDUCTION,
    Phase.STABILISATION,
    Phase.MAINTENANCE,
    Phase.TAPER,
    Phase.AFTERCARE,
    Phase.DISCHARGED,
)


def test_phase_order_excludes_discharged() -> None:
    assert PHASE_ORDER == (IN, ST, MA, TA, AF)
    assert DI not in PHASE_ORDER


@pytest.mark.parametrize(
    ("from_phase", "to_phase", "expected"),
    [
        (None, IN, PhaseDirection.ADMISSION),
        (None, MA, PhaseDirection.ADMISSION),  # transfer in, already maintained
        (IN, ST, PhaseDirection.STEP_DOWN),
        (MA, TA, PhaseDirection.STEP_DOWN),
        (ST, AF, PhaseDirection.STEP_DOWN),  # a skip is still a step down
        (TA, MA, PhaseDirection.STEP_UP),  # relapse during taper: more support is care
        (AF, IN, PhaseDirection.STEP_UP),
        (MA, MA, PhaseDirection.SAME),
        (DI, DI, PhaseDirection.SAME),
        (MA, DI, PhaseDirection.DISCHARGE),
        (IN, DI, PhaseDirection.DISCHARGE),
        (DI, IN, PhaseDirection.READMISSION),
        (DI, MA, PhaseDirection.READMISSION),
    ],
)
def test_phase_direction(from_phase: Phase | None, to_phase: Phase, expected: str) -> None:
    assert phase_direction(from_phase, to_phase) == expected


def test_admission_straight_to_discharged_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be admitted"):
        phase_direction(None, DI)


def test_plain_strings_from_the_database_work() -> None:
    # A String column may hand back "maintenance" rather than Phase.MAINTENANCE.
    assert phase_direction("maintenance", "taper") == "step_down"  # type: ignore[arg-type]
    assert phase_direction("taper", "discharged") == "discharge"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (IN, [ST, MA, TA, AF, DI]),
        (MA, [IN, ST, TA, AF, DI]),
        (AF, [IN, ST, MA, TA, DI]),
        (DI, [IN, ST, MA, TA, AF]),
    ],
)
def test_next_phases_are_all_the_others(current: Phase, expected: list[Phase]) -> None:
    assert next_phases(current) == expected
