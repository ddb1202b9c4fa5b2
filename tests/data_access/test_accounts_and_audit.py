"""Staff accounts, soft lockout, session revocation and the audit chain on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from data_access.audit import record_audit, verify_audit_chain
from data_access.models import AuditLog
from data_access.staff import (
    LoginResult,
    StaffError,
    add_user,
    change_password,
    check_login,
    current_session_version,
    find_user,
    list_users,
    revoke_sessions,
    unlock_user,
)
from domain.vocabulary import AuditAction, Role
from tests import builders

PASSWORD = "correct-horse-battery"
LOCKOUT = timedelta(minutes=15)


def _staff(session: Session) -> None:
    with session.begin():
        builders.clinic(session, "TST")
        add_user(session, username="ana", password=PASSWORD, role=Role.SUPERVISOR,
                 clinic_codes=["TST"], actor="test")


def _login(session: Session, password: str, now: datetime) -> LoginResult:
    with session.begin():
        return check_login(session, username="ana", password=password, max_failed=5,
                           lockout=LOCKOUT, now=now).result


def test_add_user_and_refuse_bad_requests(session: Session) -> None:
    _staff(session)
    users = list_users(session)
    assert [(u.username, u.role, u.clinic_codes) for u in users] == [
        ("ana", Role.SUPERVISOR, ("TST",))
    ]
    session.rollback()
    for bad in (
        {"username": "ana", "password": PASSWORD, "clinic_codes": ["TST"]},
        {"username": "bo", "password": "short", "clinic_codes": ["TST"]},
        {"username": "cy", "password": PASSWORD, "clinic_codes": ["NOPE"]},
        {"username": "has space", "password": PASSWORD, "clinic_codes": ["TST"]},
    ):
        with pytest.raises(StaffError), session.begin():
            add_user(session, role=Role.ADMIN, actor="test", **bad)  # type: ignore[arg-type]
    assert len(list_users(session)) == 1


def test_five_failures_lock_then_the_lock_lifts(session: Session) -> None:
    _staff(session)
    now = datetime(2026, 11, 2, 12, 0)
    results = [_login(session, "wrong-password!", now) for _ in range(5)]
    assert results == [LoginResult.FAILED] * 4 + [LoginResult.LOCKED]
    # Locked: even the right password is refused until the lock lifts.
    assert _login(session, PASSWORD, now + timedelta(minutes=14)) is LoginResult.LOCKED
    assert _login(session, PASSWORD, now + timedelta(minutes=15)) is LoginResult.OK
    actions = session.scalars(select(AuditLog.action).order_by(AuditLog.seq)).all()
    assert actions.count(AuditAction.LOGIN_FAILED.value) == 6
    assert actions.count(AuditAction.LOCKOUT.value) == 1
    assert actions[-1] == AuditAction.LOGIN.value


def test_unknown_user_fails_and_is_audited(session: Session) -> None:
    _staff(session)
    with session.begin():
        attempt = check_login(session, username="nobody", password=PASSWORD, max_failed=5,
                              lockout=LOCKOUT)
    assert attempt.result is LoginResult.FAILED and attempt.user is None
    last = session.scalars(select(AuditLog).order_by(AuditLog.seq.desc())).first()
    assert last is not None and last.summary == "unknown username"


def test_admin_unlock_and_password_change_revoke_sessions(session: Session) -> None:
    _staff(session)
    now = datetime(2026, 11, 2, 12, 0)
    for _ in range(5):
        _login(session, "wrong-password!", now)
    before = current_session_version(session, "ana")
    session.rollback()
    with session.begin():
        unlock_user(session, username="ana", actor="admin")
    assert _login(session, PASSWORD, now + timedelta(minutes=1)) is LoginResult.OK
    after_unlock = current_session_version(session, "ana")
    session.rollback()
    with session.begin():
        change_password(session, username="ana", new_password="another-long-secret",
                        actor="ana")
    after_change = current_session_version(session, "ana")
    session.rollback()
    with session.begin():
        revoke_sessions(session, username="ana")
    after_logout = current_session_version(session, "ana")
    session.rollback()
    assert before is not None and after_unlock is not None and after_change is not None
    assert before < after_unlock < after_change < (after_logout or 0)
    assert _login(session, PASSWORD, now + timedelta(minutes=2)) is LoginResult.FAILED
    assert _login(session, "another-long-secret", now + timedelta(minutes=2)) is LoginResult.OK
    info = find_user(session, "ana")
    assert info is not None and info.failed_logins == 0


def test_audit_chain_verifies_and_the_database_refuses_changes(
    engine: Engine, session: Session
) -> None:
    with session.begin():
        for number in range(3):
            record_audit(session, actor="ana", action=AuditAction.VIEW, entity="patient",
                         entity_id=number, summary=f"viewed record {number}")
    result = verify_audit_chain(session)
    assert result.entries == 3 and result.broken is None
    session.rollback()
    for statement in ("UPDATE audit_log SET summary = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_tampering_past_the_triggers_is_detected(engine: Engine, session: Session) -> None:
    with session.begin():
        for number in range(4):
            record_audit(session, actor="ana", action=AuditAction.VIEW, entity="patient",
                         entity_id=number)
    session.rollback()
    # Someone with the database owner's rights switches the guard off and edits a row.
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        connection.execute(text("UPDATE audit_log SET actor = 'someone' WHERE seq = 2"))
    result = verify_audit_chain(session)
    assert result.broken is not None and result.broken.seq == 2
