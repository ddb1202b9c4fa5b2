"""Imports from an Iranian clinic's spreadsheet (SQLite and PostgreSQL): Persian names stored as
written, Persian and Arabic-Indic digits read as numbers and dates, a Solar Hijri date refused
with the Gregorian date it stands for, and the problems told in the user's language."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import Consent, DoseEvent, Patient, SupportMember, UrineScreen
from domain.import_rules import ImportKind
from i18n.catalog import translating
from tests.data_access.test_importers import (
    DOSE_ROW,
    MEMBER_ROW,
    PATIENT_ROW,
    SCREEN_ROW,
    count,
    csv_bytes,
    run,
    seed,
)

ZWNJ = "\u200c"  # the zero-width non-joiner inside many Persian names


def test_persian_names_and_digits_in_a_patients_file(session: Session) -> None:
    seed(session)
    row = {**PATIENT_ROW, "first_name": "نرگس", "last_name": f"حسین{ZWNJ}زاده (نمونه)",
           "birth_year": "۱۹۹۰", "dose_mg": "۶۲٫۵",
           "admission_date": "٢٠٢٦-٠٦-٠١"}

    result = run(session, ImportKind.PATIENTS, csv_bytes([row], bom=True))

    assert result.ok, [str(error) for error in result.errors]
    assert result.inserted == 1
    with session.begin():
        patient = session.scalars(select(Patient).where(Patient.code == "N-1")).one()
        assert (patient.first_name, patient.last_name) == ("نرگس", f"حسین{ZWNJ}زاده (نمونه)")
        assert (patient.birth_year, patient.dose_mg) == (1990, 62.5)
        assert patient.admission_date == date(2026, 6, 1)


def test_persian_members_with_arabic_indic_phone_and_consent_dates(session: Session) -> None:
    seed(session)
    row = {**MEMBER_ROW, "first_name": "مریم", "last_name": "رضایی (نمونه)",
           "phone": "+۹۸ ۹۱۲ ٠٠٠ ۱۲۳۴", "channel": "telegram", "language": "fa",
           "email": "", "consent_signed": "٢٠٢٦-٠٣-٠١", "consent_expires": "۲۰۲۷-۰۳-۰۱"}

    result = run(session, ImportKind.MEMBERS, csv_bytes([row]))

    assert result.ok, [str(error) for error in result.errors]
    with session.begin():
        member = session.scalars(select(SupportMember).where(SupportMember.code == "M-1")).one()
        assert (member.first_name, member.last_name, member.language) == (
            "مریم", "رضایی (نمونه)", "fa")
        assert member.phone == "+98 912 000 1234"
        consent = session.scalars(select(Consent).where(Consent.member_id == member.id)).one()
        assert (consent.signed_on, consent.expires_on) == (date(2026, 3, 1), date(2027, 3, 1))


def test_a_solar_hijri_date_is_refused_with_its_gregorian_date(session: Session) -> None:
    seed(session)
    rows = [{**DOSE_ROW, "date": "۱۴۰۵-۰۸-۱۱"},  # 11 Aban 1405, typed as if Gregorian
            {**DOSE_ROW, "date": "1402-12-30"},  # no such Solar Hijri day either
            {**DOSE_ROW, "date": "2026-11-01"}]

    result = run(session, ImportKind.DOSES, csv_bytes(rows))

    assert [str(error) for error in result.errors] == [
        "row 2, column date, value '۱۴۰۵-۰۸-۱۱': a Solar Hijri date? Dates in import files are "
        "Gregorian: this one would be 2026-11-02",
        "row 3, column date, value '1402-12-30': before 1900-01-01",
    ]
    assert count(session, DoseEvent) == 0  # all or nothing


def test_problems_are_told_in_the_users_language(session: Session) -> None:
    seed(session)
    rows = [{**DOSE_ROW, "dose_mg": "abc"}, {**DOSE_ROW, "date": "1405-08-11"}]

    with translating("fa"):
        result = run(session, ImportKind.DOSES, csv_bytes(rows))

    assert [error.reason for error in result.errors] == [
        "عدد نیست",
        "تاریخ هجری شمسی؟ تاریخ‌های فایل ورودی میلادی‌اند: این تاریخ برابر 2026-11-02 است",
    ]


def test_codes_typed_in_persian_or_arabic_indic_digits_find_the_same_records(
        session: Session) -> None:
    ids = seed(session)  # P-1, P-2 (with member M-9) and P-3 in clinic TST

    patients = run(session, ImportKind.PATIENTS, csv_bytes(
        [{**PATIENT_ROW, "patient_code": "P-۳", "medication": "naltrexone", "dose_mg": "50"}]))
    doses = run(session, ImportKind.DOSES, csv_bytes(
        [{**DOSE_ROW, "patient_code": "P-۱"}, {**DOSE_ROW, "patient_code": "P-١",
                                               "date": "2026-11-03"}]))
    screens = run(session, ImportKind.SCREENS, csv_bytes([{**SCREEN_ROW, "patient_code": "P-٣"}]))
    members = run(session, ImportKind.MEMBERS, csv_bytes(
        [{**MEMBER_ROW, "member_code": "M-۹", "patient_code": "P-۲"}]))

    for result in (patients, doses, screens, members):
        assert result.ok, [str(error) for error in result.errors]
    # The patient and the member already existed under their ASCII codes: updated, not added.
    assert (patients.inserted, patients.updated) == (0, 1)
    assert (members.inserted, members.updated) == (0, 1)
    with session.begin():
        assert session.scalars(select(Patient.code).order_by(Patient.code)).all() == [
            "P-1", "P-2", "P-3"]
        assert session.scalars(select(DoseEvent.patient_id)).all() == [ids["P-1"]] * 2
        assert session.scalars(select(UrineScreen.patient_id)).all() == [ids["P-3"]]
        assert session.scalars(select(SupportMember.code)).all() == ["M-9"]


def test_a_row_with_a_problem_and_a_persian_code_is_not_also_an_unknown_patient(
        session: Session) -> None:
    seed(session)
    rows = [{**DOSE_ROW, "patient_code": "P-۱", "status": "bogus"},
            {**DOSE_ROW, "patient_code": "P-۹۹", "status": "bogus"}]

    result = run(session, ImportKind.DOSES, csv_bytes(rows))

    assert [(error.row, error.column) for error in result.errors] == [
        (2, "status"), (3, "status"), (3, "patient_code")]
