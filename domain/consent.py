"""When a patient's consent lets the clinic disclose to a support member (42 CFR Part 2 §2.31).

A family member is not a treatment, payment or operations recipient, so nothing goes to one
without a written consent that is signed, not yet expired and not revoked on the day in
question, and whose scope covers what is being disclosed.
"""

from __future__ import annotations

from datetime import date

from domain.vocabulary import ConsentScope

# What each scope covers: education only, education plus progress, or everything.
SCOPE_COVERS: dict[ConsentScope, frozenset[str]] = {
    ConsentScope.EDUCATION: frozenset({"education"}),
    ConsentScope.EDUCATION_PROGRESS: frozenset({"education", "progress"}),
    ConsentScope.ALL: frozenset({"education", "progress", "clinical"}),
}


def consent_is_active(
    signed_on: date, expires_on: date | None, revoked_on: date | None, on: date
) -> bool:
    """Signed on or before ``on``, expiring on or after it, and not revoked on or before it."""
    if signed_on > on:
        return False
    if expires_on is not None and expires_on < on:
        return False
    return revoked_on is None or revoked_on > on


def scope_covers(scope: ConsentScope, need: str) -> bool:
    """Whether ``scope`` allows disclosing information of kind ``need`` (education, progress…)."""
    return need in SCOPE_COVERS[scope]
