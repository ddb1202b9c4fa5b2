"""Manual entry on the record: the import checks apply to one row typed by a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.clock import today
from data_access.database import Database
from data_access.models import AuditLog, DoseEvent
from domain.vocabulary import Role
from tests.pages.conftest import texts
from tests.pages.test_patients import clinic_patients, open_record

__all__ = ["clinic_patients"]


def test_dose_correction_is_checked_then_saved_and_audited(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    at = open_record(signed_in(Role.SUPERVISOR), "MISSING")
    missed_day = today() - timedelta(days=1)
    at.date_input[0].set_value(missed_day)
    status = next(box for box in at.selectbox if box.label == "Status")
    status.select("taken")
    at.button(key="FormSubmitter:manual_dose-Save dose").click().run()
    errors = next(df.value for df in at.dataframe if "Problem" in df.value.columns)
    assert list(errors["Column"]) == ["dose_mg"]  # a taken dose needs its mg
    with database.sessions() as session:
        assert session.scalar(select(DoseEvent.id).where(
            DoseEvent.patient_id == clinic_patients["MISSING"],
            DoseEvent.dose_date == missed_day)) is None
    at.date_input[0].set_value(missed_day)
    next(box for box in at.selectbox if box.label == "Status").select("taken")
    next(n for n in at.number_input if n.label == "Dose (mg)").set_value(80.0)
    at.button(key="FormSubmitter:manual_dose-Save dose").click().run()
    assert "Saved: inserted 1, updated 0, unchanged 0." in texts(at)
    with database.sessions() as session:
        dose = session.scalar(select(DoseEvent.dose_mg).where(
            DoseEvent.patient_id == clinic_patients["MISSING"],
            DoseEvent.dose_date == missed_day))
        audit = session.scalars(select(AuditLog).order_by(AuditLog.seq.desc())).first()
    assert dose == 80.0
    assert audit is not None and audit.actor == "pt.supervisor" and "dose" in audit.summary
