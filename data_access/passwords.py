"""Salted, slow password hashing with bcrypt (cost 12; CLINICAL.md asks for at least 10)."""

from __future__ import annotations

from functools import cache

import bcrypt

BCRYPT_ROUNDS = 12


@cache
def _dummy_hash() -> bytes:
    """A real hash of a throw-away password: checking an unknown username against it costs the
    same bcrypt work as a known one, so response time does not reveal which usernames exist.
    Made on first use, not at import: every ``hamrah`` command would otherwise pay for it."""
    return bcrypt.hashpw(b"hamrah-no-such-user", bcrypt.gensalt(BCRYPT_ROUNDS))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def password_matches(password: str, password_hash: str | None) -> bool:
    """Check ``password``; with no hash (unknown user) spend the same time and answer False."""
    candidate = password.encode("utf-8")[:72]
    if password_hash is None:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode())
