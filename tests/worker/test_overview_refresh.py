"""The worker counts the Overviews staff open by default (``data_access.overview_snapshots``):
on its first cycle, then once every ten minutes, after the cycle's deliveries; a failing count
is one part of the cycle line and stops neither delivery nor the heartbeat."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data_access.engine import session_factory
from data_access.models import OverviewSnapshot
from data_access.overview_snapshots import REFRESH_INTERVAL, count_overviews
from data_access.staff import add_user
from data_access.worker_status import worker_status
from domain.calendars import Calendar
from domain.overview_view import OverviewView, named_periods
from domain.vocabulary import Role
from tests import builders
from tests.worker.conftest import (
    NOW,
    TODAY,
    Clock,
    SmtpServer,
    assign,
    family,
    member,
    module,
    worker_settings,
)
from worker.main import Worker

# A supervisor of two clinics opens both together and each alone, each for every named period.
STANDING = 3 * len(named_periods(TODAY, Calendar.GREGORIAN))


def two_clinics_and_a_supervisor(session: Session) -> tuple[int, int]:
    """TST (with a family, from :func:`family`, and a message to deliver) and TS2, read by one
    supervisor; a psychologist of TST does not open the Overview and adds nothing to count.
    The clinics' ids."""
    home = family(session)
    other = builders.clinic(session, "TS2")
    builders.patient(session, other, "P-2")
    assign(session, module(session), [member(session, home, "M-1")])
    add_user(session, username="sup.overview", password="a-long-enough-password",
             role=Role.SUPERVISOR, clinic_codes=["TST", "TS2"], actor="test")
    add_user(session, username="psy.overview", password="a-long-enough-password",
             role=Role.PSYCHOLOGIST, clinic_codes=["TST"], actor="test")
    return home.clinic_id, other


def stored(session: Session) -> list[tuple[str, datetime]]:
    return [(row.clinics, row.counted_at) for row in session.execute(
        select(OverviewSnapshot.clinics, OverviewSnapshot.counted_at))]


def test_the_first_cycle_counts_the_overviews_and_then_every_ten_minutes(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        tst, ts2 = two_clinics_and_a_supervisor(session)
    clock = Clock(NOW)
    worker = Worker(worker_settings(smtp_server, weekly_checkin="off"), sessions, now_fn=clock)

    first = worker.cycle()
    assert first.startswith("sent 1, ")  # the deliveries first
    assert f"; overviews: counted {STANDING}, fresh 0, pruned 0 in " in first
    with sessions() as session:
        rows = stored(session)
    assert len(rows) == STANDING
    both = ",".join(str(clinic) for clinic in sorted((tst, ts2)))
    assert {clinics for clinics, _ in rows} == {both, str(tst), str(ts2)}
    assert {counted_at for _, counted_at in rows} == {NOW}

    clock.advance(seconds=10)
    assert "; overviews: not due; " in worker.cycle()

    clock.advance(seconds=REFRESH_INTERVAL.total_seconds())
    later = worker.cycle()
    assert f"; overviews: counted {STANDING}, fresh 0, pruned 0 in " in later
    with sessions() as session:
        rows = stored(session)
    assert len(rows) == STANDING  # counted again in place of the earlier ones
    assert {counted_at for _, counted_at in rows} == {clock.now}


def test_an_overview_counted_late_in_a_long_refresh_is_counted_at_the_next(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """At network scale one set of clinics takes seconds to count, so the last of a refresh
    is stored well after it began. The next refresh, ten minutes later in the worker's
    10-second cycles, must count it again, not find it fresh and leave it for twenty."""
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        two_clinics_and_a_supervisor(session)
    clock = Clock(NOW)
    def slow_count(*args: Any, **kwargs: Any) -> dict[Any, OverviewView]:
        clock.advance(seconds=30)
        return count_overviews(*args, **kwargs)

    monkeypatch.setattr("data_access.overview_snapshots.count_overviews", slow_count)
    worker = Worker(worker_settings(weekly_checkin="off"), sessions, now_fn=clock)
    assert f"; overviews: counted {STANDING}, " in worker.cycle()
    lines: list[str] = []
    while not lines or "overviews: not due" in lines[-1]:
        clock.advance(seconds=10)
        lines.append(worker.cycle())
        assert len(lines) < 100
    assert f"; overviews: counted {STANDING}, fresh 0, " in lines[-1]


def test_a_failing_count_is_reported_and_delivery_and_the_heartbeat_go_on(
        engine: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        two_clinics_and_a_supervisor(session)

    def failing_refresh(*_args: object, **_kwargs: object) -> NoReturn:
        raise RuntimeError("the disk is full\n(synthetic)")

    monkeypatch.setattr("worker.main.refresh_overviews", failing_refresh)
    clock = Clock(NOW)
    worker = Worker(worker_settings(smtp_server, weekly_checkin="off"), sessions, now_fn=clock)
    line = worker.cycle()
    assert line.startswith("sent 1, ")
    assert "; overviews failed: RuntimeError: the disk is full (synthetic); " in line
    assert len(smtp_server.mailbox.received) == 1
    with sessions() as session:
        status = worker_status(session, now=clock.now)
        assert status.last_beat == NOW and status.detail == line
        assert stored(session) == []
    clock.advance(seconds=10)
    assert "; overviews: not due; " in worker.cycle()  # tried again in ten minutes, not at once


def test_the_running_worker_counts_in_a_thread_and_delivers_meanwhile(
        engine: Engine, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``hamrah worker`` counts in a thread of its own: the cycle that starts the count
    delivers and returns without waiting for it, the cycles during it say so, and the first
    cycle after it reports the count once."""
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        two_clinics_and_a_supervisor(session)
    release = threading.Event()

    def held_count(*args: Any, **kwargs: Any) -> dict[Any, OverviewView]:
        assert release.wait(timeout=60), "the test never released the count"
        return count_overviews(*args, **kwargs)

    monkeypatch.setattr("data_access.overview_snapshots.count_overviews", held_count)
    clock = Clock(NOW)
    worker = Worker(worker_settings(smtp_server, weekly_checkin="off"), sessions, now_fn=clock,
                    overviews_in_background=True)
    first = worker.cycle()  # returns while the count waits to be released
    assert first.startswith("sent 1, ") and "; overviews: counting; " in first
    clock.advance(seconds=10)
    assert "; overviews: counting; " in worker.cycle()
    with sessions() as session:
        assert stored(session) == []

    release.set()
    thread = worker._overview_thread
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    clock.advance(seconds=10)
    assert f"; overviews: counted {STANDING}, fresh 0, pruned 0 in " in worker.cycle()
    clock.advance(seconds=10)
    assert "; overviews: not due; " in worker.cycle()
    with sessions() as session:
        assert len(stored(session)) == STANDING
