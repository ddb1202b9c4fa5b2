"""A case meeting in Chromium: the supervisor chairs it from the proposed agenda, one screen per
patient, and records a decision for the psychologist, who then finds it on her home page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import insert, select

from data_access.clock import today
from data_access.engine import make_engine, session_factory
from data_access.models import (
    ActionItem,
    CaseMeeting,
    CaseMeetingPatient,
    Clinic,
    DoseEvent,
    Patient,
    StaffUser,
)
from domain.vocabulary import Role
from tests import builders
from tests.browser.conftest import (
    CLINIC,
    TIMEOUT_MS,
    HamrahServer,
    _seed_database,
    display_name_for,
    open_from_sidebar,
    running_server,
    sign_in,
    username_for,
    wait_for_cookie,
    wait_until_settled,
)

pytestmark = pytest.mark.browser

URGENT = "URG-01"
READY = "READY-01"
QUIET = "QUIET-01"
MISSED_DAYS = 4
DECIDED = "Offer a slower step down to stabilisation, reviewed with the prescriber"
URGENT_WHY = "urgent outreach: reach the family today"
READY_WHY = "step down due: every readiness criterion is met"
# Hand-computed from the seed: URG-01 has no dose on the last 4 days (a streak of 4, at or over
# the 3 days after which tolerance falls), and 24 of its last 28 days taken (86 %, not below the
# 80 % of low adherence): one urgent reason, no high one.
URGENT_DETAIL = "Missed doses 4 days in a row: tolerance may have fallen, risk of overdose"
READY_DETAIL = "ready to step down from maintenance"

Row = tuple[object, ...]


def _name(code: str) -> str:
    """The name ``tests.builders.patient`` gives every synthetic patient."""
    return f"Test Demo-{code}"


def _seed_meeting(database_url: str) -> None:
    """Clinic BRW with one user per role and three patients admitted 200 days ago, none with a
    consented family member (so each has a routine outreach reason only, no reason to meet):

    URG-01, maintenance: doses taken up to 5 days ago, then marked missed on each of the last 4
    days. The missed-dose ladder (CLINICAL.md, "missed methadone doses") calls for a prescriber
    review, and tolerance has fallen: urgent outreach.
    READY-01, maintenance for 200 days, every dose taken, no screen: every step-down criterion
    is met (CLINICAL.md, "stepped care"): step-down due.
    QUIET-01, stabilisation for 30 days, every dose taken: nothing to meet about.
    """
    _seed_database(database_url)
    as_of = today()
    admitted = as_of - timedelta(days=200)
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            clinic_id = session.scalars(select(Clinic.id).where(Clinic.code == CLINIC)).one()
            ids = {code: builders.patient(session, clinic_id, code, admission=admitted,
                                          phase="stabilisation" if code == QUIET
                                          else "maintenance")
                   for code in (URGENT, READY, QUIET)}
            session.get_one(Patient, ids[QUIET]).phase_since = as_of - timedelta(days=30)
            first_missed = as_of - timedelta(days=MISSED_DAYS - 1)
            rows = []
            for code, patient_id in ids.items():
                for n in range((as_of - admitted).days + 1):
                    day = admitted + timedelta(days=n)
                    missed = code == URGENT and day >= first_missed
                    rows.append({"patient_id": patient_id, "dose_date": day,
                                 "status": "missed" if missed else "taken",
                                 "dose_mg": None if missed else 80.0, "kind": "observed"})
            session.execute(insert(DoseEvent), rows)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def hamrah_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HamrahServer]:
    """Named as conftest's fixture so that a failure report shows this server's log."""
    with running_server(tmp_path_factory.mktemp("meeting-db"), seed=_seed_meeting) as server:
        yield server


def _sign_in(page: Page, url: str, role: Role) -> None:
    """Sign in and let the cookie component's runs pass (see ``open_from_sidebar``)."""
    sign_in(page, url, role)
    wait_for_cookie(page.context, page)
    wait_until_settled(page)


def _choose(page: Page, widget: Locator, option: str) -> None:
    """Open a select box and pick ``option``."""
    wait_until_settled(page)
    widget.click()
    page.get_by_role("option", name=option, exact=True).click()


def _patient_heading(page: Page, code: str) -> Locator:
    return page.get_by_role("heading", name=f"{code} · {_name(code)}", exact=True)


def _expect_one(shown: Locator) -> None:
    """``shown`` is on screen once. While a rerun draws the page, an element whose place moved
    (a notice pushed it down) can be there twice for a moment, the old copy and the new one: the
    count is awaited before anything is read from it."""
    expect(shown).to_have_count(1, timeout=TIMEOUT_MS)
    expect(shown).to_be_visible(timeout=TIMEOUT_MS)


def _press(page: Page, button: Locator, shown: Locator) -> None:
    """Press a button that hides or disables itself once it has acted, until ``shown`` appears.

    As ``click_until_visible``: a click dropped at the start of a rerun is made again. A second
    press of Next or Previous that landed too is harmless: each run's button moves to the
    position that run computed, so both clicks ask for the same patient.
    """
    for _ in range(3):
        wait_until_settled(page)
        if not button.is_visible() or button.is_disabled():
            break  # the click did land: the run that answers it is under way or done
        try:
            button.click(timeout=TIMEOUT_MS // 3)
            expect(shown.first).to_be_visible(timeout=TIMEOUT_MS // 3)
            return
        except (AssertionError, PlaywrightTimeoutError):
            continue
    expect(shown.first).to_be_visible(timeout=TIMEOUT_MS)


def _expect_patient(page: Page, code: str, position: int, why: str) -> None:
    """The meeting shows the agenda's ``position`` (from 1) of 2: this patient, for this reason."""
    _expect_one(_patient_heading(page, code))
    _expect_one(page.locator(".st-key-meeting_navigator").filter(
        has_text=f"Patient {position} of 2"))
    _expect_one(page.get_by_text(f"On the agenda: {why}", exact=True))
    wait_until_settled(page)


def _decisions(database_url: str) -> list[Row]:
    """Every action item: patient, text, owner's username, due date and meeting day."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(Patient.code, ActionItem.what, StaffUser.username, ActionItem.due_on,
                       CaseMeeting.held_on, ActionItem.done_at)
                .join(Patient, Patient.id == ActionItem.patient_id)
                .join(StaffUser, StaffUser.id == ActionItem.owner_id)
                .join(CaseMeeting, CaseMeeting.id == ActionItem.meeting_id)
                .order_by(ActionItem.id))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _agendas(database_url: str) -> list[Row]:
    """Every meeting's agenda rows: meeting day, position, patient and stored reasons."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            rows = session.execute(
                select(CaseMeeting.held_on, CaseMeetingPatient.position, Patient.code,
                       CaseMeetingPatient.reasons)
                .join(CaseMeeting, CaseMeeting.id == CaseMeetingPatient.meeting_id)
                .join(Patient, Patient.id == CaseMeetingPatient.patient_id)
                .order_by(CaseMeeting.id, CaseMeetingPatient.position))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _record_decision(page: Page, due_on: date) -> None:
    """Fill the decision form of the patient on screen for the psychologist and submit it."""
    form = page.get_by_test_id("stForm")
    form.get_by_label("Decision: what will be done").fill(DECIDED)
    owner = form.get_by_role("combobox", name="Owner")
    _choose(page, owner, display_name_for(Role.PSYCHOLOGIST))
    expect(owner).to_have_value(display_name_for(Role.PSYCHOLOGIST), timeout=TIMEOUT_MS)
    # The date field is a row of year, month and day segments, typed into one by one.
    due = form.get_by_test_id("stDateInput")
    for segment, digits in (("year", f"{due_on:%Y}"), ("month", f"{due_on:%m}"),
                            ("day", f"{due_on:%d}")):
        due.get_by_role("spinbutton", name=f"{segment}, Due on").click()
        page.keyboard.type(digits)
    page.keyboard.press("Tab")
    expect(due.locator("input[type=date]")).to_have_value(due_on.isoformat(),
                                                          timeout=TIMEOUT_MS)
    wait_until_settled(page)
    form.get_by_role("button", name="Record decision").click()


def _screenshot_whole_screen(page: Page, path: Path) -> None:
    """A full-page screenshot of everything the meeting shows.

    The main area scrolls inside its own container, so a full-page shot alone would stop at the
    window's bottom: the window is first made as tall as that container's content.
    """
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(900, int(height))})
    wait_until_settled(page)
    page.screenshot(path=path, full_page=True)


def test_supervisor_holds_a_meeting_and_the_psychologist_finds_the_decision(
        browser: Browser, page: Page, hamrah_server: HamrahServer,
        artifacts_dir: Path) -> None:
    as_of = today()
    due_on = as_of + timedelta(days=14)

    _sign_in(page, hamrah_server.url, Role.SUPERVISOR)
    open_from_sidebar(page, "Case meeting", "Case meeting")
    _expect_one(page.get_by_text("No meeting of this clinic yet.", exact=True))

    # The proposal: URG-01 (urgent outreach) before READY-01 (step-down due), not QUIET-01.
    # The grid is drawn on a canvas; its cells are also written, for screen readers, in a table
    # inside the canvas, which role locators do not reach.
    proposed = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="why"))
    expect(proposed.locator("tbody td")).to_have_text(
        [URGENT, _name(URGENT), URGENT_WHY, URGENT_DETAIL,
         READY, _name(READY), READY_WHY, READY_DETAIL], timeout=TIMEOUT_MS)
    chosen = page.get_by_test_id("stMultiSelect").filter(has_text="Patients to review")
    expect(chosen).to_contain_text(f"{URGENT} · {_name(URGENT)}")
    expect(chosen).to_contain_text(f"{READY} · {_name(READY)}")
    expect(chosen).not_to_contain_text(QUIET)

    _press(page, page.get_by_role("button", name="Start meeting"),
           _patient_heading(page, URGENT))
    _expect_one(page.get_by_test_id("stAlertContentSuccess").filter(
        has_text="Meeting started with 2 patients."))
    _expect_patient(page, URGENT, 1, URGENT_WHY)
    _expect_one(page.get_by_role("heading", name="Record a decision"))
    expect(page.locator(".st-key-meeting_previous button")).to_be_disabled()
    expect(page.locator(".st-key-meeting_next button")).to_be_enabled()

    # Next moves to the last patient, whose readiness checklist is complete.
    _press(page, page.locator(".st-key-meeting_next button"), _patient_heading(page, READY))
    _expect_patient(page, READY, 2, READY_WHY)
    _expect_one(page.get_by_text("Every step-down criterion is met.", exact=True))
    _expect_one(page.get_by_role("heading", name="Open actions (0)"))
    expect(page.locator(".st-key-meeting_next button")).to_be_disabled()

    _record_decision(page, due_on)
    _expect_one(page.get_by_test_id("stAlertContentSuccess").filter(
        has_text=f"Decision recorded for {READY}."))
    _expect_patient(page, READY, 2, READY_WHY)  # still on the same patient
    _expect_one(page.get_by_role("heading", name="Open actions (1)"))
    decision = page.locator("[class*='st-key-meeting_actions_item_']")
    expect(decision).to_have_count(1, timeout=TIMEOUT_MS)
    expect(decision).to_contain_text(DECIDED)
    expect(decision).to_contain_text(f"due {due_on.isoformat()}")
    expect(decision).to_contain_text(f"case meeting of {as_of.isoformat()}")
    form = page.get_by_test_id("stForm")
    expect(form.get_by_label("Decision: what will be done")).to_have_value("")  # cleared

    _press(page, page.locator(".st-key-meeting_previous button"),
           _patient_heading(page, URGENT))
    _expect_patient(page, URGENT, 1, URGENT_WHY)
    _expect_one(page.get_by_role("heading", name="Open actions (0)"))
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_settled(page)
    _screenshot_whole_screen(page, artifacts_dir / "case-meeting.png")

    # One meeting of today with the two proposed patients in agenda order, and one decision
    # about READY-01 owned by the psychologist, open.
    assert _agendas(hamrah_server.database_url) == [
        (as_of, 0, URGENT, "outreach_urgent"), (as_of, 1, READY, "step_down_due")]
    assert _decisions(hamrah_server.database_url) == [
        (READY, DECIDED, username_for(Role.PSYCHOLOGIST), due_on, as_of, None)]

    # The psychologist, in her own browser, finds the decision among her open actions.
    psychologist_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        psychologist = psychologist_context.new_page()
        _sign_in(psychologist, hamrah_server.url, Role.PSYCHOLOGIST)
        _expect_one(psychologist.get_by_role("heading", name="My open actions (1)"))
        mine = psychologist.locator("[class*='st-key-home_actions_item_']")
        expect(mine).to_have_count(1, timeout=TIMEOUT_MS)
        expect(mine).to_contain_text(DECIDED)
        expect(mine).to_contain_text(f"{READY} {_name(READY)}")
        expect(mine).to_contain_text(f"due {due_on.isoformat()}")
        expect(mine).to_contain_text(f"case meeting of {as_of.isoformat()}")
        expect(mine.get_by_role("button", name="Done")).to_be_visible()
    finally:
        psychologist_context.close()
