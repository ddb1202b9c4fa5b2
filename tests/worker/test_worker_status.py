"""The heartbeat and the grouped backlog the admin home page shows, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from data_access.models import OutboxMessage, SupportMember
from data_access.outbox import claim
from data_access.worker_status import BacklogCount, beat, worker_status
from tests.worker.conftest import NOW, assign, family, member, module


def test_no_heartbeat_and_an_empty_outbox(session: Session) -> None:
    status = worker_status(session, now=NOW)
    assert (status.last_beat, status.seconds_since_beat, status.detail) == (None, None, "")
    assert (status.backlog, status.queued, status.failed, status.blocked) == ((), 0, 0, 0)
    assert status.oldest_queued_at is None and status.is_stale(60)


def test_the_last_beat_replaces_the_one_before(session: Session) -> None:
    beat(session, now=NOW, detail="sent 1")
    beat(session, now=NOW + timedelta(seconds=10), detail="sent 2")
    status = worker_status(session, now=NOW + timedelta(seconds=25))
    assert (status.last_beat, status.seconds_since_beat, status.detail) == (
        NOW + timedelta(seconds=10), 15.0, "sent 2")
    assert not status.is_stale(30) and status.is_stale(10)


def test_the_backlog_is_counted_by_status_and_channel(session: Session) -> None:
    home = family(session)
    email = [member(session, home, f"E-{n}") for n in range(4)]
    telegram = [member(session, home, f"T-{n}", channel="telegram") for n in range(2)]
    ids = dict(zip(email + telegram, assign(session, module(session), email + telegram),
                   strict=True))
    later = assign(session, module(session, "MOD-2"), [email[0]])[0]
    session.get_one(OutboxMessage, later).created_at = NOW + timedelta(hours=1)
    session.get_one(OutboxMessage, ids[email[1]]).status = "failed"
    session.get_one(OutboxMessage, ids[email[2]]).status = "sent"
    session.get_one(OutboxMessage, ids[telegram[0]]).status = "blocked_no_consent"
    # A message that went out by e-mail counts under e-mail after the member moved to Telegram.
    claim(session, message_id=ids[email[3]], now=NOW, channel="email")
    session.get_one(OutboxMessage, ids[email[3]]).status = "failed"
    session.get_one(SupportMember, email[3]).channel = "telegram"
    session.flush()
    status = worker_status(session, now=NOW + timedelta(hours=2))
    assert status.backlog == (
        BacklogCount("blocked_no_consent", "telegram", 1),
        BacklogCount("failed", "email", 2),
        BacklogCount("queued", "email", 2),
        BacklogCount("queued", "telegram", 1),
    )
    assert (status.queued, status.failed, status.blocked, status.by_phone) == (3, 2, 1, 0)
    assert status.oldest_queued_at == NOW
    # A phone-call family's message, refused by the worker, is a call to make, not a failure.
    caller = member(session, home, "C-0", channel="phone_call")
    (call,) = assign(session, module(session, "MOD-3"), [caller])
    session.get_one(OutboxMessage, call).status = "failed"
    session.flush()
    status = worker_status(session, now=NOW + timedelta(hours=2))
    assert BacklogCount("failed", "phone_call", 1) in status.backlog
    assert (status.failed, status.by_phone) == (2, 1)
    assert status.oldest_queued_seconds == 7200.0
