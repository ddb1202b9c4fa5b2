"""The family-channel worker's heartbeat and the outbox backlog, for the admin home page.

The dashboard never depends on the worker: it reads the last heartbeat and the grouped backlog
from the database, so a worker that is down shows as an old heartbeat and a growing queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from data_access.models import OutboxMessage, SupportMember, WorkerHeartbeat
from domain.vocabulary import Channel, DeliveryStatus

WORKER_NAME = "worker"
MAX_DETAIL_CHARS = 1000
# What still needs the worker or a person: waiting, given up, or held back for consent.
BACKLOG_STATUSES = (DeliveryStatus.QUEUED.value, DeliveryStatus.FAILED.value,
                    DeliveryStatus.BLOCKED_NO_CONSENT.value)


def beat(session: Session, *, name: str = WORKER_NAME, now: datetime, detail: str) -> None:
    """Record that the worker ``name`` is alive at ``now``, with its last cycle's summary."""
    text = detail[:MAX_DETAIL_CHARS]
    updated = session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.name == name)
        .values(beat_at=now, detail=text)
    )
    if not isinstance(updated, CursorResult) or updated.rowcount == 0:
        session.execute(insert(WorkerHeartbeat).values(name=name, beat_at=now, detail=text))


@dataclass(frozen=True)
class BacklogCount:
    status: str
    channel: str  # the channel the message went through, else the member's current one
    count: int


@dataclass(frozen=True)
class WorkerStatus:
    last_beat: datetime | None  # None: the worker has never run
    seconds_since_beat: float | None
    detail: str
    backlog: tuple[BacklogCount, ...]  # by status, then channel
    queued: int
    failed: int  # given up or refused; messages for phone-call families are in ``by_phone``
    blocked: int
    oldest_queued_at: datetime | None
    oldest_queued_seconds: float | None
    by_phone: int = 0  # for phone-call families: never sent, a call on the outreach worklist

    def is_stale(self, max_age_seconds: float) -> bool:
        """No heartbeat, or none within ``max_age_seconds``: the worker is probably down."""
        return self.seconds_since_beat is None or self.seconds_since_beat > max_age_seconds


def worker_status(session: Session, *, now: datetime, name: str = WORKER_NAME) -> WorkerStatus:
    """The last heartbeat and the backlog by status and channel, in two queries."""
    heartbeat = session.execute(
        select(WorkerHeartbeat.beat_at, WorkerHeartbeat.detail)
        .where(WorkerHeartbeat.name == name)
    ).one_or_none()
    channel = func.coalesce(OutboxMessage.channel, SupportMember.channel)
    rows = session.execute(
        select(OutboxMessage.status, channel, func.count(), func.min(OutboxMessage.created_at))
        .join(SupportMember, SupportMember.id == OutboxMessage.member_id)
        .where(OutboxMessage.status.in_(BACKLOG_STATUSES))
        .group_by(OutboxMessage.status, channel)
        .order_by(OutboxMessage.status, channel)
    ).all()
    backlog = tuple(BacklogCount(row[0], row[1], int(row[2])) for row in rows)
    totals = {status: sum(c.count for c in backlog if c.status == status)
              for status in BACKLOG_STATUSES}
    # The worker refuses a phone-call family's message ("failed") so that staff give it on a
    # call: that is work for the outreach worklist, not a delivery failure.
    by_phone = sum(c.count for c in backlog if c.status == DeliveryStatus.FAILED.value
                   and c.channel == Channel.PHONE_CALL.value)
    queued_since = [row[3] for row in rows
                    if row[0] == DeliveryStatus.QUEUED.value and row[3] is not None]
    oldest = min(queued_since) if queued_since else None
    last_beat = None if heartbeat is None else heartbeat[0]
    return WorkerStatus(
        last_beat=last_beat,
        seconds_since_beat=None if last_beat is None else (now - last_beat).total_seconds(),
        detail="" if heartbeat is None else heartbeat[1],
        backlog=backlog,
        queued=totals[DeliveryStatus.QUEUED.value],
        failed=totals[DeliveryStatus.FAILED.value] - by_phone,
        blocked=totals[DeliveryStatus.BLOCKED_NO_CONSENT.value],
        oldest_queued_at=oldest,
        oldest_queued_seconds=None if oldest is None else (now - oldest).total_seconds(),
        by_phone=by_phone,
    )
