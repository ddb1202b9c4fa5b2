"""Fixtures shared by every test layer: migrated databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from data_access.engine import make_engine, session_factory
from data_access.schema import upgrade_to_head

POSTGRES_URL = os.environ.get(
    "HAMRAH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_unreachable(reason: str) -> None:
    message = f"PostgreSQL not reachable at {POSTGRES_URL}: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'hamrah-test.db'}")
    upgrade_to_head(engine)
    return engine


def postgres_engine() -> tuple[Engine, Engine, str]:
    """A fresh schema per test, so runs never see each other's rows; (admin, engine, schema)."""
    admin = make_engine(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        _postgres_unreachable(str(error.orig).strip().splitlines()[0])
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade_to_head(engine)
    return admin, engine, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend Hamrah supports."""
    if request.param == "sqlite":
        created = sqlite_engine(tmp_path)
        yield created
        created.dispose()
        return
    admin, created, schema = postgres_engine()
    try:
        yield created
    finally:
        created.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as opened:
        yield opened
