"""The Overview as a supervisor and the case team read it: figures of a small clinic checked by
hand, the split by psychologist, a custom period refused in words, the audited export, and the
Overviews counted ahead: a stored one is shown with its age until it is too old or the reader
counts again, and what a page counts is stored for the next reader."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.models import AuditLog, Clinic, DoseEvent, OverviewSnapshot, Patient, StaffUser
from data_access.overview_snapshots import (
    SNAPSHOT_MAX_AGE,
    SnapshotKey,
    StoredOverview,
    count_overviews,
    settings_digest,
    store_overview,
    stored_overview,
)
from data_access.staff import find_user, set_preferences
from domain.calendars import PERSIAN_JALALI_MONTHS, Calendar, from_jalali, to_jalali
from domain.digits import to_persian_digits
from domain.report_periods import PeriodChoice, chosen_period
from domain.text import t
from domain.vocabulary import Role
from i18n.catalog import interface_language
from settings import load_settings
from tests import builders
from tests.pages.conftest import USERNAMES, Download, frame_with, open_page, texts
from tests.pinned_clock import PINNED_NOW, PINNED_TODAY

AS_OF = PINNED_TODAY


@pytest.fixture
def clinic_history(database: Database) -> dict[str, int]:
    """Three patients, all admitted within the last 12 months.

    STEADY: admitted 200 days ago, a dose every day, with the psychologist: retained at 90 and
      180 days.
    LEFT: admitted 150 days ago, no dose taken, discharged 20 days ago: its 90 days are complete
      (not retained: a 90-day gap); its 180 days are not.
    NEWBIE: admitted 10 days ago, no psychologist; no horizon complete.
    Hand-counted for "Last 12 months": active 2 (LEFT is discharged), admissions 3,
    discharges 1, 90-day retention 1 of 2, 180-day retention 1 of 1.
    """
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        psychologist = session.scalars(select(StaffUser.id).where(
            StaffUser.username == USERNAMES[Role.PSYCHOLOGIST])).one()
        ids = {
            "STEADY": builders.patient(session, clinic_id, "STEADY",
                                       admission=AS_OF - timedelta(days=200)),
            "LEFT": builders.patient(session, clinic_id, "LEFT",
                                     admission=AS_OF - timedelta(days=150)),
            "NEWBIE": builders.patient(session, clinic_id, "NEWBIE", phase="induction",
                                       admission=AS_OF - timedelta(days=10)),
        }
        steady = session.get_one(Patient, ids["STEADY"])
        steady.psychologist_id = psychologist
        left = session.get_one(Patient, ids["LEFT"])
        left.phase, left.phase_since = "discharged", AS_OF - timedelta(days=20)
        left.discharged_on = AS_OF - timedelta(days=20)
        session.execute(insert(DoseEvent), [
            {"patient_id": ids["STEADY"], "dose_date": AS_OF - timedelta(days=n),
             "status": "taken", "dose_mg": 80.0, "kind": "observed"}
            for n in range(201)])
    return ids


def metric(at: AppTest, label: str) -> str:
    """The metric's value, and the grey line under it when there is one ("50 % · 1 of 2")."""
    shown = next(m for m in at.metric if m.label == label)
    return f"{shown.value} · {shown.delta}" if shown.delta else str(shown.value)


def test_supervisor_reads_the_clinic_and_splits_it(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    assert not at.exception, at.exception
    assert at.selectbox(key="overview_period").value == "last_12_months"
    assert metric(at, "Active patients") == "2"
    assert metric(at, "Admissions") == "3"
    assert metric(at, "Discharges") == "1"
    assert metric(at, "90-day retention") == "50 % · 1 of 2"
    assert metric(at, "180-day retention") == "100 % · 1 of 1"
    assert metric(at, "Unexpected-positive screens") == "— · nothing to count"  # not 0 %
    with database.sessions() as session:
        views = session.execute(select(AuditLog.actor, AuditLog.entity).where(
            AuditLog.action == "view", AuditLog.entity == "overview")).all()
    assert views == [(USERNAMES[Role.SUPERVISOR], "overview")]

    at.toggle(key="overview_split").set_value(True).run()
    assert not at.exception, at.exception
    split = frame_with(at, "Psychologist")
    assert list(split["Psychologist"]) == ["Test psychologist", "—"]
    assert list(split["Active patients"]) == [1, 1]
    assert list(split["Admissions"]) == [1, 2]


def test_a_custom_gregorian_period_counts_only_its_own_days(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int]) -> None:
    """Nobody was admitted 30 to 40 days ago; a period outside the 12 months cannot be picked
    (the picker's bounds) and is refused in words by domain.report_periods (tested there)."""
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    at.selectbox(key="overview_period").set_value("custom").run()
    at.date_input(key="overview_custom").set_value(
        (AS_OF - timedelta(days=40), AS_OF - timedelta(days=30))).run()
    assert not at.exception, at.exception
    assert metric(at, "Admissions") == "0"
    assert "Active patients" in [m.label for m in at.metric]


def test_a_solar_hijri_reader_types_the_custom_period_in_that_calendar(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database) -> None:
    with database.sessions() as session, session.begin():
        info = find_user(session, USERNAMES[Role.SUPERVISOR])
        assert info is not None
        set_preferences(session, user_id=info.id, language="en", calendar=Calendar.JALALI,
                        actor="test")
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    at.selectbox(key="overview_period").set_value("custom").run()
    assert not at.date_input  # no Gregorian picker for a Solar Hijri reader
    # NEWBIE was admitted 10 days ago: the last 15 days hold one admission, 40 to 30 days
    # ago none; the dates are typed in the Solar Hijri calendar and read as Gregorian ones.
    at.text_input(key="overview_custom_start").input(str(to_jalali(AS_OF - timedelta(days=15))))
    at.text_input(key="overview_custom_end").input(str(to_jalali(AS_OF))).run()
    assert not at.exception, at.exception
    assert metric(at, "Admissions") == "1"
    at.text_input(key="overview_custom_start").input(str(to_jalali(AS_OF - timedelta(days=40))))
    at.text_input(key="overview_custom_end").input(
        str(to_jalali(AS_OF - timedelta(days=30)))).run()
    assert metric(at, "Admissions") == "0"
    at.text_input(key="overview_custom_end").input("1405/13/01").run()
    assert "13" in "\n".join(e.value for e in at.error)
    assert not at.metric  # nothing counted from a refused date


@pytest.fixture
def solar_hijri_month_edges(database: Database) -> date:
    """Two patients either side of the first day of today's Solar Hijri month: FIRSTDAY admitted
    on it, EVE the day before (last month). A Gregorian month starts on another day (a Solar
    Hijri month starts on the 19th to 23rd), so Gregorian "this month so far" holds both of
    them or neither. Returns that first day."""
    today = to_jalali(AS_OF)
    first = from_jalali(today.year, today.month, 1)
    with database.sessions() as session, session.begin():
        clinic_id = session.scalars(select(Clinic.id).where(Clinic.code == "PGT")).one()
        builders.patient(session, clinic_id, "FIRSTDAY", phase="induction", admission=first)
        builders.patient(session, clinic_id, "EVE", phase="induction",
                         admission=first - timedelta(days=1))
    return first


def persian_solar_hijri_months(last: date, count: int) -> list[str]:
    """The names of the ``count`` Solar Hijri months ending with the month of ``last``, as a
    Persian reader writes them (``آبان ۱۴۰۵``), counted back a month number at a time."""
    today = to_jalali(last)
    index = today.year * 12 + today.month - 1
    return [f"{PERSIAN_JALALI_MONTHS[(index - back) % 12]} "
            f"{to_persian_digits(str((index - back) // 12))}"
            for back in range(count - 1, -1, -1)]


def test_a_persian_solar_hijri_reader_counts_by_solar_hijri_months(
        signed_in: Callable[[Role], AppTest], solar_hijri_month_edges: date,
        database: Database, download: Download) -> None:
    first = solar_hijri_month_edges
    with database.sessions() as session, session.begin():
        info = find_user(session, USERNAMES[Role.SUPERVISOR])
        assert info is not None
        set_preferences(session, user_id=info.id, language="fa", calendar=Calendar.JALALI,
                        actor="test")
    # AppTest formats a widget's options in the test's own context (tests/pages/test_persian).
    with interface_language("fa"):
        at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
        assert "این ماه تا امروز" in at.selectbox(key="overview_period").options
        at.selectbox(key="overview_period").set_value("this_month").run()
        admissions = t("Admissions")
        assert not at.exception, at.exception
        # This Solar Hijri month so far holds FIRSTDAY only; EVE was admitted last month.
        assert metric(at, admissions) == "۱"
        shown_first = to_persian_digits(str(to_jalali(first)))  # e.g. ۱۴۰۵/۰۹/۰۱
        assert f"{shown_first} " in texts(at)  # the caption's "from ... to ..."

        at.selectbox(key="overview_period").set_value("last_month").run()
        assert metric(at, admissions) == "۱"  # EVE

    # The trend's month axis names the 12 Solar Hijri months, this one last, in Persian.
    months = persian_solar_hijri_months(AS_OF, 12)
    axes = [json.loads(chart.proto.spec)["encoding"]["x"]
            for chart in at.get("vega_lite_chart")
            if "encoding" in json.loads(chart.proto.spec)]
    month_axes = [axis for axis in axes if axis.get("field") == "month"]
    assert len(month_axes) == 2  # the trend and the step-downs and step-ups
    assert all(axis["sort"] == months for axis in month_axes)

    # The export keeps ISO dates and adds the month's name in the reader's calendar.
    _, data = download(at, "overview_months_csv")
    exported = pd.read_csv(io.BytesIO(data))
    assert list(exported.columns[:3]) == ["period_start", "period_end", "month"]
    assert exported["month"].tolist() == months
    assert exported["period_start"].iloc[-1] == first.isoformat()
    assert exported["period_end"].iloc[-2] == (first - timedelta(days=1)).isoformat()
    assert exported["admissions"].tolist()[-2:] == [1, 1]  # EVE last month, FIRSTDAY this one


def test_the_case_team_exports_the_months_and_the_export_is_audited(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database, download: Download) -> None:
    at = open_page(signed_in(Role.CASE_TEAM), "pages/overview.py")
    assert not at.exception, at.exception
    name, data = download(at, "overview_months_csv")
    assert name == f"hamrah-overview-months-{AS_OF.isoformat()}.csv"
    months = pd.read_csv(io.BytesIO(data))
    assert len(months) == 12
    assert months["admissions"].sum() == 3
    assert months["active_patients"].iloc[-1] == 2
    at.download_button(key="overview_months_csv").click().run()
    with database.sessions() as session:
        exports = session.execute(select(AuditLog.actor, AuditLog.entity, AuditLog.summary)
                                  .where(AuditLog.action == "export")).all()
    assert exports == [(USERNAMES[Role.CASE_TEAM], "overview",
                        "12 rows as CSV (contact details redacted)")]


def test_a_psychologist_is_not_offered_the_overview(
        signed_in: Callable[[Role], AppTest]) -> None:
    at = signed_in(Role.PSYCHOLOGIST)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(at, "pages/overview.py")


# -- Overviews counted ahead (data_access.overview_snapshots) ----------------------------------


def page_key(database: Database) -> SnapshotKey:
    """The key of the Overview a supervisor opens first: their clinics, today, "last 12
    months", their calendar and the settings the page reads (the same environment)."""
    settings = load_settings()
    with database.sessions() as session:
        info = find_user(session, USERNAMES[Role.SUPERVISOR])
    assert info is not None
    return SnapshotKey(info.clinic_ids, AS_OF,
                       chosen_period(PeriodChoice.LAST_12_MONTHS, AS_OF, info.calendar),
                       info.calendar, settings_digest(settings.clinical, settings.outreach))


def store_counted(database: Database, key: SnapshotKey, *, counted_at: datetime,
                  active_patients: int) -> None:
    """Store the real count of ``key`` with its active patients changed, so that a page which
    shows ``active_patients`` read the stored Overview rather than counting one."""
    settings = load_settings()
    with database.sessions() as session, session.begin():
        views = count_overviews(session, clinic_ids=key.clinic_ids, as_of=key.as_of,
                                periods=[key.period], calendar=key.calendar,
                                clinical=settings.clinical, outreach=settings.outreach,
                                now=PINNED_NOW)
        view = views[key.period]
        altered = replace(view, period=view.period.assign(active_patients=active_patients))
        store_overview(session, key, StoredOverview(altered, counted_at, 6.0))


def stored_rows(database: Database) -> list[tuple[str, datetime]]:
    with database.sessions() as session:
        return [(row.clinics, row.counted_at) for row in session.execute(
            select(OverviewSnapshot.clinics, OverviewSnapshot.counted_at))]


def stored_active_patients(database: Database, key: SnapshotKey) -> int:
    with database.sessions() as session:
        stored = stored_overview(session, key, counted_since=PINNED_NOW - SNAPSHOT_MAX_AGE)
    assert stored is not None
    return int(stored.view.period["active_patients"].iloc[0])


def test_a_stored_overview_is_shown_until_the_reader_counts_again(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database) -> None:
    key = page_key(database)
    store_counted(database, key, counted_at=PINNED_NOW - timedelta(minutes=7),
                  active_patients=99)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    assert not at.exception, at.exception
    assert metric(at, "Active patients") == "99"  # the stored figure, not a new count (2)
    assert metric(at, "Admissions") == "3"
    assert "· counted 7 min ago" in texts(at)

    at.button(key="overview_recount").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Active patients") == "2"
    assert "· counted just now" in texts(at)
    assert stored_rows(database) == [(key.clinics, PINNED_NOW)]  # replaced, not added
    assert stored_active_patients(database, key) == 2


def test_an_overview_stored_too_long_ago_is_counted_again(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database) -> None:
    key = page_key(database)
    store_counted(database, key, counted_at=PINNED_NOW - SNAPSHOT_MAX_AGE - timedelta(minutes=1),
                  active_patients=99)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    assert not at.exception, at.exception
    assert metric(at, "Active patients") == "2"
    assert "· counted just now" in texts(at)
    assert stored_rows(database) == [(key.clinics, PINNED_NOW)]
    assert stored_active_patients(database, key) == 2


def test_a_first_visit_stores_what_it_counted_for_the_next_reader(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database) -> None:
    assert stored_rows(database) == []
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    assert not at.exception, at.exception
    assert metric(at, "Active patients") == "2"
    key = page_key(database)
    assert stored_rows(database) == [(key.clinics, PINNED_NOW)]  # one Overview: the one shown
    assert stored_active_patients(database, key) == 2


def test_a_new_count_that_cannot_be_stored_is_still_shown(
        signed_in: Callable[[Role], AppTest], clinic_history: dict[str, int],
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica that cannot write (or loses the race to store the same key) still shows the
    count its reader asked for, and a second click counts again rather than showing the old."""
    key = page_key(database)
    store_counted(database, key, counted_at=PINNED_NOW - timedelta(minutes=7),
                  active_patients=99)
    refused: list[SnapshotKey] = []
    monkeypatch.setattr("components.overview_data.store_quietly",
                        lambda _sessions, key, _stored: refused.append(key) or False)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/overview.py")
    assert metric(at, "Active patients") == "99"
    at.button(key="overview_recount").click().run()
    assert not at.exception, at.exception
    assert metric(at, "Active patients") == "2"
    assert "· counted just now" in texts(at)
    assert refused == [key]
    assert stored_active_patients(database, key) == 99  # the store was refused
    at.toggle(key="overview_split").set_value(True).run()  # a rerun: from this reader's cache
    assert metric(at, "Active patients") == "2" and refused == [key]
