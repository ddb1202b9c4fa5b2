"""The first visitor after the server starts, before anyone has opened the app's main page.

Streamlit keeps its legacy ``pages/`` directory mode, process-wide, until ``app.py`` has called
``st.navigation`` once. Until then a page URL runs ``pages/<name>.py`` by itself, without
``app.py``'s sign-in gate. Each page's ``require_page`` guard then sends the visitor to
``app.py``: the sign-in form, and never the page's data.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import TIMEOUT_MS, HamrahServer

pytestmark = pytest.mark.browser


def test_first_visitor_at_the_staff_url_gets_the_sign_in_form(page: Page,
                                                              hamrah_server: HamrahServer) -> None:
    page.goto(f"{hamrah_server.url}/users")

    expect(page.get_by_label("Username")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Staff users")).to_have_count(0)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    # No list of the app's pages for someone who has not signed in.
    expect(page.get_by_test_id("stSidebarNavLink")).to_have_count(0)
