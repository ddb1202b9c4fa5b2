"""The outbox's database side on SQLite and PostgreSQL: claims, backoff, give-up, recovery."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_access.engine import session_factory
from data_access.models import Assignment, OutboxMessage
from data_access.outbox import (
    INTERRUPTED,
    claim,
    due_messages,
    record_failure,
    record_sent,
    recover_interrupted,
)
from domain.vocabulary import DeliveryStatus
from tests.worker.conftest import NOW, assign, family, member, module


def queued_message(engine: Engine) -> int:
    with session_factory(engine)() as session, session.begin():
        home = family(session)
        [outbox_id] = assign(session, module(session), [member(session, home, "M-1")])
    return outbox_id


def test_only_one_of_two_workers_claims_a_message(engine: Engine) -> None:
    outbox_id = queued_message(engine)
    sessions = session_factory(engine)
    with sessions() as first, first.begin():
        assert [m.id for m in due_messages(first, now=NOW, limit=10)] == [outbox_id]
        assert claim(first, message_id=outbox_id, now=NOW, channel="email")
    with sessions() as second, second.begin():
        assert due_messages(second, now=NOW, limit=10) == []
        assert not claim(second, message_id=outbox_id, now=NOW, channel="email")
    with sessions() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        assert (row.attempts, row.claimed_at, row.channel) == (1, NOW, "email")


def test_a_message_is_not_due_before_its_time(engine: Engine) -> None:
    queued_message(engine)
    with session_factory(engine)() as session:
        assert due_messages(session, now=NOW - timedelta(seconds=1), limit=10) == []


def test_failures_back_off_exponentially_then_give_up(engine: Engine) -> None:
    outbox_id = queued_message(engine)
    sessions = session_factory(engine)
    now = NOW
    waits = []
    for _attempt in range(3):
        with sessions() as session, session.begin():
            assert claim(session, message_id=outbox_id, now=now, channel="email")
            status = record_failure(session, message_id=outbox_id, error="451 busy",
                                    permanent=False, now=now, max_attempts=3,
                                    backoff_seconds=60)
            row = session.get_one(OutboxMessage, outbox_id)
            if row.next_attempt_at is not None and status is DeliveryStatus.QUEUED:
                waits.append((row.next_attempt_at - now).total_seconds())
                now = row.next_attempt_at
    assert waits == [60, 120]
    assert status is DeliveryStatus.FAILED
    with sessions() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        assert (row.status, row.attempts, row.last_error, row.claimed_at) == (
            "failed", 3, "451 busy", None)
        assert session.get_one(Assignment, row.assignment_id).status == "failed"


def test_a_permanent_error_fails_at_once(engine: Engine) -> None:
    outbox_id = queued_message(engine)
    with session_factory(engine)() as session, session.begin():
        claim(session, message_id=outbox_id, now=NOW, channel="email")
        assert record_failure(session, message_id=outbox_id, error="550 no such user",
                              permanent=True, now=NOW, max_attempts=5,
                              backoff_seconds=60) is DeliveryStatus.FAILED


def test_a_sent_message_moves_its_assignment_to_sent(engine: Engine) -> None:
    outbox_id = queued_message(engine)
    later = NOW + timedelta(seconds=3)
    with session_factory(engine)() as session, session.begin():
        claim(session, message_id=outbox_id, now=NOW, channel="email")
        record_sent(session, message_id=outbox_id, now=later)
    with session_factory(engine)() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        assert (row.status, row.sent_at, row.claimed_at) == ("sent", later, None)
        assignment = session.get_one(Assignment, row.assignment_id)
        assert (assignment.status, assignment.sent_at) == ("sent", later)


def test_a_claim_never_recorded_becomes_failed_and_is_not_sent_again(engine: Engine) -> None:
    outbox_id = queued_message(engine)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        claim(session, message_id=outbox_id, now=NOW, channel="email")
    with sessions() as session, session.begin():  # within the timeout: still being sent
        assert recover_interrupted(session, now=NOW + timedelta(seconds=299),
                                   claim_timeout_seconds=300) == []
    later = NOW + timedelta(seconds=301)
    with sessions() as session, session.begin():
        assert recover_interrupted(session, now=later, claim_timeout_seconds=300) == [outbox_id]
    with sessions() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        assert (row.status, row.last_error) == ("failed", INTERRUPTED)
        assert session.get_one(Assignment, row.assignment_id).status == "failed"
        assert due_messages(session, now=later, limit=10) == []


def test_a_failure_recorded_after_recovery_does_not_queue_it_again(session: Session) -> None:
    home = family(session)
    [outbox_id] = assign(session, module(session), [member(session, home, "M-1")])
    claim(session, message_id=outbox_id, now=NOW, channel="email")
    recover_interrupted(session, now=NOW + timedelta(hours=1), claim_timeout_seconds=300)
    assert record_failure(session, message_id=outbox_id, error="timeout", permanent=False,
                          now=NOW, max_attempts=5, backoff_seconds=60) is DeliveryStatus.FAILED
    assert session.get_one(OutboxMessage, outbox_id).last_error == INTERRUPTED


def test_a_send_that_outlived_its_claim_is_still_recorded_as_sent(session: Session) -> None:
    home = family(session)
    [outbox_id] = assign(session, module(session), [member(session, home, "M-1")])
    claim(session, message_id=outbox_id, now=NOW, channel="email")
    recover_interrupted(session, now=NOW + timedelta(hours=1), claim_timeout_seconds=300)
    record_sent(session, message_id=outbox_id, now=NOW + timedelta(hours=1))
    row = session.get_one(OutboxMessage, outbox_id)
    assert (row.status, row.last_error) == ("sent", None)
    assert session.get_one(Assignment, row.assignment_id).status == "sent"
