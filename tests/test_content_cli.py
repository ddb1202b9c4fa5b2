"""`hamrah content import` and `hamrah content list` as an operator runs them: real processes.

The database is prepared in-process where a test needs assignments; what is under test always
runs as a real command against SQLite.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from cli.main import build_parser
from data_access.database import open_database
from data_access.models import Assignment, ContentModule
from domain.content_rules import LIBRARY_COLUMNS, LIST_FIELDS
from tests import builders
from tests.test_cli import PROJECT_ROOT

HEADER = ",".join(LIBRARY_COLUMNS)
LIBRARY = "\n".join([
    HEADER,
    "mat-basics-fa,What MAT is (synthetic),For families,audio,fa,https://example.org/mat.mp3,"
    "300,mother;father,,,methadone,,maintenance,,what_is_mat",
    "naloxone-en,Naloxone at home (synthetic),,link,en,https://example.org/naloxone,,,,,,,,,"
    "overdose_and_naloxone;emergency_plan",
    "talking-en,Talking without blame (synthetic),,text,en,,,,,,,,,,communication",
]) + "\n"


def hamrah(args: list[str], database: Path, media_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HAMRAH_DATABASE_URL": f"sqlite:///{database}", "HAMRAH_ENV": "test",
           "HAMRAH_MEDIA_DIR": str(media_dir)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_import_dry_run_reimport_and_list(tmp_path: Path) -> None:
    db, media = tmp_path / "content.db", tmp_path / "media"
    assert hamrah(["init"], db, media).returncode == 0
    library = tmp_path / "library.csv"
    library.write_text(LIBRARY, encoding="utf-8")

    dry = hamrah(["content", "import", str(library), "--dry-run"], db, media)
    assert (dry.returncode, dry.stderr) == (0, "")
    assert dry.stdout == "inserted 3, updated 0, unchanged 0 (dry run: nothing was written)\n"
    assert query(db, "SELECT count(*) FROM content_module") == [(0,)]

    first = hamrah(["content", "import", str(library)], db, media)
    assert (first.returncode, first.stdout) == (0, "inserted 3, updated 0, unchanged 0\n")
    library.write_text(LIBRARY.replace("Talking without blame", "Talking without shame"),
                       encoding="utf-8")
    again = hamrah(["content", "import", str(library)], db, media)
    assert again.stdout == "inserted 0, updated 1, unchanged 2\n"
    assert query(db, "SELECT summary FROM audit_log WHERE entity = 'content_module' "
                     "ORDER BY seq") == [
        ("library import from 'library.csv': inserted 3, updated 0, unchanged 0",),
        ("library import from 'library.csv': inserted 0, updated 1, unchanged 2",),
    ]

    database = open_database(f"sqlite:///{db}")
    with database.sessions() as session, session.begin():
        clinic_id = builders.clinic(session, "TST")
        patient_id = builders.patient(session, clinic_id, "P1")
        member_id = builders.member(session, clinic_id, patient_id, "M1")
        naloxone = session.scalars(
            select(ContentModule).where(ContentModule.code == "naloxone-en")).one()
        naloxone.retired = True
        session.add_all([Assignment(module_id=naloxone.id, member_id=member_id,
                                    assigned_at=datetime(2026, 3, 1), status=status)
                         for status in ("completed", "opened", "blocked_no_consent")])
    database.engine.dispose()

    listed = hamrah(["content", "list"], db, media)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"code": "mat-basics-fa", "title": "What MAT is (synthetic)", "kind": "audio",
         "language": "fa", "retired": False, "topics": ["what_is_mat"], "assigned": 0,
         "completed": 0},
        {"code": "naloxone-en", "title": "Naloxone at home (synthetic)", "kind": "link",
         "language": "en", "retired": True,
         "topics": ["overdose_and_naloxone", "emergency_plan"], "assigned": 2, "completed": 1},
        {"code": "talking-en", "title": "Talking without shame (synthetic)", "kind": "text",
         "language": "en", "retired": False, "topics": ["communication"], "assigned": 0,
         "completed": 0},
    ]
    as_csv = hamrah(["content", "list", "--format", "csv", "--language", "en"], db, media)
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0]) == LIST_FIELDS
    assert rows[1:] == [
        ["naloxone-en", "Naloxone at home (synthetic)", "link", "en", "true",
         "overdose_and_naloxone;emergency_plan", "2", "1"],
        ["talking-en", "Talking without shame (synthetic)", "text", "en", "false",
         "communication", "0", "0"],
    ]
    found = hamrah(["content", "list", "--search", "MAT", "--topic", "what_is_mat"], db, media)
    assert [record["code"] for record in json.loads(found.stdout)] == ["mat-basics-fa"]
    assert not media.exists()  # nothing was uploaded: the command never made the folder


def test_a_bad_library_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    db, media = tmp_path / "content.db", tmp_path / "media"
    hamrah(["init"], db, media)
    library = tmp_path / "library.csv"
    library.write_text(HEADER + ",notes\n"
                       + "mat-basics-fa,What MAT is,,audio,fa,,300,,,,,,,,what_is_mat,\n"
                       + "Naloxone,Naloxone,,link,en,,,,,,,,,,,\n"
                       + "talk,Talking,,text,en,,5 min,,,,,,,,,\n", encoding="utf-8")
    result = hamrah(["content", "import", str(library)], db, media)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "warning: column 'notes' is not used and was ignored",
        "row 3, column code, value 'Naloxone': use 3 to 64 lower-case letters a-z, digits, "
        "- or _",
        "row 3, column location, value '': a link module needs its web address (http:// or "
        "https://)",
        "row 4, column duration_seconds, value '5 min': not a whole number of seconds "
        "(0 or more)",
        "hamrah: library.csv: 3 errors in 2 rows; nothing was written",
    ]
    assert query(db, "SELECT count(*) FROM content_module") == [(0,)]
    assert query(db, "SELECT count(*) FROM audit_log WHERE entity = 'content_module'") == [(0,)]


def test_bad_arguments_and_a_missing_schema(tmp_path: Path) -> None:
    db, media = tmp_path / "content.db", tmp_path / "media"
    no_schema = hamrah(["content", "list"], db, media)
    assert no_schema.returncode == 2
    assert no_schema.stderr.strip() == (
        "hamrah: the database schema is missing or out of date: run `hamrah init` first")
    hamrah(["init"], db, media)
    for args, message in [
        (["content", "import", str(tmp_path / "missing.csv")], "is not a file"),
        (["content", "list", "--format", "xml"], "invalid choice"),
        (["content", "list", "--topic", "cooking"], "invalid choice"),
        (["content"], "required"),
    ]:
        result = hamrah(args, db, media)
        assert result.returncode == 2, args
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_content_subcommands_are_registered() -> None:
    args = build_parser().parse_args(["content", "import", __file__, "--dry-run"])
    assert (args.command, args.action, args.dry_run) == ("content", "import", True)


def test_recommend_ranks_modules_for_each_member_with_reasons(tmp_path: Path) -> None:
    db, media = tmp_path / "content.db", tmp_path / "media"
    assert hamrah(["init"], db, media).returncode == 0
    library = tmp_path / "library.csv"
    library.write_text(LIBRARY, encoding="utf-8")
    assert hamrah(["content", "import", str(library)], db, media).returncode == 0
    database = open_database(f"sqlite:///{db}")
    with database.sessions() as session, session.begin():
        clinic_id = builders.clinic(session, "REC")
        patient_id = builders.patient(session, clinic_id, "P-REC")  # maintenance, methadone 80
        builders.member(session, clinic_id, patient_id, "M-EN")  # a mother who reads English
    database.engine.dispose()

    result = hamrah(["content", "recommend", "P-REC", "--clinic", "REC", "--format", "json"],
                    db, media)
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    # The Persian module fits the mother better but she reads English: never recommended.
    assert [(r["member_code"], r["rank"], r["module_code"]) for r in records] == [
        ("M-EN", 1, "naloxone-en"), ("M-EN", 2, "talking-en")]
    assert records[0]["reasons"][-1] == "in English"
    one = hamrah(["content", "recommend", "P-REC", "--clinic", "REC", "--member", "M-EN",
                  "--limit", "1", "--format", "csv"], db, media)
    rows = list(csv.DictReader(io.StringIO(one.stdout)))
    assert [row["module_code"] for row in rows] == ["naloxone-en"]
    missing = hamrah(["content", "recommend", "NOPE", "--clinic", "REC"], db, media)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "hamrah: no patient 'NOPE' in clinic 'REC'"
    bad_limit = hamrah(["content", "recommend", "P-REC", "--clinic", "REC", "--limit", "0"],
                       db, media)
    assert bad_limit.returncode == 2
    assert query(db, "SELECT entity_id FROM audit_log WHERE action = 'export'") == [
        ("REC/P-REC",), ("REC/P-REC",)]


def test_recommend_finds_the_same_patient_when_its_codes_are_typed_in_persian_digits(
        tmp_path: Path) -> None:
    db, media = tmp_path / "content.db", tmp_path / "media"
    assert hamrah(["init"], db, media).returncode == 0
    library = tmp_path / "library.csv"
    library.write_text(LIBRARY, encoding="utf-8")
    assert hamrah(["content", "import", str(library)], db, media).returncode == 0
    database = open_database(f"sqlite:///{db}")
    with database.sessions() as session, session.begin():
        clinic_id = builders.clinic(session, "C12")
        patient_id = builders.patient(session, clinic_id, "P-0012")
        builders.member(session, clinic_id, patient_id, "M-07")
    database.engine.dispose()

    ascii_typed = hamrah(["content", "recommend", "P-0012", "--clinic", "C12"], db, media)
    persian_typed = hamrah(["content", "recommend", "P-۰۰۱۲", "--clinic", "C۱۲",
                            "--member", "M-٠٧"], db, media)

    assert persian_typed.returncode == 0, persian_typed.stderr
    assert persian_typed.stdout == ascii_typed.stdout
    assert [r["module_code"] for r in json.loads(persian_typed.stdout)] == [
        "naloxone-en", "talking-en"]
    assert query(db, "SELECT entity_id FROM audit_log WHERE action = 'export'") == [
        ("C12/P-0012",), ("C12/P-0012",)]
