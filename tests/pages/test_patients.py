"""The Patients roster and record as a supervisor, a psychologist and the case team use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.models import AuditLog, DoseEvent, Patient, PhaseChange
from domain.vocabulary import Role
from tests import builders
from tests.pages.conftest import frame_with, open_page, texts
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY


@pytest.fixture
def clinic_patients(database: Database) -> dict[str, int]:
    """Three patients a clinician can reason about, with doses up to today.

    STEADY: in maintenance 200 days, every dose taken: ready to step down.
    MISSING: in maintenance 200 days, last 4 days missed: not ready (streak 4).
    NEWBIE: admitted 10 days ago, in induction.
    """
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        admitted = AS_OF - timedelta(days=200)
        ids = {
            "STEADY": builders.patient(session, clinic_id, "STEADY", admission=admitted),
            "MISSING": builders.patient(session, clinic_id, "MISSING", admission=admitted),
            "NEWBIE": builders.patient(session, clinic_id, "NEWBIE", phase="induction",
                                       admission=AS_OF - timedelta(days=10),
                                       medication="buprenorphine", dose_mg=8.0),
        }
        rows = []
        for code, pid in ids.items():
            start = AS_OF - timedelta(days=200 if code != "NEWBIE" else 10)
            day = start
            while day <= AS_OF:
                if not (code == "MISSING" and day > AS_OF - timedelta(days=4)):
                    rows.append({"patient_id": pid, "dose_date": day, "status": "taken",
                                 "dose_mg": 80.0 if code != "NEWBIE" else 8.0,
                                 "kind": "observed"})
                day += timedelta(days=1)
        session.execute(insert(DoseEvent), rows)
        member = builders.member(session, clinic_id, ids["STEADY"], "FAM1")
        builders.consent(session, member, ids["STEADY"], signed=AS_OF - timedelta(days=100))
    return ids


def roster_codes(at: AppTest) -> list[str]:
    frame = at.dataframe(key="patients_roster").value
    return list(frame["code"])


def test_roster_lists_filters_and_searches(signed_in: Callable[[Role], AppTest],
                                           clinic_patients: dict[str, int]) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/patients.py")
    assert sorted(roster_codes(at)) == ["MISSING", "NEWBIE", "STEADY"]
    frame = at.dataframe(key="patients_roster").value.set_index("code")
    assert frame.loc["MISSING", "missed_streak"] == 4
    assert frame.loc["STEADY", "adherence_28d"] == 1.0
    assert frame.loc["STEADY", "consented_members"] == 1
    assert "3 or more missed days" in frame.loc["MISSING", "flags"]
    at.multiselect(key="roster_phase").select("induction").run()
    assert roster_codes(at) == ["NEWBIE"]
    at.multiselect(key="roster_phase").unselect("induction").run()
    at.multiselect(key="roster_flag").select("overdose_risk_tolerance").run()
    assert roster_codes(at) == ["MISSING"]
    at.multiselect(key="roster_flag").unselect("overdose_risk_tolerance").run()
    at.text_input(key="roster_search").input("stead").run()
    assert roster_codes(at) == ["STEADY"]
    assert "1 of 3 active patients" in texts(at)


def test_a_code_searched_in_persian_digits_finds_the_patient(
        signed_in: Callable[[Role], AppTest], database: Database) -> None:
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        builders.patient(session, clinic_id, "P-0012")
        builders.patient(session, clinic_id, "P-0013")
    at = open_page(signed_in(Role.SUPERVISOR), "pages/patients.py")
    at.text_input(key="roster_search").input("p-۰۰۱۲").run()  # a Persian keyboard's digits
    assert roster_codes(at) == ["P-0012"]
    at.text_input(key="roster_search").input("٠٠١٣").run()  # an Arabic keyboard's
    assert roster_codes(at) == ["P-0013"]


def choose_phase(at: AppTest, phase: str) -> AppTest:
    options = at.selectbox(key="phase_target").options
    index = next(i for i, option in enumerate(options) if option.startswith(f"{phase} "))
    return at.selectbox(key="phase_target").select_index(index).run()


def open_record(at: AppTest, code: str) -> AppTest:
    at = open_page(at, "pages/patients.py")
    labels = at.selectbox(key="roster_pick").options
    at.selectbox(key="roster_pick").select_index(
        next(i for i, label in enumerate(labels) if label.startswith(code))).run()
    at = at.button(key="roster_open").click().run()
    assert f"{code} · " in texts(at)  # the button switched to the record
    # AppTest remembers the page a run started on, not the one st.switch_page reached.
    return open_page(at, "pages/patient_record.py")


def test_record_shows_the_essentials_and_is_audited(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    at = open_record(signed_in(Role.SUPERVISOR), "MISSING")
    assert not at.exception
    assert "MISSING · Test Demo-MISSING" in texts(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Missed in a row"] == "4"
    assert metrics["Most take-home doses allowed"] == "28"
    assert "3 or more missed days in a row" in texts(at)
    readiness = frame_with(at, "Criterion")
    assert list(readiness["Met"]) == ["✓", "✗", "✓", "✗"]  # adherence 24/28 and streak 4
    with database.sessions() as session:
        last = session.scalars(select(AuditLog).order_by(AuditLog.seq.desc())).first()
    assert last is not None and last.action == "view" and last.entity == "patient"
    assert last.entity_id == str(clinic_patients["MISSING"])


def test_case_team_sees_no_phone_or_email(signed_in: Callable[[Role], AppTest],
                                          clinic_patients: dict[str, int]) -> None:
    supervisor = open_record(signed_in(Role.SUPERVISOR), "STEADY")
    assert "Phone" in frame_with(supervisor, "Relation").columns
    team = open_record(signed_in(Role.CASE_TEAM), "STEADY")
    members = frame_with(team, "Relation")
    assert "Phone" not in members.columns and "E-mail" not in members.columns
    assert "+44 7700" not in members.to_string()
    assert "phase_submit" not in [b.key for b in team.button]  # no phase changes


def test_step_down_when_ready_needs_no_override(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    at = open_record(signed_in(Role.SUPERVISOR), "STEADY")
    choose_phase(at, "taper")
    assert "phase_override" not in [area.key for area in at.text_area]
    at.text_area(key="phase_reason").input("Stable 200 days, all screens negative.")
    at.button(key="phase_submit").click().run()
    assert "Phase changed to taper." in texts(at)
    with database.sessions() as session:
        change = session.scalars(select(PhaseChange).where(
            PhaseChange.patient_id == clinic_patients["STEADY"])).one()
    assert (change.from_phase, change.to_phase, change.override_reason) == (
        "maintenance", "taper", None)


def test_step_down_with_unmet_criteria_needs_an_override_reason(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    at = open_record(signed_in(Role.SUPERVISOR), "MISSING")
    choose_phase(at, "taper")
    assert "Not all step-down criteria are met" in texts(at)
    at.text_area(key="phase_reason").input("Patient asks to taper.")
    at.button(key="phase_submit").click().run()
    assert "write why you step down anyway" in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(PhaseChange)).first() is None
    at.text_area(key="phase_override").input("Patient's informed choice; weekly review.")
    at.button(key="phase_submit").click().run()
    assert "Phase changed to taper." in texts(at)
    with database.sessions() as session:
        change = session.scalars(select(PhaseChange)).one()
    assert change.override_reason == "Patient's informed choice; weekly review."
    assert change.unmet_criteria is not None and "no_missed_streak: 4 days" in change.unmet_criteria


def test_step_up_after_relapse_is_shown_as_care(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int]
) -> None:
    at = open_record(signed_in(Role.SUPERVISOR), "MISSING")
    options = at.selectbox(key="phase_target").options
    assert any("stabilisation" in o and "care, not failure" in o for o in options)
    choose_phase(at, "stabilisation")
    assert "Not all step-down criteria" not in texts(at)
    at.text_area(key="phase_reason").input("Missed 4 days: more support.")
    at.button(key="phase_submit").click().run()
    assert "Phase changed to stabilisation." in texts(at)
