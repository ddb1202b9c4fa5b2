"""The hot queries find their rows through an index, on SQLite and on PostgreSQL.

Each hot query is the real statement of ``data_access``: the function runs on a small demo
network (``data_access.demo.build_demo``) while its statements are recorded, and each recorded
statement is explained on the same connection. SQLite's ``EXPLAIN QUERY PLAN`` must read every
watched table with ``SEARCH … USING [COVERING] INDEX <name>`` (or its integer primary key),
never ``SCAN <table>``; PostgreSQL's ``EXPLAIN (FORMAT JSON)``, with ``enable_seqscan`` off so
that the plan shows which index the server *can* use whatever the size of the test tables, must
read it through an index scan with an index condition. The index must be one of those named
for the query: the ones in ``data_access/models.py`` and the migrations. SQLite's
``sqlite_autoindex_*`` of a UNIQUE or PRIMARY KEY constraint is reported by the constraint's
name, which is PostgreSQL's name for the same index.

The tables hold no statistics (no ``ANALYZE``, PostgreSQL's autovacuum off for them): on a dozen
patients, a planner that knows the sizes rightly reads whole tables, and the question here is
not how big the test tables are but whether an index matches the query. The benchmark
(``make bench``) times the same queries on analysed databases of network size.

Not watched, on purpose:

- ``consent`` in the worklist and the revocation: "members with an active consent today" is an
  uncorrelated ``IN (SELECT member_id FROM consent WHERE <active on day>)``, which reads every
  consent once per statement (about 24,000 rows at network scale, 15 ms on SQLite); nearly all
  consents are active, so no index on the dates would be selective;
- the audit log by entity: no screen reads it so; the app reads it by sequence only (the latest
  entries, the chain check), and an index on ``entity`` would cost every audited view a write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, inspect, select, text
from sqlalchemy.orm import Session

from data_access.assignments import cancel_for_revoked_consents, member_progress
from data_access.audit import recent_audit
from data_access.condition_reports import open_emergencies
from data_access.demo import build_demo
from data_access.engine import session_factory
from data_access.home_figures import home_figures
from data_access.meetings import open_action_items
from data_access.models import Base, Patient, StaffUser, SupportMember
from data_access.outbox import due_messages, recover_interrupted
from data_access.outreach import (
    attempt_history,
    outreach_facts,
    urgent_patient_count,
    worklist_context,
)
from data_access.overview_snapshots import SnapshotKey, stored_overview
from data_access.patient_record import (
    dose_rows,
    engagement_frame,
    family_activity,
    patient_choices,
    phase_history_frame,
    screen_frame,
)
from data_access.questions import inbox_questions, open_question_count
from data_access.roster import roster_extras
from data_access.signals import all_clinic_ids, patient_signal_list
from data_access.staff import current_session_version
from domain.calendars import Calendar
from domain.outreach import Tier, WorklistItem
from domain.overview import Period
from domain.vocabulary import Phase, Role
from tests.conftest import postgres_engine, sqlite_engine

AS_OF = date(2026, 11, 4)
NOW = datetime.combine(AS_OF, time(18, 0))


@dataclass(frozen=True)
class Network:
    """The ids a hot query is asked about: every clinic, one patient with a long history, that
    patient's members, and the demo supervisor."""

    clinic_ids: tuple[int, ...]
    patient_id: int
    member_ids: tuple[int, ...]
    supervisor_id: int


@dataclass(frozen=True)
class PlannedDatabase:
    backend: str
    engine: Engine
    network: Network


def _seed(engine: Engine) -> Network:
    with session_factory(engine)() as session, session.begin():
        build_demo(session, patients=12, days=60, seed=3, as_of=AS_OF)
    with session_factory(engine)() as session:
        patient = session.scalars(
            select(Patient.id).where(Patient.phase != Phase.DISCHARGED.value)
            .order_by(Patient.admission_date, Patient.id).limit(1)).one()
        members = session.scalars(
            select(SupportMember.id).where(SupportMember.patient_id == patient)).all()
        supervisor = session.scalars(
            select(StaffUser.id).where(StaffUser.role == Role.SUPERVISOR.value)).first()
        assert supervisor is not None and members
        return Network(tuple(all_clinic_ids(session)), patient, tuple(members), supervisor)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def planned(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlannedDatabase]:
    """One migrated demo network per backend for the whole module (the fixtures of
    ``tests/conftest.py``, seeded once: plans do not change the data)."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path_factory.mktemp("plans"))
        yield PlannedDatabase("sqlite", engine, _seed(engine))
        engine.dispose()
        return
    admin, engine, schema = postgres_engine()
    try:
        with engine.begin() as connection:
            for table in Base.metadata.tables:  # no statistics behind the test's back
                connection.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false)'))
        yield PlannedDatabase("postgresql", engine, _seed(engine))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- reading plans ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRead:
    """How a plan reads one table: through ``index`` (None: a sequential scan), and whether
    the index is searched with a condition (False: every entry is read)."""

    table: str
    index: str | None
    searched: bool


_SQLITE_READ = re.compile(
    r"^(?P<how>SEARCH|SCAN) (?P<name>\w+)"
    r"(?: USING (?:(?:COVERING )?INDEX (?P<index>\w+)|(?P<rowid>INTEGER PRIMARY KEY)))?")


def _constraint_names(connection: Connection) -> dict[tuple[str, tuple[str, ...]], str]:
    """``(table, columns)`` of every UNIQUE and PRIMARY KEY constraint -> its name."""
    inspector = inspect(connection)
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    for table in Base.metadata.tables:
        primary = inspector.get_pk_constraint(table)
        names[(table, tuple(primary["constrained_columns"]))] = f"pk_{table}"
        for unique in inspector.get_unique_constraints(table):
            if unique["name"]:
                names[(table, tuple(unique["column_names"]))] = unique["name"]
    return names


def _sqlite_reads(connection: Connection, sql: str, parameters: Any) -> list[TableRead]:
    reads = []
    constraints: dict[tuple[str, tuple[str, ...]], str] | None = None
    for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters):
        found = _SQLITE_READ.match(row[3])
        if found is None:
            continue
        # SQLite names a table by its alias in the statement (staff_user_1): the table's name.
        table = re.sub(r"_\d+$", "", found["name"])
        if table not in Base.metadata.tables:
            continue  # a subquery, a CTE or SQLite's automatic index on one
        index = found["index"]
        if found["rowid"]:
            index = f"pk_{table}"
        elif index is not None and index.startswith("sqlite_autoindex_"):
            constraints = constraints or _constraint_names(connection)
            columns = tuple(info[2] for info in
                            connection.exec_driver_sql(f'PRAGMA index_info("{index}")'))
            index = constraints[(table, columns)]
        reads.append(TableRead(table, index, found["how"] == "SEARCH"))
    return reads


def _postgres_nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _postgres_nodes(child)


def _bitmap_nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """A bitmap scan's own index scans: not those of a subquery in its filter (an EXISTS),
    which read other tables and are listed as plans of their own."""
    yield node
    for child in node.get("Plans", ()):
        if child.get("Parent Relationship") not in {"SubPlan", "InitPlan"}:
            yield from _bitmap_nodes(child)


def _postgres_reads(connection: Connection, sql: str, parameters: Any) -> list[TableRead]:
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", parameters).scalar_one()
    reads = []
    for node in _postgres_nodes(plan[0]["Plan"]):
        table = node.get("Relation Name")
        kind = node["Node Type"]
        if table is None or kind == "ModifyTable":  # an UPDATE's target: its scan is below
            continue
        if kind in {"Index Scan", "Index Only Scan"}:
            reads.append(TableRead(table, node["Index Name"], "Index Cond" in node))
        elif kind == "Bitmap Heap Scan":
            reads += [TableRead(table, child["Index Name"], "Index Cond" in child)
                      for child in _bitmap_nodes(node)
                      if child["Node Type"] == "Bitmap Index Scan"]
        else:
            reads.append(TableRead(table, None, False))
    return reads


@dataclass(frozen=True)
class ExplainedStatement:
    sql: str
    reads: list[TableRead]

    def describe(self) -> str:
        lines = [" ".join(self.sql.split())[:240]]
        lines += [f"    {read.table}: "
                  + ("sequential scan" if read.index is None else
                     f"{'searched' if read.searched else 'every entry of'} {read.index}")
                  for read in self.reads]
        return "\n".join(lines)


def explain_statements(planned: PlannedDatabase,
                       call: Callable[[Session], object]) -> list[ExplainedStatement]:
    """Run ``call`` in a transaction that is rolled back, recording its SELECT, UPDATE and
    DELETE statements, then explain each on the same connection."""
    recorded: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_rest: Any) -> None:
        if sql.lstrip().split(None, 1)[0].upper() in {"SELECT", "UPDATE", "DELETE", "WITH"}:
            recorded.append((sql, parameters))

    explained = []
    with session_factory(planned.engine)() as session, session.begin():
        connection = session.connection()
        if planned.backend == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        event.listen(planned.engine, "before_cursor_execute", record)
        try:
            call(session)
        finally:
            event.remove(planned.engine, "before_cursor_execute", record)
        reads_of = _sqlite_reads if planned.backend == "sqlite" else _postgres_reads
        for sql, parameters in recorded:
            explained.append(ExplainedStatement(sql, reads_of(connection, sql, parameters)))
        session.rollback()
    return explained


# --- the hot queries -------------------------------------------------------------------------

DOSES_BY_PATIENT = frozenset({"uq_dose_event_patient_day", "ix_dose_event_patient_status_date"})
# The adherence window of every patient (the last 28 days): by date first is as good.
DOSES_OF_CLINICS = DOSES_BY_PATIENT | {"ix_dose_event_date_patient"}
SCREENS_BY_PATIENT = frozenset({"uq_urine_screen_patient_day_substance",
                                "ix_urine_screen_patient_result"})
PATIENTS_BY_CLINIC = frozenset({"ix_patient_clinic_phase", "uq_patient_clinic_code"})
MEMBERS_BY_PATIENT = frozenset({"ix_support_member_patient"})
QUESTIONS_OPEN = frozenset({"ix_family_question_open", "ix_family_question_patient_open"})
QUESTIONS_BY_PATIENT = frozenset({"ix_family_question_patient",
                                  "ix_family_question_patient_open"})
ATTEMPTS_BY_PATIENT = frozenset({"ix_outreach_attempt_patient_at"})
ENGAGEMENT_BY_MEMBER = frozenset({"ix_engagement_event_member_at"})
ASSIGNMENTS_BY_MEMBER = frozenset({"ix_assignment_member_status_due",
                                   "ix_assignment_member_completed"})
"""Both lead with the member: either serves a read of a member's assignments."""
OUTBOX_BY_STATUS = frozenset({"ix_outbox_message_status_next"})
REPORTS_OPEN = frozenset({"ix_condition_report_open"})
REPORTS_BY_PATIENT = frozenset({"ix_condition_report_patient"})
# Read from the parent table's row (a join on the primary key) is as good as by the index.
BY_KEY = frozenset({"pk_patient", "pk_support_member"})


@dataclass(frozen=True)
class HotQuery:
    """A query a screen, the worker or every request runs, and the indexes through which it
    must read each watched table (a table it reads in several statements, in each of them)."""

    label: str
    run: Callable[[Session, Network], object]
    reads: Mapping[str, frozenset[str]]
    ordered_scans: frozenset[str] = field(default_factory=frozenset)
    """Tables it may read in index order without a condition: ``ORDER BY … LIMIT n`` stops
    after n entries."""


def _drawn_item(patient_id: int) -> WorklistItem:
    """A worklist row of ``patient_id``, as the Outreach page draws it."""
    return WorklistItem(patient_id=patient_id, patient_code="", clinic_code="",
                        tier=Tier.URGENT, score=0, reasons=(), last_contact_on=None,
                        snoozed_until=None)


def _days_back(days: int) -> date:
    return AS_OF - timedelta(days=days - 1)


HOT_QUERIES: tuple[HotQuery, ...] = (
    HotQuery("doses of one patient by date range (record, case meeting)",
             lambda s, n: dose_rows(s, patient_id=n.patient_id, start=_days_back(180),
                                    end=AS_OF),
             {"dose_event": frozenset({"uq_dose_event_patient_day"})}),
    HotQuery("screens of one patient by date range (record, case meeting)",
             lambda s, n: screen_frame(s, patient_id=n.patient_id, start=_days_back(365),
                                       end=AS_OF),
             {"urine_screen": SCREENS_BY_PATIENT}),
    HotQuery("phase history of one patient",
             lambda s, n: phase_history_frame(s, patient_id=n.patient_id),
             {"phase_change": frozenset({"ix_phase_change_patient_date"})}),
    HotQuery("outreach attempts of one patient, newest first",
             lambda s, n: attempt_history(s, n.patient_id, limit=5),
             {"outreach_attempt": ATTEMPTS_BY_PATIENT}),
    HotQuery("questions, reports and attempts of one patient (record)",
             lambda s, n: family_activity(s, patient_id=n.patient_id),
             {"family_question": QUESTIONS_BY_PATIENT, "condition_report": REPORTS_BY_PATIENT,
              "outreach_attempt": ATTEMPTS_BY_PATIENT}),
    HotQuery("engagement of one patient's members",
             lambda s, n: engagement_frame(s, patient_id=n.patient_id, start=_days_back(180),
                                           end=AS_OF),
             {"support_member": MEMBERS_BY_PATIENT, "engagement_event": ENGAGEMENT_BY_MEMBER}),
    HotQuery("assignments of one patient's members",
             lambda s, n: member_progress(s, patient_id=n.patient_id, today=AS_OF),
             {"support_member": MEMBERS_BY_PATIENT, "assignment": ASSIGNMENTS_BY_MEMBER}),
    HotQuery("pending assignments of members by status (consent revocation)",
             lambda s, n: cancel_for_revoked_consents(s, member_ids=n.member_ids, on=AS_OF,
                                                      actor="test", now=NOW),
             {"assignment": ASSIGNMENTS_BY_MEMBER}),
    HotQuery("patients of the clinics (record picker)",
             lambda s, n: patient_choices(s, clinic_ids=n.clinic_ids),
             {"patient": PATIENTS_BY_CLINIC}),
    HotQuery("signals of the roster: doses, screens, members per patient of the clinics",
             lambda s, n: patient_signal_list(s, clinic_ids=n.clinic_ids, as_of=AS_OF),
             {"patient": PATIENTS_BY_CLINIC | BY_KEY,
              "dose_event": DOSES_OF_CLINICS, "urine_screen": SCREENS_BY_PATIENT,
              "support_member": MEMBERS_BY_PATIENT | BY_KEY,
              "consent": frozenset({"ix_consent_member"})}),
    HotQuery("roster extras: last screen, family contact, modules completed",
             lambda s, n: roster_extras(s, clinic_ids=n.clinic_ids, as_of=AS_OF),
             {"patient": PATIENTS_BY_CLINIC | BY_KEY,
              "urine_screen": SCREENS_BY_PATIENT | {"ix_urine_screen_date_patient"},
              "support_member": MEMBERS_BY_PATIENT | BY_KEY,
              "engagement_event": ENGAGEMENT_BY_MEMBER,
              "assignment": frozenset({"ix_assignment_member_completed"})}),
    HotQuery("outreach worklist facts of the clinics",
             lambda s, n: outreach_facts(s, clinic_ids=n.clinic_ids, as_of=AS_OF),
             {"patient": PATIENTS_BY_CLINIC | BY_KEY, "dose_event": DOSES_OF_CLINICS,
              "urine_screen": SCREENS_BY_PATIENT,
              "phase_change": frozenset({"ix_phase_change_patient_date",
                                         "ix_phase_change_to_phase_date"}),
              "engagement_event": ENGAGEMENT_BY_MEMBER,
              "condition_report": REPORTS_BY_PATIENT | REPORTS_OPEN,
              "family_question": QUESTIONS_BY_PATIENT | QUESTIONS_OPEN,
              "assignment": ASSIGNMENTS_BY_MEMBER | {"ix_assignment_status_due"},
              "outreach_attempt": ATTEMPTS_BY_PATIENT,
              "outbox_message": OUTBOX_BY_STATUS}),
    HotQuery("urgent count of the clinics (the navigation badge on every page)",
             lambda s, n: urgent_patient_count(s, clinic_ids=n.clinic_ids, as_of=AS_OF),
             {"patient": PATIENTS_BY_CLINIC | BY_KEY, "dose_event": DOSES_OF_CLINICS,
              "phase_change": frozenset({"ix_phase_change_patient_date",
                                         "ix_phase_change_to_phase_date"}),
              "condition_report": REPORTS_BY_PATIENT | REPORTS_OPEN,
              "outreach_attempt": ATTEMPTS_BY_PATIENT}),
    HotQuery("names and contacts beside the worklist's drawn rows (Outreach)",
             lambda s, n: worklist_context(s, [_drawn_item(n.patient_id)], AS_OF),
             {"patient": BY_KEY, "support_member": MEMBERS_BY_PATIENT,
              "consent": frozenset({"ix_consent_member"})}),
    HotQuery("home figures of the clinics",
             lambda s, n: home_figures(s, clinic_ids=n.clinic_ids, as_of=AS_OF),
             {"patient": PATIENTS_BY_CLINIC | BY_KEY, "family_question": QUESTIONS_OPEN,
              "condition_report": REPORTS_OPEN}),
    HotQuery("unanswered questions by deadline (inbox)",
             lambda s, n: inbox_questions(s, clinic_ids=n.clinic_ids, now=NOW),
             {"family_question": QUESTIONS_OPEN}),
    HotQuery("unanswered and overdue question counts",
             lambda s, n: open_question_count(s, clinic_ids=n.clinic_ids, now=NOW),
             {"family_question": QUESTIONS_OPEN}),
    HotQuery("open emergencies (the banner on every page)",
             lambda s, n: open_emergencies(s, clinic_ids=n.clinic_ids),
             {"condition_report": REPORTS_OPEN}),
    HotQuery("open actions of one owner (home)",
             lambda s, n: open_action_items(s, clinic_ids=n.clinic_ids,
                                            owner_id=n.supervisor_id),
             {"action_item": frozenset({"ix_action_item_owner_open"})}),
    HotQuery("open actions of one patient (record, case meeting)",
             lambda s, n: open_action_items(s, clinic_ids=n.clinic_ids,
                                            patient_id=n.patient_id),
             {"action_item": frozenset({"ix_action_item_patient_open"})}),
    HotQuery("due outbox messages by status (worker)",
             lambda s, n: due_messages(s, now=NOW, limit=50),
             {"outbox_message": OUTBOX_BY_STATUS}),
    HotQuery("interrupted outbox messages by status (worker)",
             lambda s, n: recover_interrupted(s, now=NOW, claim_timeout_seconds=600),
             {"outbox_message": OUTBOX_BY_STATUS}),
    HotQuery("the session check of every request",
             lambda s, n: current_session_version(s, "supervisor"),
             {"staff_user": frozenset({"uq_staff_user_username"})}),
    HotQuery("a stored Overview by its key (the Overview page)",
             lambda s, n: stored_overview(
                 s, SnapshotKey(n.clinic_ids, AS_OF, Period(_days_back(365), AS_OF),
                                Calendar.GREGORIAN, "digest"),
                 counted_since=NOW - timedelta(minutes=30)),
             {"overview_snapshot": frozenset({"uq_overview_snapshot_key"})}),
    HotQuery("the latest audit entries",
             lambda s, n: recent_audit(s, limit=500),
             {"audit_log": frozenset({"uq_audit_log_seq"})},
             ordered_scans=frozenset({"audit_log"})),
)


def plan_problems(query: HotQuery, explained: list[ExplainedStatement]) -> list[str]:
    """What is wrong with the plans: a watched table read without one of its indexes, or
    never read at all (then the query does not read what this test thinks it reads)."""
    problems = []
    for table, allowed in query.reads.items():
        reads = [read for statement in explained for read in statement.reads
                 if read.table == table]
        if not reads:
            problems.append(f"{table} is not read by any statement")
        for read in reads:
            ordered = table in query.ordered_scans and read.index is not None
            if read.index not in allowed or not (read.searched or ordered):
                problems.append(f"{table} read through {read.index or 'no index'}"
                                f"{'' if read.searched else ' (every entry)'}; "
                                f"expected a search of {', '.join(sorted(allowed))}")
    return problems


@pytest.mark.parametrize("query", HOT_QUERIES, ids=[query.label for query in HOT_QUERIES])
def test_the_hot_query_reads_through_its_index(planned: PlannedDatabase,
                                               query: HotQuery) -> None:
    explained = explain_statements(planned, lambda session: query.run(session, planned.network))
    assert explained, f"{query.label}: no statement was recorded"
    problems = plan_problems(query, explained)
    assert not problems, (f"{query.label} on {planned.backend}:\n" + "\n".join(problems)
                          + "\nplans:\n" + "\n".join(e.describe() for e in explained))


def test_the_expected_indexes_exist_under_these_names(planned: PlannedDatabase) -> None:
    """Every index named above is in the migrated database (a misspelt name would make an
    allowed index that no plan can match), and every ``Index`` of the models is there with the
    model's columns: models and migrations agree."""
    with planned.engine.connect() as connection:
        inspector = inspect(connection)
        indexes = {(table, found["name"]): tuple(found["column_names"])
                   for table in Base.metadata.tables
                   for found in inspector.get_indexes(table)}
        constraints = set(_constraint_names(connection).values())
    named = {name for _, name in indexes} | constraints
    expected = {name for query in HOT_QUERIES for names in query.reads.values()
                for name in names}
    assert expected - named == set()
    declared = {(table.name, index.name): tuple(column.name for column in index.columns)
                for table in Base.metadata.sorted_tables for index in table.indexes}
    assert {key: indexes.get(key) for key in declared} == declared


def test_a_missing_index_is_reported(tmp_path: Path) -> None:
    """The plan reader sees a full scan: ``recent_audit`` ordered by a column without an index
    (``at``) would fail its hot query."""
    engine = sqlite_engine(tmp_path)
    try:
        database = PlannedDatabase("sqlite", engine, Network((), 0, (), 0))

        def by_time(session: Session) -> object:
            return session.execute(text("SELECT * FROM audit_log WHERE actor = :who "
                                        "ORDER BY at DESC LIMIT 5"), {"who": "x"}).all()

        explained = explain_statements(database, by_time)
        query = HotQuery("audit by actor", lambda s, n: None,
                         {"audit_log": frozenset({"uq_audit_log_seq"})})
        assert plan_problems(query, explained) == [
            "audit_log read through no index (every entry); expected a search of "
            "uq_audit_log_seq"]
    finally:
        engine.dispose()
