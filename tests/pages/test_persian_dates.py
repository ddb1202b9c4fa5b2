"""Dates inside tables and charts in the reader's calendar (issue 9), as a person sees them: a
Solar Hijri reader of Persian reads ۱۴۰۴/۱۲/۲۹ in the roster and on the record, and Persian
month and weekday names on the charts; a Gregorian English reader keeps Streamlit's own date
columns and Vega-Lite's own axes.

The patient's dates are fixed: admitted 5 January 2026 (1404/10/15), moved to maintenance on
1 February 2026 (1404/11/12), last screened on 20 March 2026 (1404/12/29, the last day of
1404), a family consent until 31 December 2026 (1405/10/10).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.meetings import start_meeting
from data_access.models import (
    ActionItem,
    AuditLog,
    ConditionReport,
    Patient,
    PhaseChange,
    SupportMember,
    UrineScreen,
)
from data_access.staff import find_user
from domain.calendars import Calendar, to_jalali
from domain.digits import to_persian_digits
from domain.meetings import AgendaEntry
from domain.text import t
from domain.vocabulary import Role
from i18n.catalog import interface_language
from tests import builders
from tests.pages.conftest import USERNAMES, frame_with, open_page, texts
from tests.pages.test_persian import prefer
from tests.pinned_clock import PINNED_NOW

ADMITTED = date(2026, 1, 5)
MAINTENANCE_FROM = date(2026, 2, 1)
SCREENED = date(2026, 3, 20)
CONSENT_UNTIL = date(2026, 12, 31)


@pytest.fixture
def dated_patient(database: Database) -> int:
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        patient_id = builders.patient(session, clinic_id, "DATED", admission=ADMITTED)
        session.add(PhaseChange(patient_id=patient_id, from_phase="induction",
                                to_phase="maintenance", changed_on=MAINTENANCE_FROM,
                                reason="stable", created_at=datetime(2026, 2, 1, 9, 0)))
        session.add(UrineScreen(patient_id=patient_id, screen_date=SCREENED,
                                substance="opioids", result="positive", expected=True))
        member = builders.member(session, clinic_id, patient_id, "FAM-DATED")
        builders.consent(session, member, patient_id, signed=ADMITTED, expires=CONSENT_UNTIL)
    return patient_id


def open_record(at: AppTest) -> AppTest:
    """From the roster to DATED's record, as test_persian does (labels in the page's language:
    AppTest formats the options of widgets in the test's own context)."""
    labels = at.selectbox(key="roster_pick").options
    at.selectbox(key="roster_pick").select_index(
        next(i for i, label in enumerate(labels) if label.startswith("DATED"))).run()
    at.button(key="roster_open").click().run()
    return open_page(at, "pages/patient_record.py")


def chart_specs(at: AppTest) -> str:
    """The Vega-Lite specifications of the charts on the screen, as one string to search."""
    return "\n".join(json.dumps(json.loads(element.proto.spec), ensure_ascii=False)
                     for element in at.get("vega_lite_chart"))


def chart_data(at: AppTest) -> pd.DataFrame:
    """Every row of every chart's data on the screen (Streamlit sends it as Arrow)."""
    frames = [pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
              for element in at.get("vega_lite_chart") for dataset in element.proto.datasets]
    return pd.concat(frames, ignore_index=True)


def as_day(value: date) -> date:
    """A date cell as AppTest hands it back (a date or a timestamp)."""
    return pd.Timestamp(value).date()


def test_a_solar_hijri_persian_reader_reads_tables_and_charts_in_that_calendar(
        database: Database, dated_patient: int,
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    with interface_language("fa"):
        at = open_page(signed_in(Role.SUPERVISOR), "pages/patients.py")
        assert not at.exception, at.exception
        roster = at.dataframe(key="patients_roster").value.set_index("code")
        assert roster.loc["DATED", "last_screen"] == "۱۴۰۴/۱۲/۲۹"

        at = open_record(at)
    assert not at.exception, at.exception
    history = frame_with(at, "to_phase")
    assert list(history["date"]) == ["۱۴۰۴/۱۱/۱۲"]
    with interface_language("fa"):
        consent_until = t("Consent until")
    assert list(frame_with(at, consent_until)[consent_until]) == ["۱۴۰۵/۱۰/۱۰"]

    specs = chart_specs(at)
    # The heat map's rows are Persian weekdays, from the clinic's first one (Monday here)...
    assert '"sort": ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]' \
        in specs
    assert '"%d %b"' not in specs
    # ...the temporal axes label their ticks in Python, by Solar Hijri month...
    assert "labelExpr" in specs and "اسفند ۱۴۰۴" in specs
    # ...and the tooltips read the dates as text (the phases': the whole history is drawn).
    phases = chart_data(at).dropna(subset=["to_phase"])
    assert list(zip(phases["to_phase"], phases["start_shown"], strict=True)) == [
        ("maintenance", "۱۴۰۴/۱۱/۱۲")]


def test_a_gregorian_english_reader_keeps_streamlits_date_columns(
        dated_patient: int, signed_in: Callable[[Role], AppTest]) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/patients.py")
    roster = at.dataframe(key="patients_roster").value.set_index("code")
    assert as_day(roster.loc["DATED", "last_screen"]) == SCREENED

    at = open_record(at)
    assert not at.exception, at.exception
    history = frame_with(at, "to_phase")
    assert [as_day(value) for value in history["date"]] == [MAINTENANCE_FROM]
    members = frame_with(at, "Consent until")
    assert [as_day(value) for value in members["Consent until"]] == [CONSENT_UNTIL]
    specs = chart_specs(at)
    assert '"format": "%d %b"' in specs  # the heat map's weeks, as Vega-Lite writes them
    assert "labelExpr" not in specs and "۱۴۰۴" not in specs
    assert "date_shown" not in chart_data(at).columns


def test_the_audit_log_shows_each_entry_to_the_second_in_the_readers_calendar(
        database: Database, signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.ADMIN, "en", Calendar.JALALI)
    at = open_page(signed_in(Role.ADMIN), "pages/audit_log.py")
    assert not at.exception, at.exception
    entries = frame_with(at, "summary")
    with database.sessions() as session:
        stored = {row.seq: row.at for row in session.scalars(select(AuditLog))}
    assert len(entries) >= 2  # the seeded users, the preference change, the sign-in
    for seq, shown in zip(entries["seq"], entries["at"], strict=True):
        assert shown == f"{to_jalali(stored[seq].date())} {stored[seq]:%H:%M:%S}"


def test_the_inbox_shows_when_families_asked_and_reported_in_the_readers_calendar(
        database: Database, dated_patient: int,
        signed_in: Callable[[Role], AppTest]) -> None:
    reported_at = (PINNED_NOW - timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    with database.sessions() as session, session.begin():
        member = session.scalars(select(SupportMember.id)).one()
        builders.question(session, member, dated_patient)  # asked 1 January 2026, 09:00
        session.add(ConditionReport(member_id=member, patient_id=dated_patient,
                                    reported_at=reported_at, severity="low", emergency=False))
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/inbox.py")
    assert not at.exception, at.exception
    questions = at.dataframe(key="inbox_questions").value
    assert list(questions["asked"]) == ["۱۴۰۴/۱۰/۱۱ ۰۹:۰۰"]  # 11 Dey 1404

    at = at.radio(key="inbox_tab").set_value("reports").run()
    assert not at.exception, at.exception
    reports = at.dataframe(key="inbox_reports").value
    assert list(reports["reported"]) == [to_persian_digits(
        f"{to_jalali(reported_at.date())} {reported_at:%H:%M}")]
    assert list(reports["acknowledged"]) == [""]


@pytest.mark.parametrize("page", ["pages/outreach.py", "pages/case_meeting.py",
                                  "pages/assign_content.py", "pages/audit_log.py"])
def test_pages_with_dated_tables_open_for_a_solar_hijri_persian_reader(
        database: Database, dated_patient: int, signed_in: Callable[[Role], AppTest],
        page: str) -> None:
    role = Role.ADMIN if page == "pages/audit_log.py" else Role.SUPERVISOR
    prefer(database, role, "fa", Calendar.JALALI)
    at = open_page(signed_in(role), page)
    assert not at.exception, at.exception


# -- dates inside sentences ----------------------------------------------------------------------
# The days below are relative to the pinned today, so the expected texts are computed with the
# calendar's conversion (to_jalali) and the digits' (to_persian_digits), as a reader would.

YESTERDAY = PINNED_NOW.date() - timedelta(days=1)
TWO_DAYS_AGO = PINNED_NOW.date() - timedelta(days=2)


def persian_jalali(day: date) -> str:
    return to_persian_digits(str(to_jalali(day)))


def staff_id(database: Database, role: Role) -> int:
    with database.sessions() as session:
        info = find_user(session, USERNAMES[role])
    assert info is not None
    return info.id


@pytest.fixture
def follow_up_due(database: Database, dated_patient: int) -> date:
    """DATED screened unexpectedly positive two days ago (a high outreach reason) and has an
    action of a case meeting held a week ago, the supervisor's, due yesterday."""
    supervisor = staff_id(database, Role.SUPERVISOR)
    held_on = PINNED_NOW.date() - timedelta(days=7)
    with database.sessions() as session, session.begin():
        clinic_id = session.get_one(Patient, dated_patient).clinic_id
        session.add(UrineScreen(patient_id=dated_patient, screen_date=TWO_DAYS_AGO,
                                substance="benzodiazepines", result="positive", expected=False))
        meeting_id = start_meeting(
            session, clinic_id=clinic_id, clinic_ids=[clinic_id], held_on=held_on,
            agenda=[AgendaEntry(dated_patient, "DATED", ())], created_by_id=supervisor,
            actor=USERNAMES[Role.SUPERVISOR])
        session.add(ActionItem(patient_id=dated_patient, meeting_id=meeting_id,
                               what="Review the dose with the prescriber", owner_id=supervisor,
                               due_on=YESTERDAY, created_at=builders.CREATED))
    return held_on


def test_the_case_meetings_candidates_name_their_dates_in_the_readers_calendar(
        database: Database, follow_up_due: date,
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/case_meeting.py")
    assert not at.exception, at.exception
    candidates = frame_with(at, "details").set_index("patient")
    with interface_language("fa"):
        positive = t("Unexpected positive screen on {day}", day=persian_jalali(TWO_DAYS_AGO))
        action_due = t("action due {date}", date=persian_jalali(YESTERDAY))
    details = str(candidates.loc["DATED", "details"]).split(" · ")
    # Its outreach reasons (no dose recorded: urgent), then the follow-up, last.
    assert positive in details and details[-1] == action_due
    assert persian_jalali(YESTERDAY) in action_due  # the template keeps the date
    assert YESTERDAY.isoformat() not in " · ".join(details)


def test_an_action_items_due_date_and_meeting_read_solar_hijri_on_home(
        database: Database, follow_up_due: date,
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "en", Calendar.JALALI)
    at = signed_in(Role.SUPERVISOR)
    assert not at.exception, at.exception
    shown = texts(at)
    assert "My open actions (1)" in shown
    assert f"overdue since {to_jalali(YESTERDAY)}" in shown
    assert f"case meeting of {to_jalali(follow_up_due)}" in shown
    assert YESTERDAY.isoformat() not in shown and follow_up_due.isoformat() not in shown


def test_outreach_reasons_and_readiness_name_the_screen_in_the_readers_calendar(
        database: Database, follow_up_due: date,
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
    assert not at.exception, at.exception
    with interface_language("fa"):
        positive = t("Unexpected positive screen on {day}", day=persian_jalali(TWO_DAYS_AGO))
        last_positive = t("last unexpected positive {date}", date=persian_jalali(TWO_DAYS_AGO))
        value_column = t("Value")
    # No dose recorded: DATED is urgent, with the screen among its reasons.
    worklist = at.dataframe(key="outreach_urgent").value.set_index("patient")
    assert positive in str(worklist.loc["DATED", "reasons"]).split(" · ")

    with interface_language("fa"):
        at = open_record(open_page(at, "pages/patients.py"))
    assert not at.exception, at.exception
    assert last_positive in list(frame_with(at, value_column)[value_column])


def test_the_emergency_banner_says_when_in_the_readers_calendar(
        database: Database, dated_patient: int,
        signed_in: Callable[[Role], AppTest]) -> None:
    reported_at = (PINNED_NOW - timedelta(hours=3)).replace(microsecond=0, tzinfo=None)
    with database.sessions() as session, session.begin():
        member = session.scalars(select(SupportMember.id)).one()
        session.add(ConditionReport(member_id=member, patient_id=dated_patient,
                                    reported_at=reported_at, severity="high", emergency=True))
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    at = signed_in(Role.SUPERVISOR)
    assert not at.exception, at.exception
    when = to_persian_digits(f"{to_jalali(reported_at.date())} {reported_at:%H:%M}")
    with interface_language("fa"):
        expected = t("{patient} at {time}", patient="DATED", time=when)
    assert any(expected in error.value for error in at.error)
