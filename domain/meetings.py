"""Case meetings: which patients to review, in what order and why, and the decisions' rules.

A case meeting reviews the patients who need the team's judgement now: those whose families must
be reached urgently or this week (the outreach worklist's urgent and high tiers), those whose
step-down evidence is complete (stepped care moves a patient down only on evidence: CLINICAL.md,
"stepped care", Derbyshire Healthcare NHS Foundation Trust, 2019), and those with a decision of
an earlier meeting that has come due. Each decision is an action item: what to do, who does it and
by when, checked here before anything is written.

Dates in these texts are written by a ``shown`` function (ISO by default, for the CLI and the
tests): a page passes ``components.dates.shown_date`` for its reader, so a Solar Hijri reader
reads "due ۱۴۰۵/۰۸/۱۸". The proposed agenda keeps its dates as dates, since it is cached for
every reader of a clinic; :func:`agenda_details` writes them for one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.outreach import Reason, Tier, WorklistItem, reason_text
from domain.phases import PHASE_ORDER
from domain.signals import PatientSignals
from domain.text import t
from domain.vocabulary import Phase

MAX_WHAT_CHARS = 500
"""The longest decision text: one or two sentences a projector shows whole."""


class AgendaReason(StrEnum):
    """Why a patient is on a meeting's agenda; the declaration order is the agenda's order."""

    OUTREACH_URGENT = "outreach_urgent"
    OUTREACH_HIGH = "outreach_high"
    STEP_DOWN_DUE = "step_down_due"
    FOLLOW_UP_DUE = "follow_up_due"


_REASON_RANK = {reason: rank for rank, reason in enumerate(AgendaReason)}
_TIER_REASONS = {Tier.URGENT: AgendaReason.OUTREACH_URGENT, Tier.HIGH: AgendaReason.OUTREACH_HIGH}


def agenda_reason_text(reason: AgendaReason) -> str:
    """Each reason as words for the agenda and the minutes."""
    texts = {
        AgendaReason.OUTREACH_URGENT: t("urgent outreach: reach the family today"),
        AgendaReason.OUTREACH_HIGH: t("high outreach: reach the family this week"),
        AgendaReason.STEP_DOWN_DUE: t("step down due: every readiness criterion is met"),
        AgendaReason.FOLLOW_UP_DUE: t("follow-up due: a meeting decision has come due"),
    }
    return texts[reason]


def reasons_text(reasons: Sequence[AgendaReason]) -> str:
    """The reasons of one agenda patient in words; none means the patient was added by hand."""
    if not reasons:
        return t("added by hand")
    return "; ".join(agenda_reason_text(reason) for reason in reasons)


@dataclass(frozen=True)
class DueAction:
    """One open action item of a patient, as far as the agenda needs it."""

    patient_id: int
    patient_code: str
    due_on: date


@dataclass(frozen=True)
class AgendaEntry:
    """One patient proposed for a meeting: every reason (in agenda order) and what lies behind
    them: the urgent and high outreach reasons, the phase a step-down is due from, the due
    date of the earliest follow-up. :func:`agenda_details` puts these in words."""

    patient_id: int
    patient_code: str
    reasons: tuple[AgendaReason, ...]
    outreach: tuple[Reason, ...] = ()
    step_down_from: Phase | None = None
    follow_up_due: date | None = None

    @property
    def details(self) -> tuple[str, ...]:
        """What lies behind the reasons in words, dates in ISO (:func:`agenda_details`)."""
        return agenda_details(self)


def agenda_details(entry: AgendaEntry,
                   shown: Callable[[date], str] = date.isoformat) -> tuple[str, ...]:
    """What lies behind an entry's reasons, in the order of its reasons: each outreach reason,
    "ready to step down from …", "action due …", with dates written by ``shown``."""
    details = [reason_text(reason, shown) for reason in entry.outreach]
    if entry.step_down_from is not None:
        details.append(t("ready to step down from {phase}", phase=entry.step_down_from.value))
    if entry.follow_up_due is not None:
        details.append(t("action due {date}", date=shown(entry.follow_up_due)))
    return tuple(details)


def can_step_down(signals: PatientSignals) -> bool:
    """A step-down is due when the patient is in a phase that has a lower-treatment step after
    it and every readiness criterion is met (``domain.readiness``: step down only on evidence).

    ``PatientSignals.step_down_ready`` is already false out of treatment; aftercare is the last
    step, so there is nothing to step down to (discharge ends an episode, it is not a step).
    """
    phase = signals.phase
    return (signals.step_down_ready and phase in PHASE_ORDER
            and PHASE_ORDER.index(phase) < len(PHASE_ORDER) - 1)


def is_follow_up_due(due_on: date, meeting_day: date) -> bool:
    """An open action item is due for the meeting when its due date is on or before the day."""
    return due_on <= meeting_day


def agenda_candidates(
    worklist: Iterable[WorklistItem],
    signals: Iterable[PatientSignals],
    open_actions: Iterable[DueAction],
    *,
    on: date,
) -> list[AgendaEntry]:
    """The patients to propose for a meeting held ``on`` a day, each once with all reasons.

    Order: patients with an urgent outreach reason first, then high, then step-down due, then
    follow-ups due; a patient is placed by the first of its reasons. Within outreach the
    worklist's own order is kept (its score puts more and older issues first); step-downs follow
    the patient code; follow-ups the earliest due date, then the code. Routine outreach items,
    snoozed items (absent from the worklist) and actions due after the meeting day are not
    reasons to meet.
    """
    reasons: dict[int, set[AgendaReason]] = {}
    outreach: dict[int, tuple[Reason, ...]] = {}
    step_down_from: dict[int, Phase] = {}
    codes: dict[int, str] = {}
    sort_keys: dict[int, tuple[int, int, str]] = {}

    def add(patient_id: int, code: str, reason: AgendaReason,
            key: tuple[int, int, str]) -> None:
        reasons.setdefault(patient_id, set()).add(reason)
        codes.setdefault(patient_id, code)
        if patient_id not in sort_keys or key < sort_keys[patient_id]:
            sort_keys[patient_id] = key

    for index, item in enumerate(worklist):
        reason = _TIER_REASONS.get(item.tier)
        if reason is None:
            continue
        add(item.patient_id, item.patient_code, reason,
            (_REASON_RANK[reason], index, item.patient_code))
        outreach[item.patient_id] = outreach.get(item.patient_id, ()) + tuple(
            r for r in item.reasons if r.tier in _TIER_REASONS)
    for signal in signals:
        if can_step_down(signal):
            add(signal.patient_id, signal.patient_code, AgendaReason.STEP_DOWN_DUE,
                (_REASON_RANK[AgendaReason.STEP_DOWN_DUE], 0, signal.patient_code))
            step_down_from[signal.patient_id] = signal.phase
    earliest: dict[int, DueAction] = {}
    for action in open_actions:
        if not is_follow_up_due(action.due_on, on):
            continue
        known = earliest.get(action.patient_id)
        if known is None or action.due_on < known.due_on:
            earliest[action.patient_id] = action
    for action in earliest.values():
        add(action.patient_id, action.patient_code, AgendaReason.FOLLOW_UP_DUE,
            (_REASON_RANK[AgendaReason.FOLLOW_UP_DUE], action.due_on.toordinal(),
             action.patient_code))

    ordered = sorted(sort_keys, key=lambda patient_id: sort_keys[patient_id])
    return [
        AgendaEntry(patient_id=pid, patient_code=codes[pid],
                    reasons=tuple(sorted(reasons[pid], key=_REASON_RANK.__getitem__)),
                    outreach=outreach.get(pid, ()), step_down_from=step_down_from.get(pid),
                    follow_up_due=earliest[pid].due_on if pid in earliest else None)
        for pid in ordered
    ]


def meeting_agenda_order(candidates: Sequence[AgendaEntry], chosen: Sequence[int],
                         codes: Mapping[int, str]) -> list[AgendaEntry]:
    """The agenda of a meeting from the patients chosen: the chosen candidates in the
    candidates' order, then the patients added by hand (no reason) in the order they were added.

    ``codes`` names the patients added by hand; a chosen id that is neither a candidate nor in
    ``codes`` is not a patient of the clinic and raises ``ValueError``.
    """
    wanted = list(dict.fromkeys(chosen))
    picked = set(wanted)
    agenda = [entry for entry in candidates if entry.patient_id in picked]
    proposed = {entry.patient_id for entry in candidates}
    for patient_id in wanted:
        if patient_id in proposed:
            continue
        if patient_id not in codes:
            raise ValueError(f"patient {patient_id} is not a patient of this clinic")
        agenda.append(AgendaEntry(patient_id=patient_id, patient_code=codes[patient_id],
                                  reasons=()))
    return agenda


class ActionItemError(ValueError):
    """An action item that cannot be recorded or completed; the message says what to change."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ActionItemDraft:
    """A checked decision, ready to be written."""

    what: str
    owner_id: int
    due_on: date


def earliest_due(today: date, meeting_day: date | None = None) -> date:
    """The first allowed due date: today, or the meeting's day when that is later (a decision
    cannot be due before the meeting that takes it, nor already overdue when it is written)."""
    return today if meeting_day is None else max(today, meeting_day)


def check_action_item(
    what: str,
    owner_id: int | None,
    due_on: date | None,
    *,
    owner_ids: Collection[int],
    not_before: date,
    shown: Callable[[date], str] = date.isoformat,
) -> ActionItemDraft:
    """Check a decision before it is written; raise :class:`ActionItemError` with every problem.

    ``owner_ids`` are the staff who may own an item of the patient's clinic (its active
    supervisors and psychologists); ``not_before`` is :func:`earliest_due`; ``shown`` writes
    the dates of a refusal as its reader reads dates.
    """
    text = what.strip()
    problems = []
    if not text:
        problems.append(t("Write what was decided."))
    elif len(text) > MAX_WHAT_CHARS:
        problems.append(t("Write the decision in at most {limit} characters (it has {count}).",
                          limit=MAX_WHAT_CHARS, count=len(text)))
    if owner_id is None:
        problems.append(t("Choose who will do it."))
    elif owner_id not in owner_ids:
        problems.append(t("The owner must be an active supervisor or psychologist of the "
                          "patient's clinic."))
    if due_on is None:
        problems.append(t("Choose a due date."))
    elif due_on < not_before:
        problems.append(t("The due date {date} is in the past for this decision: choose "
                          "{earliest} or later.", date=shown(due_on),
                          earliest=shown(not_before)))
    if problems or owner_id is None or due_on is None:
        raise ActionItemError(problems)
    return ActionItemDraft(what=text, owner_id=owner_id, due_on=due_on)


class DueStatus(StrEnum):
    """How an open action item stands on a day: overdue and due today stand out."""

    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    UPCOMING = "upcoming"


def due_status(due_on: date, today: date) -> DueStatus:
    if due_on < today:
        return DueStatus.OVERDUE
    if due_on == today:
        return DueStatus.DUE_TODAY
    return DueStatus.UPCOMING


def due_text(due_on: date, today: date,
             shown: Callable[[date], str] = date.isoformat) -> str:
    """The due date in words: "overdue since …", "due today" or "due …", the date written by
    ``shown``."""
    status = due_status(due_on, today)
    if status is DueStatus.OVERDUE:
        return t("overdue since {date}", date=shown(due_on))
    if status is DueStatus.DUE_TODAY:
        return t("due today")
    return t("due {date}", date=shown(due_on))


# --- minutes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinutesDecision:
    what: str
    owner: str
    due_on: date
    done: bool


@dataclass(frozen=True)
class MinutesPatient:
    patient_code: str
    name: str
    reasons: tuple[str, ...]
    decisions: tuple[MinutesDecision, ...]


@dataclass(frozen=True)
class MeetingMinutes:
    """What was reviewed and decided, in agenda order: plain data for the minutes' exports."""

    meeting_id: int
    clinic_code: str
    clinic_name: str
    held_on: date
    closed_at: datetime | None
    patients: tuple[MinutesPatient, ...]
