"""Constraints live in the database; the home figures count what a clinician would count."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.home_figures import home_figures
from data_access.models import Consent, DoseEvent, Patient
from data_access.schema import is_up_to_date
from domain.consent import consent_is_active
from tests import builders

AS_OF = date(2026, 11, 2)


def test_schema_is_at_the_latest_migration(engine: Engine) -> None:
    assert is_up_to_date(engine)


@pytest.mark.parametrize(
    "row",
    [
        {"status": "taken", "dose_mg": -5.0, "kind": "observed"},  # negative dose
        {"status": "taken", "dose_mg": None, "kind": "observed"},  # taken without a dose
        {"status": "skipped", "dose_mg": None, "kind": "observed"},  # unknown status
        {"status": "taken", "dose_mg": 80.0, "kind": "delivered"},  # unknown kind
    ],
)
def test_dose_constraints(session: Session, row: dict[str, object]) -> None:
    with session.begin():
        patient_id = builders.patient(session, builders.clinic(session), "P1")
    with pytest.raises(IntegrityError), session.begin():
        session.execute(insert(DoseEvent), [{"patient_id": patient_id,
                                             "dose_date": AS_OF, **row}])


def test_one_dose_row_per_patient_per_day(session: Session) -> None:
    with session.begin():
        patient_id = builders.patient(session, builders.clinic(session), "P1")
        good = {"patient_id": patient_id, "dose_date": AS_OF, "status": "taken",
                "dose_mg": 80.0, "kind": "observed"}
        session.execute(insert(DoseEvent), [good])
    with pytest.raises(IntegrityError), session.begin():
        session.execute(insert(DoseEvent), [good])


def test_patient_code_unique_per_clinic_and_enumerations_checked(session: Session) -> None:
    with session.begin():
        first = builders.clinic(session, "A")
        second = builders.clinic(session, "B")
        builders.patient(session, first, "P1")
        builders.patient(session, second, "P1")  # the same code in another clinic is fine
    with pytest.raises(IntegrityError), session.begin():
        builders.patient(session, first, "P1")
    with pytest.raises(IntegrityError), session.begin():
        builders.patient(session, first, "P2", phase="cured")
    with pytest.raises(IntegrityError), session.begin():
        builders.patient(session, first, "P3", medication="aspirin")
    assert session.scalar(select(Patient.id).where(Patient.code == "P3")) is None


def test_consent_cannot_expire_before_it_was_signed(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = builders.member(session, clinic_id, patient_id, "M1")
    with pytest.raises(IntegrityError), session.begin():
        builders.consent(session, member_id, patient_id, signed=date(2026, 5, 1),
                         expires=date(2026, 4, 1))


def test_sql_consent_rule_agrees_with_the_domain_rule(session: Session) -> None:
    cases = [
        (date(2026, 1, 1), None, None),
        (date(2026, 11, 3), None, None),
        (date(2026, 1, 1), AS_OF, None),
        (date(2026, 1, 1), date(2026, 11, 1), None),
        (date(2026, 1, 1), None, AS_OF),
        (date(2026, 1, 1), None, date(2026, 11, 3)),
    ]
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        ids = {}
        for number, (signed, expires, revoked) in enumerate(cases):
            member_id = builders.member(session, clinic_id, patient_id, f"M{number}")
            ids[builders.consent(session, member_id, patient_id, signed=signed,
                                 expires=expires, revoked=revoked)] = (signed, expires, revoked)
    active_in_sql = set(session.scalars(select(Consent.id).where(active_consent_clause(AS_OF))))
    active_in_domain = {cid for cid, case in ids.items() if consent_is_active(*case, AS_OF)}
    assert active_in_sql == active_in_domain
    assert len(active_in_domain) == 3


def test_home_figures_count_only_the_users_clinics(session: Session) -> None:
    with session.begin():
        mine = builders.clinic(session, "MINE")
        other = builders.clinic(session, "OTHER")
        p1 = builders.patient(session, mine, "P1")
        p2 = builders.patient(session, mine, "P2")
        builders.patient(session, mine, "P3", phase="discharged")
        builders.patient(session, mine, "P5", admission=date(2026, 11, 20))  # not yet admitted
        p4 = builders.patient(session, other, "P4")
        m1 = builders.member(session, mine, p1, "M1")
        m2 = builders.member(session, mine, p1, "M2")
        m3 = builders.member(session, mine, p2, "M3")
        m4 = builders.member(session, other, p4, "M4")
        builders.consent(session, m1, p1, signed=date(2026, 2, 1))
        builders.consent(session, m1, p1, signed=date(2026, 3, 1))  # two consents, one family
        builders.consent(session, m2, p1, signed=date(2026, 2, 1), revoked=date(2026, 6, 1))
        builders.consent(session, m3, p2, signed=date(2026, 2, 1), expires=date(2026, 12, 1))
        builders.consent(session, m4, p4, signed=date(2026, 2, 1))
        builders.question(session, m1, p1)
        builders.question(session, m1, p1, answered=True)
        builders.question(session, m4, p4)
        builders.report(session, m1, p1, emergency=True)
        builders.report(session, m3, p2)
        builders.report(session, m3, p2, emergency=True, acknowledged=True)
        builders.report(session, m4, p4, emergency=True)
    figures = home_figures(session, clinic_ids=[mine], as_of=AS_OF)
    assert figures.active_patients == 2
    assert figures.families_with_consent == 2  # M1 and M3; M2 revoked
    assert figures.questions_awaiting_answer == 1
    assert figures.reports_awaiting_acknowledgement == 2
    assert figures.emergencies_awaiting_acknowledgement == 1
    both = home_figures(session, clinic_ids=[mine, other], as_of=AS_OF)
    assert both.active_patients == 3 and both.emergencies_awaiting_acknowledgement == 2


def test_home_figures_for_one_psychologists_patients(session: Session) -> None:
    from data_access.staff import add_user
    from domain.vocabulary import Role

    with session.begin():
        clinic_id = builders.clinic(session, "MINE")
        psychologist = add_user(session, username="psy", password="a-long-password",
                                role=Role.PSYCHOLOGIST, clinic_codes=["MINE"], actor="test")
        mine = builders.patient(session, clinic_id, "P1")
        builders.patient(session, clinic_id, "P2")
        session.execute(update(Patient).where(Patient.id == mine)
                        .values(psychologist_id=psychologist.id))
        member = builders.member(session, clinic_id, mine, "M1")
        builders.question(session, member, mine)
    figures = home_figures(session, clinic_ids=[clinic_id], as_of=AS_OF,
                           psychologist_id=psychologist.id)
    assert (figures.active_patients, figures.questions_awaiting_answer) == (1, 1)
    assert home_figures(session, clinic_ids=[clinic_id], as_of=AS_OF).active_patients == 2
