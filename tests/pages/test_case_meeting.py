"""The case meeting as a team holds one: the proposed agenda, one screen per patient, a decision
recorded for a psychologist that then waits on her home page and on the patient's record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.meetings import start_meeting
from data_access.models import ActionItem, AuditLog, DoseEvent, Patient, StaffUser
from data_access.staff import find_user, set_preferences
from domain.calendars import Calendar
from domain.meetings import AgendaEntry, AgendaReason
from domain.vocabulary import Role
from tests import builders
from tests.pages.conftest import USERNAMES, open_page, texts
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY
DECIDED = "Prescriber review of a taper plan with the patient"


@pytest.fixture
def clinic_patients(database: Database) -> dict[str, int]:
    """Admitted 200 days ago, no family consented (a routine outreach reason only):

    URG: last dose 4 days ago: urgent outreach.
    READY: maintenance 200 days, every dose taken: step-down due.
    QUIET: stabilisation for 30 days, every dose taken: nothing to discuss.
    """
    admitted = AS_OF - timedelta(days=200)
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        ids = {code: builders.patient(session, clinic_id, code, admission=admitted,
                                      phase="stabilisation" if code == "QUIET" else "maintenance")
               for code in ("URG", "READY", "QUIET")}
        session.get_one(Patient, ids["QUIET"]).phase_since = AS_OF - timedelta(days=30)
        rows = []
        for code, pid in ids.items():
            last = AS_OF - timedelta(days=4) if code == "URG" else AS_OF
            rows += [{"patient_id": pid, "dose_date": admitted + timedelta(days=n),
                      "status": "taken", "dose_mg": 80.0, "kind": "observed"}
                     for n in range((last - admitted).days + 1)]
        session.execute(insert(DoseEvent), rows)
    return ids


def staff_id(database: Database, role: Role) -> int:
    with database.sessions() as session:
        found = session.scalar(select(StaffUser.id).where(StaffUser.username == USERNAMES[role]))
    assert found is not None
    return found


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The table on screen that has ``column`` (tables without selection carry no key)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def on_screen(at: AppTest) -> str:
    """The texts of the screen, with the plain-text elements (decisions, questions) too."""
    return texts(at) + "\n" + "\n".join(str(e.value) for e in at.text)


def test_a_meeting_records_a_decision_for_a_psychologist(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    ids = clinic_patients
    at = open_page(signed_in(Role.SUPERVISOR), "pages/case_meeting.py")
    assert not at.exception, at.exception
    assert "Case meeting" in texts(at)
    proposed = frame_with(at, "why")
    assert list(proposed["patient"]) == ["URG", "READY"]
    assert list(proposed["why"]) == ["urgent outreach: reach the family today",
                                     "step down due: every readiness criterion is met"]
    assert at.multiselect(key="meeting_patients").value == [ids["URG"], ids["READY"]]
    at.multiselect(key="meeting_patients").select(ids["QUIET"]).run()
    at.button(key="meeting_start").click().run()
    assert not at.exception, at.exception
    assert "Meeting started with 3 patients." in texts(at)
    assert "URG · Test Demo-URG" in texts(at) and "Patient 1 of 3" in texts(at)
    assert "On the agenda: urgent outreach: reach the family today" in texts(at)
    assert at.button(key="meeting_previous").disabled

    at.button(key="meeting_next").click().run()
    at.button(key="meeting_next").click().run()
    assert "QUIET · Test Demo-QUIET" in texts(at) and "Patient 3 of 3" in texts(at)
    assert "On the agenda: added by hand" in texts(at)
    assert at.button(key="meeting_next").disabled
    # A draft typed for one patient does not follow the chair to the next.
    at.text_area(key=f"meeting_decision_{ids['QUIET']}_what").input("Draft for QUIET")
    at.button(key="meeting_previous").click().run()
    assert at.text_area(key=f"meeting_decision_{ids['READY']}_what").value == ""
    assert "READY · Test Demo-READY" in texts(at) and "Patient 2 of 3" in texts(at)
    assert "Every step-down criterion is met." in texts(at)
    assert "Open actions (0)" in texts(at)

    # A decision without an owner is refused and nothing is written.
    psychologist = staff_id(database, Role.PSYCHOLOGIST)
    form = f"meeting_decision_{ids['READY']}"
    at.text_area(key=f"{form}_what").input(DECIDED)
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert "Choose who will do it." in texts(at)
    with database.sessions() as session:
        assert session.scalars(select(ActionItem)).first() is None
    at.selectbox(key=f"{form}_owner").set_value(psychologist)
    at.date_input(key=f"{form}_due").set_value(AS_OF + timedelta(days=14))
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert not at.exception, at.exception
    assert "Decision recorded for READY." in texts(at)
    assert "READY · Test Demo-READY" in texts(at)  # still on the same patient
    assert "Open actions (1)" in texts(at) and DECIDED in on_screen(at)
    assert at.text_area(key=f"{form}_what").value == ""  # the form is cleared
    assert at.selectbox(key=f"{form}_owner").value is None
    with database.sessions() as session:
        item = session.scalars(select(ActionItem)).one()
        assert (item.patient_id, item.owner_id, item.due_on, item.what) == (
            ids["READY"], psychologist, AS_OF + timedelta(days=14), DECIDED)
        audit = [(row.action, row.entity, row.entity_id) for row in session.execute(
            select(AuditLog.action, AuditLog.entity, AuditLog.entity_id)
            .order_by(AuditLog.seq))]
    meeting = str(item.meeting_id)
    assert ("create", "case_meeting", meeting) in audit
    assert ("view", "case_meeting", meeting) in audit
    for pid in ids.values():  # every patient screen shown was audited
        assert ("view", "patient", str(pid)) in audit
    assert audit[-1] == ("create", "action_item", str(item.id))

    # The psychologist finds it on her home page and on the patient's record.
    home = signed_in(Role.PSYCHOLOGIST)
    assert "My open actions (1)" in texts(home)
    assert DECIDED in on_screen(home)
    assert f"due {(AS_OF + timedelta(days=14)).isoformat()}" in texts(home)
    record = open_page(home, "pages/patient_record.py")
    record.selectbox(key="record_pick").set_value(ids["READY"]).run()
    assert "Open actions (1)" in texts(record) and DECIDED in on_screen(record)
    assert f"record_actions_done_{item.id}" in [b.key for b in record.button]

    # Done from home: the item leaves her list.
    home = open_page(record, "pages/home.py")
    home.button(key=f"home_actions_done_{item.id}").click().run()
    assert not home.exception, home.exception
    assert "Action for READY marked done." in texts(home)
    assert "My open actions (0)" in texts(home) and DECIDED not in on_screen(home)
    with database.sessions() as session:
        done = session.get_one(ActionItem, item.id)
        assert done.done_at is not None and done.done_by_id == psychologist


def test_the_case_team_follows_a_meeting_without_deciding(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    ids = clinic_patients
    supervisor = staff_id(database, Role.SUPERVISOR)
    with database.sessions() as session, session.begin():
        clinic_id = session.get_one(Patient, ids["URG"]).clinic_id
        start_meeting(session, clinic_id=clinic_id, clinic_ids=[clinic_id], held_on=AS_OF,
                      agenda=[AgendaEntry(ids["URG"], "URG", (AgendaReason.OUTREACH_URGENT,))],
                      created_by_id=supervisor, actor=USERNAMES[Role.SUPERVISOR])
        session.add(ActionItem(patient_id=ids["URG"], what="Call the mother about naloxone",
                               owner_id=supervisor, due_on=AS_OF - timedelta(days=1),
                               created_at=builders.CREATED))
    at = open_page(signed_in(Role.CASE_TEAM), "pages/case_meeting.py")
    assert not at.exception, at.exception
    assert "meeting_start" not in [b.key for b in at.button]
    assert list(frame_with(at, "decisions")["patients"]) == [1]
    at.button(key="meeting_reopen").click().run()
    assert not at.exception, at.exception
    assert "URG · Test Demo-URG" in texts(at) and "Patient 1 of 1" in texts(at)
    assert "Call the mother about naloxone" in on_screen(at)
    assert f"overdue since {(AS_OF - timedelta(days=1)).isoformat()}" in texts(at)
    assert at.text_area.len == 0 and "Record decision" not in [b.label for b in at.button]
    keys = [b.key for b in at.button]
    assert "meeting_close" not in keys and not any("_done_" in str(key) for key in keys)
    at.button(key="meeting_leave").click().run()
    assert "Recent meetings" in texts(at)


def test_the_cached_agenda_is_written_in_each_readers_language(
    signed_in: Callable[[Role], AppTest], clinic_patients: dict[str, int], database: Database
) -> None:
    """The agenda is cached per clinic and day, and per language: a Persian colleague opening
    the page within the minute reads its details in Persian, not in the first reader's English."""
    english = open_page(signed_in(Role.SUPERVISOR), "pages/case_meeting.py")
    english_details = list(frame_with(english, "details")["details"])
    with database.sessions() as session, session.begin():
        info = find_user(session, USERNAMES[Role.PSYCHOLOGIST])
        assert info is not None
        set_preferences(session, user_id=info.id, language="fa", calendar=Calendar.GREGORIAN,
                        actor="test")
    persian = open_page(signed_in(Role.PSYCHOLOGIST), "pages/case_meeting.py")
    assert not persian.exception, persian.exception
    persian_details = list(frame_with(persian, "details")["details"])
    assert english_details[0] and persian_details[0] != english_details[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in persian_details[0])
