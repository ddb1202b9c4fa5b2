"""The patient summary's data: the 90-day window, the family cut to the role, and its audit row.

One patient, SUM1, admitted 1 June 2026, is summarised on 2 November 2026. The window is the 90
days from 5 August (2 November minus 89 days) to 2 November: 27 days of August, 30 of September
and 29 of October up to the 29th make 86 days with a dose, 7 of them (1-7 September) take-home,
so 79 observed; 30 October to 2 November have no dose: 4 missed.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_access.models import AuditLog, DoseEvent
from data_access.patient_record import PatientNotFound, change_phase
from data_access.patient_summary import patient_summary
from data_access.questions import set_clinic_deadline
from documents.patient_summary import patient_summary_pdf
from domain.calendars import MONDAY, SATURDAY
from domain.dose_calendar import DayKind
from domain.vocabulary import Phase, Role
from tests import builders
from tests.data_access.test_patient_signals import add_screen, days

AS_OF = date(2026, 11, 2)
ADMITTED = date(2026, 6, 1)
TAKE_HOME = set(days(date(2026, 9, 1), date(2026, 9, 7)))


@pytest.fixture
def patients(session: Session) -> dict[str, int]:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        other_clinic = builders.clinic(session, "OTH")
        patient_id = builders.patient(session, clinic_id, "SUM1", admission=ADMITTED)
        elsewhere = builders.patient(session, other_clinic, "ELSEWHERE")
        session.execute(insert(DoseEvent), [
            {"patient_id": patient_id, "dose_date": day, "status": "taken", "dose_mg": 80.0,
             "kind": "take_home" if day in TAKE_HOME else "observed"}
            for day in days(ADMITTED, date(2026, 10, 29))
        ])
        add_screen(session, patient_id, date(2026, 7, 1), "opioids", "positive")  # before
        add_screen(session, patient_id, date(2026, 10, 13), "opioids", "positive")
        add_screen(session, patient_id, date(2026, 10, 13), "methadone", "positive",
                   expected=True)
        change_phase(session, patient_id=patient_id, clinic_ids=[clinic_id],
                     to_phase=Phase.TAPER, on=date(2026, 10, 1), reason="stable six months",
                     override_reason=None, unmet_criteria=None, by_user_id=None, actor="test")
        consented = builders.member(session, clinic_id, patient_id, "FAM1")
        builders.consent(session, consented, patient_id, signed=date(2026, 6, 2))
        builders.member(session, clinic_id, patient_id, "FAM2")
        builders.question(session, consented, patient_id)
        builders.question(session, consented, patient_id, answered=True)
    return {"clinic": clinic_id, "SUM1": patient_id, "ELSEWHERE": elsewhere}


def last_audit(session: Session) -> AuditLog:
    row = session.scalars(select(AuditLog).order_by(AuditLog.seq.desc())).first()
    assert row is not None
    return row


def test_summary_holds_the_90_day_window_the_family_and_is_audited(
        session: Session, patients: dict[str, int]) -> None:
    with session.begin():
        summary = patient_summary(session, patient_id=patients["SUM1"],
                                  clinic_ids=[patients["clinic"]], role=Role.SUPERVISOR,
                                  actor="sup.test", as_of=AS_OF)
    assert (summary.header.code, summary.header.phase) == ("SUM1", Phase.TAPER)
    assert summary.start == date(2026, 8, 5)
    assert [summary.days[0].day, summary.days[-1].day, len(summary.days)] == [
        date(2026, 8, 5), AS_OF, 90]
    assert Counter(day.kind for day in summary.days) == {
        DayKind.OBSERVED: 79, DayKind.TAKE_HOME: 7, DayKind.MISSED: 4}
    assert summary.signals is not None and summary.signals.missed_streak == 4
    screens = summary.screens
    assert list(zip(screens["date"], screens["substance"], screens["unexpected_positive"],
                    strict=True)) == [(date(2026, 10, 13), "methadone", False),
                                      (date(2026, 10, 13), "opioids", True)]
    history = summary.phase_history
    assert list(zip(history["to_phase"], history["reason"], strict=True)) == [
        ("taper", "stable six months")]
    assert [(m.code, m.consent_active, m.phone, m.email) for m in summary.members] == [
        ("FAM1", True, "+44 7700 900001", "fam1@example.org"),
        ("FAM2", False, "+44 7700 900001", "fam2@example.org")]
    assert summary.contact_details
    assert [(c.member_code, c.scope) for c in summary.consents] == [("FAM1", "education")]
    assert summary.open_questions.to_dict("records") == [
        {"asked": datetime(2026, 1, 1, 9, 0), "member": "FAM1",
         "question": "When is the next family session?", "due": datetime(2026, 1, 1, 9, 0)}]
    audit = last_audit(session)
    assert (audit.actor, audit.action, audit.entity, audit.entity_id, audit.summary) == (
        "sup.test", "export", "patient", str(patients["SUM1"]),
        "patient summary PDF, 90 days to 2026-11-02")


def test_case_team_summary_and_its_pdf_carry_no_phone_or_email(
        session: Session, patients: dict[str, int]) -> None:
    with session.begin():
        summary = patient_summary(session, patient_id=patients["SUM1"],
                                  clinic_ids=[patients["clinic"]], role=Role.CASE_TEAM,
                                  actor="case.test", as_of=AS_OF)
    assert [(m.code, m.name, m.phone, m.email) for m in summary.members] == [
        ("FAM1", "Test Demo-FAM1", None, None), ("FAM2", "Test Demo-FAM2", None, None)]
    assert not summary.contact_details
    assert last_audit(session).summary == (
        "patient summary PDF, 90 days to 2026-11-02 (contact details redacted)")
    text = "\n".join(page.extract_text()
                     for page in PdfReader(io.BytesIO(patient_summary_pdf(summary))).pages)
    assert "SUM1" in text and "Test Demo-FAM1" in text
    assert "7700" not in text and "example.org" not in text
    assert "Phones and e-mails are withheld from the case team." in text


def test_a_patient_of_another_clinic_is_not_found_and_nothing_is_audited(
        session: Session, patients: dict[str, int]) -> None:
    with session.begin():
        before = session.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(PatientNotFound), session.begin():
        patient_summary(session, patient_id=patients["ELSEWHERE"],
                        clinic_ids=[patients["clinic"]], role=Role.SUPERVISOR,
                        actor="sup.test", as_of=AS_OF)
    assert session.scalar(select(func.count()).select_from(AuditLog)) == before


def test_the_window_follows_days(session: Session, patients: dict[str, int]) -> None:
    """A 7-day summary: 27 October to 2 November, 3 observed days then the 4 missed ones."""
    with session.begin():
        summary = patient_summary(session, patient_id=patients["SUM1"],
                                  clinic_ids=[patients["clinic"]], role=Role.SUPERVISOR,
                                  actor="sup.test", as_of=AS_OF, days=7)
    assert summary.start == AS_OF - timedelta(days=6)
    assert [day.kind for day in summary.days] == [DayKind.OBSERVED] * 3 + [DayKind.MISSED] * 4
    assert summary.screens.empty
    assert last_audit(session).summary == "patient summary PDF, 7 days to 2026-11-02"


def test_the_summary_heat_map_starts_the_week_on_the_clinics_first_working_day(
        session: Session, patients: dict[str, int]) -> None:
    def first_weekday() -> int:
        return patient_summary(session, patient_id=patients["SUM1"],
                               clinic_ids=[patients["clinic"]], role=Role.SUPERVISOR,
                               actor="sup.test", as_of=AS_OF, days=7).first_weekday

    with session.begin():
        assert first_weekday() == MONDAY  # a clinic that works Monday to Friday (the default)
        set_clinic_deadline(session, patients["clinic"], rule="one_working_day",
                            working_days="sat-wed", actor="admin")
        assert first_weekday() == SATURDAY
