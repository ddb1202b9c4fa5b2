"""Families' questions: deadlines from the clinic's rule, the inbox, assignment and answers.

An answer is written once, with the question's ``answered_at`` and one outbox message for the
family channel (#7) in the same transaction, so a question is never marked answered without a
message on its way. Consent is judged on the day of answering (42 CFR 2.31): a member without an
active consent gets general information only, and the answer records that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.consents import active_consent_clause
from data_access.models import (
    Answer,
    Clinic,
    Consent,
    EngagementEvent,
    FamilyQuestion,
    OutboxMessage,
    Patient,
    StaffClinic,
    StaffUser,
    SupportMember,
)
from domain.consent import SCOPE_COVERS
from domain.deadlines import AnswerDeadline, WorkingWeek, answer_due_at, parse_working_week
from domain.vocabulary import AuditAction, ConsentScope, DeliveryStatus, EngagementKind, Role

MAX_ANSWER_CHARS = 4000
ANSWER_KIND = "answer"
# An answer with general information only, to a member without an active consent: the worker
# sends it without a consent (the member asked the clinic) but through the strictest text guard.
GENERAL_ANSWER_KIND = "general_answer"
ANSWERING_ROLES = (Role.SUPERVISOR.value, Role.PSYCHOLOGIST.value)


class QuestionError(ValueError):
    """A question or answer that cannot be saved; the message says what to change."""


@dataclass(frozen=True)
class InboxQuestion:
    """One question as the inbox shows it; ``consent_scope`` is None without an active consent."""

    id: int
    patient_id: int
    patient_code: str
    clinic_code: str
    member_id: int
    member_code: str
    relation: str
    channel: str
    body: str
    asked_at: datetime
    due_at: datetime
    assigned_to_id: int | None
    assigned_to: str | None
    answered_at: datetime | None
    consent_scope: ConsentScope | None


def clinic_deadline(session: Session, clinic_id: int) -> tuple[AnswerDeadline, WorkingWeek]:
    row = session.execute(
        select(Clinic.answer_deadline, Clinic.working_days).where(Clinic.id == clinic_id)
    ).one()
    return AnswerDeadline(row[0]), parse_working_week(row[1])


def set_clinic_deadline(session: Session, clinic_id: int, *, rule: AnswerDeadline | str,
                        working_days: str, actor: str) -> None:
    """Change a clinic's answer promise; the new rule applies to questions asked from now on."""
    try:
        deadline = AnswerDeadline(rule)
        week = parse_working_week(working_days)
    except ValueError as error:
        raise QuestionError(str(error)) from None
    clinic = session.get_one(Clinic, clinic_id)
    clinic.answer_deadline = deadline.value
    clinic.working_days = week.text
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="clinic",
                 entity_id=clinic_id, summary=f"answer deadline {deadline.value}, {week.text}")


def ask_question(session: Session, *, member_id: int, body: str, asked_at: datetime | None = None,
                 actor: str) -> FamilyQuestion:
    """Store a member's question with its deadline from the clinic's rule (the family channel
    calls this); asking counts as the member's engagement."""
    text = body.strip()
    if not text:
        raise QuestionError("A question needs some text")
    member = session.get(SupportMember, member_id)
    if member is None:
        raise QuestionError(f"No family member with id {member_id}")
    moment = asked_at or utc_now()
    rule, week = clinic_deadline(session, member.clinic_id)
    question = FamilyQuestion(member_id=member_id, patient_id=member.patient_id, body=text,
                              asked_at=moment, due_at=answer_due_at(moment, rule, week))
    session.add(question)
    session.add(EngagementEvent(member_id=member_id, kind=EngagementKind.ASKED_QUESTION.value,
                                occurred_at=moment))
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="family_question",
                 entity_id=question.id, summary=f"question from member {member.code}")
    return question


def _best_scopes(session: Session, member_ids: Sequence[int],
                 on: datetime) -> dict[int, ConsentScope]:
    """Each member's widest active consent scope on the day ``on``."""
    if not member_ids:
        return {}
    rows = session.execute(
        select(Consent.member_id, Consent.scope)
        .where(Consent.member_id.in_(list(member_ids)), active_consent_clause(on.date()))
    )
    best: dict[int, ConsentScope] = {}
    for member_id, scope in rows:
        candidate = ConsentScope(scope)
        current = best.get(member_id)
        if current is None or len(SCOPE_COVERS[candidate]) > len(SCOPE_COVERS[current]):
            best[member_id] = candidate
    return best


def inbox_questions(session: Session, *, clinic_ids: Sequence[int], now: datetime,
                    include_answered_days: int = 0,
                    assigned_to_id: int | None = None) -> list[InboxQuestion]:
    """Unanswered questions, earliest deadline first; with ``include_answered_days`` also the
    questions answered in those last days (newest answers last)."""
    conditions: list[ColumnElement[bool]] = [Patient.clinic_id.in_(list(clinic_ids))]
    if include_answered_days > 0:
        since = now - timedelta(days=include_answered_days)
        conditions.append(or_(FamilyQuestion.answered_at.is_(None),
                              FamilyQuestion.answered_at >= since))
    else:
        conditions.append(FamilyQuestion.answered_at.is_(None))
    if assigned_to_id is not None:
        conditions.append(FamilyQuestion.assigned_to_id == assigned_to_id)
    rows = session.execute(
        select(FamilyQuestion.id, Patient.id, Patient.code, Clinic.code, SupportMember.id,
               SupportMember.code, SupportMember.relation, SupportMember.channel,
               FamilyQuestion.body, FamilyQuestion.asked_at, FamilyQuestion.due_at,
               FamilyQuestion.assigned_to_id, StaffUser.display_name, FamilyQuestion.answered_at)
        .join(Patient, Patient.id == FamilyQuestion.patient_id)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .join(SupportMember, SupportMember.id == FamilyQuestion.member_id)
        .outerjoin(StaffUser, StaffUser.id == FamilyQuestion.assigned_to_id)
        .where(*conditions)
        .order_by(FamilyQuestion.answered_at.is_not(None), FamilyQuestion.due_at,
                  FamilyQuestion.id)
    ).all()
    scopes = _best_scopes(session, sorted({row[4] for row in rows}), now)
    return [
        InboxQuestion(
            id=row[0], patient_id=row[1], patient_code=row[2], clinic_code=row[3],
            member_id=row[4], member_code=row[5], relation=row[6], channel=row[7], body=row[8],
            asked_at=row[9], due_at=row[10], assigned_to_id=row[11], assigned_to=row[12],
            answered_at=row[13], consent_scope=scopes.get(row[4]),
        )
        for row in rows
    ]


def question_deadlines(session: Session, *, clinic_ids: Sequence[int],
                       since: datetime) -> list[tuple[datetime, datetime, datetime | None]]:
    """``(asked_at, due_at, answered_at)`` of questions asked since ``since``, for the
    in-time / late figure (``domain.deadlines.timeliness_by_week``)."""
    rows = session.execute(
        select(FamilyQuestion.asked_at, FamilyQuestion.due_at, FamilyQuestion.answered_at)
        .join(Patient, Patient.id == FamilyQuestion.patient_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), FamilyQuestion.asked_at >= since)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def answering_staff(session: Session, clinic_id: int | None = None, *,
                    patient_id: int | None = None) -> list[tuple[int, str]]:
    """Staff who may answer a clinic's families (the clinic, or the patient's clinic): its
    active supervisors and psychologists."""
    if patient_id is not None:
        clinic_id = session.scalar(select(Patient.clinic_id).where(Patient.id == patient_id))
    if clinic_id is None:
        return []
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name)
        .join(StaffClinic, StaffClinic.staff_user_id == StaffUser.id)
        .where(StaffClinic.clinic_id == clinic_id, StaffUser.active.is_(True),
               StaffUser.role.in_(ANSWERING_ROLES))
        .order_by(StaffUser.display_name)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _open_question(session: Session, question_id: int) -> FamilyQuestion:
    question = session.get(FamilyQuestion, question_id)
    if question is None:
        raise QuestionError(f"No question with id {question_id}")
    if question.answered_at is not None:
        raise QuestionError("This question has already been answered")
    return question


def assign_question(session: Session, *, question_id: int, staff_id: int, actor: str) -> None:
    """Hand a question to a specialist of the patient's clinic."""
    question = _open_question(session, question_id)
    allowed = {sid for sid, _ in answering_staff(session, patient_id=question.patient_id)}
    if staff_id not in allowed:
        raise QuestionError("Only an active supervisor or psychologist of the clinic can take it")
    question.assigned_to_id = staff_id
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="family_question",
                 entity_id=question_id, summary=f"assigned to staff {staff_id}")


@dataclass(frozen=True)
class AnswerResult:
    answer_id: int
    outbox_id: int
    general_only: bool
    in_time: bool


def answer_question(session: Session, *, question_id: int, body: str, actor: str,
                    staff_id: int | None, now: datetime | None = None) -> AnswerResult:
    """Save the answer and queue it for the member's channel, in one transaction.

    Without an active consent on the day of answering, the answer is marked general-only: the
    page has told the specialist to leave out every detail about the patient.
    """
    text = body.strip()
    if not text:
        raise QuestionError("The answer is empty")
    if len(text) > MAX_ANSWER_CHARS:
        raise QuestionError(f"The answer is longer than {MAX_ANSWER_CHARS} characters")
    question = _open_question(session, question_id)
    moment = now or utc_now()
    general_only = question.member_id not in _best_scopes(session, [question.member_id], moment)
    answer = Answer(question_id=question_id, body=text, answered_by_id=staff_id,
                    answered_at=moment, general_only=general_only)
    session.add(answer)
    question.answered_at = moment
    session.flush()
    message = OutboxMessage(
        member_id=question.member_id, kind=GENERAL_ANSWER_KIND if general_only else ANSWER_KIND,
        body=text,
        idempotency_key=f"answer:{answer.id}", status=DeliveryStatus.QUEUED.value,
        attempts=0, next_attempt_at=moment, created_at=moment,
    )
    session.add(message)
    session.flush()
    scope = "general information only (no active consent)" if general_only else "answered"
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="answer",
                 entity_id=answer.id, summary=f"question {question_id}: {scope}")
    return AnswerResult(answer_id=answer.id, outbox_id=message.id, general_only=general_only,
                        in_time=moment < question.due_at)


def open_question_count(session: Session, *, clinic_ids: Sequence[int], now: datetime) -> tuple[
        int, int]:
    """(unanswered, of which overdue) for the navigation and the home page."""
    row = session.execute(
        select(func.count(), func.count().filter(FamilyQuestion.due_at <= now))
        .select_from(FamilyQuestion)
        .join(Patient, Patient.id == FamilyQuestion.patient_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), FamilyQuestion.answered_at.is_(None))
    ).one()
    return int(row[0]), int(row[1])
