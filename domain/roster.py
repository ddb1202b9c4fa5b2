"""The Patients roster: one row per active patient, its filters and its flags in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.missed_doses import MissedDoseAction
from domain.signals import Flag, PatientSignals
from domain.text import t


@dataclass(frozen=True)
class RosterExtras:
    """What the roster shows beside the signals, aggregated per patient by the data layer."""

    patient_id: int
    first_name: str
    last_name: str
    medication: str
    dose_mg: float
    psychologist: str | None
    last_screen_on: date | None
    last_screen_unexpected: int
    last_family_contact: datetime | None
    modules_completed_30d: int


@dataclass(frozen=True)
class RosterRow:
    signals: PatientSignals
    extras: RosterExtras

    @property
    def name(self) -> str:
        return f"{self.extras.first_name} {self.extras.last_name}"


def flag_text(flag: Flag) -> str:
    """Each flag as a sentence a supervisor understands."""
    match flag:
        case Flag.OVERDOSE_RISK_TOLERANCE:
            return t("3 or more missed days in a row: tolerance falls, overdose risk if use "
                     "resumes")
        case Flag.POSSIBLE_UNDERDOSING:
            return t("methadone under 60 mg with an unexpected opioid-positive screen in 30 "
                     "days: possible under-dosing")
        case Flag.UNEXPECTED_POSITIVE_30D:
            return t("unexpected positive screen in the last 30 days")
        case Flag.NO_CONSENTED_SUPPORT:
            return t("no support member with an active consent")


def flags_text(flags: Iterable[Flag], written: dict[tuple[Flag, ...], str]) -> str:
    """The flags as one cell ("; " between them). ``written`` keeps each combination's text
    for the rest of a table: a roster of 10,000 patients has a dozen combinations, and writing
    each row's anew was a tenth of a second of its first run."""
    key = tuple(flags)
    text = written.get(key)
    if text is None:
        text = written[key] = "; ".join(flag_text(flag) for flag in key)
    return text


def missed_dose_action_text(action: MissedDoseAction) -> str:
    """The missed-dose ladder in words (Australian National Guidelines for MAT)."""
    texts = {
        MissedDoseAction.NONE: t("no change"),
        MissedDoseAction.HALF_DOSE_REVIEW: t("3 days missed: half dose after prescriber contact"),
        MissedDoseAction.PRESCRIBER_REVIEW: t("4 days missed: prescriber review before dosing"),
        MissedDoseAction.REINDUCTION: t("5 or more days missed: new induction"),
    }
    return texts[action]


def roster_rows(signals: Iterable[PatientSignals],
                extras: Mapping[int, RosterExtras]) -> list[RosterRow]:
    """Join signals with their extras; a patient with no extras row is left out."""
    return [RosterRow(s, extras[s.patient_id]) for s in signals if s.patient_id in extras]


@dataclass(frozen=True)
class RosterFilter:
    phases: Sequence[str] = field(default_factory=tuple)
    medications: Sequence[str] = field(default_factory=tuple)
    psychologists: Sequence[str] = field(default_factory=tuple)
    flags: Sequence[str] = field(default_factory=tuple)
    search: str = ""


def filter_roster(rows: Iterable[RosterRow], chosen: RosterFilter) -> list[RosterRow]:
    """Empty choices mean 'all'; flags match when the patient has any chosen flag; the search
    matches the code or any part of the name, ignoring case."""
    needle = chosen.search.strip().casefold()
    kept = []
    for row in rows:
        if chosen.phases and row.signals.phase.value not in chosen.phases:
            continue
        if chosen.medications and row.extras.medication not in chosen.medications:
            continue
        if chosen.psychologists and (row.extras.psychologist or "") not in chosen.psychologists:
            continue
        if chosen.flags and not {f.value for f in row.signals.flags} & set(chosen.flags):
            continue
        if needle and needle not in row.signals.patient_code.casefold() \
                and needle not in row.name.casefold():
            continue
        kept.append(row)
    return kept
