"""The worker's loop (``hamrah worker``): recover, deliver, take messages in, beat, listen.

Each cycle marks interrupted sends as failed (at most once), queues the reminders that are due
(``data_access.reminders``: the weekly check-in, overdose information), delivers the due outbox
messages, counts the Overviews staff open by default when ten minutes have passed
(``data_access.overview_snapshots``; in a thread of its own, so deliveries go on), runs the intake
hook when it is installed (``worker.intake.poll_once``: Telegram updates), records a heartbeat for
the dashboard and writes one line to stderr. Between two cycles the worker waits ``poll_seconds``;
with Telegram on it spends that wait in long polls of ``getUpdates``, so a family's message is
handled and answered as it arrives. SIGTERM or Ctrl-C ends the loop between two messages, never in
the middle of one (a long poll in progress is finished first: at most ``poll_seconds``).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from data_access.clock import utc_now
from data_access.database import Database, open_database
from data_access.outbox import recover_interrupted
from data_access.overview_snapshots import REFRESH_INTERVAL, refresh_overviews
from data_access.reminders import queue_reminders
from data_access.worker_status import beat
from settings import Settings
from worker.adapters.base import ChannelAdapter
from worker.adapters.registry import adapters_from_settings
from worker.outbox import RateLimiter, deliver_due, limiter_from_settings

INTAKE_MODULE = "worker.intake"
INTAKE_FUNCTION = "poll_once"
# Test hook (docs/family-channel.md): after each send, write the message id to this file and
# wait until it is removed, so a test can kill the worker between sending and recording.
PAUSE_ENV = "HAMRAH_TEST_PAUSE_BEFORE_RECORD"



class IntakeHook(Protocol):
    """``worker.intake.poll_once``: handle the waiting updates; ``wait_seconds`` > 0 long-polls."""

    def __call__(self, session_factory: sessionmaker[Session], settings: Settings,
                 now_fn: Callable[[], datetime], /, *, wait_seconds: int = ...) -> Any: ...


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _summary_of(result: object) -> str:
    """The intake's own one-line summary when it has one, else its text."""
    summary = getattr(result, "summary", None)
    return str(summary() if callable(summary) else result)


def intake_hook() -> IntakeHook | None:
    """``worker.intake.poll_once`` when that module is installed, else None."""
    try:
        module = importlib.import_module(INTAKE_MODULE)
    except ModuleNotFoundError as error:
        if error.name == INTAKE_MODULE:
            return None
        raise
    hook = getattr(module, INTAKE_FUNCTION, None)
    return hook if callable(hook) else None


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {number: signal.signal(number, handler)
                for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


REMINDER_INTERVAL = timedelta(minutes=5)


class Worker:
    """One worker process's state: its adapters, its rate limiter and its database."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], *,
                 adapters: dict[str, ChannelAdapter] | None = None,
                 now_fn: Callable[[], datetime] = utc_now,
                 intake: IntakeHook | None = None,
                 pause_before_record: Path | None = None,
                 overviews_in_background: bool = False) -> None:
        self.settings = settings
        self.sessions = sessions
        self.adapters = adapters_from_settings(settings) if adapters is None else adapters
        self.now_fn = now_fn
        self.intake = intake
        self.pause_before_record = pause_before_record
        self.limiter: RateLimiter = limiter_from_settings(settings)
        self._reminders_at: datetime | None = None
        self._overviews_at: datetime | None = None
        self.overviews_in_background = overviews_in_background
        self._overview_lock = threading.Lock()
        self._overview_thread: threading.Thread | None = None
        self._overview_line: str | None = None

    def cycle(self, stop: threading.Event | None = None) -> str:
        """Run one cycle and return its one-line summary (also stored as the heartbeat)."""
        with self.sessions() as session, session.begin():
            recovered = recover_interrupted(
                session, now=self.now_fn(),
                claim_timeout_seconds=self.settings.channels.claim_timeout_seconds)
        reminders = self._queue_reminders()  # before delivery: they go out in this cycle
        result = deliver_due(self.sessions, self.adapters, self.settings, self.now_fn,
                             limiter=self.limiter, stop=stop,
                             pause_before_record=self.pause_before_record)
        overviews = self._refresh_overviews()  # after delivery: families are not kept waiting
        line = f"{result.summary()}, interrupted {len(recovered)}; {overviews}; {reminders}"
        if self.intake is not None:
            try:
                summary = self.intake(self.sessions, self.settings, self.now_fn)
            except Exception as error:  # intake must not stop delivery or the heartbeat
                line += f"; intake failed: {type(error).__name__}: {error}"
            else:
                line += "" if summary is None else f"; intake: {_summary_of(summary)}"
        with self.sessions() as session, session.begin():
            beat(session, now=self.now_fn(), detail=line)
        return line

    def _queue_reminders(self) -> str:
        """Queue the due reminders in their own transaction; the cycle line's part about them.

        Reminders read every patient's signals (a grouped query over the doses), so they run on
        the first cycle and then once per :data:`REMINDER_INTERVAL`, not on every 10-second
        cycle: a check-in or an overdose message a few minutes later changes nothing.
        """
        now = self.now_fn()
        if self._reminders_at is not None and now - self._reminders_at < REMINDER_INTERVAL:
            return "reminders: not due"
        self._reminders_at = now
        try:
            with self.sessions() as session, session.begin():
                counts = queue_reminders(session, now=self.now_fn(), settings=self.settings)
        except Exception as error:  # a reminder problem must not stop delivery or the heartbeat
            return f"reminders failed: {type(error).__name__}: {' '.join(str(error).split())[:300]}"
        return f"reminders: {counts.summary()}"

    def _refresh_overviews(self) -> str:
        """The refresh of :meth:`_refresh_overviews_now`, in a thread of its own when the worker
        runs in the background (``hamrah worker`` without ``--once``): at network scale a count
        takes half a minute, which would hold every delivery and every family's message for
        that long. The cycle line says what the thread is doing, and its result once."""
        if not self.overviews_in_background:
            return self._refresh_overviews_now()
        with self._overview_lock:
            if self._overview_thread is not None and self._overview_thread.is_alive():
                return "overviews: counting"
            if self._overview_line is not None:
                line, self._overview_line = self._overview_line, None
                return line
            now = self.now_fn()
            if self._overviews_at is not None and now - self._overviews_at < REFRESH_INTERVAL:
                return "overviews: not due"
            self._overview_thread = threading.Thread(
                target=self._refresh_in_thread, name="hamrah-overview-refresh", daemon=True)
            self._overview_thread.start()
            return "overviews: counting"

    def _refresh_in_thread(self) -> None:
        line = self._refresh_overviews_now()
        with self._overview_lock:
            self._overview_line = line

    def _refresh_overviews_now(self) -> str:
        """Count the Overviews staff open by default (``data_access.overview_snapshots``), on
        the first cycle and then once per :data:`~data_access.overview_snapshots.REFRESH_INTERVAL`
        after the last one ended, so that a reader finds them counted; the cycle line's part
        about them. At network scale a refresh takes tens of seconds: in the foreground
        (``--once``) the cycle waits for it, the running worker counts in a thread.

        The interval runs from the end of a refresh, not its start: an Overview stored late in
        a long refresh would otherwise be younger than the interval at the next one, found
        fresh and left for another ten minutes."""
        now = self.now_fn()
        if self._overviews_at is not None and now - self._overviews_at < REFRESH_INTERVAL:
            return "overviews: not due"
        try:
            result = refresh_overviews(self.sessions, as_of=now.date(), now_fn=self.now_fn,
                                       clinical=self.settings.clinical,
                                       outreach=self.settings.outreach)
        except Exception as error:  # a count that fails must not stop delivery or the heartbeat
            return (f"overviews failed: {type(error).__name__}: "
                    f"{' '.join(str(error).split())[:300]}")
        finally:
            self._overviews_at = self.now_fn()  # a failed one too: tried again in ten minutes
        return result.summary()

    def listen(self, seconds: float, stop: threading.Event,
               log: Callable[[str], None] = _stderr) -> bool:
        """Wait ``seconds`` before the next cycle; True when asked to stop meanwhile.

        With the Telegram intake on, the wait is spent in long polls of ``getUpdates`` (whole
        seconds, up to the end of the wait), each handling and answering what arrived; a poll
        that handled updates or failed writes one line. After a failed poll (Telegram down, a
        wrong token) the rest of the wait is plain sleep, so the worker never spins.
        """
        deadline = time.monotonic() + seconds
        if self.intake is not None and self.settings.channels.telegram.enabled:
            while not stop.is_set():
                remaining = int(deadline - time.monotonic())
                if remaining < 1:
                    break
                started = utc_now()
                try:
                    result = self.intake(self.sessions, self.settings, self.now_fn,
                                         wait_seconds=remaining)
                except Exception as error:  # as in the cycle: log it, keep the worker going
                    log(f"{started:%Y-%m-%d %H:%M:%S}Z intake failed: {type(error).__name__}: "
                        f"{' '.join(str(error).split())[:300]}")
                    break
                failed = getattr(result, "error", None)
                if getattr(result, "updates", 0) or failed:
                    log(f"{started:%Y-%m-%d %H:%M:%S}Z intake: {_summary_of(result)}")
                if failed:
                    break
        return stop.wait(max(0.0, deadline - time.monotonic()))


def run(settings: Settings, once: bool, stop_event: threading.Event | None = None, *,
        database: Database | None = None, log: Callable[[str], None] = _stderr) -> int:
    """Run cycles every ``poll_seconds`` until stopped (or one with ``once``); the exit code.

    A cycle that fails (the database is down) is logged in one line and tried again at the
    next one; with ``once`` it makes the exit code 1.
    """
    db = database or open_database(settings.database_url)
    pause = os.environ.get(PAUSE_ENV, "").strip()
    worker = Worker(settings, db.sessions, intake=intake_hook(),
                    pause_before_record=Path(pause) if pause else None,
                    overviews_in_background=not once)
    channels = ", ".join(sorted(worker.adapters)) or "none (messages wait in the outbox)"
    log(f"hamrah worker: channels {channels}; every {settings.channels.poll_seconds:g} s"
        + (" (one cycle)" if once else ""))
    stop = stop_event or threading.Event()
    with _stop_on_signals(stop) if stop_event is None else _no_signals():
        while True:
            started = utc_now()
            try:
                line = worker.cycle(stop)
            except Exception as error:  # keep running: the next cycle may succeed
                log(f"{started:%Y-%m-%d %H:%M:%S}Z cycle failed: {type(error).__name__}: "
                    f"{' '.join(str(error).split())[:300]}")
                if once:
                    return 1
            else:
                log(f"{started:%Y-%m-%d %H:%M:%S}Z {line}")
            if once or worker.listen(settings.channels.poll_seconds, stop, log):
                return 0


@contextmanager
def _no_signals() -> Iterator[None]:
    yield
