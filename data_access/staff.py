"""Staff accounts: creation, listing, login checks with soft lockout, unlock, password change,
and each user's preferences (interface language and calendar).

Every change here is audited and bumps nothing silently. ``session_version`` is the server-side
switch for re-login cookies: logout, password change and unlock increase it, and a cookie or a
live session that carries an older version is no longer accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import Clinic, StaffClinic, StaffUser
from data_access.passwords import hash_password, password_matches
from domain.accounts import failed_login_outcome, is_locked, password_problems
from domain.calendars import Calendar
from domain.vocabulary import AuditAction, Role, values
from i18n.catalog import LANGUAGES


class StaffError(ValueError):
    """A user-administration request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    max_length: int = 128


@dataclass(frozen=True)
class StaffInfo:
    id: int
    username: str
    display_name: str
    role: Role
    language: str
    calendar: Calendar
    active: bool
    locked_until: datetime | None
    failed_logins: int
    session_version: int
    clinic_ids: tuple[int, ...]
    clinic_codes: tuple[str, ...]


def _clinics_of(session: Session, user_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    rows = session.execute(
        select(StaffClinic.staff_user_id, Clinic.id, Clinic.code)
        .join(Clinic, Clinic.id == StaffClinic.clinic_id)
        .where(StaffClinic.staff_user_id.in_(user_ids))
        .order_by(Clinic.code)
    )
    clinics: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        clinics.setdefault(row.staff_user_id, []).append((row.id, row.code))
    return clinics


def _info(user: StaffUser, clinics: list[tuple[int, str]]) -> StaffInfo:
    return StaffInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        language=user.language,
        calendar=Calendar(user.calendar),
        active=user.active,
        locked_until=user.locked_until,
        failed_logins=user.failed_logins,
        session_version=user.session_version,
        clinic_ids=tuple(c[0] for c in clinics),
        clinic_codes=tuple(c[1] for c in clinics),
    )


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise StaffError(f"no user {username!r}")
    return user


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    clinic_codes: list[str],
    actor: str,
    display_name: str | None = None,
    language: str = "en",
    policy: PasswordPolicy = PasswordPolicy(),
) -> StaffInfo:
    _check_language(language)
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise StaffError("a username has 1 to 64 characters and no spaces")
    problems = password_problems(password, min_length=policy.min_length,
                                 max_length=policy.max_length)
    if problems:
        raise StaffError(" ".join(problems))
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise StaffError(f"user {username!r} already exists")
    clinics = session.execute(
        select(Clinic.id, Clinic.code).where(Clinic.code.in_(clinic_codes))
    ).all()
    missing = sorted(set(clinic_codes) - {c.code for c in clinics})
    if missing:
        raise StaffError(f"unknown clinic(s): {', '.join(missing)} (add them with "
                         "`hamrah clinics add`)")
    now = utc_now()
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role.value,
        language=language,
        active=True,
        failed_logins=0,
        session_version=1,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    session.add_all(StaffClinic(staff_user_id=user.id, clinic_id=c.id) for c in clinics)
    record_audit(session, actor=actor, action=AuditAction.USER_ADMIN, entity="staff_user",
                 entity_id=user.id,
                 summary=f"add {username} role={role.value} clinics={','.join(clinic_codes)}")
    session.flush()
    return _info(user, sorted((c.id, c.code) for c in clinics))


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise StaffError(f"unknown language {language!r} (one of: {', '.join(LANGUAGES)})")


def set_preferences(session: Session, *, user_id: int, language: str, calendar: Calendar | str,
                    actor: str) -> StaffInfo:
    """Set the language a user's dashboard speaks and the calendar its dates are shown and typed
    in (issue 9); audited when something changed. Returns the user as stored now.

    A preference is no access right: the user's sessions stay valid (``session_version`` is not
    raised), and the page that changes it takes effect at once.
    """
    _check_language(language)
    if calendar not in values(Calendar):
        raise StaffError(f"unknown calendar {calendar!r} "
                         f"(one of: {', '.join(values(Calendar))})")
    user = session.get(StaffUser, user_id)
    if user is None:
        raise StaffError(f"no user with id {user_id}")
    changes = [f"{name} {old} -> {new}" for name, old, new in (
        ("language", user.language, language), ("calendar", user.calendar, str(calendar)),
    ) if old != new]
    user.language = language
    user.calendar = str(calendar)
    if changes:
        record_audit(session, actor=actor, action=AuditAction.USER_ADMIN, entity="staff_user",
                     entity_id=user.id, summary=f"preferences {user.username}: "
                                               + ", ".join(changes))
    session.flush()
    return _info(user, _clinics_of(session, [user.id]).get(user.id, []))


def list_users(session: Session) -> list[StaffInfo]:
    users = list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
    clinics = _clinics_of(session, [u.id for u in users])
    return [_info(u, clinics.get(u.id, [])) for u in users]


def find_user(session: Session, username: str) -> StaffInfo | None:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        return None
    return _info(user, _clinics_of(session, [user.id]).get(user.id, []))


def set_role(session: Session, *, username: str, role: Role, actor: str) -> None:
    user = _user(session, username)
    old = user.role
    user.role = role.value
    user.session_version += 1
    record_audit(session, actor=actor, action=AuditAction.USER_ADMIN, entity="staff_user",
                 entity_id=user.id, summary=f"role {username}: {old} -> {role.value}")


def unlock_user(session: Session, *, username: str, actor: str) -> None:
    user = _user(session, username)
    user.locked_until = None
    user.failed_logins = 0
    user.session_version += 1
    record_audit(session, actor=actor, action=AuditAction.USER_ADMIN, entity="staff_user",
                 entity_id=user.id, summary=f"unlock {username}")


def change_password(
    session: Session,
    *,
    username: str,
    new_password: str,
    actor: str,
    policy: PasswordPolicy = PasswordPolicy(),
) -> None:
    problems = password_problems(new_password, min_length=policy.min_length,
                                 max_length=policy.max_length)
    if problems:
        raise StaffError(" ".join(problems))
    user = _user(session, username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utc_now()
    user.session_version += 1
    record_audit(session, actor=actor, action=AuditAction.USER_ADMIN, entity="staff_user",
                 entity_id=user.id, summary=f"password change {username}")


def revoke_sessions(session: Session, *, username: str) -> None:
    """Invalidate every re-login cookie and live session of ``username`` (used at logout)."""
    session.execute(
        update(StaffUser)
        .where(StaffUser.username == username)
        .values(session_version=StaffUser.session_version + 1)
    )


def current_session_version(session: Session, username: str) -> int | None:
    """The version a live session must carry; None when the user is gone or deactivated."""
    return session.scalar(
        select(StaffUser.session_version).where(
            StaffUser.username == username, StaffUser.active.is_(True)
        )
    )


class LoginResult(StrEnum):
    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginAttempt:
    result: LoginResult
    user: StaffInfo | None


def check_login(
    session: Session,
    *,
    username: str,
    password: str,
    max_failed: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> LoginAttempt:
    """Verify a login, count failures, lock after ``max_failed``, and audit the outcome.

    Unknown usernames cost the same bcrypt work as known ones. A locked account is checked too
    (and the password's correctness is not revealed) so that timing does not tell locked from
    unknown.
    """
    now = now or utc_now()
    user = session.scalar(
        select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True))
    )
    matches = password_matches(password, user.password_hash if user else None)
    if user is None:
        record_audit(session, actor=username[:64] or "?", action=AuditAction.LOGIN_FAILED,
                     entity="staff_user", summary="unknown username")
        return LoginAttempt(LoginResult.FAILED, None)
    if is_locked(user.locked_until, now):
        record_audit(session, actor=user.username, action=AuditAction.LOGIN_FAILED,
                     entity="staff_user", entity_id=user.id, summary="account locked")
        return LoginAttempt(LoginResult.LOCKED, None)
    if not matches:
        outcome = failed_login_outcome(user.failed_logins, now=now, max_failed=max_failed,
                                       lockout=lockout)
        user.failed_logins = outcome.failed_logins
        if outcome.newly_locked:
            user.locked_until = outcome.locked_until
        record_audit(session, actor=user.username, action=AuditAction.LOGIN_FAILED,
                     entity="staff_user", entity_id=user.id, summary="wrong password")
        if outcome.newly_locked:
            record_audit(session, actor=user.username, action=AuditAction.LOCKOUT,
                         entity="staff_user", entity_id=user.id,
                         summary=f"locked until {outcome.locked_until:%Y-%m-%d %H:%M} UTC")
        return LoginAttempt(LoginResult.LOCKED if outcome.newly_locked else LoginResult.FAILED,
                            None)
    user.failed_logins = 0
    user.locked_until = None
    record_audit(session, actor=user.username, action=AuditAction.LOGIN, entity="staff_user",
                 entity_id=user.id, summary="password login")
    session.flush()
    clinics = _clinics_of(session, [user.id]).get(user.id, [])
    return LoginAttempt(LoginResult.OK, _info(user, clinics))


def password_hash_of(session: Session, username: str) -> str | None:
    return session.scalar(select(StaffUser.password_hash).where(StaffUser.username == username))


def locked_accounts(session: Session, now: datetime | None = None) -> list[str]:
    """Usernames whose soft lock has not lifted yet."""
    now = now or utc_now()
    return list(session.scalars(
        select(StaffUser.username).where(StaffUser.locked_until > now)
        .order_by(StaffUser.username)
    ))
