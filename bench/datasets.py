"""The benchmark's databases: scales, where each built database is kept, and the pinned clock.

Building network scale takes minutes, so a built database is kept and reused by later runs:
SQLite as a file under ``bench/data/`` (gitignored), PostgreSQL as a database of its own on the
bench server, both named by scale, seed and as-of day. Nothing outside those files and
databases is ever written: the PostgreSQL databases are created, and only they are dropped.

Every database is built for one fixed day (:data:`BENCH_AS_OF`) and the parts pin the app's
clock to that day (``HAMRAH_NOW``), so a database built last week shows the same worklist today.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from data_access.clock import PINNED_NOW_VARIABLE
from data_access.demo import (
    DEMO_VERSION,
    DemoSummary,
    Progress,
    build_demo,
    database_is_empty,
)
from data_access.engine import make_engine, session_factory
from data_access.schema import upgrade_to_head

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
BENCH_AS_OF = date(2026, 11, 2)
"""The last day of every benchmark database's history, and the day the app is pinned to."""
BENCH_NOW = datetime.combine(BENCH_AS_OF, time(18, 0))  # the demo's own "now" on as_of
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The server's maintenance connection: used only to create and drop the bench's databases."""
DATABASE_PREFIX = "hamrah_bench"
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Scale:
    """A size of clinic network: the arguments of ``hamrah demo``."""

    name: str
    patients: int
    days: int


SCALES: dict[str, Scale] = {
    "demo": Scale("demo", patients=300, days=365),
    "network": Scale("network", patients=10_000, days=1095),
}
"""Demo: the embedded demo's size. Network: a provincial network (issue #8)."""

# The logins of ``data_access.demo``; the supervisor works in every clinic (the largest scope).
DEMO_PASSWORD = "demo-password-2026"
SUPERVISOR = "supervisor"
ADMIN = "admin"


def dataset_key(scale: Scale, seed: int, as_of: date = BENCH_AS_OF) -> str:
    """What a built database depends on; two runs with the same key may share it."""
    return (f"{scale.name}_p{scale.patients}_d{scale.days}_s{seed}_{as_of:%Y%m%d}"
            f"_v{DEMO_VERSION}")


def sqlite_path(scale: Scale, seed: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"hamrah-{dataset_key(scale, seed)}.db"


def postgres_database_name(scale: Scale, seed: int) -> str:
    return f"{DATABASE_PREFIX}_{dataset_key(scale, seed)}"


def with_database(server_url: str, name: str) -> str:
    """``server_url`` pointed at another database of the same server."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def pinned_environment(database_url: str,
                       base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a benchmark part: the database, the pinned clock, a development
    environment (a pinned clock is ignored in production) and no delay after a bad login."""
    env = dict(os.environ if base is None else base)
    env.update({
        "HAMRAH_DATABASE_URL": database_url,
        PINNED_NOW_VARIABLE: BENCH_NOW.isoformat(),
        "HAMRAH_ENV": "development",
        "HAMRAH_FAILED_LOGIN_DELAY_SECONDS": "0",
    })
    return env


def pin_clock() -> None:
    """Pin this process's clock (and its children's) to the bench's day."""
    os.environ[PINNED_NOW_VARIABLE] = BENCH_NOW.isoformat()
    os.environ["HAMRAH_ENV"] = "development"


def build_into(engine: Engine, scale: Scale, seed: int,
               progress: Progress | None = None) -> DemoSummary:
    """Migrate ``engine``'s empty database and write the demo network into it, in one
    transaction (an interrupted build leaves no half database behind). The staff accounts and
    audit rows take the time of the clock: pin it first (:func:`pin_clock`)."""
    upgrade_to_head(engine)
    with session_factory(engine)() as session, session.begin():
        return build_demo(session, patients=scale.patients, days=scale.days, seed=seed,
                          as_of=BENCH_AS_OF, progress=progress)


def prepare_sqlite(scale: Scale, seed: int, *, data_dir: Path = DATA_DIR,
                   rebuild: bool = False, progress: Progress | None = None) -> tuple[str, bool]:
    """The URL of the scale's SQLite file, built first when missing; (url, built now).

    The file is built under a temporary name and renamed when complete, so a file with the
    final name is always a whole database. A file built before a migration is upgraded.
    """
    path = sqlite_path(scale, seed, data_dir)
    if path.exists() and not rebuild:
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade_to_head(engine)  # a migration since the build (a new table, an index)
        finally:
            engine.dispose()
        return f"sqlite:///{path}", False
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for stale in (building, *(Path(f"{building}{s}") for s in ("-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{building}")
    try:
        build_into(engine, scale, seed, progress)
    finally:
        engine.dispose()  # the last connection checkpoints the WAL into the file
    building.replace(path)
    return f"sqlite:///{path}", True


def _identifier(name: str) -> str:
    """A database name is quoted into CREATE/DROP DATABASE: only our own plain names pass."""
    if not re.fullmatch(r"[a-z0-9_]{1,63}", name) or not name.startswith(DATABASE_PREFIX):
        raise ValueError(f"not a bench database name: {name!r}")
    return f'"{name}"'


def recreate_postgres_database(server_url: str, name: str) -> str:
    """Drop (if present) and create one of the bench's own databases; return its URL."""
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {_identifier(name)}"))
    finally:
        admin.dispose()
    return with_database(server_url, name)


def drop_postgres_database(server_url: str, name: str) -> None:
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)"))
    finally:
        admin.dispose()


def _postgres_database_exists(server_url: str, name: str) -> bool:
    admin = make_engine(server_url)
    try:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": name}).first()
    finally:
        admin.dispose()
    return found is not None


def prepare_postgres(scale: Scale, seed: int, *, server_url: str = DEFAULT_POSTGRES_URL,
                     rebuild: bool = False,
                     progress: Progress | None = None) -> tuple[str, bool]:
    """The URL of the scale's PostgreSQL database, built first when missing or empty."""
    name = postgres_database_name(scale, seed)
    url = with_database(server_url, name)
    if not rebuild and _postgres_database_exists(server_url, name):
        engine = make_engine(url)
        try:
            upgrade_to_head(engine)
            with session_factory(engine)() as session:
                built = not database_is_empty(session)
        finally:
            engine.dispose()
        if built:
            vacuum_and_analyze(url)
            return url, False
    recreate_postgres_database(server_url, name)
    engine = make_engine(url)
    try:
        build_into(engine, scale, seed, progress)
    finally:
        engine.dispose()
    vacuum_and_analyze(url)
    return url, True


def vacuum_and_analyze(url: str) -> None:
    """``VACUUM (ANALYZE)`` the bench database: the statistics and the visibility map that a
    running server's autovacuum keeps (the test server runs without it). Without the map, each
    index-only read of the doses also visits the table: a freshly built network's facts took
    0.26 s against 0.23 s after it. A few seconds when nothing has changed."""
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:  # VACUUM cannot run inside a transaction
            connection.execute(text("VACUUM (ANALYZE)"))
    finally:
        engine.dispose()


def prepare_database(backend: str, scale: Scale, seed: int, *,
                     postgres_url: str = DEFAULT_POSTGRES_URL, data_dir: Path = DATA_DIR,
                     rebuild: bool = False, progress: Progress | None = None) -> tuple[str, bool]:
    """The database URL for ``backend`` at ``scale``, reusing a database built before."""
    if backend == "sqlite":
        return prepare_sqlite(scale, seed, data_dir=data_dir, rebuild=rebuild,
                              progress=progress)
    if backend == "postgresql":
        return prepare_postgres(scale, seed, server_url=postgres_url, rebuild=rebuild,
                                progress=progress)
    raise ValueError(f"unknown database {backend!r}: use one of {', '.join(BACKENDS)}")
