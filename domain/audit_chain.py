"""The audit log's hash chain: how a row's hash is made and how a broken chain is found.

Each row's hash covers its own content and the previous row's hash (ASTM E2147-18; ONC
170.315(d)(10) asks that alteration be detectable), so changing or removing any row breaks every
link after it. Kept pure so the rule is the same for the writer, the verifier and the tests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    summary: str
    prev_hash: str
    row_hash: str = ""


def audit_row_hash(entry: AuditEntry) -> str:
    """SHA-256 over a canonical JSON of the entry's content and its predecessor's hash."""
    content = [
        entry.seq,
        entry.at.isoformat(timespec="microseconds"),
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.summary,
        entry.prev_hash,
    ]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def first_broken_link(entries: Iterable[AuditEntry]) -> BrokenLink | None:
    """The first entry (in ``seq`` order) whose content, predecessor or numbering is wrong."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            return BrokenLink(entry.seq, f"expected entry {expected_seq}: entries are missing")
        if entry.prev_hash != expected_prev:
            return BrokenLink(entry.seq, "does not point at the previous entry's hash")
        if audit_row_hash(entry) != entry.row_hash:
            return BrokenLink(entry.seq, "content does not match its hash (altered)")
        expected_prev = entry.row_hash
        expected_seq += 1
    return None
