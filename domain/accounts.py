"""Password policy and soft lockout for staff accounts (OWASP ASVS 4.0.3 §2.1, §2.2.1).

A soft lock lifts by itself after a set time, so an attacker can lock a clinician out for minutes,
not days, while guessing stays slow; an admin can lift it sooner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.text import t


def password_problems(password: str, *, min_length: int, max_length: int) -> list[str]:
    """What is wrong with a new password, in words; empty when it is acceptable.

    Length is the rule (ASVS 2.1.1-2.1.2); no composition rules and no hints, which push people
    to predictable passwords.
    """
    problems = []
    if len(password) < min_length:
        problems.append(t("The password must have at least {n} characters.", n=min_length))
    if len(password) > max_length:
        problems.append(t("The password must have at most {n} characters.", n=max_length))
    if password and password.strip() == "":
        problems.append(t("The password must not be only spaces."))
    return problems


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


@dataclass(frozen=True)
class FailedLoginOutcome:
    failed_logins: int
    locked_until: datetime | None
    newly_locked: bool


def failed_login_outcome(
    failed_logins: int, *, now: datetime, max_failed: int, lockout: timedelta
) -> FailedLoginOutcome:
    """Count one more failure; the ``max_failed``-th locks the account until ``now + lockout``.

    The count restarts after a lock so that the next failure after the lock lifts does not lock
    again at once.
    """
    count = failed_logins + 1
    if count >= max_failed:
        return FailedLoginOutcome(0, now + lockout, True)
    return FailedLoginOutcome(count, None, False)
