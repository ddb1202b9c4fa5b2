"""Signed "open" links: a module link that tells the clinic the family opened it.

The link carries the assignment id and an HMAC of it under the server's secret, so nobody can
mark someone else's assignment opened by guessing numbers, and the link itself reveals nothing
about the patient (only which module to show).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_CHARS = 24
OPEN_PARAMETER = "open"


def _signature(assignment_id: int, key: str) -> str:
    digest = hmac.new(key.encode(), f"open:{assignment_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:SIGNATURE_CHARS]


def open_token(assignment_id: int, key: str) -> str:
    return f"{assignment_id}.{_signature(assignment_id, key)}"


def read_open_token(token: str, key: str) -> int | None:
    """The assignment id of a genuine token; None for anything forged, cut or malformed."""
    number, _, signature = token.strip().partition(".")
    if not number.isdigit() or len(number) > 12:
        return None
    assignment_id = int(number)
    if not hmac.compare_digest(signature, _signature(assignment_id, key)):
        return None
    return assignment_id


def open_link(public_url: str, assignment_id: int, key: str) -> str:
    """The dashboard address that records the opening, then sends the family to the module."""
    return f"{public_url.rstrip('/')}/?{OPEN_PARAMETER}={open_token(assignment_id, key)}"
