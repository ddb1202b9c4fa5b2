"""Whether a requested phase change may be recorded, and what must be recorded with it.

Stepped care (Derbyshire Healthcare NHS Foundation Trust, 2019): step down only on evidence, since
pushing recovery too fast raised relapse and overdose deaths. A step down with unmet readiness
criteria therefore needs an explicit override reason, kept with the unmet criteria. A step up
after relapse is care, not failure, and needs no more than its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.phases import PhaseDirection, phase_direction
from domain.readiness import Criterion
from domain.text import t
from domain.vocabulary import Phase


@dataclass(frozen=True)
class PhaseChangeCheck:
    direction: PhaseDirection
    problems: tuple[str, ...]
    unmet: tuple[Criterion, ...]

    @property
    def allowed(self) -> bool:
        return not self.problems

    @property
    def needs_override(self) -> bool:
        return self.direction is PhaseDirection.STEP_DOWN and bool(self.unmet)


def check_phase_change(
    current: Phase,
    target: Phase,
    reason: str,
    override_reason: str,
    readiness: Sequence[Criterion],
) -> PhaseChangeCheck:
    direction = phase_direction(current, target)
    unmet = tuple(c for c in readiness if not c.met) \
        if direction is PhaseDirection.STEP_DOWN else ()
    problems = []
    if direction is PhaseDirection.SAME:
        problems.append(t("The patient is already in this phase."))
    if not reason.strip():
        problems.append(t("Write the reason for the change."))
    if unmet and not override_reason.strip():
        problems.append(t("This step down has unmet readiness criteria: write why you step "
                          "down anyway (override reason)."))
    return PhaseChangeCheck(direction, tuple(problems), unmet)


def unmet_summary(unmet: Sequence[Criterion]) -> str:
    """The unmet criteria as stored with an override: code, value and requirement."""
    return "; ".join(f"{c.code}: {c.value} (required {c.required})" for c in unmet)


def direction_text(direction: PhaseDirection) -> str:
    texts = {
        PhaseDirection.ADMISSION: t("admission"),
        PhaseDirection.STEP_DOWN: t("step down"),
        PhaseDirection.STEP_UP: t("step up (more support: care, not failure)"),
        PhaseDirection.SAME: t("no change"),
        PhaseDirection.DISCHARGE: t("discharge"),
        PhaseDirection.READMISSION: t("readmission"),
    }
    return texts[direction]
