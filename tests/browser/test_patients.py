"""From the roster to a patient's record in Chromium, on a small synthetic demo clinic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_access.clock import today
from data_access.demo import DEMO_PASSWORD, build_demo
from data_access.engine import make_engine, session_factory
from data_access.schema import upgrade_to_head
from tests.browser.conftest import (
    TIMEOUT_MS,
    HamrahServer,
    open_from_sidebar,
    open_select_list,
    running_server,
    wait_for_cookie,
    wait_until_settled,
)

pytestmark = pytest.mark.browser


def _seed_demo(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with session_factory(engine)() as session, session.begin():
            build_demo(session, patients=24, days=120, seed=5, as_of=today())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HamrahServer]:
    with running_server(tmp_path_factory.mktemp("demo-db"), seed=_seed_demo) as server:
        yield server


def test_supervisor_opens_a_record_from_the_roster(page: Page, demo_server: HamrahServer,
                                                  artifacts_dir: Path) -> None:
    page.goto(demo_server.url)
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Demo Supervisor").first).to_be_visible(
        timeout=TIMEOUT_MS)
    wait_for_cookie(page.context, page)

    open_from_sidebar(page, "Patients", "Patients")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("active patients · as of")).to_be_visible(timeout=TIMEOUT_MS)

    first_patient = page.get_by_role("option").first
    open_select_list(page, page.get_by_label("Open the record of"), first_patient)
    label = first_patient.inner_text()
    code = label.split(" · ")[0]
    first_patient.click()
    wait_until_settled(page)
    page.get_by_role("button", name="Open record").click()

    expect(page.get_by_role("heading", name=label)).to_be_visible(timeout=TIMEOUT_MS)
    for section in ("Doses, last 180 days", "Step-down readiness", "Support members"):
        expect(page.get_by_role("heading", name=section)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible(
        timeout=TIMEOUT_MS)
    wait_until_settled(page)
    assert code.startswith(("LDN-", "TEH-"))
    page.screenshot(path=artifacts_dir / "supervisor-record.png", full_page=True)


