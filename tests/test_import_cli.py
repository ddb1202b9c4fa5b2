"""`hamrah import` and `hamrah demo --export-samples` as an operator runs them: real processes.

The databases are prepared in-process (each `hamrah` process spends a second importing its
libraries); what is under test always runs as a real command.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from cli.main import build_parser
from data_access.audit import verify_audit_chain
from data_access.demo import build_demo
from data_access.engine import make_engine, session_factory
from data_access.importers import import_file
from data_access.models import Patient
from data_access.schema import upgrade_to_head
from tests import builders
from tests.pinned_clock import PINNED_TODAY, pin_clock
from tests.test_cli import PROJECT_ROOT, hamrah

TODAY = PINNED_TODAY
ADMISSION = TODAY - timedelta(days=400)
DOSE_HEADER = ["patient_code", "clinic_code", "date", "status", "dose_mg"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def clinic_with_patients(db: Path, patients: int) -> None:
    """Clinic TST with methadone patients P-0001…, admitted 400 days ago."""
    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    with session_factory(engine)() as session, session.begin():
        clinic_id = builders.clinic(session, "TST")
        session.execute(insert(Patient), [
            {"clinic_id": clinic_id, "code": f"P-{n:04d}", "first_name": "Test",
             "last_name": f"Demo-{n}", "sex": "M", "birth_year": 1985,
             "primary_substance": "heroin", "medication": "methadone", "dose_mg": 80.0,
             "admission_date": ADMISSION, "phase": "maintenance", "phase_since": ADMISSION,
             "created_at": datetime(2026, 1, 1), "updated_at": datetime(2026, 1, 1)}
            for n in range(1, patients + 1)])
    engine.dispose()


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_import_dry_run_reimport_and_a_failed_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pin_clock(monkeypatch)
    db = tmp_path / "import.db"
    clinic_with_patients(db, 2)
    day = (TODAY - timedelta(days=1)).isoformat()
    good = write_csv(tmp_path / "doses.csv", [*DOSE_HEADER, "note"],
                     [["P-0001", "TST", day, "taken", "80", "x"],
                      ["P-0002", "TST", day, "missed", "", ""]])
    dry = hamrah(["import", "doses", str(good), "--dry-run"], db)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == "inserted 2, updated 0, unchanged 0 (dry run: nothing was written)\n"
    assert dry.stderr == "warning: column 'note' is not used and was ignored\n"
    assert query(db, "SELECT count(*) FROM dose_event") == [(0,)]
    assert hamrah(["import", "doses", str(good)], db).stdout == \
        "inserted 2, updated 0, unchanged 0\n"
    assert hamrah(["import", "doses", str(good)], db).stdout == \
        "inserted 0, updated 0, unchanged 2\n"

    future = (TODAY + timedelta(days=1)).isoformat()
    bad = write_csv(tmp_path / "bad.csv", DOSE_HEADER,
                    [["P-0001", "TST", day, "taken", "85"],
                     ["P-0009", "TST", day, "taken", "80"],
                     ["P-0002", "TST", future, "taken", "500"]])
    failed = hamrah(["import", "doses", str(bad)], db)
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr.splitlines() == [
        "row 3, column patient_code, value 'P-0009': no patient with this code in clinic TST",
        f"row 4, column date, value '{future}': in the future (today is {TODAY.isoformat()})",
        "hamrah: bad.csv: 2 errors in 2 rows; nothing was written",
    ]
    assert query(db, "SELECT dose_mg FROM dose_event WHERE status = 'taken'") == [(80.0,)]
    assert query(db, "SELECT actor, action, summary FROM audit_log WHERE entity = 'import' "
                     "ORDER BY seq") == [
        ("cli", "create", "import doses from 'doses.csv': inserted 2, updated 0, unchanged 0"),
        ("cli", "create", "import doses from 'doses.csv': inserted 0, updated 0, unchanged 2"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["import", "visits", "x.csv"], "argument KIND: invalid choice: 'visits'"),
     (["import", "doses", "no-such-file.csv"], "argument FILE: 'no-such-file.csv' is not a file")],
)
def test_bad_import_arguments_give_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(args)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


def test_demo_export_samples_writes_files_that_import_back_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    with session_factory(engine)() as session, session.begin():
        build_demo(session, patients=12, days=40, seed=5, as_of=TODAY - timedelta(days=1))
    engine.dispose()
    samples = tmp_path / "samples"
    exported = hamrah(["demo", "--export-samples", str(samples)], db)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"exported to {samples}: patients.csv (12 rows), ")
    assert sorted(p.name for p in samples.iterdir()) == [
        "doses.csv", "members.csv", "patients.csv", "screens.csv"]
    doses = samples / "doses.csv"
    rows = len(doses.read_text(encoding="utf-8").splitlines()) - 1
    again = hamrah(["import", "doses", str(doses), "--dry-run"], db)
    assert again.stdout == f"inserted 0, updated 0, unchanged {rows} (dry run: nothing was " \
                           "written)\n"
    empty = hamrah(["demo", "--export-samples", str(tmp_path / "none")], tmp_path / "empty.db")
    assert empty.returncode == 1 and "the database is empty" in empty.stderr


def drain(fd: int, into: bytearray) -> None:
    """Collect a pipe's bytes as they come: the progress bar redraws without newlines."""
    while block := os.read(fd, 4096):
        into.extend(block)


def test_a_killed_import_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """SIGKILL in the middle of the write pass: the uncommitted rows are simply not there."""
    patients, days = 400, 400  # 160,000 dose rows: a few seconds of writing
    db = tmp_path / "kill.db"
    clinic_with_patients(db, patients)
    rows = [[f"P-{n:04d}", "TST", (ADMISSION + timedelta(days=d)).isoformat(), "taken", "80"]
            for n in range(1, patients + 1) for d in range(days)]
    big = write_csv(tmp_path / "big.csv", DOSE_HEADER, rows)
    env = {**os.environ, "HAMRAH_DATABASE_URL": f"sqlite:///{db}", "HAMRAH_ENV": "test"}
    process = subprocess.Popen([sys.executable, "-m", "cli", "import", "doses", str(big)],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    seen = bytearray()
    reader = threading.Thread(target=drain, args=(process.stderr.fileno(), seen), daemon=True)
    reader.start()
    # A drawn "write" bar with a done count above 0: chunks are written, nothing is committed.
    writing = re.compile(rb"write\s+\[[#-]+\]\s+[\d.]+% \(([1-9]\d*)/")
    deadline = time.monotonic() + 90
    while not writing.search(bytes(seen)) and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    reader.join(timeout=5)
    shown = bytes(seen).decode("utf-8", "replace")[-300:]
    assert process.returncode == -signal.SIGKILL, f"not killed in the write pass: {shown}"
    assert writing.search(bytes(seen)), shown

    assert query(db, "SELECT count(*) FROM dose_event") == [(0,)]
    assert query(db, "SELECT count(*) FROM audit_log WHERE entity = 'import'") == [(0,)]
    engine = make_engine(f"sqlite:///{db}")
    with session_factory(engine)() as session, session.begin():  # and the database takes writes
        assert verify_audit_chain(session).broken is None
        small = io.StringIO("\n".join(",".join(row) for row in [DOSE_HEADER, *rows[:3]]))
        result = import_file(session, "doses", small, dry_run=False, actor="test", today=TODAY)
        assert result.summary() == "inserted 3, updated 0, unchanged 0"
    engine.dispose()
    assert query(db, "SELECT count(*) FROM dose_event") == [(3,)]
