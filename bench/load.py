"""``make bench-load``: many people at once on the real server (issue #8, Scale, point 3).

    .venv/bin/python -m bench.load --sessions 10 --scale demo --database sqlite --rounds 3

Starts ``streamlit run app.py`` headless on a free port, on the bench database of the scale
(built once and kept, as ``make bench`` does) with the app's clock pinned to the bench's day,
and drives N concurrent Chromium sessions against it (Playwright, Debian's Chromium; one browser,
one context per session, so no cookie is shared). Each session signs in as one of the demo's
staff (the supervisor and the psychologists in turn, so the sessions do not all see the same
clinics), opens the outreach worklist from the sidebar, picks a family on it and opens that
patient's record. Each step is timed from the click to the moment its page is drawn: its
heading and its main content visible, no element of the previous run left on screen and none
still loading. All sessions start together; this is repeated for R rounds, each with fresh
contexts (a new sign-in).

Before the first round every login walks the same path once, untimed, so that the first
round does not also measure the server importing its modules and filling its caches.

The server's resident memory (its process tree, from ``/proc``) is sampled every 0.2 s and its
peak reported. A session with an exception, a step that does not finish, or an error box that
is not one of the app's expected warnings (an unacknowledged emergency) is an error, and so is
a traceback in the server's log when no session met one; any error makes the run fail
(exit 1). The rows are printed and merged into ``bench/results.json`` as ``bench.run`` merges
its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, WebSocket, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bench.datasets import (
    BACKENDS,
    BENCH_AS_OF,
    DATA_DIR,
    DEFAULT_POSTGRES_URL,
    DEMO_PASSWORD,
    PROJECT_ROOT,
    SCALES,
    pin_clock,
    pinned_environment,
    prepare_database,
)
from bench.process_memory import PeakMemory, tree_cpu_seconds
from bench.report import (
    DASHBOARD_MEMORY,
    PAGE_COLD,
    Row,
    Target,
    format_table,
    merge_rows,
    read_rows,
    results_document,
    write_json,
)
from cli.progress import ProgressBar
from data_access.engine import make_engine, session_factory
from data_access.staff import list_users
from domain.vocabulary import Role
from i18n.catalog import translator_for

RESULTS = Path(__file__).resolve().parent / "results.json"
LOG_DIR = DATA_DIR / "logs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync")
COOKIE_NAME = "hamrah_auth"

SIGN_IN, WORKLIST, RECORD = "sign in", "open worklist", "open record"
STEPS = (SIGN_IN, WORKLIST, RECORD)
LOAD_ROLES = (Role.SUPERVISOR, Role.PSYCHOLOGIST)
"""The staff who work the worklist; the supervisor first (the largest scope: every clinic)."""
NO_ERRORS = Target("median", 0.0)
ERRORS_UNIT = "errors"

STARTUP_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 10.0
STEP_TIMEOUT_SECONDS = 60.0
DROPPED_AFTER_SECONDS = 5.0
"""A click that sent nothing to the server for this long was dropped by the page (Streamlit can
drop one made while it redraws, such as after the cookie component's rerun): it is made again,
and the step is timed from the click that landed."""
MAX_CLICKS = 3
OPEN_LIST_MS = 1_000
POLL_MS = 25
HOME_LAST_FIGURE = ".st-key-home_figure_3"
"""The last figure of the home page's "All my clinics" row."""
CHART = '[data-testid="stVegaLiteChart"]'
PICKED_ROWS = 5
"""Session i opens the record of the (i mod 5)-th family on its worklist."""

# Messages the app shows in an error box by design, not because something failed: an
# emergency report from a family waits for a clinician (the demo has some).
EXPECTED_ERROR_BOXES = (
    "{n} emergency report(s) from families wait for clinical staff to acknowledge them.",
    "Emergency report(s) from families not yet acknowledged: {patients}",
    "{n} emergency report(s) from families are not yet acknowledged.",
)


# --------------------------------------------------------------------------------------------
# What a page must show, in the user's language
# --------------------------------------------------------------------------------------------


def template_pattern(template: str, *, whole: bool = True) -> str:
    """A regular expression (valid in Python and in JavaScript) for a message of the catalog
    once its ``{placeholders}`` are filled in: each placeholder matches any text."""
    literal = ".+".join(re.escape(part) for part in re.split(r"\{[^{}]*\}", template))
    return f"^{literal}$" if whole else literal


@dataclass(frozen=True)
class Screens:
    """The texts that show a page is drawn, in one interface language, as patterns."""

    welcome: str
    outreach: str
    doses: str
    family: str
    expected_errors: tuple[str, ...]


def screens_for(language: str) -> Screens:
    translate = translator_for(language)
    return Screens(
        welcome=template_pattern(translate("Welcome, {name}")),
        outreach=template_pattern(translate("Outreach")),
        doses=template_pattern(translate("Doses, last 180 days")),
        family=template_pattern(translate("Support members")),
        expected_errors=tuple(template_pattern(translate(message), whole=False)
                              for message in EXPECTED_ERROR_BOXES),
    )


def record_heading_pattern(worklist_option: str) -> str:
    """The record's title for a worklist choice ("TEH-0042 · urgent · …"): the patient's code,
    then their name ("TEH-0042 · Name Surname")."""
    code = worklist_option.split(" · ")[0].strip()
    return f"^{re.escape(code)} · "


# --------------------------------------------------------------------------------------------
# Measurements and rows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    language: str


@dataclass(frozen=True)
class LoadError:
    step: str
    username: str
    round: int
    message: str

    def text(self) -> str:
        return f"round {self.round}, {self.username}, {self.step}: {self.message}"


@dataclass
class LoadResult:
    """What one run measured: seconds per step, errors, clicks made again, server memory."""

    times: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    errors: list[LoadError] = field(default_factory=list)
    clicks_again: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    peak_mb: float = 0.0
    started_mb: float | None = None
    logins: tuple[str, ...] = ()
    server_exceptions: tuple[str, ...] = ()
    rounds_seconds: float = 0.0
    server_cpu_seconds: float | None = None
    """CPU time the server used during the timed rounds: next to ``rounds_seconds`` it tells
    how much of the wait was the server's work and how much the wait for a core."""


def server_exceptions(log: str) -> list[str]:
    """The exception line of every traceback the server printed ("TypeError: …"), each once, in
    order: a page shows only "This app has encountered an error", the log says which."""
    found: list[str] = []
    waiting = False
    for line in log.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            waiting = True
        elif waiting and line.strip() and not line[0].isspace():
            waiting = False
            if line not in found:
                found.append(line)
    return found


def login_for(session_index: int, logins: Sequence[Login]) -> Login:
    """Sessions take the logins in turn, so that N sessions spread over the clinics."""
    return logins[session_index % len(logins)]


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def load_rows(result: LoadResult, *, sessions: int, rounds: int, scale: str,
              database: str) -> list[Row]:
    """The table's rows of one run; every ``what`` names the number of sessions, so runs with
    another number keep their own rows in results.json."""
    suffix = f" ({counted(sessions, 'session')})"
    expected = sessions * rounds
    errors = len(result.errors)
    rows: list[Row] = []
    for step in STEPS:
        samples = tuple(result.times[step])
        notes = []
        if step == SIGN_IN:
            notes.append(f"{counted(sessions, 'concurrent Chromium session')} x "
                         f"{counted(rounds, 'round')} "
                         f"({', '.join(result.logins)} in turn), time to a drawn page; "
                         "for information: the page targets are for one person")
            if result.server_cpu_seconds is not None and result.rounds_seconds > 0:
                notes.append(f"the server used {result.server_cpu_seconds:.0f} CPU-s in the "
                             f"{result.rounds_seconds:.0f} s of the rounds "
                             f"({result.server_cpu_seconds / result.rounds_seconds:.0%} of "
                             "one core)")
        if len(samples) < expected:
            notes.append(f"{len(samples)} of {expected} sessions got this far")
        if result.clicks_again[step]:
            notes.append(f"{result.clicks_again[step]} click(s) dropped by Streamlit and made "
                         "again; timed from the click that landed")
        rows.append(Row(part="load", what=f"load: {step}{suffix}", scale=scale,
                        database=database, unit="s", samples=samples, target=PAGE_COLD,
                        binding=False, valid=errors == 0 and len(samples) == expected,
                        note="; ".join(notes)))
    started = ("" if result.started_mb is None
               else f"; {result.started_mb:,.0f} MB once it answered")
    rows.append(Row(part="load", what=f"load: server peak memory{suffix}", scale=scale,
                    database=database, unit="MB", samples=(result.peak_mb,),
                    target=DASHBOARD_MEMORY,
                    note=f"the streamlit process and its children (VmRSS every 0.2 s){started}"))
    shown = [error.text() for error in result.errors[:3]]
    if errors > 3:
        shown[-1] += f" (and {errors - 3} more)"
    if result.server_exceptions:
        shown.append(f"the server's log: {' | '.join(result.server_exceptions[:3])}")
    rows.append(Row(part="load", what=f"load: errors{suffix}", scale=scale, database=database,
                    unit=ERRORS_UNIT, samples=(float(errors),), target=NO_ERRORS, binding=True,
                    note="; ".join(shown)))
    return rows


def merged_options(path: Path, load_options: dict[str, Any]) -> dict[str, Any]:
    """The options of the results file, with this run's under ``load``: the rows of earlier
    ``make bench`` runs stay described by the options they were measured with."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        earlier = document.get("options") if isinstance(document, dict) else None
    except (OSError, ValueError):
        earlier = None
    return {**(earlier if isinstance(earlier, dict) else {}), "load": load_options}


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class ServerFailed(RuntimeError):
    pass


@contextmanager
def serving(database_url: str, log: Path,
            startup_timeout: float = STARTUP_TIMEOUT_SECONDS) -> Iterator[Server]:
    """``streamlit run app.py`` on a free port with the bench's pinned environment, as the
    browser tests start it, until the block ends; its output goes to ``log``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py",
               "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=pinned_environment(database_url),
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + startup_timeout
            while not _healthy(url):
                if process.poll() is not None:
                    raise ServerFailed(f"streamlit exited with {process.returncode}:\n"
                                       f"{log_tail(log)}")
                if time.monotonic() > deadline:
                    raise ServerFailed(f"streamlit did not answer within {startup_timeout:g} s:"
                                       f"\n{log_tail(log)}")
                time.sleep(0.2)
            yield Server(url=url, pid=process.pid, log=log)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)


def demo_logins(database_url: str) -> tuple[Login, ...]:
    """The active supervisors and psychologists of the database (the demo's), supervisor first,
    each with the language their pages are drawn in."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            users = [user for user in list_users(session)
                     if user.active and user.role in LOAD_ROLES]
    finally:
        engine.dispose()
    users.sort(key=lambda user: (LOAD_ROLES.index(user.role), user.username))
    if not users:
        raise ServerFailed("the database has no supervisor or psychologist to sign in as")
    return tuple(Login(user.username, user.language) for user in users)


# --------------------------------------------------------------------------------------------
# One person in a browser
# --------------------------------------------------------------------------------------------

_DRAWN = """({headings, marks, tables, expected}) => {
  const shown = (el) => el.getClientRects().length > 0
      && getComputedStyle(el).visibility !== 'hidden';
  // A page that failed is not waited for: the caller reads its error boxes.
  if (document.querySelector('[data-testid="stException"]')) return 'failed';
  const allowed = expected.map((source) => new RegExp(source));
  for (const box of document.querySelectorAll('[data-testid="stAlertContentError"]')) {
    if (!allowed.some((pattern) => pattern.test(box.innerText.trim()))) return 'failed';
  }
  // An element of the previous run, or one whose code is still loading, is not drawn yet.
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"], '
      + '[data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"]')) return false;
  const titles = [...document.querySelectorAll('h1, h2, h3')]
      .filter(shown).map((h) => h.textContent.trim());
  for (const source of headings) {
    const pattern = new RegExp(source);
    if (!titles.some((title) => pattern.test(title))) return false;
  }
  for (const selector of marks) {
    const element = document.querySelector(selector);
    if (!element || !shown(element)) return false;
  }
  return document.querySelectorAll('[data-testid="stDataFrame"]').length >= tables;
}"""

_IDLE = """() => !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')"""

_ERRORS = """(expected) => {
  const patterns = expected.map((source) => new RegExp(source));
  const found = [];
  for (const box of document.querySelectorAll('[data-testid="stException"]')) {
    found.push('exception: ' + box.innerText.trim().slice(0, 300));
  }
  for (const box of document.querySelectorAll('[data-testid="stAlertContentError"]')) {
    const text = box.innerText.trim();
    if (!patterns.some((pattern) => pattern.test(text))) {
      found.push('error box: ' + text.slice(0, 300));
    }
  }
  return found;
}"""


@dataclass(frozen=True)
class Drawn:
    """What a drawn page shows: headings (patterns), elements (CSS) and at least ``tables``
    data frames, with no stale element left; ``expected`` are the error boxes that do not
    mean a failure."""

    headings: tuple[str, ...]
    marks: tuple[str, ...] = ()
    tables: int = 0
    expected: tuple[str, ...] = ()

    def argument(self) -> dict[str, Any]:
        return {"headings": list(self.headings), "marks": list(self.marks),
                "tables": self.tables, "expected": list(self.expected)}


class StepFailed(RuntimeError):
    pass


async def wait_drawn(page: Page, drawn: Drawn, timeout_s: float) -> None:
    await page.wait_for_function(_DRAWN, arg=drawn.argument(), polling=POLL_MS,
                                 timeout=timeout_s * 1000)


async def wait_idle(page: Page, timeout_s: float) -> None:
    await page.wait_for_function(_IDLE, polling=POLL_MS, timeout=timeout_s * 1000)


async def error_boxes(page: Page, screens: Screens) -> list[str]:
    found: list[str] = await page.evaluate(_ERRORS, list(screens.expected_errors))
    return found


class SentFrames:
    """Counts the messages a page sends to the server. A click that reached Streamlit sends one
    at once (the rerun it asks for), however slow the server is; one that sent nothing was
    dropped by the page."""

    def __init__(self, page: Page) -> None:
        self.count = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", self._sent)

    def _sent(self, payload: str | bytes) -> None:
        self.count += 1


async def timed_click(page: Page, frames: SentFrames, target: Locator, drawn: Drawn,
                      timeout_s: float) -> tuple[float, int]:
    """Seconds from a click on ``target`` to ``drawn``, and how many clicks were made again
    because the page dropped one (no message left it within :data:`DROPPED_AFTER_SECONDS`)."""
    again = 0
    started = time.perf_counter()
    sent_before = frames.count
    await target.click(timeout=timeout_s * 1000)
    while True:
        left = started + timeout_s - time.perf_counter()
        try:
            await wait_drawn(page, drawn, max(0.1, min(DROPPED_AFTER_SECONDS, left)))
            return time.perf_counter() - started, again
        except PlaywrightTimeout:
            if left <= DROPPED_AFTER_SECONDS:
                raise StepFailed(f"not drawn within {timeout_s:g} s") from None
        if frames.count == sent_before and again + 1 < MAX_CLICKS:
            again += 1
            started = time.perf_counter()
            await target.click(timeout=DROPPED_AFTER_SECONDS * 1000)


async def wait_for_cookie(page: Page, timeout_s: float) -> None:
    """The re-login cookie is written by a component after the first signed-in run; a click
    before it is written can be lost in the component's rerun."""
    deadline = time.perf_counter() + timeout_s
    while COOKIE_NAME not in {cookie.get("name") for cookie in await page.context.cookies()}:
        if time.perf_counter() > deadline:
            raise StepFailed(f"the sign-in cookie was not written within {timeout_s:g} s")
        await asyncio.sleep(0.1)


async def open_choices(page: Page, box: Locator, options: Locator, timeout_s: float) -> None:
    """Open a select box's list (untimed). A click made while the page draws its last elements
    can leave the box focused but closed; the keyboard opens it then, as a person would."""
    for _ in range(MAX_CLICKS):
        await wait_idle(page, timeout_s)
        await box.click(timeout=timeout_s * 1000)
        for key in ("", "ArrowDown"):
            if key:
                await box.press(key)
            try:
                await options.first.wait_for(state="visible", timeout=OPEN_LIST_MS)
                return
            except PlaywrightTimeout:
                continue
    raise StepFailed(f"the select box did not open after {MAX_CLICKS} clicks")


async def pick_family(page: Page, frames: SentFrames, index: int, timeout_s: float) -> str:
    """Choose the family of row ``index`` (mod 5) in the worklist's select box (untimed) and
    wait for the button that opens their record; the choice's text."""
    options = page.get_by_role("option")
    for _ in range(MAX_CLICKS):
        await open_choices(page, page.locator(".st-key-outreach_pick [role=combobox]"), options,
                           timeout_s)
        count = await options.count()
        if count < 2:
            raise StepFailed("the worklist has no family to pick")
        option = options.nth(1 + index % min(PICKED_ROWS, count - 1))
        chosen = (await option.inner_text()).strip()
        sent_before = frames.count
        await option.click(timeout=timeout_s * 1000)
        button = page.locator(".st-key-outreach_open_record button")
        try:
            await button.wait_for(state="visible", timeout=DROPPED_AFTER_SECONDS * 1000)
            return chosen
        except PlaywrightTimeout:
            if frames.count != sent_before:  # the choice reached the server: wait for it
                await button.wait_for(state="visible", timeout=timeout_s * 1000)
                return chosen
    raise StepFailed(f"no family could be chosen in {MAX_CLICKS} tries")


@dataclass(frozen=True)
class Visit:
    """One session of one round: who, which worklist row, and where its results go."""

    login: Login
    index: int
    round: int
    timeout_s: float
    evidence: Path
    """Where a screenshot of a failed session goes."""
    timed: bool = True


@dataclass
class Progress:
    """The step a session is at, for the error it may meet."""

    step: str = SIGN_IN


async def walk_path(page: Page, url: str, visit: Visit, screens: Screens, result: LoadResult,
                    progress: Progress) -> None:
    """Sign in, open the worklist, open a record; each step timed and checked for errors."""
    timeout = visit.timeout_s
    frames = SentFrames(page)

    async def timed_step(name: str, target: Locator, drawn: Drawn) -> None:
        progress.step = name
        drawn = replace(drawn, expected=screens.expected_errors)
        try:
            seconds, again = await timed_click(page, frames, target, drawn, timeout)
        except StepFailed as failure:
            boxes = await error_boxes(page, screens)
            raise StepFailed("; ".join([str(failure), *boxes])) from None
        boxes = await error_boxes(page, screens)
        if boxes:
            raise StepFailed("; ".join(boxes))
        if visit.timed:
            result.times[name].append(seconds)
            result.clicks_again[name] += again

    await page.goto(url, timeout=timeout * 1000)
    await page.get_by_label("Username").fill(visit.login.username, timeout=timeout * 1000)
    await page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    await timed_step(SIGN_IN, page.get_by_role("button", name="Sign in"),
                     Drawn(headings=(screens.welcome,), marks=(HOME_LAST_FIGURE,)))
    await wait_for_cookie(page, timeout)
    await wait_idle(page, timeout)

    await timed_step(WORKLIST, page.locator('[data-testid="stSidebarNav"] a[href$="/outreach"]'),
                     Drawn(headings=(screens.outreach,), marks=(".st-key-outreach_pick",),
                           tables=1))

    progress.step = "pick a family"
    chosen = await pick_family(page, frames, visit.index, timeout)
    open_record = page.locator(".st-key-outreach_open_record button")
    await wait_idle(page, timeout)

    await timed_step(RECORD, open_record,
                     Drawn(headings=(record_heading_pattern(chosen), screens.doses,
                                     screens.family), marks=(CHART,)))


async def walk(browser: Browser, url: str, visit: Visit, result: LoadResult) -> None:
    """One session in a fresh context; what goes wrong is kept as an error, with a screenshot."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    progress = Progress()
    try:
        page = await context.new_page()
        try:
            await walk_path(page, url, visit, screens_for(visit.login.language), result,
                            progress)
        except (StepFailed, PlaywrightError) as error:
            lines = str(error).strip().splitlines()
            step = progress.step if visit.timed else f"warm-up: {progress.step}"
            result.errors.append(LoadError(step=step, username=visit.login.username,
                                           round=visit.round,
                                           message=lines[0] if lines else repr(error)))
            shot = visit.evidence / f"load-error-r{visit.round}-s{visit.index}.png"
            try:
                shot.parent.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=shot, full_page=True)
            except PlaywrightError:
                pass
    finally:
        await context.close()


async def drive(server: Server, logins: Sequence[Login], sessions: int, rounds: int,
                timeout_s: float, result: LoadResult, say: Callable[[str], None]) -> None:
    """The warm-up, then the rounds; their CPU time and duration go into ``result``."""
    url, evidence = server.url, server.log.parent
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                   args=list(CHROMIUM_ARGS))
        try:
            say(f"  warm-up: {', '.join(login.username for login in logins)}, one at a time…")
            for index, login in enumerate(logins):
                await walk(browser, url, Visit(login, index, 0, timeout_s, evidence, timed=False),
                           result)
            cpu_before = tree_cpu_seconds(server.pid)
            rounds_started = time.perf_counter()
            for number in range(1, rounds + 1):
                started = time.perf_counter()
                await asyncio.gather(*(
                    walk(browser, url,
                         Visit(login_for(i, logins), i, number, timeout_s, evidence), result)
                    for i in range(sessions)))
                say(f"  round {number}/{rounds}: {sessions} sessions in "
                    f"{time.perf_counter() - started:.1f} s, {len(result.errors)} error(s)")
            result.rounds_seconds = time.perf_counter() - rounds_started
            result.server_cpu_seconds = tree_cpu_seconds(server.pid) - cpu_before
        finally:
            await browser.close()


def run_load(database_url: str, *, sessions: int, rounds: int, log: Path,
             timeout_s: float = STEP_TIMEOUT_SECONDS,
             say: Callable[[str], None] = lambda text: None) -> LoadResult:
    """Serve ``database_url`` and drive ``sessions`` browsers at it for ``rounds`` rounds; the
    server's output goes to ``log``, and a screenshot of each failed session beside it."""
    if not CHROMIUM.exists():
        raise ServerFailed(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium)")
    logins = demo_logins(database_url)
    result = LoadResult(logins=tuple(login.username for login in logins))
    with serving(database_url, log) as server, PeakMemory(server.pid) as memory:
        say(f"  server on {server.url} (pid {server.pid}), log in {log}")
        asyncio.run(drive(server, logins, sessions, rounds, timeout_s, result, say))
    result.peak_mb = memory.peak_mb
    result.started_mb = memory.first_mb
    result.server_exceptions = tuple(server_exceptions(
        log.read_text(encoding="utf-8", errors="replace")))
    if not result.errors:  # an exception no page showed (a rerun the next one replaced)
        result.errors += [LoadError(step="server log", username="-", round=0, message=line)
                          for line in result.server_exceptions]
    return result


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions")
    parser.add_argument("--scale", choices=list(SCALES), default="demo")
    parser.add_argument("--database", choices=BACKENDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times every session signs in and walks its path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=STEP_TIMEOUT_SECONDS,
                        help="seconds a step may take before it counts as an error")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the bench database again even when a built one exists")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("HAMRAH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.rounds < 1 or args.timeout <= 0:
        parser.error("--sessions and --rounds must be at least 1, --timeout above 0")
    pin_clock()
    scale = SCALES[args.scale]
    say(f"database for {args.scale} scale on {args.database}…")
    url, built = prepare_database(args.database, scale, args.seed,
                                  postgres_url=args.postgres_url, rebuild=args.rebuild,
                                  progress=ProgressBar())
    say(f"  {'built' if built else 'reused'}")
    log = LOG_DIR / f"load-{args.scale}-{args.database}.log"
    say(f"load: {args.sessions} sessions x {args.rounds} rounds…")
    try:
        result = run_load(url, sessions=args.sessions, rounds=args.rounds, log=log,
                          timeout_s=args.timeout, say=say)
    except ServerFailed as error:
        say(f"the load bench could not run: {error}")
        return 1
    rows = load_rows(result, sessions=args.sessions, rounds=args.rounds, scale=args.scale,
                     database=args.database)
    print(format_table(rows))
    for failure in result.errors:
        say(f"error: {failure.text()}")
    shown = merge_rows(read_rows(args.out), rows)
    options = {"sessions": args.sessions, "rounds": args.rounds, "scale": args.scale,
               "database": args.database, "seed": args.seed, "as_of": BENCH_AS_OF.isoformat(),
               "logins": list(result.logins), "timeout_seconds": args.timeout}
    write_json(args.out, results_document(shown, merged_options(args.out, options),
                                          PROJECT_ROOT))
    say(f"written to {args.out}")
    if result.errors:
        say(f"{len(result.errors)} error(s): the run fails; the server's log is {log}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
