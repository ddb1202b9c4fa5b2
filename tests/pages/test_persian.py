"""The staff interface in Persian and in the Solar Hijri calendar (issue 9), as a person uses it:
Persian titles and digits, the calendar chosen on My account, Solar Hijri dates typed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from data_access.database import Database
from data_access.models import DoseEvent, OutreachAttempt, Patient
from data_access.staff import find_user, set_preferences
from domain.calendars import Calendar, to_jalali
from domain.digits import to_persian_digits
from domain.text import t
from domain.vocabulary import Role
from i18n.catalog import interface_language
from tests import builders
from tests.pages.conftest import USERNAMES, open_page, texts
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY
ADMITTED = date(2026, 1, 5)  # 15 Dey 1404 (Dey 1 fell on 22 December 2025)


@pytest.fixture
def patients(database: Database) -> dict[str, int]:
    """Three active patients; URGENT missed the last 4 days (an urgent outreach item)."""
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        ids = {code: builders.patient(session, clinic_id, code, admission=ADMITTED)
               for code in ("URGENT", "STEADY", "QUIET")}
        first = AS_OF - timedelta(days=60)
        rows = [{"patient_id": pid, "dose_date": first + timedelta(days=n), "status": "taken",
                 "dose_mg": 80.0, "kind": "observed"}
                for code, pid in ids.items()
                for n in range(61 - (4 if code == "URGENT" else 0))]
        session.execute(insert(DoseEvent), rows)
        member = builders.member(session, clinic_id, ids["URGENT"], "FAM-URGENT")
        builders.consent(session, member, ids["URGENT"], signed=ADMITTED)
    return ids


def prefer(database: Database, role: Role, language: str, calendar: Calendar) -> None:
    """Set the seeded user's preferences as My account does, before they sign in."""
    with database.sessions() as session, session.begin():
        info = find_user(session, USERNAMES[role])
        assert info is not None
        set_preferences(session, user_id=info.id, language=language, calendar=calendar,
                        actor="test")


def test_a_persian_user_reads_home_and_patients_in_persian_with_persian_digits(
        database: Database, patients: dict[str, int],
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.GREGORIAN)
    at = signed_in(Role.SUPERVISOR)

    assert at.title[0].value == "خوش آمدید، Test supervisor"
    active = next(m for m in at.metric if m.label == "بیماران فعال")
    assert active.value == "۳"
    # The frame asks the browser for a right-to-left document (tests/browser checks it lands).
    direction = [element.proto.body for element in at.get("html")]
    assert any('dir = "rtl"' in body and 'lang = "fa"' in body for body in direction)
    assert any("direction: rtl" in body for body in direction)

    at = open_page(at, "pages/patients.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "بیماران"
    assert "۳ از ۳ بیمار فعال" in texts(at)


def test_an_english_user_keeps_ascii_digits_and_a_left_to_right_page(
        patients: dict[str, int], signed_in: Callable[[Role], AppTest]) -> None:
    at = signed_in(Role.SUPERVISOR)
    assert next(m for m in at.metric if m.label == "Active patients").value == "3"
    direction = [element.proto.body for element in at.get("html")]
    assert any('dir = "ltr"' in body for body in direction)
    assert not any("direction: rtl" in body for body in direction)


def test_choosing_solar_hijri_on_my_account_shows_the_record_in_that_calendar(
        database: Database, patients: dict[str, int],
        signed_in: Callable[[Role], AppTest]) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/account.py")
    at.selectbox(key="account_calendar").select_index(1)
    at.selectbox(key="account_language").select_index(1)
    at = at.button(key="FormSubmitter:preferences-Save preferences").click().run()
    assert not at.exception, at.exception
    # At once, without signing in again: the page already speaks Persian.
    assert at.title[0].value == "حساب من"
    with database.sessions() as session:
        stored = find_user(session, USERNAMES[Role.SUPERVISOR])
    assert stored is not None
    assert (stored.language, stored.calendar) == ("fa", Calendar.JALALI)

    # AppTest formats the options of widgets on screen in the test's own context: translated
    # labels (the record's next-phase picker) only match inside the same language.
    with interface_language("fa"):
        at = open_page(at, "pages/patients.py")
        labels = at.selectbox(key="roster_pick").options
        at.selectbox(key="roster_pick").select_index(
            next(i for i, label in enumerate(labels) if label.startswith("STEADY"))).run()
        at.button(key="roster_open").click().run()
        at = open_page(at, "pages/patient_record.py")
    assert not at.exception, at.exception
    assert "۱۴۰۴/۱۰/۱۵" in texts(at)  # admitted 2026-01-05
    assert "2026-01-05" not in texts(at)


def _log_attempt_with_follow_up(at: AppTest, patient_id: int, typed: str) -> AppTest:
    at.selectbox(key="outreach_pick").set_value(patient_id).run()
    at.radio(key="attempt_outcome").set_value("no_answer")
    at.text_input(key="attempt_follow_up").input(typed)
    # A form's submit button is keyed by its label, in the page's language (domain.text.t).
    return at.button(key=f"FormSubmitter:log_attempt-{t('Log attempt')}").click().run()


def test_a_solar_hijri_follow_up_is_stored_as_the_gregorian_date(
        database: Database, patients: dict[str, int],
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.JALALI)
    follow_up = AS_OF + timedelta(days=2)
    # Typed as a Persian keyboard types it: Persian digits, Solar Hijri year/month/day.
    typed = to_persian_digits(str(to_jalali(follow_up)))
    with interface_language("fa"):  # see the record test: AppTest formats in our context
        at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
        at = _log_attempt_with_follow_up(at, patients["URGENT"], typed)
    assert not at.exception, at.exception
    assert "تلاش تماس برای URGENT ثبت شد." in texts(at)
    with database.sessions() as session:
        attempt = session.scalars(select(OutreachAttempt)).one()
    assert attempt.follow_up_on == follow_up


@pytest.mark.parametrize(("typed", "problem"), [
    ("1405/13/01", "13"),  # no 13th month
    ("2030-01-01", "2030"),  # a Gregorian year in a Solar Hijri field
    ("tomorrow", "tomorrow"),
])
def test_a_bad_solar_hijri_follow_up_is_refused_in_words(
        database: Database, patients: dict[str, int], signed_in: Callable[[Role], AppTest],
        typed: str, problem: str) -> None:
    prefer(database, Role.SUPERVISOR, "en", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
    at = _log_attempt_with_follow_up(at, patients["URGENT"], typed)
    assert not at.exception, at.exception
    errors = "\n".join(e.value for e in at.error)
    assert f"Follow up on (hides the item until then) ({typed}):" in errors
    assert problem in errors
    assert "Nothing was logged: correct the follow-up date" in errors
    with database.sessions() as session:
        assert session.scalars(select(OutreachAttempt)).all() == []


def test_a_solar_hijri_follow_up_before_tomorrow_is_refused(
        database: Database, patients: dict[str, int],
        signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "en", Calendar.JALALI)
    at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
    at = _log_attempt_with_follow_up(at, patients["URGENT"], str(to_jalali(AS_OF)))
    tomorrow = to_jalali(AS_OF + timedelta(days=1))
    assert f"the date must be {tomorrow} or later" in "\n".join(e.value for e in at.error)
    with database.sessions() as session:
        assert session.scalars(select(OutreachAttempt)).all() == []


def test_the_inbox_names_the_clinics_working_days_in_persian(
        database: Database, signed_in: Callable[[Role], AppTest]) -> None:
    prefer(database, Role.SUPERVISOR, "fa", Calendar.GREGORIAN)
    at = signed_in(Role.SUPERVISOR)
    at = open_page(at, "pages/inbox.py")
    at = at.radio(key="inbox_tab").set_value("times").run()
    assert not at.exception, at.exception
    captions = " ".join(caption.value for caption in at.caption)
    assert "روز کاری" in captions
    assert not any(day in captions for day in ("Monday", "Friday", "Saturday", "Wednesday"))
