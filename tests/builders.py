"""Small, obviously synthetic records for tests, written through the ORM models.

Until the importers exist these builders are the one way tests create patients, members and
consents; the values are hand-picked so a clinician can check the expected figures by eye.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from data_access.clinics import add_clinic
from data_access.models import (
    ConditionReport,
    Consent,
    FamilyQuestion,
    Patient,
    SupportMember,
)

CREATED = datetime(2026, 1, 1, 9, 0)


def clinic(session: Session, code: str = "TST") -> int:
    return add_clinic(session, code=code, name=f"Test clinic {code} (synthetic)", actor="test").id


def patient(
    session: Session,
    clinic_id: int,
    code: str,
    *,
    phase: str = "maintenance",
    admission: date = date(2026, 1, 5),
    medication: str = "methadone",
    dose_mg: float = 80.0,
) -> int:
    row = Patient(
        clinic_id=clinic_id, code=code, first_name="Test", last_name=f"Demo-{code}", sex="M",
        birth_year=1985, primary_substance="heroin", medication=medication, dose_mg=dose_mg,
        admission_date=admission, phase=phase, phase_since=admission,
        created_at=CREATED, updated_at=CREATED,
    )
    session.add(row)
    session.flush()
    return row.id


def member(session: Session, clinic_id: int, patient_id: int, code: str,
           channel: str = "telegram") -> int:
    row = SupportMember(
        clinic_id=clinic_id, code=code, patient_id=patient_id, relation="mother",
        first_name="Test", last_name=f"Demo-{code}", phone="+44 7700 900001",
        email=f"{code.lower()}@example.org", channel=channel, language="en", active=True,
        created_at=CREATED,
    )
    session.add(row)
    session.flush()
    return row.id


def consent(session: Session, member_id: int, patient_id: int, *, signed: date,
            expires: date | None = None, revoked: date | None = None,
            scope: str = "education") -> int:
    row = Consent(member_id=member_id, patient_id=patient_id, scope=scope, signed_on=signed,
                  expires_on=expires, revoked_on=revoked, created_at=CREATED)
    session.add(row)
    session.flush()
    return row.id


def question(session: Session, member_id: int, patient_id: int, *,
             answered: bool = False) -> int:
    row = FamilyQuestion(member_id=member_id, patient_id=patient_id, body="When is the next "
                         "family session?", asked_at=CREATED, due_at=CREATED,
                         answered_at=CREATED if answered else None)
    session.add(row)
    session.flush()
    return row.id


def report(session: Session, member_id: int, patient_id: int, *, emergency: bool = False,
           acknowledged: bool = False) -> int:
    row = ConditionReport(member_id=member_id, patient_id=patient_id, reported_at=CREATED,
                          severity="high" if emergency else "low", emergency=emergency,
                          acknowledged_at=CREATED if acknowledged else None)
    session.add(row)
    session.flush()
    return row.id
