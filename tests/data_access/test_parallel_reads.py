"""A read on a second connection beside the caller's: same rows, its own session, its errors
raised to the caller, and the caller's context carried over; on SQLite and PostgreSQL."""

from __future__ import annotations

import contextvars
import threading
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data_access.demo import build_demo
from data_access.engine import session_factory
from data_access.models import Patient
from data_access.outreach import outreach_worklist
from data_access.parallel_reads import read_beside
from data_access.signals import all_clinic_ids

AS_OF = date(2026, 11, 2)
LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="en")


def _patients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Patient)) or 0


def test_the_read_runs_on_another_session_in_another_thread(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        build_demo(session, patients=8, days=30, seed=2, as_of=AS_OF)
    seen: list[tuple[Session, threading.Thread, str]] = []

    def read(beside: Session) -> int:
        seen.append((beside, threading.current_thread(), LANGUAGE.get()))
        return _patients(beside)

    token = LANGUAGE.set("fa")
    try:
        with sessions() as session, read_beside(read, session, sessions) as result:
            here = _patients(session)
            assert result() == here > 0
    finally:
        LANGUAGE.reset(token)
    beside, thread, language = seen[0]
    assert beside is not session and thread is not threading.current_thread()
    assert language == "fa"  # the caller's context went with the read


def test_without_sessions_the_read_runs_on_the_callers_session_when_asked(
        session: Session) -> None:
    seen: list[Session] = []
    with read_beside(lambda beside: seen.append(beside) or 1, session) as result:
        assert seen == []  # not started before its result is asked for
        assert result() == 1
    assert seen == [session]


def test_an_error_of_the_read_reaches_the_caller(engine: Engine) -> None:
    sessions = session_factory(engine)

    def fails(_: Session) -> int:
        raise LookupError("no such clinic")

    with sessions() as session, pytest.raises(LookupError, match="no such clinic"), \
            read_beside(fails, session, sessions) as result:
        result()


def test_the_worklist_is_the_same_read_beside_or_alone(engine: Engine) -> None:
    """The Outreach page reads the tables around the patients on a second connection; the
    CLI reads everything on one. Both must list the same items in the same order."""
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        build_demo(session, patients=60, days=120, seed=5, as_of=AS_OF)
    with sessions() as session:
        clinic_ids = all_clinic_ids(session)
        alone = outreach_worklist(session, clinic_ids=clinic_ids, as_of=AS_OF)
        beside = outreach_worklist(session, clinic_ids=clinic_ids, as_of=AS_OF,
                                   sessions=sessions)
    assert len(alone) > 10 and {item.tier for item in alone} >= {"urgent", "routine"}
    assert beside == alone
