"""Education modules assigned to patients' families: consent gating, the outbox, progress.

A psychologist assigns one module to one or hundreds of support members at once. Each member is
checked against the consent rule of ``domain.consent`` (42 CFR Part 2 §2.31: nothing goes to a
family member without a written consent that is active on the day and covers education), against
the member's active flag and against the module's earlier assignments; a member who fails a check
is returned with the reason, never dropped in silence. The checks read a constant number of
queries however many members are chosen; each assignment is written with its outbox message and
its audit row in the caller's transaction, so a module is never marked queued without a message
on its way (the pattern of ``data_access.questions.answer_question``).

When a consent is revoked, by hand (:func:`revoke_consent`) or by a members import, the member's
pending assignments and their still-queued messages are cancelled
(:func:`cancel_for_revoked_consents`). See ``docs/assignments.md``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.consents import active_consent_clause
from data_access.models import (
    Assignment,
    Consent,
    ContentModule,
    OutboxMessage,
    Patient,
    SupportMember,
)
from data_access.outreach import OPEN_ASSIGNMENT_STATUSES
from data_access.signals import active_patient_conditions, patient_signal_list
from domain.consent import SCOPE_COVERS, consent_is_active, scope_covers
from domain.signals import Flag
from domain.text import t
from domain.vocabulary import AuditAction, ConsentScope, DeliveryStatus, Medication, Phase

MAX_NOTE_CHARS = 1000
OUTBOX_KIND = "assignment"
EDUCATION = "education"
IN_LIST_SIZE = 5_000  # ids per IN (...) list when cancelling: far below both engines' limits

PENDING_STATUSES = OPEN_ASSIGNMENT_STATUSES
"""queued, sent, delivered, opened: on its way to the family or waiting to be completed."""

_COMPLETED = DeliveryStatus.COMPLETED.value
_CANCELLED = DeliveryStatus.CANCELLED_CONSENT_REVOKED.value
# Never went out, or was withdrawn: not counted as assigned in the progress figures.
_NOT_COUNTED = (_CANCELLED, DeliveryStatus.BLOCKED_NO_CONSENT.value)
# Each progress state counts the assignments that reached it or a later one.
_REACHED_SENT = (DeliveryStatus.SENT.value, DeliveryStatus.DELIVERED.value,
                 DeliveryStatus.OPENED.value, _COMPLETED)
_REACHED_DELIVERED = _REACHED_SENT[1:]
_REACHED_OPENED = _REACHED_SENT[2:]
# The scopes that allow education, read from the domain rule rather than repeated here.
_EDUCATION_SCOPES = sorted(scope.value for scope in SCOPE_COVERS if scope_covers(scope, EDUCATION))


class AssignmentError(ValueError):
    """An assignment or a revocation that cannot be saved; the message says what to change."""


@dataclass(frozen=True)
class AssignedRow:
    assignment_id: int
    outbox_id: int
    member_id: int
    member_code: str
    patient_code: str


@dataclass(frozen=True)
class SkippedMember:
    """A chosen member who did not get the module, and why, in plain words."""

    member_id: int
    member_code: str
    patient_code: str
    reason: str


@dataclass(frozen=True)
class AssignmentOutcome:
    assigned: list[AssignedRow]
    skipped: list[SkippedMember]


@dataclass(frozen=True)
class _Member:
    id: int
    code: str
    patient_code: str
    active: bool
    language: str
    clinic_id: int
    discharged: bool


@dataclass(frozen=True)
class _ConsentDates:
    id: int
    scope: str
    signed_on: date
    expires_on: date | None
    revoked_on: date | None


def _checked_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise AssignmentError(t("The note is longer than {limit} characters ({length})",
                                limit=MAX_NOTE_CHARS, length=len(text)))
    return text or None


def _consent_problem(consents: Sequence[_ConsentDates], today: date,
                     shown: Callable[[date], str] = date.isoformat) -> str | None:
    """Why a member's consents do not allow education on ``today``; None when one does."""
    active = [c for c in consents
              if consent_is_active(c.signed_on, c.expires_on, c.revoked_on, today)]
    if any(scope_covers(ConsentScope(c.scope), EDUCATION) for c in active):
        return None
    if active:
        return t("consent scope does not cover education")
    signed = [c for c in consents if c.signed_on <= today]
    if not signed:
        if consents:
            return t("consent starts on {day}",
                     day=shown(min(c.signed_on for c in consents)))
        return t("no active consent")
    latest = max(signed, key=lambda c: (c.signed_on, c.id))
    if latest.revoked_on is not None and latest.revoked_on <= today:
        return t("consent revoked on {day}", day=shown(latest.revoked_on))
    if latest.expires_on is not None and latest.expires_on < today:
        return t("consent expired on {day}", day=shown(latest.expires_on))
    return t("no active consent")


def _members(session: Session, member_ids: Sequence[int]) -> dict[int, _Member]:
    rows = session.execute(
        select(SupportMember.id, SupportMember.code, Patient.code, SupportMember.active,
               SupportMember.language, Patient.clinic_id, Patient.phase)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(SupportMember.id.in_(list(member_ids)))
    )
    return {row[0]: _Member(row[0], row[1], row[2], bool(row[3]), row[4], row[5],
                            row[6] == Phase.DISCHARGED.value) for row in rows}


def _consents(session: Session, member_ids: Sequence[int]) -> dict[int, list[_ConsentDates]]:
    rows = session.execute(
        select(Consent.member_id, Consent.id, Consent.scope, Consent.signed_on,
               Consent.expires_on, Consent.revoked_on)
        .where(Consent.member_id.in_(list(member_ids)))
    )
    found: dict[int, list[_ConsentDates]] = defaultdict(list)
    for member_id, consent_id, scope, signed_on, expires_on, revoked_on in rows:
        found[member_id].append(
            _ConsentDates(consent_id, scope, signed_on, expires_on, revoked_on))
    return found


def _earlier_assignments(session: Session, module_id: int,
                         member_ids: Sequence[int]) -> dict[int, set[str]]:
    """The pending or completed statuses each member already has for the module."""
    rows = session.execute(
        select(Assignment.member_id, Assignment.status).distinct()
        .where(Assignment.module_id == module_id, Assignment.member_id.in_(list(member_ids)),
               Assignment.status.in_([*PENDING_STATUSES, _COMPLETED]))
    )
    found: dict[int, set[str]] = defaultdict(set)
    for member_id, status in rows:
        found[member_id].add(status)
    return found


def _skip_reason(member: _Member, consents: Sequence[_ConsentDates], earlier: set[str],
                 today: date, module_language: str,
                 clinic_ids: Sequence[int] | None,
                 shown: Callable[[date], str] = date.isoformat) -> str | None:
    if clinic_ids is not None and member.clinic_id not in clinic_ids:
        return t("not a member of your clinics' patients")
    if not member.active:
        return t("member is inactive")
    if member.discharged:
        return t("the patient has been discharged")
    if member.language != module_language:
        return t("reads {member}, the module is in {module}", member=member.language,
                 module=module_language)
    problem = _consent_problem(consents, today, shown)
    if problem is not None:
        return problem
    if _COMPLETED in earlier:
        return t("already completed")
    if earlier:
        return t("already assigned")
    return None


def _message_body(title: str, note: str | None) -> str:
    return title if note is None else f"{title}\n\n{note}"


def assign_module(
    session: Session,
    *,
    module_id: int,
    member_ids: Sequence[int],
    due_on: date | None,
    note: str | None,
    actor: str,
    by_user_id: int | None,
    today: date,
    now: datetime | None = None,
    clinic_ids: Sequence[int] | None = None,
    shown: Callable[[date], str] = date.isoformat,
) -> AssignmentOutcome:
    """Assign one module to each chosen member who may receive it; report the others.

    A member gets the module when of one of ``clinic_ids`` (when given), active, reading the
    module's language, of a patient still in treatment, with a consent active on ``today``
    whose scope covers education, and without the module pending or completed already. Each
    assignment is one row (queued), one outbox message (idempotency key ``assignment:<id>``)
    and one audit row. A retired or unknown module, a due date before today or a note over
    :data:`MAX_NOTE_CHARS` raises :class:`AssignmentError` before anything is written.
    ``shown`` writes the dates of a refusal or a skip reason as the reader reads dates.
    """
    text = _checked_note(note)
    if due_on is not None and due_on < today:
        raise AssignmentError(t("The due date {due} is before today ({today})",
                                due=shown(due_on), today=shown(today)))
    module = session.execute(
        select(ContentModule.code, ContentModule.title, ContentModule.retired,
               ContentModule.language)
        .where(ContentModule.id == module_id)
    ).one_or_none()
    if module is None:
        raise AssignmentError(t("No education module with id {id}", id=module_id))
    if module.retired:
        raise AssignmentError(t("The module {code} is retired and cannot be assigned",
                                code=module.code))
    wanted = list(dict.fromkeys(member_ids))
    if not wanted:
        raise AssignmentError(t("Choose at least one family member"))
    members = _members(session, wanted)
    consents = _consents(session, wanted)
    earlier = _earlier_assignments(session, module_id, wanted)

    chosen: list[_Member] = []
    skipped: list[SkippedMember] = []
    for member_id in wanted:
        member = members.get(member_id)
        if member is None:
            skipped.append(SkippedMember(member_id, "", "", t("no such family member")))
            continue
        reason = _skip_reason(member, consents.get(member_id, []),
                              earlier.get(member_id, set()), today, module.language, clinic_ids,
                              shown)
        if reason is None:
            chosen.append(member)
        else:
            skipped.append(SkippedMember(member_id, member.code, member.patient_code, reason))
    if not chosen:
        return AssignmentOutcome(assigned=[], skipped=skipped)

    moment = now or utc_now()
    # RETURNING carries each row's member (and assignment): SQLite cannot promise the rows'
    # order in one multi-row INSERT, and asking SQLAlchemy for it would insert row by row.
    assignment_of = {row[0]: row[1] for row in session.execute(
        insert(Assignment).returning(Assignment.member_id, Assignment.id),
        [{"module_id": module_id, "member_id": member.id, "assigned_by_id": by_user_id,
          "assigned_at": moment, "due_on": due_on, "note": text,
          "status": DeliveryStatus.QUEUED.value} for member in chosen],
    )}
    body = _message_body(module.title, text)
    outbox_of = {row[0]: row[1] for row in session.execute(
        insert(OutboxMessage).returning(OutboxMessage.member_id, OutboxMessage.id),
        [{"member_id": member.id, "kind": OUTBOX_KIND,
          "assignment_id": assignment_of[member.id], "body": body,
          "idempotency_key": f"assignment:{assignment_of[member.id]}",
          "status": DeliveryStatus.QUEUED.value, "attempts": 0, "next_attempt_at": moment,
          "created_at": moment} for member in chosen],
    )}
    due = "" if due_on is None else f", due {due_on.isoformat()}"
    assigned = []
    for member in chosen:
        assignment_id, outbox_id = assignment_of[member.id], outbox_of[member.id]
        record_audit(session, actor=actor, action=AuditAction.CREATE, entity="assignment",
                     entity_id=assignment_id,
                     summary=f"module {module.code} to member {member.code}{due}")
        assigned.append(AssignedRow(assignment_id, outbox_id, member.id, member.code,
                                    member.patient_code))
    return AssignmentOutcome(assigned=assigned, skipped=skipped)


# --- choosing a cohort -------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortMember:
    patient_id: int
    patient_code: str
    member_id: int
    member_code: str
    relation: str
    language: str


def cohort_members(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    phases: Sequence[Phase | str] = (),
    medications: Sequence[Medication | str] = (),
    flags: Sequence[Flag | str] = (),
    psychologist_ids: Sequence[int] = (),
) -> list[CohortMember]:
    """Every active support member of the active patients that match all the chosen filters.

    An empty filter does not filter; a patient matches ``flags`` when it has any of them on
    ``as_of`` (``patient_signal_list``). Members are listed whether or not they have a consent:
    :func:`assign_module` decides and reports who is skipped.
    """
    conditions: list[ColumnElement[bool]] = active_patient_conditions(clinic_ids, as_of)
    if phases:
        conditions.append(Patient.phase.in_(sorted({Phase(p).value for p in phases})))
    if medications:
        conditions.append(
            Patient.medication.in_(sorted({Medication(m).value for m in medications})))
    if psychologist_ids:
        conditions.append(Patient.psychologist_id.in_(list(psychologist_ids)))
    if flags:
        wanted = {Flag(f) for f in flags}
        candidates = list(session.scalars(select(Patient.id).where(*conditions)))
        if not candidates:
            return []
        signals = patient_signal_list(session, clinic_ids=clinic_ids, as_of=as_of,
                                      patient_ids=candidates)
        flagged = [s.patient_id for s in signals if wanted.intersection(s.flags)]
        if not flagged:
            return []
        conditions.append(Patient.id.in_(flagged))
    rows = session.execute(
        select(Patient.id, Patient.code, SupportMember.id, SupportMember.code,
               SupportMember.relation, SupportMember.language)
        .join(SupportMember, SupportMember.patient_id == Patient.id)
        .where(*conditions, SupportMember.active.is_(True))
        .order_by(Patient.code, SupportMember.code)
    )
    return [CohortMember(*row) for row in rows]


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    assignment_id: int
    member_id: int
    member_code: str
    module_code: str
    module_title: str
    status: DeliveryStatus
    assigned_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    opened_at: datetime | None
    completed_at: datetime | None
    due_on: date | None
    overdue: bool


@dataclass(frozen=True)
class Summary:
    """A patient's assignments per progress state; each state counts those that reached it or a
    later one, so ``assigned >= sent >= delivered >= opened >= completed``."""

    assigned: int = 0
    sent: int = 0
    delivered: int = 0
    opened: int = 0
    completed: int = 0
    overdue: int = 0


def _is_overdue(due_on: date | None, status: str, today: date) -> bool:
    return due_on is not None and due_on < today and status in PENDING_STATUSES


def member_progress(session: Session, *, patient_id: int,
                    today: date | None = None) -> list[ProgressRow]:
    """Every assignment of the patient's members, by member and then oldest first.

    ``today`` (default: the UTC date) decides ``overdue``: due before today and still pending.
    """
    day = today or utc_now().date()
    rows = session.execute(
        select(Assignment.id, SupportMember.id, SupportMember.code, ContentModule.code,
               ContentModule.title, Assignment.status, Assignment.assigned_at,
               Assignment.sent_at, Assignment.delivered_at, Assignment.opened_at,
               Assignment.completed_at, Assignment.due_on)
        .join(SupportMember, SupportMember.id == Assignment.member_id)
        .join(ContentModule, ContentModule.id == Assignment.module_id)
        .where(SupportMember.patient_id == patient_id)
        .order_by(SupportMember.code, Assignment.assigned_at, Assignment.id)
    )
    return [
        ProgressRow(
            assignment_id=row[0], member_id=row[1], member_code=row[2], module_code=row[3],
            module_title=row[4], status=DeliveryStatus(row[5]), assigned_at=row[6],
            sent_at=row[7], delivered_at=row[8], opened_at=row[9], completed_at=row[10],
            due_on=row[11], overdue=_is_overdue(row[11], row[5], day),
        )
        for row in rows
    ]


def patient_progress_summary(session: Session, *, patient_ids: Sequence[int],
                             today: date) -> dict[int, Summary]:
    """Per patient (every id asked for, zeros without assignments), in one grouped query."""
    if not patient_ids:
        return {}
    status = Assignment.status
    rows = session.execute(
        select(
            SupportMember.patient_id,
            func.count().filter(status.not_in(_NOT_COUNTED)),
            func.count().filter(status.in_(_REACHED_SENT)),
            func.count().filter(status.in_(_REACHED_DELIVERED)),
            func.count().filter(status.in_(_REACHED_OPENED)),
            func.count().filter(status == _COMPLETED),
            func.count().filter(Assignment.due_on < today, status.in_(PENDING_STATUSES)),
        )
        .select_from(Assignment)
        .join(SupportMember, SupportMember.id == Assignment.member_id)
        .where(SupportMember.patient_id.in_(list(patient_ids)))
        .group_by(SupportMember.patient_id)
    )
    found = {row[0]: Summary(*(int(value) for value in row[1:])) for row in rows}
    return {pid: found.get(pid, Summary()) for pid in dict.fromkeys(patient_ids)}


# --- revocation --------------------------------------------------------------------------------


def _groups(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), IN_LIST_SIZE):
        yield list(values[start:start + IN_LIST_SIZE])


def cancel_for_revoked_consents(
    session: Session,
    *,
    member_ids: Sequence[int],
    on: date,
    actor: str,
    now: datetime | None = None,
) -> int:
    """Cancel the pending assignments of those members who have no active consent covering
    education on ``on``; return how many were cancelled.

    The assignments become ``cancelled_consent_revoked`` with ``cancelled_at``; their messages
    still queued in the outbox too (a message already sent cannot be called back). One audit
    row per member whose assignments were cancelled.
    """
    ids = sorted(set(member_ids))
    if not ids:
        return 0
    consented = select(Consent.member_id).where(active_consent_clause(on),
                                                Consent.scope.in_(_EDUCATION_SCOPES))
    by_member: dict[int, list[int]] = defaultdict(list)
    for group in _groups(ids):
        rows = session.execute(
            select(Assignment.member_id, Assignment.id)
            .where(Assignment.member_id.in_(group), Assignment.status.in_(PENDING_STATUSES),
                   Assignment.member_id.not_in(consented))
            .order_by(Assignment.member_id, Assignment.id)
        )
        for member_id, assignment_id in rows:
            by_member[member_id].append(assignment_id)
    cancelled = [assignment_id for found in by_member.values() for assignment_id in found]
    if not cancelled:
        return 0
    moment = now or utc_now()
    for group in _groups(cancelled):
        session.execute(
            update(Assignment).where(Assignment.id.in_(group))
            .values(status=_CANCELLED, cancelled_at=moment)
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.assignment_id.in_(group),
                   OutboxMessage.status == DeliveryStatus.QUEUED.value)
            .values(status=_CANCELLED)
        )
    for member_id, found in by_member.items():
        listed = ", ".join(str(assignment_id) for assignment_id in found)
        record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="support_member",
                     entity_id=member_id,
                     summary=f"no active consent on {on.isoformat()}: cancelled "
                             f"{len(found)} pending assignment(s) {listed}")
    return len(cancelled)


def revoke_consent(session: Session, *, consent_id: int, revoked_on: date, actor: str,
                   today: date | None = None,
                   shown: Callable[[date], str] = date.isoformat) -> int:
    """Record the patient's revocation of one consent and cancel what can no longer go out.

    Pending assignments are cancelled when the member has no other consent active on the later
    of ``revoked_on`` and ``today`` (default: the UTC date); returns how many were cancelled.
    """
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise AssignmentError(t("No consent with id {id}", id=consent_id))
    if consent.revoked_on is not None:
        raise AssignmentError(t("This consent was already revoked on {day}",
                                day=shown(consent.revoked_on)))
    if revoked_on < consent.signed_on:
        raise AssignmentError(t("The revocation date {day} is before the consent was signed "
                                "({signed})", day=shown(revoked_on),
                                signed=shown(consent.signed_on)))
    consent.revoked_on = revoked_on
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="consent",
                 entity_id=consent_id,
                 summary=f"revoked on {revoked_on.isoformat()} (member {consent.member_id})")
    day = max(revoked_on, today or utc_now().date())
    return cancel_for_revoked_consents(session, member_ids=[consent.member_id], on=day,
                                       actor=actor)
