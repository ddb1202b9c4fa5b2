"""The worker loop: one cycle with --once, a heartbeat per cycle, stopping between cycles,
and Telegram's long poll between cycles."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, func, select, text

from data_access.database import Database
from data_access.engine import session_factory
from data_access.models import FamilyQuestion
from data_access.worker_status import worker_status
from settings.channels import TelegramSettings
from tests.fakes.telegram_api import FakeTelegramApi
from tests.worker.conftest import NOW, SmtpServer, assign, family, member, module, worker_settings
from worker.main import run


def database(engine: Engine) -> Database:
    return Database(engine, session_factory(engine))


def test_once_runs_one_cycle_beats_and_logs_one_line(engine: Engine,
                                                     smtp_server: SmtpServer) -> None:
    with session_factory(engine)() as session, session.begin():
        home = family(session)
        assign(session, module(session), [member(session, home, "M-1")])
    lines: list[str] = []
    settings = worker_settings(smtp_server, weekly_checkin="off")  # the real clock: no check-in
    assert run(settings, once=True, database=database(engine), log=lines.append) == 0
    assert len(smtp_server.mailbox.received) == 1
    assert lines[0] == "hamrah worker: channels email; every 10 s (one cycle)"
    [cycle] = lines[1:]
    assert "Z sent 1, retrying 0, failed 0, blocked 0" in cycle
    with session_factory(engine)() as session:
        status = worker_status(session, now=NOW)
        assert status.last_beat is not None and status.detail in cycle


def test_the_loop_stops_when_asked(engine: Engine) -> None:
    settings = worker_settings(poll_seconds=0.05, weekly_checkin="off")
    stop = threading.Event()
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if len(lines) >= 4:
            stop.set()

    codes: list[int] = []
    loop = threading.Thread(target=lambda: codes.append(
        run(settings, once=False, stop_event=stop, database=database(engine), log=log)))
    loop.start()
    loop.join(timeout=30)
    assert not loop.is_alive() and codes == [0]
    assert lines[0].startswith("hamrah worker: channels none (messages wait in the outbox)")
    assert len(lines) == 4


def test_a_failing_cycle_is_one_line_and_exit_code_1_with_once(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE worker_heartbeat"))
    lines: list[str] = []
    assert run(worker_settings(weekly_checkin="off"), once=True, database=database(engine),
               log=lines.append) == 1
    assert len(lines) == 2 and "cycle failed: " in lines[1]
    assert "\n" not in lines[1]


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_between_cycles_a_long_poll_answers_a_family_at_once(engine: Engine) -> None:
    """A question sent long before the next cycle is taken in and answered within seconds."""
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        member(session, family(session), "M-TG", channel="telegram", chat_id="3003")
    stop = threading.Event()
    lines: list[str] = []
    codes: list[int] = []
    with FakeTelegramApi() as telegram:
        bot = TelegramSettings(api_base=telegram.base_url, bot_token=telegram.token)
        settings = worker_settings(telegram=bot, poll_seconds=120, weekly_checkin="off")
        loop = threading.Thread(target=lambda: codes.append(
            run(settings, once=False, stop_event=stop, database=database(engine),
                log=lines.append)))
        loop.start()
        try:
            wait_until(lambda: len(lines) >= 2, 60, "the first cycle never ended")
            telegram.member_says(3003, "Can he drive after his dose?")
            wait_until(lambda: bool(telegram.texts(3003)), 20,
                       "no reply before the next cycle: the worker does not long-poll")
        finally:
            stop.set()
            loop.join(timeout=30)
        polls = telegram.calls("getUpdates")
    assert not loop.is_alive() and codes == [0]
    [reply] = telegram.texts(3003)
    assert "your question has reached the clinic" in reply
    assert any(int(call.fields.get("timeout") or 0) > 0 for call in polls)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(FamilyQuestion)) == 1
    cycles = [line for line in lines[1:] if " sent " in line]
    assert len(cycles) == 1  # answered while waiting, not by a second cycle
    assert any(line.endswith("Z intake: 1 updates, question 1") for line in lines)
