"""Day arithmetic on date columns gives the same days on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.day_numbers import day_number, days_after, days_between
from data_access.models import Patient
from tests import builders


def test_days_after_and_between_across_months_and_a_leap_day(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        builders.patient(session, clinic_id, "P1", admission=date(2024, 2, 10))
    admission = Patient.admission_date
    row = session.execute(select(
        days_after(admission, 0), days_after(admission, 19), days_after(admission, 20),
        days_after(admission, 365), days_between(days_after(admission, 365), admission),
        days_between(admission, days_after(admission, 62)), day_number(admission),
    )).one()
    assert row[:4] == (date(2024, 2, 10), date(2024, 2, 29), date(2024, 3, 1),
                       date(2025, 2, 9))
    assert row[4:] == (365, -62, (date(2024, 2, 10) - date(1970, 1, 1)).days)


def test_days_after_bounds_a_date_range(session: Session) -> None:
    """Compared with a date column, as the dose reads of a retention horizon compare it."""
    with session.begin():
        clinic_id = builders.clinic(session)
        for code, admitted in (("EARLY", date(2026, 1, 1)), ("LATE", date(2026, 3, 3))):
            builders.patient(session, clinic_id, code, admission=admitted)
    inside = session.scalars(
        select(Patient.code)
        .where(Patient.phase_since < days_after(Patient.admission_date, 1),
               date(2026, 3, 1) < days_after(Patient.admission_date, 59))
    ).all()
    assert inside == ["LATE"]  # 2026-01-01 + 59 days is 2026-03-01, not after it
