"""Questions and condition reports in the database: deadlines, answers, consent, acknowledgement."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.audit import verify_audit_chain
from data_access.condition_reports import (
    ReportError,
    acknowledge_report,
    condition_reports,
    open_emergency_count,
)
from data_access.models import (
    Answer,
    AuditLog,
    Clinic,
    ConditionReport,
    FamilyQuestion,
    OutboxMessage,
    StaffClinic,
)
from data_access.questions import (
    QuestionError,
    answer_question,
    answering_staff,
    ask_question,
    assign_question,
    inbox_questions,
    open_question_count,
    question_deadlines,
    set_clinic_deadline,
)
from data_access.staff import add_user
from domain.deadlines import timeliness_by_week
from domain.vocabulary import ConsentScope, Role
from tests import builders

FRIDAY = datetime(2026, 11, 20, 16, 0)
WEDNESDAY = datetime(2026, 11, 18, 10, 0)


def family(session: Session, *, consented: bool = True) -> tuple[int, int, int]:
    """(clinic, patient, member); the member's consent is active from 2026-01-01 if asked."""
    clinic_id = builders.clinic(session)
    patient_id = builders.patient(session, clinic_id, "P1")
    member_id = builders.member(session, clinic_id, patient_id, "M1")
    if consented:
        builders.consent(session, member_id, patient_id, signed=date(2026, 1, 1))
    return clinic_id, patient_id, member_id


def staff(session: Session, clinic_code: str, username: str, role: Role) -> int:
    user = add_user(session, username=username, display_name=f"Test {username}", role=role,
                    password="staff-password-2026", clinic_codes=[clinic_code], actor="test")
    return user.id


def test_deadline_follows_the_clinic_week(session: Session) -> None:
    with session.begin():
        clinic_id, _, member_id = family(session)
        weekday = ask_question(session, member_id=member_id, body="Is methadone safe with tea?",
                               asked_at=FRIDAY, actor="family:M1")
        set_clinic_deadline(session, clinic_id, rule="one_working_day", working_days="sat-wed",
                            actor="admin")
        iranian = ask_question(session, member_id=member_id, body="Ab-o-hava?",
                               asked_at=WEDNESDAY, actor="family:M1")
        set_clinic_deadline(session, clinic_id, rule="seven_days", working_days="mon-fri",
                            actor="admin")
        weekly = ask_question(session, member_id=member_id, body="When is group?",
                              asked_at=FRIDAY, actor="family:M1")
    # Mon-Fri: asked Friday -> end of Monday. Sat-Wed: asked Wednesday -> end of Saturday.
    assert weekday.due_at == datetime(2026, 11, 24, 0, 0)
    assert iranian.due_at == datetime(2026, 11, 22, 0, 0)
    assert weekly.due_at == datetime(2026, 11, 28, 0, 0)
    assert session.get_one(Clinic, clinic_id).working_days == "mon,tue,wed,thu,fri"
    session.commit()
    with pytest.raises(QuestionError, match="unknown day"), session.begin():
        set_clinic_deadline(session, clinic_id, rule="seven_days", working_days="mon-fry",
                            actor="admin")
    with pytest.raises(QuestionError, match="needs some text"), session.begin():
        ask_question(session, member_id=member_id, body="   ", actor="family:M1")


def test_answer_queues_one_message_and_respects_consent(session: Session) -> None:
    with session.begin():
        clinic_id, patient_id, member_id = family(session)
        psychologist = staff(session, "TST", "psy.test", Role.PSYCHOLOGIST)
        consented = ask_question(session, member_id=member_id, body="How is he doing?",
                                 asked_at=FRIDAY, actor="family:M1").id
        stranger = builders.member(session, clinic_id, patient_id, "M2")  # no consent
        general = ask_question(session, member_id=stranger, body="What is methadone?",
                               asked_at=FRIDAY, actor="family:M2").id
    now = datetime(2026, 11, 23, 9, 0)
    listed = inbox_questions(session, clinic_ids=[clinic_id], now=now)
    assert [(q.member_code, q.consent_scope) for q in listed] == [
        ("M1", ConsentScope.EDUCATION), ("M2", None)]
    session.commit()
    with session.begin():
        first = answer_question(session, question_id=consented, body=" He is attending. ",
                                actor="psy.test", staff_id=psychologist, now=now)
        second = answer_question(session, question_id=general,
                                 body="Methadone is a medicine that...", actor="psy.test",
                                 staff_id=psychologist, now=now + timedelta(days=2))
    assert (first.general_only, first.in_time) == (False, True)
    assert (second.general_only, second.in_time) == (True, False)
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.member_id, m.kind, m.body, m.status) for m in messages] == [
        (member_id, "answer", "He is attending.", "queued"),
        (stranger, "general_answer", "Methadone is a medicine that...", "queued"),
    ]
    assert session.get_one(Answer, second.answer_id).general_only is True
    assert inbox_questions(session, clinic_ids=[clinic_id], now=now) == []
    session.commit()
    with pytest.raises(QuestionError, match="already been answered"), session.begin():
        answer_question(session, question_id=consented, body="Again", actor="psy.test",
                        staff_id=psychologist)
    with pytest.raises(QuestionError, match="empty"), session.begin():
        answer_question(session, question_id=consented, body=" ", actor="psy.test",
                        staff_id=psychologist)
    # Nothing half-written by the refused answers.
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    rows = question_deadlines(session, clinic_ids=[clinic_id], since=datetime(2026, 11, 1))
    (week,) = timeliness_by_week(rows, now + timedelta(days=3))
    assert (week.in_time, week.late, week.overdue) == (1, 1, 0)


def test_assignment_only_to_clinic_specialists(session: Session) -> None:
    with session.begin():
        clinic_id, _, member_id = family(session)
        supervisor = staff(session, "TST", "sup.test", Role.SUPERVISOR)
        case_team = staff(session, "TST", "case.test", Role.CASE_TEAM)
        builders.clinic(session, "OTHER")
        outsider = staff(session, "OTHER", "psy.other", Role.PSYCHOLOGIST)
        question_id = ask_question(session, member_id=member_id, body="Dose time?",
                                   asked_at=FRIDAY, actor="family:M1").id
    assert answering_staff(session, clinic_id) == [(supervisor, "Test sup.test")]
    session.commit()
    for refused in (case_team, outsider):
        with pytest.raises(QuestionError, match="supervisor or psychologist"), session.begin():
            assign_question(session, question_id=question_id, staff_id=refused, actor="sup.test")
    with session.begin():
        assign_question(session, question_id=question_id, staff_id=supervisor, actor="sup.test")
    (mine,) = inbox_questions(session, clinic_ids=[clinic_id], now=FRIDAY,
                              assigned_to_id=supervisor)
    assert mine.assigned_to == "Test sup.test"
    assert open_question_count(session, clinic_ids=[clinic_id],
                               now=datetime(2026, 11, 24, 0, 0)) == (1, 1)
    assert open_question_count(session, clinic_ids=[clinic_id], now=FRIDAY) == (1, 0)
    assert session.scalar(select(func.count()).select_from(StaffClinic)) == 3


def test_emergency_stays_open_until_acknowledged_with_an_action(session: Session) -> None:
    with session.begin():
        clinic_id, patient_id, member_id = family(session)
        emergency = builders.report(session, member_id, patient_id, emergency=True)
        builders.report(session, member_id, patient_id)
        builders.report(session, member_id, patient_id, emergency=True, acknowledged=True)
        other = builders.clinic(session, "OTHER")
        elsewhere = builders.patient(session, other, "P9")
        builders.report(session, builders.member(session, other, elsewhere, "M9"), elsewhere,
                        emergency=True)
    assert open_emergency_count(session, clinic_ids=[clinic_id]) == 1
    now = datetime(2026, 1, 2, 9, 0)
    reports = condition_reports(session, clinic_ids=[clinic_id], now=now)
    assert reports[0].id == emergency and len(reports) == 3
    before = session.scalar(select(func.max(AuditLog.seq))) or 0
    session.commit()
    with pytest.raises(ReportError, match="what was done"), session.begin():
        acknowledge_report(session, report_id=emergency, action_taken="ok", staff_id=None,
                           actor="sup.test")
    with session.begin():
        acknowledge_report(session, report_id=emergency, staff_id=None, actor="sup.test",
                           action_taken="Called the mother; ambulance sent, naloxone given",
                           now=now)
    assert open_emergency_count(session, clinic_ids=[clinic_id]) == 0
    stored = session.get_one(ConditionReport, emergency)
    assert (stored.acknowledged_at, stored.action_taken) == (
        now, "Called the mother; ambulance sent, naloxone given")
    session.commit()
    with pytest.raises(ReportError, match="already acknowledged"), session.begin():
        acknowledge_report(session, report_id=emergency, action_taken="Called again today",
                           staff_id=None, actor="sup.test")
    audit = session.scalars(select(AuditLog).where(AuditLog.seq > before)).all()
    assert [(a.action, a.entity, a.entity_id) for a in audit] == [
        ("update", "condition_report", str(emergency))]
    assert verify_audit_chain(session).broken is None
    assert session.scalar(select(func.count()).select_from(FamilyQuestion)) == 0
