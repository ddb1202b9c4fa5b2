"""Alembic environment: migrates the engine passed in by ``data_access.schema`` or the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from data_access.engine import make_engine
from data_access.models import Base
from settings import load_settings

config = context.config
target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or load_settings().database_url)
    with engine.begin() as new_connection:
        run_with(new_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `hamrah init`")
run_online()
