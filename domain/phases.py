"""The order of treatment phases and the direction of a move between them.

Stepped care moves a patient towards less treatment (a step down) only on evidence, and back
towards more treatment (a step up) after a relapse; the Derbyshire Healthcare NHS Foundation Trust
report (2019) found that pushing recovery too fast raised relapse and overdose deaths, so a step up
is shown as care, not as failure. ``discharged`` ends an episode and is not a step.
"""

from __future__ import annotations

from enum import StrEnum

from domain.vocabulary import Phase

PHASE_ORDER: tuple[Phase, ...] = (
    Phase.INDUCTION,
    Phase.STABILISATION,
    Phase.MAINTENANCE,
    Phase.TAPER,
    Phase.AFTERCARE,
)
"""The steps from most to least treatment; ``Phase.DISCHARGED`` is deliberately absent."""


class PhaseDirection(StrEnum):
    """How a phase change moves the patient, for the timeline and for reports."""

    ADMISSION = "admission"  # first phase of a first episode (no previous phase)
    STEP_DOWN = "step_down"  # later in PHASE_ORDER: towards less treatment
    STEP_UP = "step_up"  # earlier in PHASE_ORDER: more support after a relapse, which is care
    SAME = "same"
    DISCHARGE = "discharge"
    READMISSION = "readmission"  # from discharged back to any step


def phase_direction(from_phase: Phase | None, to_phase: Phase) -> PhaseDirection:
    """The direction of a move from ``from_phase`` (None: no earlier phase) to ``to_phase``.

    Named so that the timeline can tell a step down earned on evidence from a step up after a
    relapse, which stepped care treats as care (Derbyshire Healthcare NHS Foundation Trust, 2019).
    An episode cannot begin with a discharge.
    """
    if from_phase is None:
        if to_phase == Phase.DISCHARGED:
            raise ValueError("a patient cannot be admitted straight into 'discharged'")
        return PhaseDirection.ADMISSION
    if from_phase == to_phase:
        return PhaseDirection.SAME
    if to_phase == Phase.DISCHARGED:
        return PhaseDirection.DISCHARGE
    if from_phase == Phase.DISCHARGED:
        return PhaseDirection.READMISSION
    if PHASE_ORDER.index(to_phase) > PHASE_ORDER.index(from_phase):
        return PhaseDirection.STEP_DOWN
    return PhaseDirection.STEP_UP


def next_phases(current: Phase) -> list[Phase]:
    """Every phase a patient in ``current`` may move to: all the others, in clinical order.

    No move is forbidden: a step up after relapse, a skip, a discharge or a readmission are all
    clinical decisions to record, not errors to prevent. The list ends with ``discharged``.
    """
    return [phase for phase in (*PHASE_ORDER, Phase.DISCHARGED) if phase != current]
