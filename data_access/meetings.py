"""Case meetings and action items: the agenda's candidates, meetings, decisions and minutes.

The candidates come from the same sources as the other screens (``outreach_worklist`` for the
urgent and high families, ``patient_signal_list`` for step-down readiness) plus one grouped query
of open action items; ``domain.meetings`` decides who is proposed and in what order. Every write
is audited in the caller's transaction; a decision that fails its checks raises before anything
is added to the session. Reads by meeting or item id are limited to the caller's clinics: a
meeting of another clinic is "not found", never shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, aliased

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import (
    ActionItem,
    CaseMeeting,
    CaseMeetingPatient,
    Clinic,
    Patient,
    StaffClinic,
    StaffUser,
)
from data_access.outreach import outreach_facts, worklist_patient_facts
from domain.access import ACTION_OWNERS, may_complete_action
from domain.meetings import (
    ActionItemError,
    AgendaEntry,
    AgendaReason,
    DueAction,
    MeetingMinutes,
    MinutesDecision,
    MinutesPatient,
    agenda_reason_text,
    check_action_item,
    earliest_due,
)
from domain.meetings import agenda_candidates as choose_candidates
from domain.outreach import DEFAULT_OUTREACH_THRESHOLDS, OutreachThresholds
from domain.outreach import worklist as build_worklist
from domain.signals import patient_signals
from domain.text import t
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.vocabulary import AuditAction, Phase, Role


class MeetingError(ValueError):
    """A meeting that cannot be found, started or closed; the message says why."""


@dataclass(frozen=True)
class MeetingSummary:
    """One meeting in the list of recent meetings."""

    id: int
    clinic_id: int
    clinic_code: str
    held_on: date
    patients: int
    decisions: int
    closed: bool
    created_by: str | None


@dataclass(frozen=True)
class AgendaPatient:
    patient_id: int
    patient_code: str
    name: str
    position: int
    reasons: tuple[AgendaReason, ...]


@dataclass(frozen=True)
class MeetingAgenda:
    id: int
    clinic_id: int
    clinic_code: str
    held_on: date
    closed_at: datetime | None
    patients: tuple[AgendaPatient, ...]

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True)
class ActionItemView:
    """An action item as the record, the home page and the meeting show it."""

    id: int
    patient_id: int
    patient_code: str
    patient_name: str
    what: str
    owner_id: int
    owner_name: str
    due_on: date
    meeting_id: int | None
    meeting_held_on: date | None
    done_at: datetime | None


def _reasons_from(stored: str) -> tuple[AgendaReason, ...]:
    return tuple(AgendaReason(code) for code in stored.split(",") if code)


def _reasons_to(reasons: Sequence[AgendaReason]) -> str:
    """The stored form: codes in agenda order, joined by commas; empty when added by hand."""
    given = set(reasons)
    return ",".join(reason.value for reason in AgendaReason if reason in given)


def due_actions(session: Session, *, clinic_ids: Sequence[int]) -> list[DueAction]:
    """The earliest open action of each patient of the clinics that has one (one grouped query)."""
    rows = session.execute(
        select(ActionItem.patient_id, Patient.code, func.min(ActionItem.due_on))
        .join(Patient, Patient.id == ActionItem.patient_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), ActionItem.done_at.is_(None))
        .group_by(ActionItem.patient_id, Patient.code)
    ).all()
    return [DueAction(patient_id=row[0], patient_code=row[1], due_on=row[2]) for row in rows]


def agenda_candidates(
    session: Session,
    *,
    clinic_id: int,
    on: date,
    clinical: ClinicalThresholds = DEFAULT_THRESHOLDS,
    outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> list[AgendaEntry]:
    """The patients of one clinic to propose for a meeting held ``on`` a day, in agenda order
    (``domain.meetings.agenda_candidates``); a constant number of grouped queries.

    The worklist and the step-down signals start from one read of the clinic's patients
    (without retention: readiness needs none); the signals are those of the active patients,
    as on the roster (the worklist also keeps the recently discharged)."""
    facts = worklist_patient_facts(session, clinic_ids=[clinic_id], as_of=on, clinical=clinical,
                                   outreach=outreach)
    worklist = build_worklist(
        outreach_facts(session, clinic_ids=[clinic_id], as_of=on, clinical=clinical,
                       outreach=outreach, clinical_facts=facts),
        on, outreach)
    signals = [patient_signals(fact, on, clinical) for fact in facts
               if fact.phase != Phase.DISCHARGED]
    due = due_actions(session, clinic_ids=[clinic_id])
    return choose_candidates(worklist, signals, due, on=on)


def clinic_patients(session: Session, *, clinic_id: int) -> list[tuple[int, str, str]]:
    """(id, code, name) of every patient of one clinic, by code: who may be added by hand."""
    rows = session.execute(
        select(Patient.id, Patient.code, Patient.first_name, Patient.last_name)
        .where(Patient.clinic_id == clinic_id)
        .order_by(Patient.code)
    ).all()
    return [(row[0], row[1], f"{row[2]} {row[3]}") for row in rows]


def _clinic_code(session: Session, clinic_id: int) -> str:
    code = session.scalar(select(Clinic.code).where(Clinic.id == clinic_id))
    if code is None:
        raise MeetingError(t("No such clinic."))
    return code


def start_meeting(
    session: Session,
    *,
    clinic_id: int,
    clinic_ids: Sequence[int],
    held_on: date,
    agenda: Sequence[AgendaEntry],
    created_by_id: int | None,
    actor: str,
) -> int:
    """Create a meeting of one of the caller's clinics with its agenda in the order given, and
    audit it; return the meeting's id. Every patient must belong to that clinic."""
    if clinic_id not in clinic_ids:
        raise MeetingError(t("You do not work for this clinic."))
    entries: list[AgendaEntry] = []
    listed: set[int] = set()
    for entry in agenda:
        if entry.patient_id not in listed:
            listed.add(entry.patient_id)
            entries.append(entry)
    if not entries:
        raise MeetingError(t("Choose at least one patient to review."))
    clinic_code = _clinic_code(session, clinic_id)
    ids = [entry.patient_id for entry in entries]
    found = set(session.scalars(
        select(Patient.id).where(Patient.id.in_(ids), Patient.clinic_id == clinic_id)))
    strangers = [entry.patient_code for entry in entries if entry.patient_id not in found]
    if strangers:
        raise MeetingError(t("Not patients of clinic {clinic}: {codes}.", clinic=clinic_code,
                             codes=", ".join(strangers)))
    meeting = CaseMeeting(clinic_id=clinic_id, held_on=held_on, created_by_id=created_by_id,
                          created_at=utc_now())
    session.add(meeting)
    session.flush()
    session.add_all(
        CaseMeetingPatient(meeting_id=meeting.id, patient_id=entry.patient_id, position=index,
                           reasons=_reasons_to(entry.reasons))
        for index, entry in enumerate(entries)
    )
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="case_meeting",
                 entity_id=meeting.id,
                 summary=f"clinic {clinic_code}, held {held_on.isoformat()}, "
                         f"{len(entries)} patients")
    return meeting.id


def _meeting(session: Session, meeting_id: int,
             clinic_ids: Sequence[int]) -> tuple[CaseMeeting, str, str]:
    row = session.execute(
        select(CaseMeeting, Clinic.code, Clinic.name)
        .join(Clinic, Clinic.id == CaseMeeting.clinic_id)
        .where(CaseMeeting.id == meeting_id, CaseMeeting.clinic_id.in_(list(clinic_ids)))
    ).one_or_none()
    if row is None:
        raise MeetingError(t("No such meeting in your clinics."))
    return row[0], row[1], row[2]


def _agenda_rows(session: Session, meeting_id: int) -> list[AgendaPatient]:
    rows = session.execute(
        select(CaseMeetingPatient.patient_id, Patient.code, Patient.first_name,
               Patient.last_name, CaseMeetingPatient.position, CaseMeetingPatient.reasons)
        .join(Patient, Patient.id == CaseMeetingPatient.patient_id)
        .where(CaseMeetingPatient.meeting_id == meeting_id)
        .order_by(CaseMeetingPatient.position)
    ).all()
    return [AgendaPatient(patient_id=row[0], patient_code=row[1], name=f"{row[2]} {row[3]}",
                          position=row[4], reasons=_reasons_from(row[5])) for row in rows]


def meeting_agenda(session: Session, *, meeting_id: int,
                   clinic_ids: Sequence[int]) -> MeetingAgenda:
    """The meeting and its patients in agenda order (audit the view with
    :func:`record_meeting_view`)."""
    meeting, clinic_code, _ = _meeting(session, meeting_id, clinic_ids)
    return MeetingAgenda(id=meeting.id, clinic_id=meeting.clinic_id, clinic_code=clinic_code,
                         held_on=meeting.held_on, closed_at=meeting.closed_at,
                         patients=tuple(_agenda_rows(session, meeting_id)))


def record_meeting_view(session: Session, *, meeting_id: int, patient_id: int | None,
                        actor: str) -> None:
    """Audit what a meeting showed (45 CFR 164.312(b)): its agenda, or one patient's screen."""
    if patient_id is None:
        record_audit(session, actor=actor, action=AuditAction.VIEW, entity="case_meeting",
                     entity_id=meeting_id, summary="viewed agenda")
    else:
        record_audit(session, actor=actor, action=AuditAction.VIEW, entity="patient",
                     entity_id=patient_id, summary=f"viewed in case meeting {meeting_id}")


def recent_meetings(session: Session, *, clinic_ids: Sequence[int],
                    limit: int = 20) -> list[MeetingSummary]:
    """The latest meetings of the clinics, newest first, with their patient and decision counts."""
    patients = (
        select(CaseMeetingPatient.meeting_id, func.count().label("n"))
        .group_by(CaseMeetingPatient.meeting_id).subquery()
    )
    decisions = (
        select(ActionItem.meeting_id, func.count().label("n"))
        .where(ActionItem.meeting_id.is_not(None))
        .group_by(ActionItem.meeting_id).subquery()
    )
    rows = session.execute(
        select(CaseMeeting.id, CaseMeeting.clinic_id, Clinic.code, CaseMeeting.held_on,
               func.coalesce(patients.c.n, 0), func.coalesce(decisions.c.n, 0),
               CaseMeeting.closed_at, StaffUser.display_name)
        .join(Clinic, Clinic.id == CaseMeeting.clinic_id)
        .outerjoin(patients, patients.c.meeting_id == CaseMeeting.id)
        .outerjoin(decisions, decisions.c.meeting_id == CaseMeeting.id)
        .outerjoin(StaffUser, StaffUser.id == CaseMeeting.created_by_id)
        .where(CaseMeeting.clinic_id.in_(list(clinic_ids)))
        .order_by(CaseMeeting.held_on.desc(), CaseMeeting.id.desc())
        .limit(limit)
    ).all()
    return [MeetingSummary(id=row[0], clinic_id=row[1], clinic_code=row[2], held_on=row[3],
                           patients=int(row[4]), decisions=int(row[5]),
                           closed=row[6] is not None, created_by=row[7]) for row in rows]


def close_meeting(session: Session, *, meeting_id: int, clinic_ids: Sequence[int],
                  actor: str) -> None:
    """End a meeting: its decisions are recorded, no more are added to it; audited."""
    meeting, _, _ = _meeting(session, meeting_id, clinic_ids)
    if meeting.closed_at is not None:
        raise MeetingError(t("This meeting is already closed."))
    meeting.closed_at = utc_now()
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="case_meeting",
                 entity_id=meeting_id, summary="closed")


def action_owners(session: Session, *, clinic_id: int) -> list[tuple[int, str]]:
    """(id, display name) of the staff who may own a clinic's action items: its active
    supervisors and psychologists (``domain.access.ACTION_OWNERS``)."""
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name)
        .join(StaffClinic, StaffClinic.staff_user_id == StaffUser.id)
        .where(StaffClinic.clinic_id == clinic_id, StaffUser.active.is_(True),
               StaffUser.role.in_(sorted(role.value for role in ACTION_OWNERS)))
        .order_by(StaffUser.display_name, StaffUser.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def add_action_item(
    session: Session,
    *,
    patient_id: int,
    clinic_ids: Sequence[int],
    what: str,
    owner_id: int | None,
    due_on: date | None,
    today: date,
    meeting_id: int | None = None,
    created_by_id: int | None,
    actor: str,
    shown: Callable[[date], str] = date.isoformat,
) -> int:
    """Record a decision about a patient of the caller's clinics, checked first
    (``domain.meetings.check_action_item``) and audited; return its id.

    In a meeting the patient must be on its agenda, the meeting must be open and the due date
    may not be before the meeting's day.
    """
    row = session.execute(
        select(Patient.clinic_id, Patient.code)
        .where(Patient.id == patient_id, Patient.clinic_id.in_(list(clinic_ids)))
    ).one_or_none()
    if row is None:
        raise ActionItemError([t("No such patient in your clinics.")])
    clinic_id, patient_code = row
    meeting_day: date | None = None
    if meeting_id is not None:
        meeting, _, _ = _meeting(session, meeting_id, clinic_ids)
        on_agenda = session.scalar(
            select(func.count()).select_from(CaseMeetingPatient)
            .where(CaseMeetingPatient.meeting_id == meeting_id,
                   CaseMeetingPatient.patient_id == patient_id))
        if not on_agenda:
            raise ActionItemError([t("{patient} is not on this meeting's agenda.",
                                     patient=patient_code)])
        if meeting.closed_at is not None:
            raise ActionItemError([t("This meeting is closed: record the decision on the "
                                     "patient's record or in a new meeting.")])
        meeting_day = meeting.held_on
    owners = {owner for owner, _ in action_owners(session, clinic_id=clinic_id)}
    draft = check_action_item(what, owner_id, due_on, owner_ids=owners,
                              not_before=earliest_due(today, meeting_day), shown=shown)
    item = ActionItem(patient_id=patient_id, meeting_id=meeting_id, what=draft.what,
                      owner_id=draft.owner_id, due_on=draft.due_on, created_by_id=created_by_id,
                      created_at=utc_now())
    session.add(item)
    session.flush()
    where = "" if meeting_id is None else f", case meeting {meeting_id}"
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="action_item",
                 entity_id=item.id,
                 summary=f"patient {patient_id}: owner {draft.owner_id}, due "
                         f"{draft.due_on.isoformat()}{where}")
    return item.id


def complete_action_item(
    session: Session,
    *,
    item_id: int,
    clinic_ids: Sequence[int],
    user_id: int,
    role: Role,
    actor: str,
) -> None:
    """Mark an open item done: by its owner, or by a supervisor (``may_complete_action``).

    The update is conditional on the item still being open, so two people pressing "Done" at
    once record one completion and the second is told it is already done.
    """
    row = session.execute(
        select(ActionItem.owner_id, ActionItem.patient_id, ActionItem.done_at)
        .join(Patient, Patient.id == ActionItem.patient_id)
        .where(ActionItem.id == item_id, Patient.clinic_id.in_(list(clinic_ids)))
    ).one_or_none()
    if row is None:
        raise ActionItemError([t("No such action item in your clinics.")])
    owner_id, patient_id, done_at = row
    if done_at is not None:
        raise ActionItemError([t("This action is already marked done.")])
    if not may_complete_action(role, user_id=user_id, owner_id=owner_id):
        raise ActionItemError([t("Only the owner or a supervisor can mark this action done.")])
    result = session.execute(
        update(ActionItem)
        .where(ActionItem.id == item_id, ActionItem.done_at.is_(None))
        .values(done_at=utc_now(), done_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        raise ActionItemError([t("This action is already marked done.")])
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="action_item",
                 entity_id=item_id, summary=f"patient {patient_id}: marked done")


def open_action_items(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    patient_id: int | None = None,
    owner_id: int | None = None,
) -> list[ActionItemView]:
    """Open items of the clinics' patients, of one patient and/or one owner, earliest due first."""
    owner = aliased(StaffUser)
    query = (
        select(ActionItem.id, ActionItem.patient_id, Patient.code, Patient.first_name,
               Patient.last_name, ActionItem.what, ActionItem.owner_id, owner.display_name,
               ActionItem.due_on, ActionItem.meeting_id, CaseMeeting.held_on,
               ActionItem.done_at)
        .join(Patient, Patient.id == ActionItem.patient_id)
        .join(owner, owner.id == ActionItem.owner_id)
        .outerjoin(CaseMeeting, CaseMeeting.id == ActionItem.meeting_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_on, ActionItem.id)
    )
    if patient_id is not None:
        query = query.where(ActionItem.patient_id == patient_id)
    if owner_id is not None:
        query = query.where(ActionItem.owner_id == owner_id)
    return [
        ActionItemView(id=row[0], patient_id=row[1], patient_code=row[2],
                       patient_name=f"{row[3]} {row[4]}", what=row[5], owner_id=row[6],
                       owner_name=row[7], due_on=row[8], meeting_id=row[9],
                       meeting_held_on=row[10], done_at=row[11])
        for row in session.execute(query)
    ]


def meeting_minutes(session: Session, *, meeting_id: int,
                    clinic_ids: Sequence[int]) -> MeetingMinutes:
    """The minutes of a meeting of the caller's clinics: each agenda patient in order with the
    reasons in words and the decisions taken in the meeting (done or not). The caller audits
    what it does with them (an export is audited as an export)."""
    meeting, clinic_code, clinic_name = _meeting(session, meeting_id, clinic_ids)
    owner = aliased(StaffUser)
    rows = session.execute(
        select(ActionItem.patient_id, ActionItem.what, owner.display_name, ActionItem.due_on,
               ActionItem.done_at)
        .join(owner, owner.id == ActionItem.owner_id)
        .where(ActionItem.meeting_id == meeting_id)
        .order_by(ActionItem.created_at, ActionItem.id)
    ).all()
    decisions: dict[int, list[MinutesDecision]] = defaultdict(list)
    for row in rows:
        decisions[row[0]].append(MinutesDecision(what=row[1], owner=row[2], due_on=row[3],
                                                 done=row[4] is not None))
    patients = tuple(
        MinutesPatient(patient_code=entry.patient_code, name=entry.name,
                       reasons=tuple(agenda_reason_text(r) for r in entry.reasons)
                       or (t("added by hand"),),
                       decisions=tuple(decisions.get(entry.patient_id, [])))
        for entry in _agenda_rows(session, meeting_id)
    )
    return MeetingMinutes(meeting_id=meeting.id, clinic_code=clinic_code,
                          clinic_name=clinic_name, held_on=meeting.held_on,
                          closed_at=meeting.closed_at, patients=patients)
