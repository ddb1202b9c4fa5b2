"""Writing and verifying the append-only audit log (45 CFR 164.312(b)).

Writers first bump the single ``audit_head`` row: that UPDATE takes SQLite's write lock or
PostgreSQL's row lock, so concurrent writers queue up and each new row chains to the true tip.
There is no function here, or anywhere, that updates or deletes an audit row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_access.clock import utc_now
from data_access.models import AuditHead, AuditLog
from domain.audit_chain import AuditEntry, BrokenLink, audit_row_hash, first_broken_link
from domain.vocabulary import AuditAction

SYSTEM_ACTOR = "system"


def record_audit(
    session: Session,
    *,
    actor: str,
    action: AuditAction,
    entity: str,
    entity_id: object | None = None,
    summary: str = "",
) -> int:
    """Append one audit row inside the caller's transaction; return its sequence number."""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    entry = AuditEntry(
        seq=head.seq,
        at=utc_now(),
        actor=actor,
        action=action.value,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        summary=summary,
        prev_hash=head.last_hash,
    )
    row_hash = audit_row_hash(entry)
    session.add(
        AuditLog(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            summary=entry.summary,
            prev_hash=entry.prev_hash,
            row_hash=row_hash,
        )
    )
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=row_hash))
    session.flush()
    return entry.seq


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    rows = session.execute(
        select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=batch)
    ).scalars()
    for row in rows:
        yield AuditEntry(
            row.seq, row.at, row.actor, row.action, row.entity, row.entity_id,
            row.summary, row.prev_hash, row.row_hash,
        )


@dataclass(frozen=True)
class AuditVerification:
    entries: int
    broken: BrokenLink | None


def verify_audit_chain(session: Session) -> AuditVerification:
    """Walk the whole chain in order, streaming; also check the head points at the last row."""
    count = 0

    def counted() -> Iterator[AuditEntry]:
        nonlocal count
        for entry in _entries(session):
            count += 1
            yield entry

    broken = first_broken_link(counted())
    if broken is None:
        head = session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar_one()
        if head != count:
            broken = BrokenLink(count + 1, f"the head says {head} entries, the log has {count}")
    return AuditVerification(entries=count, broken=broken)


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str | None
    summary: str


def recent_audit(session: Session, *, limit: int = 200) -> list[AuditRow]:
    rows = session.execute(select(AuditLog).order_by(AuditLog.seq.desc()).limit(limit)).scalars()
    return [
        AuditRow(r.seq, r.at.isoformat(sep=" ", timespec="seconds"), r.actor, r.action,
                 r.entity, r.entity_id, r.summary)
        for r in rows
    ]
