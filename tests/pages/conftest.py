"""AppTest fixtures: a migrated SQLite database with one user per role, and a signed-in app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy.orm import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorage
from streamlit.testing.v1 import AppTest

from data_access.database import Database, open_database
from data_access.schema import upgrade_to_head
from data_access.staff import add_user
from domain.vocabulary import Role
from tests import builders
from tests.pinned_clock import pin_clock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "page-test-password"
USERNAMES = {role: f"pt.{role.value}" for role in Role}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    monkeypatch.setenv("HAMRAH_DATABASE_URL", url)
    monkeypatch.setenv("HAMRAH_FAILED_LOGIN_DELAY_SECONDS", "0")
    monkeypatch.setenv("HAMRAH_ENV", "test")
    pin_clock(monkeypatch)
    db = open_database(url)
    upgrade_to_head(db.engine)
    with db.sessions() as session, session.begin():
        builders.clinic(session, "PGT")
        for role, username in USERNAMES.items():
            add_user(session, username=username, password=PASSWORD, role=role,
                     clinic_codes=["PGT"], actor="test", display_name=f"Test {role.value}")
    yield db
    db.engine.dispose()


ENTRY = Path(__file__).resolve().parent / "entry" / "app_entry.py"


def new_app() -> AppTest:
    return AppTest.from_file(str(ENTRY), default_timeout=60)


def open_page(at: AppTest, page_path: str) -> AppTest:
    """Navigate as the sidebar would, to a page of the registry (``pages/….py``)."""
    return at.switch_page(str(PROJECT_ROOT / page_path)).run()


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="FormSubmitter:login-Sign in").click().run()


@pytest.fixture
def signed_in(database: Database) -> Callable[[Role], AppTest]:
    def open_as(role: Role) -> AppTest:
        at = sign_in(new_app().run(), USERNAMES[role])
        assert not at.exception, at.exception
        return at

    return open_as


def texts(at: AppTest) -> str:
    """Everything a person reads on the screen, as one string to search."""
    parts = [e.value for e in at.title] + [e.value for e in at.markdown]
    parts += [e.value for e in at.error] + [e.value for e in at.info]
    parts += [e.value for e in at.success] + [e.value for e in at.warning]
    parts += [e.value for e in at.caption] + [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The table on screen that has ``column`` (tables without selection carry no key)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def in_session(db: Database) -> Session:
    return db.sessions()


Download = Callable[[AppTest, str], tuple[str, bytes]]


@pytest.fixture
def download(monkeypatch: pytest.MonkeyPatch) -> Iterator[Download]:
    """Fetch a download button's file: (file name, bytes). Building a deferred file runs the
    button's callable, as a click in the browser does."""
    managers: list[MediaFileManager] = []

    class RecordingManager(MediaFileManager):
        def __init__(self, storage: MediaFileStorage) -> None:
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingManager)

    def fetch(at: AppTest, key: str) -> tuple[str, bytes]:
        proto = at.download_button(key=key).proto
        manager = managers[-1]
        url = (manager.execute_deferred(proto.deferred_file_id) if proto.deferred_file_id
               else proto.url)
        stored = manager.read_file(url.rsplit("/", 1)[-1].split(".")[0])
        assert stored is not None and stored.filename is not None
        return stored.filename, stored.content

    yield fetch
