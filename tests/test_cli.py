"""The ``hamrah`` command as an operator uses it: real processes against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cli.main import build_parser

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def hamrah(
    args: list[str], database: Path | str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    env = {**os.environ, "HAMRAH_DATABASE_URL": url, "HAMRAH_ENV": "test"}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_init_clinics_users_and_audit_verify(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert hamrah(["init"], db).returncode == 0
    assert hamrah(["init"], db).returncode == 0  # upgrading an up-to-date schema is a no-op
    added = hamrah(["clinics", "add", "TST", "--name", "Test clinic (synthetic)"], db)
    assert added.returncode == 0, added.stderr
    assert hamrah(["clinics", "list"], db).stdout.strip() == (
        "TST\tTest clinic (synthetic)\t1 working day (working days: Monday to Friday)")
    deadline = hamrah(["clinics", "deadline", "TST", "--rule", "one_working_day",
                       "--working-days", "Sat-Wed"], db)
    assert deadline.returncode == 0, deadline.stderr
    assert deadline.stdout.strip() == (
        "TST: families get an answer within 1 working day "
        "(working days: Saturday to Wednesday)")
    bad = hamrah(["clinics", "deadline", "TST", "--rule", "seven_days", "--working-days",
                  "sat-fry"], db)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "unknown day 'fry'" in bad.stderr
    user = hamrah(["users", "add", "ana", "--role", "supervisor", "--clinic", "TST"], db,
                  stdin="a-long-enough-password\n")
    assert user.returncode == 0, user.stderr
    listed = hamrah(["users", "list"], db).stdout
    assert "ana\tsupervisor\tTST\tactive" in listed
    assert hamrah(["users", "unlock", "ana"], db).returncode == 0
    verify = hamrah(["audit", "verify"], db)
    assert verify.returncode == 0 and "intact: 4 entries" in verify.stdout


def test_audit_verify_fails_on_a_tampered_row(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "cli.db"
    hamrah(["init"], db)
    hamrah(["clinics", "add", "A", "--name", "A"], db)
    hamrah(["clinics", "add", "B", "--name", "B"], db)
    with sqlite3.connect(db) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET summary = 'clinic Z' WHERE seq = 1")
    verify = hamrah(["audit", "verify"], db)
    assert verify.returncode == 1
    assert verify.stdout.strip() == (
        "audit chain broken at entry 1: content does not match its hash (altered)"
    )


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["users", "add", "x", "--role", "boss", "--clinic", "TST"], "", 2, "invalid choice"),
        (["demo", "--patients", "0"], "", 2, "must be at least 1"),
        (["frobnicate"], "", 2, "invalid choice"),
        (["users", "add", "bo", "--role", "admin", "--clinic", "TST"], "short\n", 1,
         "at least 12 characters"),
        (["clinics", "add", "TST", "--name", "again"], "", 1, "already exists"),
        (["users", "unlock", "nobody"], "", 1, "no user 'nobody'"),
    ],
)
def test_bad_input_gives_one_line_and_an_exit_code(
    tmp_path: Path, args: list[str], stdin: str, code: int, message: str
) -> None:
    db = tmp_path / "cli.db"
    hamrah(["init"], db)
    hamrah(["clinics", "add", "TST", "--name", "Test"], db)
    result = hamrah(args, db, stdin=stdin)
    assert result.returncode == code
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://root@127.0.0.1/test", "supports sqlite and postgresql"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot reach the database"),
    ],
)
def test_wrong_database_url_stops_with_one_line(tmp_path: Path, url: str, message: str) -> None:
    result = hamrah(["init"], url)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_production_without_cookie_key_stops(tmp_path: Path) -> None:
    env = {**os.environ, "HAMRAH_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
           "HAMRAH_ENV": "production"}
    env.pop("HAMRAH_COOKIE_KEY", None)
    result = subprocess.run([sys.executable, "-m", "cli", "init"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "HAMRAH_COOKIE_KEY is not set" in result.stderr


def _subcommand_paths() -> list[list[str]]:
    import argparse

    paths: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    paths.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return paths


# Codes and numbers typed on a Persian (۰-۹) or an Arabic (٠-٩) keyboard.
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("digits", [PERSIAN_DIGITS, ARABIC_INDIC_DIGITS],
                         ids=["persian", "arabic-indic"])
@pytest.mark.parametrize(("args", "field", "expected"), [
    (["clinics", "add", "C12", "--name", "x"], "code", "C12"),
    (["clinics", "deadline", "C12", "--rule", "seven_days", "--working-days", "sat-wed"],
     "code", "C12"),
    (["users", "add", "ana", "--role", "supervisor", "--clinic", "C12", "--clinic", "C3"],
     "clinics", ["C12", "C3"]),
    (["signals", "--clinic", "C12"], "clinics", ["C12"]),
    (["outreach", "--clinic", "C12", "--as-of", "2026-03-06"], "clinics", ["C12"]),
    (["content", "recommend", "P-0012", "--clinic", "C12"], "patient_code", "P-0012"),
    (["content", "recommend", "P-0012", "--clinic", "C12"], "clinic", "C12"),
    (["content", "recommend", "P-0012", "--clinic", "C12", "--member", "M-07"], "member",
     "M-07"),
    (["content", "recommend", "P-0012", "--clinic", "C12", "--limit", "3"], "limit", 3),
    (["content", "list", "--search", "mod-2"], "search", "mod-2"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_codes_and_numbers_typed_in_persian_digits_are_read_as_ascii(
        args: list[str], field: str, expected: object, digits: dict[int, int]) -> None:
    parsed = build_parser().parse_args([arg.translate(digits) for arg in args])
    assert getattr(parsed, field) == expected


def test_a_date_typed_in_persian_digits_is_read() -> None:
    parsed = build_parser().parse_args(["signals", "--as-of", "۲۰۲۶-۰۳-۰۶"])
    assert parsed.as_of == date(2026, 3, 6)


@pytest.mark.parametrize("path", _subcommand_paths(), ids=lambda p: " ".join(p) or "hamrah")
def test_every_subcommand_has_help(path: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*path, "--help"])
    assert exit_info.value.code == 0


def test_signals_prints_the_documented_contract(tmp_path: Path) -> None:
    import csv
    import io
    import json
    from datetime import date, timedelta

    from sqlalchemy import insert

    from data_access.database import open_database
    from data_access.models import DoseEvent
    from domain.signals import SIGNAL_FIELDS
    from tests import builders

    db_path = tmp_path / "cli.db"
    assert hamrah(["init"], db_path).returncode == 0
    db = open_database(f"sqlite:///{db_path}")
    with db.sessions() as session, session.begin():
        clinic_id = builders.clinic(session, "TST")
        patient = builders.patient(session, clinic_id, "P1", admission=date(2026, 10, 1))
        builders.patient(session, builders.clinic(session, "OTHER"), "P9")
        session.execute(insert(DoseEvent), [
            {"patient_id": patient, "dose_date": date(2026, 10, 1) + timedelta(days=n),
             "status": "taken", "dose_mg": 80.0, "kind": "observed"}
            for n in range(28)  # the last dose on 2026-10-28: 5 days missed by 2026-11-02
        ])
    db.engine.dispose()

    result = hamrah(["signals", "--as-of", "2026-11-02", "--clinic", "TST"], db_path)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records == [{
        "patient_code": "P1", "clinic_code": "TST", "phase": "maintenance",
        "days_in_phase": 32, "adherence_28d": 0.821, "missed_streak": 5,
        "missed_dose_action": "reinduction", "retained_90": None, "retained_180": None,
        "step_down_ready": False, "take_home_max_doses": 28,
        "flags": ["no_consented_support", "overdose_risk_tolerance"],
    }]
    as_csv = hamrah(["signals", "--as-of", "2026-11-02", "--format", "csv"], db_path)
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0]) == SIGNAL_FIELDS
    assert [row[0] for row in rows[1:]] == ["P9", "P1"]  # by clinic code, then patient code
    p1 = dict(zip(rows[0], next(row for row in rows[1:] if row[0] == "P1"), strict=True))
    assert p1["retained_90"] == "" and p1["step_down_ready"] == "false"
    assert p1["flags"] == "no_consented_support;overdose_risk_tolerance"


def test_commands_on_a_database_without_schema_say_to_run_init(tmp_path: Path) -> None:
    result = hamrah(["clinics", "list"], tmp_path / "empty.db")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "hamrah: the database schema is missing or out of date: run `hamrah init` first"
    )


def test_overview_refresh_counts_the_standing_overviews_once_unless_asked_for_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a pinned clock every run's "now" is the same instant: ``--all`` must count again
    what was counted at that very instant."""
    from domain.calendars import Calendar
    from domain.overview_view import named_periods
    from tests.pinned_clock import PINNED_TODAY, pin_clock

    pin_clock(monkeypatch)  # the commands' day is the test's
    db = tmp_path / "cli.db"
    assert hamrah(["init"], db).returncode == 0
    for code in ("TST", "TS2"):
        assert hamrah(["clinics", "add", code, "--name", code], db).returncode == 0
    added = hamrah(["users", "add", "ana", "--role", "supervisor", "--clinic", "TST",
                    "--clinic", "TS2"], db, stdin="a-long-enough-password\n")
    assert added.returncode == 0, added.stderr
    # Both clinics together and each alone, for every named period of today.
    standing = 3 * len(named_periods(PINNED_TODAY, Calendar.GREGORIAN))

    first = hamrah(["overview", "refresh"], db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"overviews: counted {standing}, fresh 0, pruned 0 in ")
    again = hamrah(["overview", "refresh"], db)
    assert again.stdout.startswith(f"overviews: counted 0, fresh {standing}, pruned 0 in ")
    every = hamrah(["overview", "refresh", "--all"], db)
    assert every.returncode == 0, every.stderr
    assert every.stdout.startswith(f"overviews: counted {standing}, fresh 0, pruned 0 in ")
