"""``hamrah outreach`` as an operator runs it: real processes against a seeded SQLite database."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import func, select

from data_access.database import open_database
from data_access.models import AuditLog, OutreachAttempt
from data_access.outreach import outreach_worklist
from data_access.signals import all_clinic_ids
from domain.outreach import WORKLIST_FIELDS as OUTREACH_FIELDS
from settings import OUTREACH_ENV_PREFIX, outreach_thresholds
from tests import builders
from tests.data_access.test_outreach import ADMITTED, AS_OF, at, engaged_family
from tests.data_access.test_patient_signals import add_doses, add_screen, days

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DAY = AS_OF.isoformat()


def hamrah(args: list[str], db_path: Path,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Outreach overrides in the caller's shell would change the worklist: only ``env`` counts.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(OUTREACH_ENV_PREFIX)}
    full_env = {**inherited, "HAMRAH_DATABASE_URL": f"sqlite:///{db_path}",
                "HAMRAH_ENV": "test", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=PROJECT_ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two clinics; on 2026-11-02:

    - TST/P1-MISSED: last dose 3 days ago and an unacknowledged emergency report (urgent); two
      consented members, one member without a consent.
    - TST/P2-POS: an unexpected positive screen yesterday (high); an attempt logged yesterday at
      tier routine with a follow-up in 3 days does not hide it.
    - TST/P3-ALONE: nobody consented (routine).
    - TST/P4-SNOOZED: family quiet for 40 days (routine), snoozed by a logged attempt.
    - TST/P5-STEADY: every dose, engaged family: not listed.
    - OTHER/P9-ALONE: nobody consented (routine).
    """
    path = tmp_path_factory.mktemp("outreach") / "cli.db"
    initialised = hamrah(["init"], path)
    assert initialised.returncode == 0, initialised.stderr
    db = open_database(f"sqlite:///{path}")
    with db.sessions() as session, session.begin():
        tst = builders.clinic(session, "TST")
        other = builders.clinic(session, "OTHER")

        missed = builders.patient(session, tst, "P1-MISSED", admission=ADMITTED)
        add_doses(session, missed, days(ADMITTED, AS_OF - timedelta(days=3)))
        reporter = engaged_family(session, tst, missed, "M-1A")
        engaged_family(session, tst, missed, "M-1B")
        builders.member(session, tst, missed, "M-1X")  # no consent: never contacted
        builders.report(session, reporter, missed, emergency=True)

        positive = builders.patient(session, tst, "P2-POS", admission=ADMITTED)
        add_doses(session, positive, days(ADMITTED, AS_OF))
        add_screen(session, positive, AS_OF - timedelta(days=1), "heroin", "positive")
        member = engaged_family(session, tst, positive, "M-2")
        session.add(OutreachAttempt(
            patient_id=positive, member_id=member, attempted_at=at(AS_OF - timedelta(days=1)),
            channel="phone_call", outcome="no_answer", follow_up_on=AS_OF + timedelta(days=3),
            tier="routine"))

        alone = builders.patient(session, tst, "P3-ALONE", admission=ADMITTED)
        add_doses(session, alone, days(ADMITTED, AS_OF))

        snoozed = builders.patient(session, tst, "P4-SNOOZED", admission=ADMITTED)
        add_doses(session, snoozed, days(ADMITTED, AS_OF))
        member = engaged_family(session, tst, snoozed, "M-4",
                                last_engaged=AS_OF - timedelta(days=40))
        session.add(OutreachAttempt(
            patient_id=snoozed, member_id=member, attempted_at=at(AS_OF - timedelta(days=1)),
            channel="telegram", outcome="message_sent", follow_up_on=AS_OF + timedelta(days=3),
            tier="routine"))

        steady = builders.patient(session, tst, "P5-STEADY", admission=ADMITTED)
        add_doses(session, steady, days(ADMITTED, AS_OF))
        engaged_family(session, tst, steady, "M-5")

        far = builders.patient(session, other, "P9-ALONE", admission=ADMITTED)
        add_doses(session, far, days(ADMITTED, AS_OF))
    db.engine.dispose()
    yield path


def run_json(db_path: Path, *args: str,
             env: dict[str, str] | None = None) -> list[dict[str, object]]:
    result = hamrah(["outreach", "--as-of", DAY, *args], db_path, env)
    assert result.returncode == 0, result.stderr
    records: list[dict[str, object]] = json.loads(result.stdout)
    return records


def reason_codes(record: dict[str, object]) -> list[str]:
    return [reason["code"] for reason in cast("list[dict[str, str]]", record["reasons"])]


def test_json_lists_the_urgent_patient_first(db_path: Path) -> None:
    records = run_json(db_path)
    assert [r["patient_code"] for r in records] == [
        "P1-MISSED", "P2-POS", "P3-ALONE", "P9-ALONE"]  # P4 snoozed, P5 has no reason
    assert records[0] == {
        "patient_code": "P1-MISSED",
        "clinic_code": "TST",
        "member_codes": ["M-1A", "M-1B"],
        "tier": "urgent",
        # 2 reasons; the emergency report (2026-01-01) is 305 days old.
        "score": 2305,
        "reasons": [
            {"code": "emergency_report",
             "text": "1 unacknowledged emergency report(s) from the family"},
            {"code": "overdose_risk_tolerance",
             "text": "Missed doses 3 days in a row: tolerance may have fallen, risk of overdose"},
        ],
        "last_contact": None,
        "snoozed_until": None,
    }
    second = records[1]
    assert (second["tier"], reason_codes(second)) == ("high", ["unexpected_positive_7d"])
    # A routine snooze does not hide a high reason; the item still shows the follow-up date.
    assert (second["last_contact"], second["snoozed_until"]) == ("2026-11-01", "2026-11-05")
    assert records[2]["member_codes"] == []  # nobody consented: ask the patient
    assert reason_codes(records[2]) == ["recruit_support"]


def test_csv_has_the_documented_columns(db_path: Path) -> None:
    result = hamrah(["outreach", "--as-of", DAY, "--format", "csv"], db_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == OUTREACH_FIELDS == (
        "patient_code", "clinic_code", "member_codes", "tier", "score", "reasons",
        "last_contact", "snoozed_until")
    assert [row[0] for row in rows[1:]] == ["P1-MISSED", "P2-POS", "P3-ALONE", "P9-ALONE"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first == {
        "patient_code": "P1-MISSED", "clinic_code": "TST", "member_codes": "M-1A;M-1B",
        "tier": "urgent", "score": "2305",
        "reasons": "emergency_report: 1 unacknowledged emergency report(s) from the family | "
                   "overdose_risk_tolerance: Missed doses 3 days in a row: tolerance may have "
                   "fallen, risk of overdose",
        "last_contact": "", "snoozed_until": "",
    }
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["last_contact"], second["snoozed_until"]) == ("2026-11-01", "2026-11-05")
    assert dict(zip(rows[0], rows[3], strict=True))["member_codes"] == ""


@pytest.mark.parametrize(
    ("clinics", "patients"),
    [
        (["OTHER"], ["P9-ALONE"]),
        (["TST"], ["P1-MISSED", "P2-POS", "P3-ALONE"]),
        (["OTHER", "TST", "OTHER"], ["P1-MISSED", "P2-POS", "P3-ALONE", "P9-ALONE"]),
    ],
)
def test_clinic_option_filters(db_path: Path, clinics: list[str], patients: list[str]) -> None:
    args = [arg for code in clinics for arg in ("--clinic", code)]
    assert [r["patient_code"] for r in run_json(db_path, *args)] == patients


@pytest.mark.parametrize("clinics", [["NOPE"], ["TST", "NOPE"]])
def test_unknown_clinic_gives_one_line_and_exit_2(db_path: Path, clinics: list[str]) -> None:
    args = [arg for code in clinics for arg in ("--clinic", code)]
    result = hamrah(["outreach", "--as-of", DAY, *args], db_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "hamrah: no clinic with the code 'NOPE' (`hamrah clinics list` shows the codes)\n")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HAMRAH_OUTREACH_FOO": "1"}, "HAMRAH_OUTREACH_FOO is not a setting"),
        ({"HAMRAH_OUTREACH_DISENGAGED_DAYS": "2.5"}, "must be a whole number"),
        ({"HAMRAH_OUTREACH_DISENGAGED_DAYS": "thirty"}, "is not a number"),
        ({"HAMRAH_OUTREACH_LOW_ADHERENCE_BELOW": "1.5"}, "share between 0 and 1"),
    ],
)
def test_bad_outreach_setting_gives_one_line_and_exit_2(
    db_path: Path, env: dict[str, str], message: str
) -> None:
    result = hamrah(["outreach", "--as-of", DAY], db_path, env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("hamrah: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "env",
    [{}, {"HAMRAH_OUTREACH_OVERDOSE_RISK_MISSED_DAYS": "4",
          "HAMRAH_OUTREACH_DISENGAGED_DAYS": "21"}],
    ids=["defaults", "overrides"],
)
def test_output_is_what_outreach_worklist_returns(db_path: Path, env: dict[str, str]) -> None:
    printed = run_json(db_path, env=env)
    db = open_database(f"sqlite:///{db_path}")
    with db.sessions() as session:
        items = outreach_worklist(session, clinic_ids=all_clinic_ids(session), as_of=AS_OF,
                                  outreach=outreach_thresholds(env))
    db.engine.dispose()
    assert printed == [item.as_record() for item in items]
    if env:  # the settings reach the rules: 3 missed days are no longer urgent
        assert printed != run_json(db_path)
        assert all("overdose_risk_tolerance" not in reason_codes(r) for r in printed)


def test_each_run_is_audited_as_an_export(db_path: Path) -> None:
    db = open_database(f"sqlite:///{db_path}")

    def exports() -> int:
        with db.sessions() as session:
            return session.scalar(
                select(func.count()).select_from(AuditLog)
                .where(AuditLog.entity == "outreach_worklist", AuditLog.action == "export")
            ) or 0

    before = exports()
    run_json(db_path, "--clinic", "OTHER")
    assert exports() == before + 1
    with db.sessions() as session:
        latest = session.scalars(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1)).one()
    db.engine.dispose()
    assert (latest.actor, latest.entity_id, latest.summary) == (
        "cli", DAY, f"1 patients as of {DAY} (json)")
    assert hamrah(["audit", "verify"], db_path).returncode == 0
