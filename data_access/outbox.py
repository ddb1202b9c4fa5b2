"""The outbox's database side: which messages are due, claims, and the outcome of each send.

The worker runs each step in its own short transaction (the caller commits; nothing here does):

1. :func:`due_messages` lists queued, unclaimed messages whose time has come;
2. :func:`claim` marks one as being sent (``claimed_at``, ``attempts + 1``) with a conditional
   UPDATE, so two workers cannot both claim it; the claim is committed *before* the message goes
   to a channel;
3. :func:`record_sent` or :func:`record_failure` record the outcome and clear the claim.

A message claimed but never recorded was interrupted mid-send: nobody can know whether it
reached the family, so :func:`recover_interrupted` marks it failed instead of sending it again
(at most once). The linked assignment's status follows its message: sent, failed or blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import CursorResult, Update, func, or_, select, update
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.models import Assignment, Consent, ContentModule, OutboxMessage, SupportMember
from domain.vocabulary import ConsentScope, DeliveryStatus

INTERRUPTED = "interrupted while sending: not sent again; check with the family"
MAX_ERROR_CHARS = 500

_QUEUED = DeliveryStatus.QUEUED.value
_FAILED = DeliveryStatus.FAILED.value


@dataclass(frozen=True)
class PendingMessage:
    """A due message with what the worker needs to check and send it, read in one query."""

    id: int
    member_id: int
    kind: str
    assignment_id: int | None
    body: str
    idempotency_key: str
    attempts: int
    channel: str | None  # fixed at the first attempt; None before it
    member_channel: str
    member_active: bool
    language: str
    email: str | None
    telegram_chat_id: str | None
    phone: str | None
    module_location: str | None
    module_media_type: str | None
    created_at: datetime


def _rows_changed(session: Session, statement: Update) -> int:
    result = session.execute(statement)
    return result.rowcount if isinstance(result, CursorResult) else 0


def due_messages(session: Session, *, now: datetime, limit: int) -> list[PendingMessage]:
    """Queued, unclaimed messages due at ``now``, the longest-waiting first."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.member_id, OutboxMessage.kind,
               OutboxMessage.assignment_id, OutboxMessage.body, OutboxMessage.idempotency_key,
               OutboxMessage.attempts, OutboxMessage.channel, SupportMember.channel,
               SupportMember.active, SupportMember.language, SupportMember.email,
               SupportMember.telegram_chat_id, SupportMember.phone, ContentModule.location,
               ContentModule.media_type, OutboxMessage.created_at)
        .join(SupportMember, SupportMember.id == OutboxMessage.member_id)
        .outerjoin(Assignment, Assignment.id == OutboxMessage.assignment_id)
        .outerjoin(ContentModule, ContentModule.id == Assignment.module_id)
        .where(OutboxMessage.status == _QUEUED, OutboxMessage.claimed_at.is_(None),
               or_(OutboxMessage.next_attempt_at.is_(None),
                   OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return [
        PendingMessage(
            id=row[0], member_id=row[1], kind=row[2], assignment_id=row[3], body=row[4],
            idempotency_key=row[5], attempts=row[6], channel=row[7], member_channel=row[8],
            member_active=bool(row[9]), language=row[10], email=row[11],
            telegram_chat_id=row[12], phone=row[13], module_location=row[14],
            module_media_type=row[15], created_at=row[16],
        )
        for row in rows
    ]


def active_scopes(session: Session, *, member_id: int, on: date) -> list[ConsentScope]:
    """The scopes of the member's consents active on ``on`` (none: nothing may be sent)."""
    rows = session.scalars(
        select(Consent.scope).distinct()
        .where(Consent.member_id == member_id, active_consent_clause(on))
        .order_by(Consent.scope)
    )
    return [ConsentScope(scope) for scope in rows]


def claim(session: Session, *, message_id: int, now: datetime, channel: str) -> bool:
    """Mark the message as being sent through ``channel``; False when it is no longer queued
    and unclaimed (another worker has it, or it was cancelled). Commit before sending."""
    return _rows_changed(session, (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == _QUEUED,
               OutboxMessage.claimed_at.is_(None))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1,
                channel=func.coalesce(OutboxMessage.channel, channel))
    )) == 1


def _follow(session: Session, message_id: int, status: DeliveryStatus,
            sent_at: datetime | None = None) -> None:
    """Move the message's assignment, while still queued, to ``status``.

    ``sent`` also replaces ``failed``: a send slower than the claim timeout was marked
    interrupted, and its late success is the truth.
    """
    assignment_id = (select(OutboxMessage.assignment_id)
                     .where(OutboxMessage.id == message_id).scalar_subquery())
    values: dict[str, object] = {"status": status.value}
    before = [_QUEUED]
    if sent_at is not None:
        values["sent_at"] = sent_at
        before.append(_FAILED)
    session.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id, Assignment.status.in_(before))
        .values(**values)
    )


def record_sent(session: Session, *, message_id: int, now: datetime) -> None:
    """The channel took the message: sent, the claim cleared, the assignment sent too (also
    after the claim was marked interrupted: the late success is recorded, never resent)."""
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(status=DeliveryStatus.SENT.value, sent_at=now, claimed_at=None, last_error=None)
    )
    _follow(session, message_id, DeliveryStatus.SENT, sent_at=now)


def retry_delay(attempts: int, backoff_seconds: float) -> timedelta:
    """Exponential backoff: the base delay after the first attempt, doubled after each next."""
    return timedelta(seconds=backoff_seconds * 2 ** max(attempts - 1, 0))


def record_failure(session: Session, *, message_id: int, error: str, permanent: bool,
                   now: datetime, max_attempts: int, backoff_seconds: float) -> DeliveryStatus:
    """Record a failed attempt; return the message's new status.

    A permanent error, or the ``max_attempts``-th failure, ends the message as ``failed`` (its
    assignment too); otherwise it waits ``backoff * 2**(attempts - 1)`` seconds, queued and
    unclaimed, for the next try. A message no longer queued (e.g. marked interrupted) keeps
    its status.
    """
    attempts = session.scalar(
        select(OutboxMessage.attempts)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == _QUEUED)
    )
    if attempts is None:
        return DeliveryStatus(session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == message_id)) or _FAILED)
    text = " ".join(error.split())[:MAX_ERROR_CHARS]
    if permanent or attempts >= max_attempts:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id)
            .values(status=_FAILED, claimed_at=None, last_error=text)
        )
        _follow(session, message_id, DeliveryStatus.FAILED)
        return DeliveryStatus.FAILED
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id)
        .values(claimed_at=None, last_error=text,
                next_attempt_at=now + retry_delay(attempts, backoff_seconds))
    )
    return DeliveryStatus.QUEUED


def defer(session: Session, *, message_id: int, reason: str, until: datetime) -> None:
    """Leave an unclaimed message queued until ``until`` (e.g. its channel has no adapter yet);
    not an attempt, so it never counts towards giving up."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == _QUEUED,
               OutboxMessage.claimed_at.is_(None))
        .values(last_error=reason, next_attempt_at=until)
    )


def refuse(session: Session, *, message_id: int, reason: str) -> bool:
    """A message that cannot be sent as it stands (no address, a phone call, a text the consent
    does not cover): ``failed`` with ``reason`` before any attempt, if still queued and
    unclaimed, its queued assignment too; True when it was refused."""
    refused = _rows_changed(session, (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == _QUEUED,
               OutboxMessage.claimed_at.is_(None))
        .values(status=_FAILED, last_error=" ".join(reason.split())[:MAX_ERROR_CHARS])
    )) == 1
    if refused:
        _follow(session, message_id, DeliveryStatus.FAILED)
    return refused


def block_no_consent(session: Session, *, message_id: int, reason: str) -> bool:
    """Consent is missing at send time: the message (if still queued and unclaimed) and its
    queued assignment become ``blocked_no_consent``; True when it was blocked."""
    blocked = _rows_changed(session, (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == _QUEUED,
               OutboxMessage.claimed_at.is_(None))
        .values(status=DeliveryStatus.BLOCKED_NO_CONSENT.value, last_error=reason)
    )) == 1
    if blocked:
        _follow(session, message_id, DeliveryStatus.BLOCKED_NO_CONSENT)
    return blocked


def recover_interrupted(session: Session, *, now: datetime,
                        claim_timeout_seconds: float) -> list[int]:
    """Messages claimed more than ``claim_timeout_seconds`` ago and never recorded: the worker
    died mid-send. They become ``failed`` with :data:`INTERRUPTED`, never sent again, and
    their queued assignments failed; returns their ids."""
    before = now - timedelta(seconds=claim_timeout_seconds)
    ids = list(session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == _QUEUED, OutboxMessage.claimed_at.is_not(None),
               OutboxMessage.claimed_at < before)
        .order_by(OutboxMessage.id)
    ))
    if not ids:
        return []
    session.execute(
        update(Assignment)
        .where(Assignment.id.in_(select(OutboxMessage.assignment_id)
                                 .where(OutboxMessage.id.in_(ids))),
               Assignment.status == _QUEUED)
        .values(status=_FAILED)
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == _QUEUED)
        .values(status=_FAILED, last_error=INTERRUPTED)
    )
    return ids
