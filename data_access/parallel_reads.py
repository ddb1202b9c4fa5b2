"""A read on a second connection while the caller goes on with its own.

A heavy first run reads the same clinics several ways: the roster's signals and its extras, the
worklist's clinical facts and its family aggregates. SQLite and PostgreSQL's driver let go of
Python's lock while the database works, so while one read waits on its statements the other
turns its rows into objects: on two cores the two overlap, where one after the other they add
up (issue #8, bench/README.md).

Each read sees its own snapshot of the database, as any two statements do on PostgreSQL: the
reads paired here share no figure, so a write between them can only make one part of a page as
fresh as the later read. No ``Session`` is shared between threads.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

Read = TypeVar("Read")


def _on_own_session(sessions: sessionmaker[Session], read: Callable[[Session], Read]) -> Read:
    with sessions() as session:
        return read(session)


@contextmanager
def read_beside(read: Callable[[Session], Read], session: Session,
                sessions: sessionmaker[Session] | None = None) -> Iterator[Callable[[], Read]]:
    """Start ``read`` on a new session of ``sessions`` in a worker thread; the block gets a
    function that waits for its result (ask once). Without ``sessions``, ``read`` runs on the
    caller's ``session`` when its result is asked for, one read after the other (the CLI).

    The worker runs in a copy of the caller's context (the interface language, a pinned clock).
    Leaving the block waits for the worker even when the block raises, so no connection is left
    busy behind the caller's back; an error of the worker's read is raised where its result is
    asked for.
    """
    if sessions is None:
        yield lambda: read(session)
        return
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hamrah-read") as pool:
        pending = pool.submit(context.run, _on_own_session, sessions, read)
        yield pending.result
