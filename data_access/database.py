"""Opening Hamrah's database from settings: engine, schema check and a session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data_access.engine import check_connection, make_engine, session_factory


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def open_database(url: str) -> Database:
    """Connect and check the connection now, so a wrong URL fails at start-up in one line."""
    engine = make_engine(url)
    check_connection(engine)
    return Database(engine, session_factory(engine))
