"""Assigning education modules to families: consent gating, outbox, progress and revocation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from data_access.assignments import (
    MAX_NOTE_CHARS,
    AssignmentError,
    Summary,
    assign_module,
    cancel_for_revoked_consents,
    cohort_members,
    member_progress,
    patient_progress_summary,
    revoke_consent,
)
from data_access.audit import verify_audit_chain
from data_access.importers import import_file
from data_access.models import (
    Assignment,
    AuditLog,
    Consent,
    ContentModule,
    OutboxMessage,
    Patient,
    SupportMember,
)
from data_access.staff import add_user
from domain.calendars import Calendar, format_date
from domain.consent import SCOPE_COVERS, scope_covers
from domain.import_rules import ImportKind
from domain.signals import Flag
from domain.vocabulary import ConsentScope, Role
from tests import builders
from tests.data_access.test_patient_signals import add_screen

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 10, 0)
SIGNED = date(2026, 3, 1)


def module(session: Session, code: str = "MOD-1", *, retired: bool = False) -> int:
    row = ContentModule(code=code, title=f"Synthetic module {code}", kind="text",
                        language="en", tags={}, retired=retired, created_at=NOW, updated_at=NOW)
    session.add(row)
    session.flush()
    return row.id


def consented_member(session: Session, clinic_id: int, patient_id: int, code: str,
                     **consent: Any) -> int:
    member_id = builders.member(session, clinic_id, patient_id, code)
    builders.consent(session, member_id, patient_id, signed=consent.pop("signed", SIGNED),
                     **consent)
    return member_id


def assign(session: Session, module_id: int, member_ids: list[int], *,
           due_on: date | None = None, note: str | None = None, today: date = TODAY,
           now: datetime = NOW) -> Any:
    return assign_module(session, module_id=module_id, member_ids=member_ids, due_on=due_on,
                         note=note, actor="psy.test", by_user_id=None, today=today, now=now)


def rows_of(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def set_status(session: Session, assignment_id: int, status: str, **stamps: datetime) -> None:
    row = session.get_one(Assignment, assignment_id)
    row.status = status
    for name, value in stamps.items():
        setattr(row, name, value)
    session.flush()


# --- assigning ---------------------------------------------------------------------------------


def test_one_member_gets_the_row_one_message_and_one_audit_row(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = consented_member(session, clinic_id, patient_id, "M1")
        module_id = module(session)
        outcome = assign(session, module_id, [member_id], due_on=TODAY + timedelta(days=7),
                         note="  Please listen before Friday's family session.  ")
    with session.begin():
        assert outcome.skipped == []
        [row] = outcome.assigned
        assert (row.member_id, row.member_code, row.patient_code) == (member_id, "M1", "P1")
        assignment = session.get_one(Assignment, row.assignment_id)
        assert (assignment.module_id, assignment.status, assignment.assigned_at,
                assignment.due_on, assignment.note) == (
            module_id, "queued", NOW, date(2026, 11, 30),
            "Please listen before Friday's family session.")
        [message] = session.scalars(select(OutboxMessage)).all()
        assert message.id == row.outbox_id
        assert (message.member_id, message.kind, message.assignment_id, message.status,
                message.attempts, message.next_attempt_at, message.idempotency_key) == (
            member_id, "assignment", row.assignment_id, "queued", 0, NOW,
            f"assignment:{row.assignment_id}")
        assert message.body == ("Synthetic module MOD-1\n\n"
                                "Please listen before Friday's family session.")
        audit = session.scalars(
            select(AuditLog).where(AuditLog.entity == "assignment")).all()
        assert [(a.actor, a.action, a.entity_id) for a in audit] == [
            ("psy.test", "create", str(row.assignment_id))]
        assert "MOD-1" in audit[0].summary and "M1" in audit[0].summary
        assert verify_audit_chain(session).broken is None


def test_a_message_without_a_note_is_the_title_alone(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = consented_member(session, clinic_id, patient_id, "M1")
        outcome = assign(session, module(session), [member_id], note="   ")
        message = session.get_one(OutboxMessage, outcome.assigned[0].outbox_id)
        assert message.body == "Synthetic module MOD-1"
        assert session.get_one(Assignment, outcome.assigned[0].assignment_id).note is None


def test_bulk_assignment_reports_every_member_it_skips(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        module_id = module(session)
        ids = {
            "OK": consented_member(session, clinic_id, patient_id, "M-OK"),
            "EXPIRED": consented_member(session, clinic_id, patient_id, "M-EXPIRED",
                                        expires=date(2026, 11, 22)),
            "EXPIRES-TODAY": consented_member(session, clinic_id, patient_id, "M-EXP-TODAY",
                                              expires=TODAY),
            "REVOKED": consented_member(session, clinic_id, patient_id, "M-REVOKED",
                                        revoked=date(2026, 10, 1)),
            "REVOKED-TOMORROW": consented_member(session, clinic_id, patient_id, "M-REV-LATER",
                                                 revoked=TODAY + timedelta(days=1)),
            "NOT-YET": consented_member(session, clinic_id, patient_id, "M-NOT-YET",
                                        signed=TODAY + timedelta(days=1)),
            "NONE": builders.member(session, clinic_id, patient_id, "M-NONE"),
            "INACTIVE": consented_member(session, clinic_id, patient_id, "M-INACTIVE"),
            "PENDING": consented_member(session, clinic_id, patient_id, "M-PENDING"),
            "COMPLETED": consented_member(session, clinic_id, patient_id, "M-COMPLETED"),
        }
        # An old revoked consent does not hide a newer active one.
        builders.consent(session, ids["OK"], patient_id, signed=date(2026, 1, 1),
                         revoked=date(2026, 2, 1))
        session.get_one(SupportMember, ids["INACTIVE"]).active = False
        earlier = assign(session, module_id, [ids["PENDING"], ids["COMPLETED"]],
                         today=TODAY - timedelta(days=5))
        set_status(session, earlier.assigned[1].assignment_id, "completed", completed_at=NOW)
        outcome = assign(session, module_id, [*ids.values(), ids["OK"], 999_999])
    assert [row.member_code for row in outcome.assigned] == [
        "M-OK", "M-EXP-TODAY", "M-REV-LATER"]
    assert [(s.member_code, s.patient_code, s.reason) for s in outcome.skipped] == [
        ("M-EXPIRED", "P1", "consent expired on 2026-11-22"),
        ("M-REVOKED", "P1", "consent revoked on 2026-10-01"),
        ("M-NOT-YET", "P1", "consent starts on 2026-11-24"),
        ("M-NONE", "P1", "no active consent"),
        ("M-INACTIVE", "P1", "member is inactive"),
        ("M-PENDING", "P1", "already assigned"),
        ("M-COMPLETED", "P1", "already completed"),
        ("", "", "no such family member"),
    ]
    assert outcome.skipped[-1].member_id == 999_999
    with session.begin():
        assert rows_of(session, Assignment) == 2 + 3
        assert rows_of(session, OutboxMessage) == 2 + 3
        keys = set(session.scalars(select(OutboxMessage.idempotency_key)))
        assert keys == {f"assignment:{row.assignment_id}"
                        for row in [*earlier.assigned, *outcome.assigned]}


def test_every_consent_scope_covers_education(session: Session) -> None:
    # No scope of ConsentScope leaves education out, so "consent scope does not cover
    # education" cannot happen with today's vocabulary; each scope lets the module through.
    assert all(scope_covers(scope, "education") for scope in ConsentScope)
    assert set(SCOPE_COVERS) == set(ConsentScope)
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        members = [consented_member(session, clinic_id, patient_id, f"M-{n}",
                                    scope=scope.value)
                   for n, scope in enumerate(ConsentScope)]
        outcome = assign(session, module(session), members)
    assert len(outcome.assigned) == len(ConsentScope)
    assert outcome.skipped == []


def test_a_failed_or_cancelled_assignment_may_be_assigned_again(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = consented_member(session, clinic_id, patient_id, "M1")
        module_id = module(session)
        first = assign(session, module_id, [member_id])
        set_status(session, first.assigned[0].assignment_id, "failed")
        second = assign(session, module_id, [member_id])
        set_status(session, second.assigned[0].assignment_id, "cancelled_consent_revoked")
        third = assign(session, module_id, [member_id])
    assert len(third.assigned) == 1


@pytest.mark.parametrize(("change", "message"), [
    ({"retired": True}, "The module MOD-1 is retired and cannot be assigned"),
    ({"module_id": 999_999}, "No education module with id 999999"),
    ({"due_on": TODAY - timedelta(days=1)},
     "The due date 2026-11-22 is before today (2026-11-23)"),
    ({"note": "x" * (MAX_NOTE_CHARS + 1)},
     f"The note is longer than {MAX_NOTE_CHARS} characters ({MAX_NOTE_CHARS + 1})"),
    ({"member_ids": []}, "Choose at least one family member"),
])
def test_refusals_write_nothing(session: Session, change: dict[str, Any], message: str) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = consented_member(session, clinic_id, patient_id, "M1")
        changed = dict(change)  # the parameters are shared by both databases' runs
        module_id = module(session, retired=changed.pop("retired", False))
        audit_rows = rows_of(session, AuditLog)
        arguments: dict[str, Any] = {
            "module_id": module_id, "member_ids": [member_id], "due_on": None, "note": None,
            "actor": "psy.test", "by_user_id": None, "today": TODAY, **changed}
        with pytest.raises(AssignmentError) as raised:
            assign_module(session, **arguments)
        assert str(raised.value) == message
        assert "\n" not in str(raised.value)
        assert (rows_of(session, Assignment), rows_of(session, OutboxMessage),
                rows_of(session, AuditLog)) == (0, 0, audit_rows)


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def mixed_members(session: Session, clinic_id: int, prefix: str, count: int,
                  module_id: int) -> list[int]:
    """A quarter each: consented, without consent, revoked, already assigned the module."""
    patient_id = builders.patient(session, clinic_id, f"P-{prefix}")
    ids = []
    for n in range(count):
        code = f"M-{prefix}-{n:03d}"
        kind = n % 4
        if kind == 1:
            ids.append(builders.member(session, clinic_id, patient_id, code))
        elif kind == 2:
            ids.append(consented_member(session, clinic_id, patient_id, code,
                                        revoked=date(2026, 6, 1)))
        else:
            ids.append(consented_member(session, clinic_id, patient_id, code))
    assign(session, module_id, [i for n, i in enumerate(ids) if n % 4 == 3])
    return ids


def test_consent_and_duplicate_checks_take_the_same_statements_for_5_and_50_members(
        session: Session, engine: Engine) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        module_id = module(session)
        few = mixed_members(session, clinic_id, "FEW", 5, module_id)
        many = mixed_members(session, clinic_id, "MANY", 50, module_id)
    counts = []
    for members in (few, many):
        with session.begin(), counted_statements(engine) as statements:
            outcome = assign(session, module_id, members)
        assert len(outcome.assigned) + len(outcome.skipped) == len(members)
        # Each audit row chains to the one before, so it is written alone: the checks, the
        # assignments and the messages are what must not grow with the number of members.
        counts.append(len([s for s in statements if "audit_" not in s]))
        audited = [s for s in statements if "audit_" in s]
        assert len(audited) % len(outcome.assigned) == 0
    assert counts[0] == counts[1]


# --- cohorts -----------------------------------------------------------------------------------


def test_cohort_filters_by_phase_medication_flag_and_psychologist(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        other_clinic = builders.clinic(session, "OTH")
        psy_a = add_user(session, username="psy.a", password="staff-password-2026",
                         role=Role.PSYCHOLOGIST, clinic_codes=["TST"], actor="test").id
        psy_b = add_user(session, username="psy.b", password="staff-password-2026",
                         role=Role.PSYCHOLOGIST, clinic_codes=["TST"], actor="test").id
        # P1: maintenance, methadone, psy A, consented family, a positive screen last week.
        p1 = builders.patient(session, clinic_id, "P1")
        consented_member(session, clinic_id, p1, "M1-A")
        builders.member(session, clinic_id, p1, "M1-B")  # no consent: still listed
        inactive = builders.member(session, clinic_id, p1, "M1-OFF")
        session.get_one(SupportMember, inactive).active = False
        add_screen(session, p1, TODAY - timedelta(days=7), "heroin", "positive")
        # P2: induction, buprenorphine, psy B, no consented family (flag).
        p2 = builders.patient(session, clinic_id, "P2", phase="induction",
                              medication="buprenorphine", dose_mg=16)
        builders.member(session, clinic_id, p2, "M2-A")
        # P3: discharged; P4: another clinic; P5: admitted after as_of.
        p3 = builders.patient(session, clinic_id, "P3", phase="discharged")
        consented_member(session, clinic_id, p3, "M3-A")
        p4 = builders.patient(session, other_clinic, "P4")
        consented_member(session, other_clinic, p4, "M4-A")
        p5 = builders.patient(session, clinic_id, "P5", admission=TODAY + timedelta(days=1))
        consented_member(session, clinic_id, p5, "M5-A")
        session.get_one(Patient, p1).psychologist_id = psy_a
        session.get_one(Patient, p2).psychologist_id = psy_b

    def codes(**filters: Any) -> list[str]:
        with session.begin():
            members = cohort_members(session, clinic_ids=[clinic_id], as_of=TODAY, **filters)
        return [m.member_code for m in members]

    assert codes() == ["M1-A", "M1-B", "M2-A"]
    assert codes(phases=["induction"]) == ["M2-A"]
    assert codes(phases=["induction", "maintenance"]) == ["M1-A", "M1-B", "M2-A"]
    assert codes(medications=["methadone"]) == ["M1-A", "M1-B"]
    assert codes(psychologist_ids=[psy_b]) == ["M2-A"]
    assert codes(flags=[Flag.NO_CONSENTED_SUPPORT]) == ["M2-A"]
    assert codes(flags=[Flag.UNEXPECTED_POSITIVE_30D]) == ["M1-A", "M1-B"]
    assert codes(flags=[Flag.NO_CONSENTED_SUPPORT, Flag.UNEXPECTED_POSITIVE_30D]) == [
        "M1-A", "M1-B", "M2-A"]
    assert codes(flags=[Flag.NO_CONSENTED_SUPPORT], medications=["methadone"]) == []
    assert codes(phases=["maintenance"], psychologist_ids=[psy_b]) == []
    with session.begin():
        [first, *_] = cohort_members(session, clinic_ids=[clinic_id], as_of=TODAY)
    assert (first.patient_id, first.patient_code, first.relation, first.language) == (
        p1, "P1", "mother", "en")


# --- progress ----------------------------------------------------------------------------------


def test_member_progress_lists_each_assignment_with_overdue(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        m1 = consented_member(session, clinic_id, patient_id, "M1")
        m2 = consented_member(session, clinic_id, patient_id, "M2")
        other = builders.patient(session, clinic_id, "P2")
        consented_member(session, clinic_id, other, "M-OTHER")
        intro, naloxone = module(session, "INTRO"), module(session, "NALOXONE")
        due = TODAY + timedelta(days=2)
        a = assign(session, intro, [m1, m2], due_on=due).assigned
        b = assign(session, naloxone, [m1], due_on=due, now=NOW + timedelta(hours=1)).assigned
        set_status(session, a[0].assignment_id, "sent", sent_at=NOW + timedelta(minutes=5))
        set_status(session, a[1].assignment_id, "completed", completed_at=NOW)
    later = TODAY + timedelta(days=3)
    with session.begin():
        rows = member_progress(session, patient_id=patient_id, today=later)
        on_time = member_progress(session, patient_id=patient_id, today=due)
    assert [(r.member_code, r.module_code, r.status, r.overdue) for r in rows] == [
        ("M1", "INTRO", "sent", True),
        ("M1", "NALOXONE", "queued", True),
        ("M2", "INTRO", "completed", False),
    ]
    assert [r.overdue for r in on_time] == [False, False, False]
    first = rows[0]
    assert (first.assignment_id, first.member_id, first.module_title, first.assigned_at,
            first.sent_at, first.delivered_at, first.opened_at, first.completed_at,
            first.due_on) == (a[0].assignment_id, m1, "Synthetic module INTRO", NOW,
                              NOW + timedelta(minutes=5), None, None, None, due)
    assert rows[1].assignment_id == b[0].assignment_id
    assert rows[2].completed_at == NOW


def test_patient_summary_counts_each_state_reached(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        p1 = builders.patient(session, clinic_id, "P1")
        p2 = builders.patient(session, clinic_id, "P2")
        quiet = builders.patient(session, clinic_id, "P3")
        m1 = consented_member(session, clinic_id, p1, "M1")
        m2 = consented_member(session, clinic_id, p2, "M2")
        modules = [module(session, f"MOD-{n}") for n in range(6)]
        due = TODAY - timedelta(days=1)
        statuses = ["queued", "sent", "delivered", "opened", "completed",
                    "cancelled_consent_revoked"]
        for module_id, status in zip(modules, statuses, strict=True):
            [row] = assign(session, module_id, [m1], due_on=due, today=due).assigned
            set_status(session, row.assignment_id, status)
        [row] = assign(session, modules[0], [m2], due_on=TODAY).assigned
        set_status(session, row.assignment_id, "failed")
        summary = patient_progress_summary(session, patient_ids=[p1, p2, quiet], today=TODAY)
    # P1: the cancelled one is not counted; queued, sent, delivered and opened are overdue.
    assert summary == {
        p1: Summary(assigned=5, sent=4, delivered=3, opened=2, completed=1, overdue=4),
        p2: Summary(assigned=1, sent=0, delivered=0, opened=0, completed=0, overdue=0),
        quiet: Summary(),
    }


# --- revocation --------------------------------------------------------------------------------


def revocation_family(session: Session) -> dict[str, int]:
    """M1 has a queued, a sent and a completed assignment; M2 (another consent) one queued."""
    clinic_id = builders.clinic(session)
    patient_id = builders.patient(session, clinic_id, "P1")
    m1 = builders.member(session, clinic_id, patient_id, "M1")
    consent_id = builders.consent(session, m1, patient_id, signed=SIGNED)
    m2 = consented_member(session, clinic_id, patient_id, "M2")
    queued, sent, done = (module(session, code) for code in ("Q", "S", "C"))
    ids = {"consent": consent_id, "m1": m1, "m2": m2}
    for name, module_id in (("queued", queued), ("sent", sent), ("completed", done)):
        [row] = assign(session, module_id, [m1]).assigned
        ids[name] = row.assignment_id
        ids[f"{name}_message"] = row.outbox_id
    set_status(session, ids["sent"], "sent", sent_at=NOW)
    session.get_one(OutboxMessage, ids["sent_message"]).status = "sent"
    set_status(session, ids["completed"], "completed", completed_at=NOW)
    session.get_one(OutboxMessage, ids["completed_message"]).status = "sent"
    ids["other"] = assign(session, queued, [m2]).assigned[0].assignment_id
    return ids


def statuses(session: Session, ids: dict[str, int]) -> dict[str, tuple[str, bool]]:
    found = {}
    for name in ("queued", "sent", "completed", "other"):
        row = session.get_one(Assignment, ids[name])
        session.refresh(row)
        found[name] = (row.status, row.cancelled_at is not None)
    return found


def message_status(session: Session, outbox_id: int) -> str:
    return session.execute(
        select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)).scalar_one()


def test_revoking_a_consent_cancels_pending_assignments_not_completed_ones(
        session: Session) -> None:
    with session.begin():
        ids = revocation_family(session)
        cancelled = revoke_consent(session, consent_id=ids["consent"],
                                   revoked_on=date(2026, 11, 20), actor="psy.test",
                                   today=TODAY)
    assert cancelled == 2
    with session.begin():
        assert session.get_one(Consent, ids["consent"]).revoked_on == date(2026, 11, 20)
        assert statuses(session, ids) == {
            "queued": ("cancelled_consent_revoked", True),
            "sent": ("cancelled_consent_revoked", True),
            "completed": ("completed", False),
            "other": ("queued", False),
        }
        # A queued message is held back; one already sent cannot be called back.
        assert message_status(session, ids["queued_message"]) == "cancelled_consent_revoked"
        assert message_status(session, ids["sent_message"]) == "sent"
        audit = session.execute(
            select(AuditLog.entity, AuditLog.entity_id, AuditLog.action)
            .where(AuditLog.entity.in_(["consent", "support_member"])).order_by(AuditLog.seq)
        ).all()
        assert [tuple(row) for row in audit] == [
            ("consent", str(ids["consent"]), "update"),
            ("support_member", str(ids["m1"]), "update"),
        ]
        assert verify_audit_chain(session).broken is None


def test_a_revocation_is_refused_before_signing_or_twice(session: Session) -> None:
    with session.begin():
        ids = revocation_family(session)
        with pytest.raises(AssignmentError, match="^The revocation date 2026-02-28 is before "
                           r"the consent was signed \(2026-03-01\)$"):
            revoke_consent(session, consent_id=ids["consent"], revoked_on=date(2026, 2, 28),
                           actor="psy.test", today=TODAY)
        assert session.get_one(Consent, ids["consent"]).revoked_on is None
        revoke_consent(session, consent_id=ids["consent"], revoked_on=SIGNED, actor="psy.test",
                       today=TODAY)
        with pytest.raises(AssignmentError,
                           match="^This consent was already revoked on 2026-03-01$"):
            revoke_consent(session, consent_id=ids["consent"], revoked_on=TODAY,
                           actor="psy.test", today=TODAY)
        with pytest.raises(AssignmentError, match="^No consent with id 999999$"):
            revoke_consent(session, consent_id=999_999, revoked_on=TODAY, actor="psy.test")


def test_a_member_with_another_active_consent_keeps_the_assignments(session: Session) -> None:
    with session.begin():
        ids = revocation_family(session)
        patient_id = session.get_one(SupportMember, ids["m1"]).patient_id
        builders.consent(session, ids["m1"], patient_id, signed=date(2026, 10, 1),
                         scope="all")
        cancelled = revoke_consent(session, consent_id=ids["consent"],
                                   revoked_on=date(2026, 11, 20), actor="psy.test",
                                   today=TODAY)
        assert cancelled == 0
        assert statuses(session, ids)["queued"] == ("queued", False)


def test_cancel_for_revoked_consents_checks_each_member_on_the_day(session: Session) -> None:
    with session.begin():
        ids = revocation_family(session)
        m2_consent = session.scalars(
            select(Consent).where(Consent.member_id == ids["m2"])).one()
        m2_consent.expires_on = TODAY - timedelta(days=1)  # expired: counts as no consent
        # M1's consent is untouched: nothing of M1's changes.
        cancelled = cancel_for_revoked_consents(session, member_ids=[ids["m1"], ids["m2"]],
                                                on=TODAY, actor="import", now=NOW)
        assert cancelled == 1
        assert statuses(session, ids)["other"] == ("cancelled_consent_revoked", True)
        assert statuses(session, ids)["queued"] == ("queued", False)
        assert session.get_one(Assignment, ids["other"]).cancelled_at == NOW
        assert cancel_for_revoked_consents(session, member_ids=[ids["m2"]], on=TODAY,
                                           actor="import", now=NOW) == 0
        assert cancel_for_revoked_consents(session, member_ids=[], on=TODAY,
                                           actor="import") == 0
        member_audit = session.execute(
            select(AuditLog.entity_id).where(AuditLog.entity == "support_member")).scalars()
        assert list(member_audit) == [str(ids["m2"])]


# --- the members import ------------------------------------------------------------------------


MEMBER_COLUMNS = ("member_code", "patient_code", "clinic_code", "relation", "first_name",
                  "last_name", "phone", "channel", "language", "consent_signed",
                  "consent_expires", "consent_revoked", "consent_scope")


def members_csv(*, revoked: str = "", code: str = "M-1") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MEMBER_COLUMNS)
    writer.writerow([code, "P-1", "TST", "mother", "Test", "Demo-M1", "+44 7700 900001",
                     "sms", "en", "2026-03-01", "2027-03-01", revoked, "education"])
    writer.writerow(["M-2", "P-1", "TST", "father", "Test", "Demo-M2", "+44 7700 900002",
                     "sms", "en", "2026-03-01", "", "", "education"])
    return out.getvalue().encode()


def import_members(session: Session, data: bytes, *, dry_run: bool) -> None:
    with session.begin():
        result = import_file(session, ImportKind.MEMBERS, io.BytesIO(data), dry_run=dry_run,
                             actor="test", today=TODAY)
    assert result.ok, result.errors


def test_a_members_import_that_revokes_a_consent_cancels_but_a_dry_run_does_not(
        session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        builders.patient(session, clinic_id, "P-1")
        module_id = module(session)
    import_members(session, members_csv(), dry_run=False)
    with session.begin():
        members = dict(session.execute(select(SupportMember.code, SupportMember.id)).all())
        outcome = assign(session, module_id, [members["M-1"], members["M-2"]])
    assert len(outcome.assigned) == 2
    m1_assignment, m2_assignment = (row.assignment_id for row in outcome.assigned)

    import_members(session, members_csv(revoked="2026-11-20"), dry_run=True)
    with session.begin():
        assert session.get_one(Assignment, m1_assignment).status == "queued"
        assert session.scalars(select(Consent.revoked_on)).all() == [None, None]

    import_members(session, members_csv(revoked="2026-11-20"), dry_run=False)
    with session.begin():
        row = session.get_one(Assignment, m1_assignment)
        session.refresh(row)
        assert (row.status, row.cancelled_at is not None) == ("cancelled_consent_revoked", True)
        assert message_status(session, outcome.assigned[0].outbox_id) == (
            "cancelled_consent_revoked")
        assert session.get_one(Assignment, m2_assignment).status == "queued"
        assert message_status(session, outcome.assigned[1].outbox_id) == "queued"
        cancel_audit = session.execute(
            select(AuditLog.actor, AuditLog.entity_id)
            .where(AuditLog.entity == "support_member")).all()
        assert [tuple(r) for r in cancel_audit] == [("test", str(members["M-1"]))]
        assert verify_audit_chain(session).broken is None

    # Importing the same file again finds nothing more to cancel.
    import_members(session, members_csv(revoked="2026-11-20"), dry_run=False)
    with session.begin():
        assert session.scalar(select(func.count()).select_from(AuditLog)
                              .where(AuditLog.entity == "support_member")) == 1


def test_language_discharge_and_clinic_are_skips_with_reasons(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        other_clinic = builders.clinic(session, "OTHER")
        patient_id = builders.patient(session, clinic_id, "P1")
        persian = consented_member(session, clinic_id, patient_id, "M-FA")
        session.get_one(SupportMember, persian).language = "fa"
        gone = builders.patient(session, clinic_id, "P2", phase="discharged")
        of_gone = consented_member(session, clinic_id, gone, "M-GONE")
        elsewhere = builders.patient(session, other_clinic, "P3")
        outsider = consented_member(session, other_clinic, elsewhere, "M-OUT")
        fine = consented_member(session, clinic_id, patient_id, "M-EN")
        module_id = module(session)
        outcome = assign_module(session, module_id=module_id,
                                member_ids=[persian, of_gone, outsider, fine], due_on=None,
                                note=None, actor="psy.test", by_user_id=None, today=TODAY,
                                now=NOW, clinic_ids=[clinic_id])
    assert [row.member_code for row in outcome.assigned] == ["M-EN"]
    assert [(s.member_code, s.reason) for s in outcome.skipped] == [
        ("M-FA", "reads fa, the module is in en"),
        ("M-GONE", "the patient has been discharged"),
        ("M-OUT", "not a member of your clinics' patients"),
    ]


def test_skip_reasons_and_refusals_write_dates_as_the_reader_reads_them(
        session: Session) -> None:
    def jalali(day: date) -> str:
        return format_date(day, Calendar.JALALI, "en")

    with session.begin():
        clinic_id = builders.clinic(session)
        patient_id = builders.patient(session, clinic_id, "P1")
        revoked = consented_member(session, clinic_id, patient_id, "M-REVOKED",
                                   revoked=date(2026, 10, 1))
        module_id = module(session)
        outcome = assign_module(session, module_id=module_id, member_ids=[revoked],
                                due_on=None, note=None, actor="psy.test", by_user_id=None,
                                today=TODAY, now=NOW, shown=jalali)
        with pytest.raises(AssignmentError) as refused:
            assign_module(session, module_id=module_id, member_ids=[revoked],
                          due_on=TODAY - timedelta(days=1), note=None, actor="psy.test",
                          by_user_id=None, today=TODAY, now=NOW, shown=jalali)
    # 1 October 2026 is 9 Mehr 1405; 22 and 23 November are 1 and 2 Azar 1405.
    assert [s.reason for s in outcome.skipped] == ["consent revoked on 1405/07/09"]
    assert str(refused.value) == "The due date 1405/09/01 is before today (1405/09/02)"
