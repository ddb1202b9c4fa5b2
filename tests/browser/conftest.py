"""Browser fixtures: the real ``streamlit run`` server on a seeded SQLite file, and Chromium.

The server is started once per module, as Streamlit's own ``e2e_playwright/conftest.py`` does:
a headless ``streamlit run`` on a free port, polled at ``/_stcore/health`` until it answers, and
terminated (then killed, if it lingers) at teardown. Its database is a fresh SQLite file with
clinic BRW and one user per role, built through the same ``data_access`` functions the app
uses. The browser is Debian's Chromium, never one downloaded by Playwright, launched with flags
that keep it off the network.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    expect,
    sync_playwright,
)

from data_access.clinics import add_clinic
from data_access.engine import make_engine, session_factory
from data_access.schema import upgrade_to_head
from data_access.staff import add_user
from domain.vocabulary import Role
from tests.pinned_clock import pin_clock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLINIC = "BRW"
PASSWORD = "browser-test-password"
COOKIE_NAME = "hamrah_auth"
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
TIMEOUT_MS = 20_000
WELCOME = re.compile(r"^Welcome")


def username_for(role: Role) -> str:
    return f"brw.{role.value}"


def display_name_for(role: Role) -> str:
    return f"Browser {role.value.replace('_', ' ').title()}"


@dataclass(frozen=True)
class HamrahServer:
    url: str
    database_url: str
    log: IO[str]

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return _output(self.log)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: the CI image must install Debian's chromium "
                    "(`make chromium`)")
    pytest.skip("Debian chromium not installed: run `make chromium`")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed_database(database_url: str) -> None:
    """A migrated database with clinic BRW and one user per role, built as the app builds it."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with session_factory(engine)() as session, session.begin():
            add_clinic(session, code=CLINIC, name="Browser test clinic", actor="test")
            for role in Role:
                add_user(session, username=username_for(role), password=PASSWORD, role=role,
                         clinic_codes=[CLINIC], actor="test",
                         display_name=display_name_for(role))
    finally:
        engine.dispose()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _output(log: IO[str]) -> str:
    """The log so far, read without moving the file offset that the server's writes share."""
    size = os.fstat(log.fileno()).st_size
    return os.pread(log.fileno(), size, 0).decode(errors="replace")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextmanager
def running_server(
    database_dir: Path, seed: Callable[[str], None] | None = None
) -> Iterator[HamrahServer]:
    """Seed a database in ``database_dir`` (one user per role, or ``seed(url)``) and serve it
    with ``streamlit run`` until exit."""
    database_url = f"sqlite:///{database_dir / 'hamrah.db'}"
    (seed or _seed_database)(database_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HAMRAH_DATABASE_URL": database_url,
        "HAMRAH_FAILED_LOGIN_DELAY_SECONDS": "0",
        "HAMRAH_ENV": "test",
    }
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        # Other engineers edit the sources while tests run: no reloads in the middle of a test.
        "--server.fileWatcherType", "none",
    ]
    with tempfile.TemporaryFile("w+", prefix="streamlit-", suffix=".log") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while not _healthy(url):
                if process.poll() is not None:
                    pytest.fail(f"streamlit exited with {process.returncode} before answering "
                                f"{url}/_stcore/health:\n{_output(log)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not answer {url}/_stcore/health within "
                                f"{STARTUP_TIMEOUT_SECONDS:g} s:\n{_output(log)}")
                time.sleep(0.2)
            yield HamrahServer(url=url, database_url=database_url, log=log)
        finally:
            _stop(process)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test shows the end of the server's log (tracebacks land there)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("hamrah_server")
    if report.failed and isinstance(server, HamrahServer):
        report.sections.append(("streamlit server log (last 4000 characters)",
                                server.output()[-4000:]))
    return report


@pytest.fixture(scope="module", autouse=True)
def pinned_clock() -> Iterator[None]:
    """The test process and its servers agree on one "now", even across midnight."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        pin_clock(monkeypatch)
        yield


@pytest.fixture(scope="module")
def hamrah_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HamrahServer]:
    """``streamlit run app.py`` on a free port, serving a freshly seeded SQLite file.

    Nobody has opened the app yet: the first visitor meets Streamlit's start-up state.
    """
    _require_chromium()
    with running_server(tmp_path_factory.mktemp("browser-db")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def app_url(hamrah_server: HamrahServer) -> str:
    """The app's URL on a fresh server: the first sign-in must work as well as later ones."""
    return hamrah_server.url


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookie or storage carries over from another test."""
    opened = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def submit_sign_in(page: Page, url: str, username: str, password: str) -> None:
    """Open the app and submit the sign-in form as a person would."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    # exact: the eye button next to the field is labelled "Show password".
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def welcome_heading(page: Page) -> Locator:
    """The home page's title. ``first``: right after sign-in the app runs twice more (the
    cookie component's rerun), and for a moment the old and the new title can both be there."""
    return page.get_by_role("heading", name=WELCOME).first


def wait_until_settled(page: Page) -> None:
    """No element of an earlier run left on screen (Streamlit marks those ``data-stale``)."""
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=TIMEOUT_MS)


def sign_in(page: Page, url: str, role: Role) -> None:
    """Sign in as the seeded user of ``role`` and wait for the home page."""
    submit_sign_in(page, url, username_for(role), PASSWORD)
    expect(welcome_heading(page)).to_be_visible(timeout=TIMEOUT_MS)


def wait_for_cookie(context: BrowserContext, page: Page, name: str = COOKIE_NAME) -> None:
    """The re-login cookie is written by a component after the first signed-in run."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while name not in {cookie.get("name") for cookie in context.cookies()}:
        if time.monotonic() > deadline:
            pytest.fail(f"cookie {name!r} was not written within {TIMEOUT_MS / 1000:g} s")
        page.wait_for_timeout(100)



def click_until_visible(page: Page, target: Locator, shown: Locator) -> None:
    """Click ``target`` until ``shown`` is visible.

    Streamlit can drop a click made while a rerun is just starting (the cookie component's
    rerun after sign-in, for one): a click that led nowhere is made again, as a person would.
    """
    for _ in range(3):
        wait_until_settled(page)
        if not target.is_visible():
            break  # the click did land: the run that answers it is under way
        target.click()
        try:
            expect(shown).to_be_visible(timeout=TIMEOUT_MS // 3)
            return
        except AssertionError:
            continue
    expect(shown).to_be_visible(timeout=TIMEOUT_MS)


def open_select_list(page: Page, select: Locator, shown: Locator) -> None:
    """Open a select box's list until ``shown`` (one of its options) is visible.

    A click on a select box below the fold scrolls it into view and gives it the focus, but
    under load its list often did not open (the Patients page's "Open the record of", 3 times
    in 4); a focused select box opens its list on the Down key, as it does for a keyboard user.
    """
    for _ in range(3):
        wait_until_settled(page)
        select.click()
        try:
            expect(shown).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            pass
        page.keyboard.press("ArrowDown")
        try:
            expect(shown).to_be_visible(timeout=TIMEOUT_MS // 3)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(shown).to_be_visible(timeout=TIMEOUT_MS)


def open_from_sidebar(page: Page, title: str, heading: str) -> None:
    """Open a page from the sidebar and wait for its heading."""
    click_until_visible(page, page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True),
                        page.get_by_role("heading", name=heading).first)
