"""Signing in through a real browser: each role's navigation, a wrong password, a forbidden URL.

Page titles come from the same registry (``domain.access``) that builds the navigation, so a
page added there is expected in the browser without touching this file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from domain.access import pages_for
from domain.vocabulary import Role
from tests.browser.conftest import (
    TIMEOUT_MS,
    WELCOME,
    click_until_visible,
    sign_in,
    submit_sign_in,
    username_for,
    wait_for_cookie,
    wait_until_settled,
    welcome_heading,
)

pytestmark = pytest.mark.browser

NAV = '[data-testid="stSidebarNav"]'
# The link's text also holds the icon's ligature ("home"): read the label's markdown only.
NAV_LABELS = f'{NAV} [data-testid="stSidebarNavLink"] [data-testid="stMarkdownContainer"]'
NAV_LINKS = f'{NAV} [data-testid="stSidebarNavLink"]'


def _path(url: str) -> str:
    return urlparse(url).path


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_sees_exactly_its_pages(page: Page, app_url: str, artifacts_dir: Path,
                                          role: Role) -> None:
    sign_in(page, app_url, role)

    expected = pages_for(role)
    expect(page.locator(NAV_LABELS)).to_have_text([p.title for p in expected],
                                                  timeout=TIMEOUT_MS)
    hrefs = [page.locator(NAV_LINKS).nth(i).get_attribute("href") or ""
             for i in range(len(expected))]
    assert [_path(href) for href in hrefs] == [
        "/" if p.key == "home" else f"/{p.key}" for p in expected
    ]
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"({role.value})")
    wait_until_settled(page)
    page.screenshot(path=artifacts_dir / f"{role.value}-home.png", full_page=True)


def test_wrong_password_shows_the_error_and_no_navigation(page: Page, app_url: str) -> None:
    submit_sign_in(page, app_url, username_for(Role.SUPERVISOR), "not-the-password-at-all")

    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(
        "Sign-in failed", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_role("heading", name=WELCOME)).to_have_count(0)
    expect(page.get_by_label("Username")).to_be_visible()


def test_non_admin_opening_the_staff_url_is_sent_home(page: Page, context: BrowserContext,
                                                      app_url: str) -> None:
    """What happens: the re-login cookie signs the new tab in, Streamlit does not find ``users``
    among the psychologist's pages, says "Page not found" and runs the home page instead."""
    sign_in(page, app_url, Role.PSYCHOLOGIST)
    wait_for_cookie(context, page)

    page.goto(f"{app_url}/users")

    expect(welcome_heading(page)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stDialog")).to_contain_text("Page not found")
    assert _path(page.url) == "/"
    expect(page.get_by_role("heading", name="Staff users")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.locator(NAV_LABELS)).not_to_contain_text(["Staff users"])


def test_admin_opening_the_staff_url_sees_the_staff_list(page: Page, context: BrowserContext,
                                                        app_url: str) -> None:
    """The control for the test above: the same URL does open for an admin."""
    sign_in(page, app_url, Role.ADMIN)
    wait_for_cookie(context, page)

    page.goto(f"{app_url}/users")

    expect(page.get_by_role("heading", name="Staff users").first).to_be_visible(
        timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    assert _path(page.url) == "/users"


def test_sign_out_removes_the_cookie_and_a_replayed_one_is_refused(
    page: Page, context: BrowserContext, app_url: str
) -> None:
    sign_in(page, app_url, Role.CASE_TEAM)
    wait_for_cookie(context, page)
    token = next(c for c in context.cookies() if c.get("name") == "hamrah_auth")
    click_until_visible(page, page.get_by_role("button", name="Sign out"),
                        page.get_by_text("You have signed out."))
    # The component deletes it just after the run; on a busy machine that took over 10 s once.
    for _ in range(TIMEOUT_MS // 100):
        if "hamrah_auth" not in {c.get("name") for c in context.cookies()}:
            break
        page.wait_for_timeout(100)
    assert "hamrah_auth" not in {c.get("name") for c in context.cookies()}
    # Someone who copied the cookie before sign-out cannot use it: the server revoked it.
    context.add_cookies([token])  # type: ignore[list-item]
    page.goto(app_url)
    expect(page.get_by_label("Username")).to_be_visible(timeout=TIMEOUT_MS)
    expect(welcome_heading(page)).to_have_count(0)
