"""A staff user's language and calendar (issue 9) on both databases: stored, audited, validated,
and constrained by the database itself; migration 0007 goes down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access.models import AuditLog, StaffUser
from data_access.schema import alembic_config, is_up_to_date, upgrade_to_head
from data_access.staff import StaffError, add_user, find_user, set_preferences
from domain.calendars import Calendar
from domain.vocabulary import AuditAction, Role
from tests import builders

PASSWORD = "correct-horse-battery"


def _user(session: Session) -> int:
    with session.begin():
        builders.clinic(session, "PRF")
        return add_user(session, username="leila", password=PASSWORD, role=Role.PSYCHOLOGIST,
                        clinic_codes=["PRF"], actor="admin").id


def _audit(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.summary)
                           .where(AuditLog.entity == "staff_user")
                           .order_by(AuditLog.seq)).all()
    return [(row.actor, row.action, row.summary) for row in rows]


def test_a_new_user_reads_english_and_gregorian(session: Session) -> None:
    _user(session)
    info = find_user(session, "leila")
    assert info is not None
    assert (info.language, info.calendar) == ("en", Calendar.GREGORIAN)


def test_preferences_are_stored_audited_and_keep_the_sessions(session: Session) -> None:
    user_id = _user(session)
    version = find_user(session, "leila").session_version  # type: ignore[union-attr]
    session.rollback()
    with session.begin():
        stored = set_preferences(session, user_id=user_id, language="fa",
                                 calendar=Calendar.JALALI, actor="leila")
    assert (stored.language, stored.calendar, stored.clinic_codes) == (
        "fa", Calendar.JALALI, ("PRF",))
    info = find_user(session, "leila")
    assert info is not None
    assert (info.language, info.calendar) == ("fa", Calendar.JALALI)
    # A preference is no access right: the re-login cookie and live sessions stay valid.
    assert info.session_version == version
    assert _audit(session)[-1] == (
        "leila", AuditAction.USER_ADMIN.value,
        "preferences leila: language en -> fa, calendar gregorian -> jalali")


def test_saving_unchanged_preferences_writes_no_audit_row(session: Session) -> None:
    user_id = _user(session)
    with session.begin():
        set_preferences(session, user_id=user_id, language="en", calendar="jalali",
                        actor="leila")
    before = _audit(session)
    session.rollback()
    with session.begin():
        set_preferences(session, user_id=user_id, language="en", calendar=Calendar.JALALI,
                        actor="leila")
    assert _audit(session) == before
    assert before[-1][2] == "preferences leila: calendar gregorian -> jalali"


@pytest.mark.parametrize(("language", "calendar", "problem"), [
    ("de", "gregorian", "unknown language 'de'"),
    ("fa", "islamic", "unknown calendar 'islamic'"),
])
def test_unknown_language_or_calendar_is_refused(session: Session, language: str,
                                                 calendar: str, problem: str) -> None:
    user_id = _user(session)
    with pytest.raises(StaffError, match=problem), session.begin():
        set_preferences(session, user_id=user_id, language=language, calendar=calendar,
                        actor="leila")
    info = find_user(session, "leila")
    assert info is not None
    assert (info.language, info.calendar) == ("en", Calendar.GREGORIAN)


def test_a_missing_user_is_refused(session: Session) -> None:
    _user(session)
    with pytest.raises(StaffError, match="no user with id 9999"), session.begin():
        set_preferences(session, user_id=9999, language="fa", calendar="jalali", actor="x")


def test_add_user_refuses_an_unknown_language(session: Session) -> None:
    with session.begin():
        builders.clinic(session, "PRF")
    with pytest.raises(StaffError, match="unknown language 'xx'"), session.begin():
        add_user(session, username="bad", password=PASSWORD, role=Role.ADMIN,
                 clinic_codes=["PRF"], actor="admin", language="xx")


def test_the_database_refuses_an_unknown_calendar(session: Session) -> None:
    user_id = _user(session)
    with pytest.raises(IntegrityError), session.begin():
        session.get_one(StaffUser, user_id).calendar = "lunar"
        session.flush()


def test_migration_0007_downgrades_and_upgrades_again(engine: Engine, session: Session) -> None:
    _user(session)
    session.close()
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert "calendar" not in {c["name"] for c in inspect(engine).get_columns("staff_user")}
    upgrade_to_head(engine)
    assert is_up_to_date(engine)
    with engine.connect() as connection:
        # The user who existed before the column reads Gregorian.
        assert connection.execute(text(
            "SELECT calendar FROM staff_user WHERE username = 'leila'")).scalar_one() \
            == "gregorian"
