"""At most once: ``hamrah worker --once`` killed between sending and recording, then run again.

The first worker stops on the test hook ``HAMRAH_TEST_PAUSE_BEFORE_RECORD`` right after the SMTP
server accepted a mail and before the outcome is written; the test kills it with SIGKILL. The
second worker must not send that mail again (it marks it failed as interrupted) and must
deliver the rest of the batch exactly once, counted at the SMTP server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select, text

from data_access.clock import utc_now
from data_access.engine import session_factory
from data_access.models import Assignment, OutboxMessage
from data_access.outbox import INTERRUPTED
from data_access.worker_status import worker_status
from tests.worker.conftest import SmtpServer, assign, family, member, module
from worker.main import PAUSE_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CLAIM_TIMEOUT_SECONDS = 1.0


def database_url(engine: Engine) -> str:
    """The fixture's database as a URL another process can open (PostgreSQL: its schema)."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def worker_env(engine: Engine, server: SmtpServer, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HAMRAH_")}
    env.update({
        "HAMRAH_ENV": "test", "HAMRAH_DATABASE_URL": database_url(engine),
        "HAMRAH_SMTP_HOST": server.host, "HAMRAH_SMTP_PORT": str(server.port),
        "HAMRAH_SMTP_STARTTLS": "false", "HAMRAH_SMTP_FROM": "clinic@hamrah.test",
        "HAMRAH_WORKER_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT_SECONDS),
        # The real clock: no weekly check-in may join the batch on a weekend evening.
        "HAMRAH_WEEKLY_CHECKIN": "off",
    })
    env.update(extra)
    return env


def worker_once(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen([sys.executable, "-m", "cli", "worker", "--once"],
                                cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=stderr)


def wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists() or not path.read_text(encoding="utf-8"):
        assert process.poll() is None, f"the worker ended early: {log.read_text()}"
        assert time.monotonic() < deadline, "the worker never reached the test hook"
        time.sleep(0.05)


def test_a_worker_killed_after_sending_never_sends_that_message_again(
        engine: Engine, smtp_server: SmtpServer, tmp_path: Path) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        members = [member(session, home, f"M-{n}") for n in range(3)]
        outbox_ids = assign(session, module(session), members)
    log, pause = tmp_path / "worker.log", tmp_path / "pause"

    first = worker_once(worker_env(engine, smtp_server, **{PAUSE_ENV: str(pause)}), log)
    try:
        wait_for(pause, first, log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    killed = int(pause.read_text(encoding="utf-8"))
    assert killed == outbox_ids[0]
    assert len(smtp_server.mailbox.received) == 1  # the mail left before the kill
    with sessions() as session:
        row = session.get_one(OutboxMessage, killed)
        assert (row.status, row.attempts, row.sent_at) == ("queued", 1, None)
        assert row.claimed_at is not None

    time.sleep(CLAIM_TIMEOUT_SECONDS + 0.2)
    second = worker_once(worker_env(engine, smtp_server), log)
    assert second.wait(timeout=120) == 0, log.read_text()
    assert "sent 2, " in log.read_text() and "interrupted 1" in log.read_text()

    counts = Counter(address for mail in smtp_server.mailbox.received
                     for address in mail.rcpt_tos)
    assert counts == {f"m-{n}@example.org": 1 for n in range(3)}
    with sessions() as session:
        statuses = dict(session.execute(
            select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(outbox_ids))
        ).all())
        assert statuses == {killed: "failed", outbox_ids[1]: "sent", outbox_ids[2]: "sent"}
        assert session.get_one(OutboxMessage, killed).last_error == INTERRUPTED
        assignments = dict(session.execute(
            select(OutboxMessage.id, Assignment.status)
            .join(Assignment, Assignment.id == OutboxMessage.assignment_id)).all())
        assert assignments == statuses
        status = worker_status(session, now=utc_now())
        assert status.last_beat is not None and "sent 2" in status.detail
        assert (status.queued, status.failed) == (0, 1)

    third = worker_once(worker_env(engine, smtp_server), log)
    assert third.wait(timeout=120) == 0, log.read_text()
    assert len(smtp_server.mailbox.received) == 3
