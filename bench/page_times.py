"""Server-side script time of each page through AppTest, cold and warm.

One AppTest per role signs in with the demo's logins (the supervisor works in every clinic, the
largest scope; the content library is for psychologists and admins, so the admin opens it).
Each run opens every page twice:

- **cold**: ``st.cache_data`` and ``st.cache_resource`` are cleared first, so the run pays
  what the first request after a start pays: a new engine, every cached figure computed again
  (the navigation badge's worklist included);
- **warm**: the same page again at once, from the caches.

Modules are imported by one untimed pass over every page before the first run: a server imports
them once per process, not once per request. Run as ``python -m bench.page_times`` by
``bench.run``, in a process of its own, so that its peak memory is the dashboard's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import delete, select
from streamlit.testing.v1 import AppTest

from bench.datasets import (
    ADMIN,
    BENCH_AS_OF,
    DEMO_PASSWORD,
    PROJECT_ROOT,
    SUPERVISOR,
)
from bench.part import run_part
from bench.report import PAGE_COLD, PAGE_WARM, Row
from bench.timing import timed
from components.state import SELECTED_PATIENT, SIGNED_IN
from data_access.clock import utc_now
from data_access.engine import make_engine, session_factory
from data_access.models import OverviewSnapshot, Patient
from data_access.overview_snapshots import refresh_overviews
from domain.access import PAGES_BY_KEY
from domain.vocabulary import Phase
from settings import load_settings

ENTRY = Path(__file__).resolve().parent / "app_entry.py"
SCRIPT_TIMEOUT_SECONDS = 900  # a cold page at network scale must be measured, not cut off


@dataclass(frozen=True)
class BenchPage:
    key: str
    title: str
    username: str
    counted_live: bool = False
    """The Overview with no stored count: the stored Overviews are dropped before each cold run,
    as when the worker is not running (``data_access.overview_snapshots``)."""


PAGES: tuple[BenchPage, ...] = (
    BenchPage("home", "Home", SUPERVISOR),
    BenchPage("patients", "Patients", SUPERVISOR),
    BenchPage("patient_record", "Patient record", SUPERVISOR),
    BenchPage("outreach", "Outreach", SUPERVISOR),
    BenchPage("inbox", "Inbox", SUPERVISOR),
    BenchPage("content_library", "Content library", ADMIN),
    BenchPage("overview", "Overview", SUPERVISOR),
    BenchPage("overview", "Overview (counted live)", SUPERVISOR, counted_live=True),
    BenchPage("case_meeting", "Case meeting", SUPERVISOR),
)
"""The pages of issue #8, in the order of the table. The Overview is measured as a deployment
runs it, with the worker's stored counts (refreshed once before the runs, as the worker does
every ten minutes), and again counted live, for information."""


def record_patient(database_url: str) -> int:
    """The patient whose record is opened: the active one with the longest history (the most
    dose rows to chart), the heaviest record a psychologist opens."""
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            found = session.scalar(
                select(Patient.id).where(Patient.phase != Phase.DISCHARGED.value,
                                         Patient.admission_date <= BENCH_AS_OF)
                .order_by(Patient.admission_date, Patient.id).limit(1))
    finally:
        engine.dispose()
    if found is None:
        raise SystemExit("the bench database has no active patient")
    return found


def signed_in(username: str, patient_id: int) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=SCRIPT_TIMEOUT_SECONDS).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at = at.button(key="FormSubmitter:login-Sign in").click().run()
    if at.exception or SIGNED_IN not in at.session_state or at.session_state[SIGNED_IN] is None:
        raise SystemExit(f"cannot sign in as {username}: {at.exception or 'no session'}")
    at.session_state[SELECTED_PATIENT] = patient_id
    return at


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def refresh_overviews_as_the_worker(database_url: str) -> float:
    """Count and store the standing Overviews as the worker does (every one, now); seconds."""
    settings = load_settings()
    engine = make_engine(database_url)
    try:
        result = refresh_overviews(session_factory(engine), as_of=BENCH_AS_OF, now_fn=utc_now,
                                   clinical=settings.clinical, outreach=settings.outreach,
                                   fresh_for=None)
    finally:
        engine.dispose()
    return result.seconds


def drop_stored_overviews(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            session.execute(delete(OverviewSnapshot))
    finally:
        engine.dispose()


def page_path(page: BenchPage) -> str:
    return str(PROJECT_ROOT / PAGES_BY_KEY[page.key].path)


def error_of(at: AppTest) -> str:
    return "; ".join(str(e.value) for e in at.exception)[:300]


def _measure_once(at: AppTest, page: BenchPage, database_url: str,
                  cold: dict[str, list[float]], warm: dict[str, list[float]],
                  errors: dict[str, str]) -> None:
    """One cold run of ``page`` (caches cleared first) and one warm run right after it."""
    if page.counted_live:
        drop_stored_overviews(database_url)
    clear_caches()
    seconds, at = timed(at.switch_page(page_path(page)).run)
    cold[page.title].append(seconds)
    if at.exception:
        errors.setdefault(page.title, error_of(at))
    seconds, at = timed(at.run)
    warm[page.title].append(seconds)
    if at.exception:
        errors.setdefault(page.title, error_of(at))


def measure_pages(database_url: str, scale: str, database: str, runs: int,
                  pages: Sequence[BenchPage] = PAGES) -> list[Row]:
    """Cold and warm times of every page over ``runs`` runs; a page that raises is reported
    with its error and never meets a target."""
    patient_id = record_patient(database_url)
    refresh_seconds = refresh_overviews_as_the_worker(database_url)
    apps = {username: signed_in(username, patient_id)
            for username in dict.fromkeys(page.username for page in pages)}
    for page in pages:  # imports every module once, untimed
        apps[page.username].switch_page(page_path(page)).run()
    cold: dict[str, list[float]] = {page.title: [] for page in pages}
    warm: dict[str, list[float]] = {page.title: [] for page in pages}
    errors: dict[str, str] = {}
    # The live count last, in runs of its own: its millions of short-lived records would
    # otherwise leave the next pages' runs a garbage collection to pay.
    ordered = ([page for page in pages if not page.counted_live],
               [page for page in pages if page.counted_live])
    for group in ordered:
        for _ in range(runs):
            for page in group:
                _measure_once(apps[page.username], page, database_url, cold, warm, errors)
    refresh_overviews_as_the_worker(database_url)  # leave the stored counts as a worker would
    rows: list[Row] = []
    for page in pages:
        error = errors.get(page.title)
        for kind, samples, target in (("cold", cold, PAGE_COLD), ("warm", warm, PAGE_WARM)):
            # The live count is shown against the target for information: with the worker
            # running, readers get the stored count (the row above it).
            rows.append(Row(part="pages", what=f"page {page.title}, {kind}", scale=scale,
                            database=database, unit="s", samples=tuple(samples[page.title]),
                            target=target, valid=error is None,
                            note="" if error is None else f"the page raised: {error}",
                            binding=False if page.counted_live else None))
    rows.append(Row(part="pages", what="overview refresh (worker, every standing Overview)",
                    scale=scale, database=database, unit="s", samples=(refresh_seconds,),
                    note="the worker's count of the Overviews staff open by default"))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    run_part(measure_pages, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
