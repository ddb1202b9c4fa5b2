"""A write to patients clears every cache it stales: here the record's picker, which is read
once per ten minutes otherwise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from components import patient_data
from components.caches import clear_patient_caches
from data_access.engine import session_factory
from tests import builders
from tests.conftest import sqlite_engine


def test_a_write_to_patients_clears_the_record_picker(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path)
    url = str(engine.url)
    with session_factory(engine)() as session, session.begin():
        clinic_id = builders.clinic(session)
        builders.patient(session, clinic_id, "P-0001", admission=date(2026, 6, 1))
    first = patient_data.record_choices((clinic_id,), url)
    with session_factory(engine)() as session, session.begin():
        builders.patient(session, clinic_id, "P-0002", admission=date(2026, 6, 1))
    assert patient_data.record_choices((clinic_id,), url) == first  # cached
    clear_patient_caches()
    codes = [label.split(" · ")[0] for _, label in patient_data.record_choices((clinic_id,), url)]
    assert codes == ["P-0001", "P-0002"]
    clear_patient_caches()
    engine.dispose()
