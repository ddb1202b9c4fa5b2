"""Salted, slow password hashing with bcrypt (cost 12; CLINICAL.md asks for at least 10)."""

from __future__ import annotations

import bcrypt

BCRYPT_ROUNDS = 12
# A real hash of a random throw-away password: checking an unknown username against it costs the
# same bcrypt work as a known one, so response time does not reveal which usernames exist.
_DUMMY_HASH = bcrypt.hashpw(b"hamrah-no-such-user", bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def password_matches(password: str, password_hash: str | None) -> bool:
    """Check ``password``; with no hash (unknown user) spend the same time and answer False."""
    candidate = password.encode("utf-8")[:72]
    if password_hash is None:
        bcrypt.checkpw(candidate, _DUMMY_HASH.encode())
        return False
    return bcrypt.checkpw(candidate, password_hash.encode())
