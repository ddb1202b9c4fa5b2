"""HAMRAH_NOW pins the clock outside production, so "today" cannot change under a test."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from data_access.clock import today, utc_now


def test_hamrah_now_pins_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMRAH_ENV", "test")
    monkeypatch.setenv("HAMRAH_NOW", "2026-11-25T23:59:59")
    assert utc_now() == datetime(2026, 11, 25, 23, 59, 59)
    assert today() == date(2026, 11, 25)


def test_a_zoned_time_is_stored_as_naive_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMRAH_ENV", "development")
    monkeypatch.setenv("HAMRAH_NOW", "2026-11-26T02:30:00+03:30")
    assert utc_now() == datetime(2026, 11, 25, 23, 0)


def test_production_reads_the_real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMRAH_ENV", "production")
    monkeypatch.setenv("HAMRAH_NOW", "2001-01-01T00:00:00")
    assert utc_now().year > 2001


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAMRAH_ENV", "test")
    monkeypatch.setenv("HAMRAH_NOW", "yesterday")
    with pytest.raises(ValueError, match="HAMRAH_NOW='yesterday': use an ISO 8601 time"):
        utc_now()
