"""A family's emergency report in Chromium: the banner on every staff page until a supervisor
acknowledges it on the Inbox, and the case team sees it without a way to acknowledge it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import insert, select

from data_access.clock import today, utc_now
from data_access.engine import make_engine, session_factory
from data_access.models import Clinic, ConditionReport, DoseEvent
from domain.vocabulary import Role
from tests import builders
from tests.browser.conftest import (
    CLINIC,
    TIMEOUT_MS,
    HamrahServer,
    _seed_database,
    click_until_visible,
    open_from_sidebar,
    running_server,
    sign_in,
    wait_until_settled,
)

pytestmark = pytest.mark.browser

PATIENT = "SICK-01"
BANNER = "Emergency report(s) from families not yet acknowledged:"
ACTION = "Called the family: ambulance sent, naloxone given"


def _seed_emergency(database_url: str, reported_at: datetime) -> None:
    """Clinic BRW with one user per role, and SICK-01, dosed every day up to today, whose
    consented mother reported an emergency that nobody has acknowledged yet."""
    _seed_database(database_url)
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            clinic_id = session.scalars(select(Clinic.id).where(Clinic.code == CLINIC)).one()
            admitted = today() - timedelta(days=60)
            patient_id = builders.patient(session, clinic_id, PATIENT, admission=admitted)
            session.execute(insert(DoseEvent), [
                {"patient_id": patient_id, "dose_date": admitted + timedelta(days=n),
                 "status": "taken", "dose_mg": 80.0, "kind": "observed"}
                for n in range((today() - admitted).days + 1)
            ])
            member_id = builders.member(session, clinic_id, patient_id, "FAM-SICK-01")
            builders.consent(session, member_id, patient_id, signed=admitted)
            session.add(ConditionReport(member_id=member_id, patient_id=patient_id,
                                        reported_at=reported_at,
                                        physical="Very drowsy, slow breathing",
                                        severity="high", emergency=True))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def reported_at() -> datetime:
    return utc_now() - timedelta(minutes=30)


@pytest.fixture(scope="module")
def hamrah_server(tmp_path_factory: pytest.TempPathFactory,
                  reported_at: datetime) -> Iterator[HamrahServer]:
    """Named as conftest's fixture so that a failure report shows this server's log."""
    with running_server(tmp_path_factory.mktemp("emergency-db"),
                        seed=lambda url: _seed_emergency(url, reported_at)) as server:
        yield server


def _banner(page: Page) -> Locator:
    # Not the Home page's own "... are not yet acknowledged." figure: only the banner's text.
    return page.get_by_test_id("stAlertContentError").filter(has_text=BANNER)


def _expect_banner(page: Page, reported_at: datetime) -> None:
    wait_until_settled(page)
    expect(_banner(page)).to_have_count(1, timeout=TIMEOUT_MS)
    expect(_banner(page)).to_contain_text(
        f"{BANNER} {PATIENT} at {reported_at:%Y-%m-%d %H:%M}", timeout=TIMEOUT_MS)


def _open(page: Page, title: str, heading: str) -> None:
    open_from_sidebar(page, title, heading)


def test_emergency_banner_stays_on_every_page_until_acknowledged(
        browser: Browser, page: Page, hamrah_server: HamrahServer, reported_at: datetime,
        artifacts_dir: Path) -> None:
    case_team_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        case_team = case_team_context.new_page()
        sign_in(case_team, hamrah_server.url, Role.CASE_TEAM)
        _expect_banner(case_team, reported_at)
        # The case team has no Inbox: it sees the emergency, it cannot acknowledge it.
        expect(case_team.get_by_role("button", name="Acknowledge")).to_have_count(0)
    finally:
        case_team_context.close()

    sign_in(page, hamrah_server.url, Role.SUPERVISOR)
    _expect_banner(page, reported_at)
    # The emergency alone makes SICK-01 an urgent outreach item.
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Outreach · 1 urgent", exact=True)
           ).to_be_visible(timeout=TIMEOUT_MS)

    _open(page, "Patients", "Patients")
    _expect_banner(page, reported_at)

    click_until_visible(
        page, page.locator(".st-key-emergency_banner_open").get_by_role("button",
                                                                        name="Acknowledge"),
        page.get_by_role("heading", name="Inbox").first)
    expect(page.get_by_role("radio", name="Condition reports")).to_be_checked(
        timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name=f"Acknowledge the emergency report about {PATIENT}")
           ).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_settled(page)
    form = page.get_by_test_id("stForm")
    acknowledge = form.get_by_role("button", name="Acknowledge")

    acknowledge.click()
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="Write what was done")
           ).to_be_visible(timeout=TIMEOUT_MS)
    _expect_banner(page, reported_at)

    form.get_by_label("What was done").fill(ACTION)
    acknowledge.click()
    expect(page.get_by_text(f"Report about {PATIENT} acknowledged.")).to_be_visible(
        timeout=TIMEOUT_MS)
    wait_until_settled(page)
    expect(_banner(page)).to_have_count(0, timeout=TIMEOUT_MS)
    page.screenshot(path=artifacts_dir / "supervisor-emergency-acknowledged.png",
                    full_page=True)

    _open(page, "Home", "Welcome, Browser Supervisor")
    wait_until_settled(page)
    expect(_banner(page)).to_have_count(0, timeout=TIMEOUT_MS)
    # The acknowledgement cleared the worklist cache: no urgent item is left in the badge.
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Outreach", exact=True)
           ).to_be_visible(timeout=TIMEOUT_MS)
