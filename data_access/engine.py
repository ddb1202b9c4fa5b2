"""Engine and session factory for SQLite (embedded default) and PostgreSQL (deployment).

SQLite gets WAL (readers do not block the writer) and foreign keys on every connection, because
SQLite leaves both off by default and the schema's integrity depends on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseConfigError(RuntimeError):
    """The database URL is wrong or the server cannot be reached; the message says which."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(
    url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None
) -> Engine:
    """Create an engine for ``url``; raise DatabaseConfigError with a fix-it message."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseConfigError(
            f"HAMRAH_DATABASE_URL {url!r} is not a database URL "
            "(e.g. sqlite:///data/hamrah.db or postgresql+psycopg://user@host:5432/db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise DatabaseConfigError(
            f"HAMRAH_DATABASE_URL uses {backend!r}: Hamrah supports sqlite and postgresql"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(
            parsed, echo=echo, pool_pre_ping=True, connect_args=connect_args or {}
        )
    except Exception as error:  # an unknown driver or option in the URL
        raise DatabaseConfigError(f"HAMRAH_DATABASE_URL cannot be used: {error}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def check_connection(engine: Engine) -> None:
    """Fail early, in one line, when the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseConfigError(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{reason} (check HAMRAH_DATABASE_URL and that the server is running)"
        ) from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
