"""No page reads the database once per row: each page issues as many SQL statements for a small
clinic network as for one three times its size, with twice the days of history.

Every page is opened, with ``st.cache_data`` and ``st.cache_resource`` cleared first (what the
first request after a start pays, the navigation badge's worklist included), on two synthetic
demo networks of
``data_access.demo.build_demo``; a SQLAlchemy ``before_cursor_execute`` listener counts the
statements that reach the app's database. A query issued per patient, member, dose or question
(an N+1 pattern) makes the larger network cost more statements, and the failure names the
statements whose number grew. Both networks are built for one fixed day, and the app's clock is
pinned to it, so the same branches of every page are taken on every run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine, ForeignKey, event, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from streamlit.testing.v1 import AppTest

from components.state import SELECTED_PATIENT
from data_access.clock import PINNED_NOW_VARIABLE
from data_access.demo import DEMO_PASSWORD, build_demo
from data_access.engine import make_engine, session_factory
from data_access.meetings import clinic_patients
from data_access.models import Patient
from data_access.schema import upgrade_to_head
from domain.access import PAGES, PAGES_BY_KEY
from domain.vocabulary import Phase
from tests.pages.conftest import new_app, open_page, sign_in

AS_OF = date(2026, 11, 4)
NOW = datetime.combine(AS_OF, time(18, 0))
SEED = 2


@dataclass(frozen=True)
class DemoSize:
    patients: int
    days: int


SMALL = DemoSize(patients=12, days=60)
LARGE = DemoSize(patients=36, days=120)
"""Three times the patients (and their families) and twice the days: enough rows to show a
per-row query, small enough to build in about a second each."""

SUPERVISOR = "supervisor"  # works in every clinic of the demo: the widest scope
PSYCHOLOGIST = "psych.ldn"  # one clinic; the content library is for psychologists and admins

UNMEASURED = {
    "account": "reads the signed-in user only",
    "users": "lists staff, whose number the demo does not change",
    "data_import": "reads nothing until a file is uploaded",
    "audit_log": "reads the latest 500 entries, a fixed limit",
}
"""Registry pages left out, and why: none of them reads patients, families or doses."""


# --- counting --------------------------------------------------------------------------------


class StatementLog:
    """The SQL statements that reach one database while it is open, in order.

    Listens on the ``Engine`` class, so it sees the engine the app keeps in
    ``st.cache_resource`` without reaching into that cache; other databases are ignored.
    """

    def __init__(self, database_path: str) -> None:
        self.database_path = database_path
        self.statements: list[str] = []

    def _record(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.engine.url.database == self.database_path:
            self.statements.append(statement)

    def __enter__(self) -> StatementLog:
        event.listen(Engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        event.remove(Engine, "before_cursor_execute", self._record)


def statement_shape(sql: str) -> str:
    """One line, with expanded ``IN (?, ?, …)`` lists folded, so that the same query over more
    ids reads the same."""
    one_line = " ".join(sql.split())
    return re.sub(r"\(\?(?:, \?)*\)", "(…)", one_line)


def growth_report(what: str, small: Sequence[str], large: Sequence[str]) -> str:
    """The counts of both networks and every statement whose number differs between them."""
    small_shapes = Counter(map(statement_shape, small))
    large_shapes = Counter(map(statement_shape, large))
    lines = [f"{what}: {len(small)} statements for {SMALL.patients} patients over {SMALL.days} "
             f"days, {len(large)} for {LARGE.patients} patients over {LARGE.days} days"]
    for shape in sorted(small_shapes.keys() | large_shapes.keys()):
        if small_shapes[shape] != large_shapes[shape]:
            lines.append(f"  {small_shapes[shape]} -> {large_shapes[shape]} times: {shape[:300]}")
    return "\n".join(lines)


def assert_same_statement_count(what: str, small: Sequence[str], large: Sequence[str]) -> None:
    small_count, large_count = len(small), len(large)
    assert large_count == small_count, growth_report(what, small, large)


# --- the counter catches an N+1 loop ---------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class _Parent(_Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)


class _Child(_Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))


def _children_per_parent_one_by_one(session: Session) -> dict[int, int]:
    """The N+1 pattern: one query for the parents, then one per parent."""
    return {pid: session.scalar(select(func.count()).where(_Child.parent_id == pid)) or 0
            for pid in session.scalars(select(_Parent.id))}


def _children_per_parent_grouped(session: Session) -> dict[int, int]:
    rows = session.execute(select(_Child.parent_id, func.count()).group_by(_Child.parent_id))
    return {row[0]: int(row[1]) for row in rows}


def _statements_of(read: Callable[[Session], dict[int, int]], parents: int,
                   path: Path) -> tuple[list[str], dict[int, int]]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        _Base.metadata.create_all(engine)
        with session_factory(engine)() as session, session.begin():
            session.execute(insert(_Parent), [{"id": n} for n in range(1, parents + 1)])
            session.execute(insert(_Child), [{"parent_id": n} for n in range(1, parents + 1)
                                             for _ in range(2)])
        with StatementLog(str(path)) as log, session_factory(engine)() as session:
            counts = read(session)
        return log.statements, counts
    finally:
        engine.dispose()


def test_the_counter_fails_a_query_per_row_and_passes_a_grouped_query(tmp_path: Path) -> None:
    small, small_counts = _statements_of(_children_per_parent_one_by_one, 4,
                                         tmp_path / "n1-small.db")
    large, large_counts = _statements_of(_children_per_parent_one_by_one, 12,
                                         tmp_path / "n1-large.db")
    assert (len(small), len(large)) == (1 + 4, 1 + 12)
    assert small_counts == dict.fromkeys(range(1, 5), 2)
    assert large_counts == dict.fromkeys(range(1, 13), 2)
    with pytest.raises(AssertionError) as failure:
        assert_same_statement_count("parents one by one", small, large)
    # The report names the repeated statement and how often it ran on each side.
    assert "5 statements for" in str(failure.value)
    assert "13 for" in str(failure.value)
    assert "4 -> 12 times: SELECT count(*) AS count_1 FROM child WHERE child.parent_id = ?" in (
        str(failure.value))

    small, _ = _statements_of(_children_per_parent_grouped, 4, tmp_path / "g-small.db")
    large, large_counts = _statements_of(_children_per_parent_grouped, 12, tmp_path / "g-large.db")
    assert large_counts == dict.fromkeys(range(1, 13), 2)
    assert_same_statement_count("grouped", small, large)
    assert len(large) == 1


# --- the pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoNetwork:
    path: Path
    record_patient: int  # the active patient with the longest history: the heaviest record

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def _build_network(path: Path, size: DemoSize) -> DemoNetwork:
    with pytest.MonkeyPatch.context() as patch:
        # The demo's staff and audit rows are written with the app's clock: pinned, as later.
        patch.setenv(PINNED_NOW_VARIABLE, NOW.isoformat())
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade_to_head(engine)
            with session_factory(engine)() as session, session.begin():
                build_demo(session, patients=size.patients, days=size.days, seed=SEED,
                           as_of=AS_OF)
            with session_factory(engine)() as session:
                patient = session.scalar(
                    select(Patient.id).where(Patient.phase != Phase.DISCHARGED.value)
                    .order_by(Patient.admission_date, Patient.id).limit(1))
        finally:
            engine.dispose()
    assert patient is not None
    return DemoNetwork(path, patient)


@pytest.fixture(scope="module")
def networks(tmp_path_factory: pytest.TempPathFactory) -> dict[DemoSize, DemoNetwork]:
    folder = tmp_path_factory.mktemp("statement-counts")
    return {size: _build_network(folder / f"demo-{size.patients}.db", size)
            for size in (SMALL, LARGE)}


def _start_meeting_with_every_patient(at: AppTest, network: DemoNetwork) -> AppTest:
    """An agenda of every patient of the chosen clinic, so that a longer agenda on the larger
    network would show a query per agenda row."""
    clinic_id = at.selectbox(key="meeting_clinic").value
    assert isinstance(clinic_id, int), clinic_id
    engine = make_engine(network.url)
    try:
        with session_factory(engine)() as session:
            patients = [pid for pid, _, _ in clinic_patients(session, clinic_id=clinic_id)]
    finally:
        engine.dispose()
    at.multiselect(key="meeting_patients").set_value(patients).run()
    at = at.button(key="meeting_start").click().run()
    assert not at.exception, at.exception
    assert "meeting_leave" in [button.key for button in at.button], "no meeting started"
    return at


def _rerun(at: AppTest) -> AppTest:
    return at.run()


def _with_answered_questions(at: AppTest) -> AppTest:
    """The questions list with those answered in the last 7 days (1 and 2 questions on the
    two networks): a list to draw, not the "nothing waiting" message."""
    at = at.toggle(key="inbox_answered").set_value(True).run()
    assert at.selectbox(key="inbox_question_pick").options, "no question listed"
    return at


def _inbox_section(section: str) -> Callable[[AppTest], AppTest]:
    def show(at: AppTest) -> AppTest:
        return at.radio(key="inbox_tab").set_value(section).run()
    return show


def _condition_reports(at: AppTest) -> AppTest:
    at = _inbox_section("reports")(at)
    assert at.selectbox(key="inbox_report_pick").options, "no condition report listed"
    return at


@dataclass(frozen=True)
class PageCase:
    """One screen to measure: a registry page as one user sees it.

    Without ``action`` the measured run is the one that opens the page; with it, the page is
    opened, ``prepare`` acts on it, and the measured run is ``action`` (caches cleared before
    the measured run either way).
    """

    label: str
    page: str
    username: str = SUPERVISOR
    action: Callable[[AppTest], AppTest] | None = None
    prepare: Callable[[AppTest, DemoNetwork], AppTest] | None = None


CASES: tuple[PageCase, ...] = (
    PageCase("Home", "home"),
    PageCase("Home (psychologist)", "home", PSYCHOLOGIST),
    PageCase("Patients", "patients"),
    PageCase("Patient record", "patient_record"),
    PageCase("Outreach", "outreach"),
    PageCase("Inbox: questions", "inbox", action=_with_answered_questions),
    PageCase("Inbox: condition reports", "inbox", action=_condition_reports),
    PageCase("Inbox: answer times", "inbox", action=_inbox_section("times")),
    PageCase("Content library", "content_library", PSYCHOLOGIST),
    PageCase("Assign content", "assign_content"),
    PageCase("Overview", "overview"),
    PageCase("Case meeting: choosing", "case_meeting"),
    PageCase("Case meeting: in progress", "case_meeting", action=_rerun,
             prepare=_start_meeting_with_every_patient),
)


def test_every_registry_page_is_measured_or_excused() -> None:
    measured = {case.page for case in CASES}
    assert measured | UNMEASURED.keys() == {page.key for page in PAGES}
    assert not measured & UNMEASURED.keys()


@pytest.fixture
def page_statements(monkeypatch: pytest.MonkeyPatch,
                    networks: dict[DemoSize, DemoNetwork]) -> Iterator[
                        Callable[[PageCase, DemoSize], list[str]]]:
    monkeypatch.setenv(PINNED_NOW_VARIABLE, NOW.isoformat())
    monkeypatch.setenv("HAMRAH_FAILED_LOGIN_DELAY_SECONDS", "0")
    monkeypatch.setenv("HAMRAH_ENV", "test")

    def measure(case: PageCase, size: DemoSize) -> list[str]:
        network = networks[size]
        monkeypatch.setenv("HAMRAH_DATABASE_URL", network.url)
        at = sign_in(new_app().run(), case.username, DEMO_PASSWORD)
        assert not at.exception, at.exception
        at.session_state[SELECTED_PATIENT] = network.record_patient
        page_path = PAGES_BY_KEY[case.page].path
        if case.action is not None:
            at = open_page(at, page_path)
            if case.prepare is not None:
                at = case.prepare(at, network)
            assert not at.exception, at.exception
        # Both caches: the roster, the worklist and the record's picker are shared resources
        # (``st.cache_resource``) with a ttl, and one left by an earlier case on this network
        # would make this count depend on how long ago that case ran.
        st.cache_data.clear()
        st.cache_resource.clear()
        with StatementLog(str(network.path)) as log:
            at = open_page(at, page_path) if case.action is None else case.action(at)
        assert not at.exception, at.exception
        return log.statements

    yield measure
    st.cache_data.clear()  # no cached read of these networks outlives the module
    st.cache_resource.clear()


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_the_page_costs_the_same_statements_for_a_network_three_times_larger(
        case: PageCase, page_statements: Callable[[PageCase, DemoSize], list[str]]) -> None:
    small = page_statements(case, SMALL)
    large = page_statements(case, LARGE)
    assert small, f"{case.label}: no statement reached the database; is it the app's engine?"
    assert_same_statement_count(case.label, small, large)
