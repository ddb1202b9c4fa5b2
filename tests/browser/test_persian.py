"""A Persian-speaking user's dashboard in a real Chromium: the document turns right-to-left
(issue 9), and a screenshot of the Persian home page is kept for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_access.engine import make_engine, session_factory
from data_access.staff import find_user, set_preferences
from domain.calendars import Calendar
from domain.vocabulary import Role
from tests.browser.conftest import (
    PASSWORD,
    TIMEOUT_MS,
    HamrahServer,
    submit_sign_in,
    username_for,
    wait_until_settled,
)

pytestmark = pytest.mark.browser

PERSIAN_WELCOME = "خوش آمدید"


def _prefer(server: HamrahServer, role: Role, language: str, calendar: Calendar) -> None:
    """Set the seeded user's preferences in the server's database, as My account does."""
    engine = make_engine(server.database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            info = find_user(session, username_for(role))
            assert info is not None
            set_preferences(session, user_id=info.id, language=language, calendar=calendar,
                            actor="test")
    finally:
        engine.dispose()


def test_a_persian_user_gets_a_right_to_left_document(page: Page, hamrah_server: HamrahServer,
                                                      artifacts_dir: Path) -> None:
    _prefer(hamrah_server, Role.SUPERVISOR, "fa", Calendar.JALALI)
    submit_sign_in(page, hamrah_server.url, username_for(Role.SUPERVISOR), PASSWORD)

    expect(page.get_by_role("heading", name=PERSIAN_WELCOME).first).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("dir", "rtl", timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # The style sheet reached the page: the main block reads right-to-left.
    main = page.get_by_test_id("stMain")
    assert main.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # The day's figures in Persian digits (no patient in this clinic: zero, ۰).
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("۰", timeout=TIMEOUT_MS)
    wait_until_settled(page)
    page.screenshot(path=artifacts_dir / "persian-home.png", full_page=True)


def test_an_english_user_keeps_a_left_to_right_document(page: Page,
                                                        hamrah_server: HamrahServer) -> None:
    submit_sign_in(page, hamrah_server.url, username_for(Role.PSYCHOLOGIST), PASSWORD)

    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("dir", "ltr", timeout=TIMEOUT_MS)
    main = page.get_by_test_id("stMain")
    assert main.evaluate("element => getComputedStyle(element).direction") == "ltr"
