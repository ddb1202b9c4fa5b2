"""A wrong configuration stops the dashboard with one line that says what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import new_app


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HAMRAH_ENV": "production", "HAMRAH_COOKIE_KEY": ""}, "HAMRAH_COOKIE_KEY is not set"),
        ({"HAMRAH_DATABASE_URL": "not a url"}, "is not a database URL"),
        ({"HAMRAH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
         "cannot reach the database"),
    ],
)
def test_bad_configuration_stops_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          env: dict[str, str], message: str) -> None:
    monkeypatch.setenv("HAMRAH_DATABASE_URL", f"sqlite:///{tmp_path / 'start.db'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = new_app().run()
    assert not at.exception
    errors = [error.value for error in at.error]
    assert len(errors) == 1 and errors[0].startswith("Hamrah cannot start: ")
    assert message in errors[0] and "\n" not in errors[0]
    assert not at.text_input  # no sign-in form behind a broken configuration
