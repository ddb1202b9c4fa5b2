"""A cohort assignment in Chromium: a supervisor sends one module to every family member of the
patients in taper; the one who may receive it gets it, the others are listed with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from data_access.clock import today
from data_access.content import add_module
from data_access.engine import make_engine, session_factory
from data_access.models import Assignment, Clinic, OutboxMessage, SupportMember
from domain.content_rules import ModuleDraft
from domain.content_tags import ContentTags
from domain.vocabulary import ContentKind, DeliveryStatus, Role
from tests import builders
from tests.browser.conftest import (
    CLINIC,
    TIMEOUT_MS,
    HamrahServer,
    _seed_database,
    open_from_sidebar,
    running_server,
    sign_in,
    wait_for_cookie,
    wait_until_settled,
)

pytestmark = pytest.mark.browser

MODULE_CODE = "taper-support-en"
MODULE_TITLE = "Supporting a taper (synthetic)"
MODULE_OPTION = f"{MODULE_CODE} · {MODULE_TITLE} (en)"
CONSENTED = "M-T1A"
NO_CONSENT = "M-T1B"
READS_FARSI = "M-T2A"
MAINTENANCE_MEMBER = "M-M1"

Row = tuple[object, ...]


def _seed_cohort(database_url: str, media_dir: Path) -> None:
    """Clinic BRW with one user per role; TAPER-01 and TAPER-02 in taper, MAINT-01 in
    maintenance; their members with and without consent, in English and Farsi; one English
    module."""
    _seed_database(database_url)
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            clinic_id = session.scalars(select(Clinic.id).where(Clinic.code == CLINIC)).one()
            admitted = today() - timedelta(days=90)
            signed = today() - timedelta(days=30)
            taper_1 = builders.patient(session, clinic_id, "TAPER-01", phase="taper",
                                       admission=admitted)
            taper_2 = builders.patient(session, clinic_id, "TAPER-02", phase="taper",
                                       admission=admitted)
            maintained = builders.patient(session, clinic_id, "MAINT-01", phase="maintenance",
                                          admission=admitted)
            consented = builders.member(session, clinic_id, taper_1, CONSENTED)
            builders.consent(session, consented, taper_1, signed=signed)
            builders.member(session, clinic_id, taper_1, NO_CONSENT)
            farsi = builders.member(session, clinic_id, taper_2, READS_FARSI)
            session.get_one(SupportMember, farsi).language = "fa"
            builders.consent(session, farsi, taper_2, signed=signed)
            maintenance_member = builders.member(session, clinic_id, maintained,
                                                 MAINTENANCE_MEMBER)
            builders.consent(session, maintenance_member, maintained, signed=signed)
            add_module(session, ModuleDraft(code=MODULE_CODE, title=MODULE_TITLE,
                                            summary="For families of a patient in taper.",
                                            kind=ContentKind.TEXT, language="en",
                                            location=None, duration_seconds=None,
                                            tags=ContentTags()),
                       actor="test", media_dir=media_dir, max_bytes=1024)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def hamrah_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HamrahServer]:
    """Named as conftest's fixture so that a failure report shows this server's log."""
    folder = tmp_path_factory.mktemp("cohort-db")
    with running_server(folder, seed=lambda url: _seed_cohort(url, folder / "media")) as server:
        yield server


def _sign_in(page: Page, url: str, role: Role) -> None:
    """Sign in and let the cookie component's runs pass (see ``open_from_sidebar``)."""
    sign_in(page, url, role)
    wait_for_cookie(page.context, page)
    wait_until_settled(page)


def _open(page: Page, title: str, heading: str) -> None:
    open_from_sidebar(page, title, heading)


def _choose(page: Page, widget: Locator, option: str) -> None:
    """Open a select box or a multiselect and pick ``option``."""
    wait_until_settled(page)
    widget.click()
    page.get_by_role("option", name=option, exact=True).click()


def _assignments_and_messages(database_url: str) -> tuple[list[Row], list[Row]]:
    """Every assignment (member, id, status) and outbox message (member, assignment, key)."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            assignments = session.execute(
                select(SupportMember.code, Assignment.id, Assignment.status)
                .join(SupportMember, SupportMember.id == Assignment.member_id)
                .order_by(Assignment.id))
            messages = session.execute(
                select(SupportMember.code, OutboxMessage.assignment_id,
                       OutboxMessage.idempotency_key)
                .join(SupportMember, SupportMember.id == OutboxMessage.member_id)
                .order_by(OutboxMessage.id))
            return [tuple(row) for row in assignments], [tuple(row) for row in messages]
    finally:
        engine.dispose()


def test_supervisor_assigns_a_module_to_the_taper_cohort(
        page: Page, hamrah_server: HamrahServer, artifacts_dir: Path) -> None:
    _sign_in(page, hamrah_server.url, Role.SUPERVISOR)
    _open(page, "Assign content", "Assign content to a cohort")
    expect(page.get_by_text("3 patient(s), 4 family member(s) in the cohort")).to_be_visible(
        timeout=TIMEOUT_MS)

    phase = page.get_by_test_id("stMultiSelect").filter(has_text="Phase")
    _choose(page, phase, "taper")
    page.keyboard.press("Escape")  # a multiselect's list stays open for more choices
    expect(page.get_by_text("2 patient(s), 3 family member(s) in the cohort")).to_be_visible(
        timeout=TIMEOUT_MS)

    form = page.get_by_test_id("stForm")
    module = form.get_by_role("combobox", name="Module")
    _choose(page, module, MODULE_OPTION)
    expect(module).to_have_value(MODULE_OPTION, timeout=TIMEOUT_MS)
    wait_until_settled(page)
    form.get_by_role("button", name="Assign to the cohort").click()

    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
        "Assigned to 1 family member(s); each gets one message.", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stAlertContentWarning")).to_have_text(
        "2 family member(s) skipped:", timeout=TIMEOUT_MS)
    # The grid is drawn on a canvas; its cells are also written, for screen readers, in a
    # table inside the canvas, which role locators do not reach.
    skipped_table = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("th", has_text="Why skipped"))
    skipped = skipped_table.locator("tbody td")
    expect(skipped).to_have_text(["TAPER-01", NO_CONSENT, "no active consent",
                                  "TAPER-02", READS_FARSI, "reads fa, the module is in en"],
                                 timeout=TIMEOUT_MS)
    wait_until_settled(page)
    # The main area scrolls inside its own container: a full-page shot would stop above it.
    skipped_table.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "supervisor-cohort-assigned.png", full_page=True)

    # One queued assignment and its one message, for M-T1A only: nothing for the skipped
    # members, nor for MAINT-01's member outside the cohort.
    assignments, messages = _assignments_and_messages(hamrah_server.database_url)
    [(member, assignment_id, status)] = assignments
    assert (member, status) == (CONSENTED, DeliveryStatus.QUEUED.value)
    assert messages == [(CONSENTED, assignment_id, f"assignment:{assignment_id}")]
