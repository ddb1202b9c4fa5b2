"""Exports as staff download them: the roster and the outreach worklist as CSV and Excel, and the
patient summary PDF, each cut to the role and audited when clicked.

The files are fetched the way the browser would: from Streamlit's media store, and for the
buttons that build their file on click, by running the button's callable as Streamlit does.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from components.state import SignedInUser
from data_access.database import Database
from data_access.models import AuditLog, DoseEvent, Patient
from data_access.staff import find_user
from domain.meetings import MeetingMinutes, MinutesDecision, MinutesPatient
from domain.outreach import WORKLIST_FIELDS
from domain.redaction import is_contact_field
from domain.vocabulary import Role
from tests import builders
from tests.pages.conftest import USERNAMES, Download, open_page
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY
ROSTER_COLUMNS = ["code", "clinic", "name", "medication", "phase", "days_in_phase",
                  "days_in_treatment", "adherence_28d", "missed_streak", "last_screen",
                  "unexpected_positives", "consented_members", "last_family_contact",
                  "modules_completed_30d", "psychologist", "flags"]

@pytest.fixture
def clinic(database: Database) -> dict[str, int]:
    """STEADY takes every dose; MISSING missed the last 4 days and has a consented mother with a
    phone and an e-mail. Outreach: MISSING is urgent (tolerance), STEADY routine (no family)."""
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        admitted = AS_OF - timedelta(days=200)
        ids = {code: builders.patient(session, clinic_id, code, admission=admitted)
               for code in ("STEADY", "MISSING")}
        rows = []
        for code, pid in ids.items():
            last = AS_OF - timedelta(days=4) if code == "MISSING" else AS_OF
            rows += [{"patient_id": pid, "dose_date": admitted + timedelta(days=n),
                      "status": "taken", "dose_mg": 80.0, "kind": "observed"}
                     for n in range((last - admitted).days + 1)]
        session.execute(insert(DoseEvent), rows)
        mother = builders.member(session, clinic_id, ids["MISSING"], "FAM1")
        builders.consent(session, mother, ids["MISSING"], signed=AS_OF - timedelta(days=100))
    return ids


def exports(database: Database) -> list[tuple[str, str, str | None, str]]:
    with database.sessions() as session:
        rows = session.execute(select(AuditLog.actor, AuditLog.entity, AuditLog.entity_id,
                                      AuditLog.summary)
                               .where(AuditLog.action == "export").order_by(AuditLog.seq))
        return [(row.actor, row.entity, row.entity_id, row.summary) for row in rows]


def test_roster_exports_what_the_filters_show_as_csv_and_excel(
        signed_in: Callable[[Role], AppTest], clinic: dict[str, int], database: Database,
        download: Download) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/patients.py")
    assert not at.exception, at.exception
    name, data = download(at, "patients_export_csv")
    assert name == f"hamrah-patients-{AS_OF.isoformat()}.csv"
    roster = pd.read_csv(io.BytesIO(data))
    assert list(roster.columns) == ROSTER_COLUMNS
    assert roster.set_index("code")["missed_streak"].to_dict() == {"STEADY": 0, "MISSING": 4}
    name, data = download(at, "patients_export_excel")
    assert name == f"hamrah-patients-{AS_OF.isoformat()}.xlsx"
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets) == ["Patients"]
    assert list(sheets["Patients"].columns) == ROSTER_COLUMNS
    assert sorted(sheets["Patients"]["code"]) == ["MISSING", "STEADY"]
    assert exports(database) == []  # nothing leaves before a click
    at.download_button(key="patients_export_csv").click().run()
    at.download_button(key="patients_export_excel").click().run()
    assert exports(database) == [
        ("pt.supervisor", "patient_roster", AS_OF.isoformat(), "2 rows as CSV"),
        ("pt.supervisor", "patient_roster", AS_OF.isoformat(), "2 rows as Excel")]
    at.text_input(key="roster_search").input("stead").run()
    assert list(pd.read_csv(io.BytesIO(download(at, "patients_export_csv")[1]))["code"]) == [
        "STEADY"]


def test_case_team_roster_export_has_no_contact_columns_and_says_so(
        signed_in: Callable[[Role], AppTest], clinic: dict[str, int], database: Database,
        download: Download) -> None:
    at = open_page(signed_in(Role.CASE_TEAM), "pages/patients.py")
    assert not at.exception, at.exception
    csv_columns = list(pd.read_csv(io.BytesIO(download(at, "patients_export_csv")[1])).columns)
    excel = pd.read_excel(io.BytesIO(download(at, "patients_export_excel")[1]))
    assert csv_columns == list(excel.columns) == ROSTER_COLUMNS
    assert not [column for column in csv_columns if is_contact_field(column)]
    at.download_button(key="patients_export_excel").click().run()
    assert exports(database) == [("pt.case_team", "patient_roster", AS_OF.isoformat(),
                                  "2 rows as Excel (contact details redacted)")]


def test_outreach_keeps_its_csv_and_adds_excel(
        signed_in: Callable[[Role], AppTest], clinic: dict[str, int], database: Database,
        download: Download) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
    assert not at.exception, at.exception
    name, data = download(at, "outreach_export_csv")
    assert name == f"hamrah-outreach-{AS_OF.isoformat()}.csv"
    worklist = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert list(worklist.columns) == list(WORKLIST_FIELDS)
    assert list(zip(worklist["patient_code"], worklist["tier"], worklist["member_codes"],
                    strict=True)) == [("MISSING", "urgent", "FAM1"), ("STEADY", "routine", "")]
    name, data = download(at, "outreach_export_excel")
    assert name == f"hamrah-outreach-{AS_OF.isoformat()}.xlsx"
    excel = pd.read_excel(io.BytesIO(data), sheet_name="Outreach", keep_default_na=False)
    assert excel[["patient_code", "reasons"]].to_dict("records") == worklist[
        ["patient_code", "reasons"]].to_dict("records")
    at.download_button(key="outreach_export_csv").click().run()
    at.download_button(key="outreach_export_excel").click().run()
    assert exports(database) == [
        ("pt.supervisor", "outreach_worklist", AS_OF.isoformat(), "2 rows as CSV"),
        ("pt.supervisor", "outreach_worklist", AS_OF.isoformat(), "2 rows as Excel")]


def summary_button(patient_id: int, user: object) -> None:
    """A one-line page: the record's summary button (run by AppTest as its own script, so its
    imports are inside and its annotations plain)."""
    from typing import cast

    from components.export_buttons import patient_summary_button
    from components.state import SignedInUser

    patient_summary_button(patient_id, cast(SignedInUser, user), key_prefix="test",
                           patient_code="MISSING")


def signed_in_user(database: Database, role: Role) -> SignedInUser:
    with database.sessions() as session:
        info = find_user(session, USERNAMES[role])
    assert info is not None
    return SignedInUser(id=info.id, username=info.username, display_name=info.display_name,
                        role=info.role, language=info.language,
                        session_version=info.session_version, clinic_ids=info.clinic_ids,
                        clinic_codes=info.clinic_codes)


@pytest.mark.parametrize(("role", "contacts", "note"), [
    (Role.SUPERVISOR, True, ""), (Role.CASE_TEAM, False, " (contact details redacted)")])
def test_patient_summary_pdf_is_built_and_audited_on_click(
        clinic: dict[str, int], database: Database, download: Download, role: Role,
        contacts: bool, note: str) -> None:
    user = signed_in_user(database, role)
    at = AppTest.from_function(summary_button, args=(clinic["MISSING"], user),
                               default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.download_button(key="test_summary_pdf").proto.deferred_file_id
    assert exports(database) == []  # built, and disclosed, only when clicked
    name, data = download(at, "test_summary_pdf")
    assert name == f"hamrah-summary-MISSING-{AS_OF.isoformat()}.pdf"
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Patient summary: MISSING" in text and "Test Demo-FAM1" in text
    assert "4 days missed: prescriber review before dosing" in text
    assert ("+44 7700 900001" in text) is contacts
    assert ("fam1@example.org" in text) is contacts
    assert sum(len(page.images) for page in reader.pages) == 2  # no screens: no screen chart
    assert exports(database) == [(user.username, "patient", str(clinic["MISSING"]),
                                  f"patient summary PDF, 90 days to {AS_OF.isoformat()}{note}")]


def minutes_and_overview_buttons(minutes: object, sheets: object, user: object) -> None:
    """The meeting's minutes button and an Overview-style workbook (run by AppTest)."""
    from typing import cast

    import pandas as pd

    from components.export_buttons import meeting_minutes_button, workbook_download_button
    from components.state import SignedInUser
    from domain.meetings import MeetingMinutes

    staff = cast(SignedInUser, user)
    meeting_minutes_button(cast(MeetingMinutes, minutes), staff, key_prefix="meeting")
    workbook_download_button(cast(dict[str, pd.DataFrame], sheets), label="Overview tables",
                             file_stem="hamrah-overview", user=staff, entity="overview",
                             entity_id="PGT", key_prefix="overview")


def test_minutes_and_workbook_buttons_are_redacted_and_audited_on_click(
        database: Database, download: Download) -> None:
    user = signed_in_user(database, Role.CASE_TEAM)
    minutes = MeetingMinutes(
        meeting_id=12, clinic_code="PGT", clinic_name="Test clinic PGT", held_on=AS_OF,
        closed_at=None, patients=(
            MinutesPatient("MISSING", "Test Demo-MISSING", ("4 days missed in a row",),
                           (MinutesDecision("Call the mother today", "pt.psychologist", AS_OF,
                                            False),)),))
    sheets = {"Backlog": pd.DataFrame({"patient": ["MISSING"], "phone": ["+44 7700 900001"]}),
              "Phases": pd.DataFrame({"phase": ["maintenance"], "patients": [2]})}
    at = AppTest.from_function(minutes_and_overview_buttons, args=(minutes, sheets, user),
                               default_timeout=30).run()
    assert not at.exception, at.exception
    name, data = download(at, "meeting_minutes_pdf")
    assert name == f"hamrah-meeting-PGT-{AS_OF.isoformat()}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Call the mother today pt.psychologist" in text
    name, data = download(at, "overview_workbook")
    workbook = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert name == "hamrah-overview.xlsx" and list(workbook) == ["Backlog", "Phases"]
    assert list(workbook["Backlog"].columns) == ["patient"]  # the phone column is dropped
    at.download_button(key="meeting_minutes_pdf").click().run()
    at.download_button(key="overview_workbook").click().run()
    assert exports(database) == [
        ("pt.case_team", "case_meeting", "12", "minutes PDF, 1 patients"),
        ("pt.case_team", "overview", "PGT",
         "Excel workbook, rows: Backlog 1, Phases 1 (contact details redacted)")]
