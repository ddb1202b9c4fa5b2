"""CSV imports on SQLite and PostgreSQL: every check, all or nothing, idempotent, round trip."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from data_access import importers
from data_access.audit import verify_audit_chain
from data_access.clinics import add_clinic
from data_access.demo import build_demo
from data_access.engine import session_factory
from data_access.exports import SAMPLE_FILE_NAMES, export_rows, export_samples
from data_access.importers import ImportFileChanged, ImportResult, import_file
from data_access.models import (
    AuditLog,
    Base,
    Consent,
    DoseEvent,
    Patient,
    PhaseChange,
    SupportMember,
    UrineScreen,
)
from data_access.signals import all_clinic_ids, patient_signal_list
from data_access.staff import add_user
from domain.import_rules import FORMATS, ImportKind
from domain.vocabulary import Role
from tests import builders
from tests.conftest import postgres_engine, sqlite_engine

TODAY = date(2026, 11, 23)
PASSWORD = "import-test-password"

PATIENT_ROW = {
    "patient_code": "N-1", "clinic_code": "TST", "first_name": "Test", "last_name": "Demo-N1",
    "sex": "F", "birth_year": "1990", "admission_date": "2026-06-01", "medication": "methadone",
    "dose_mg": "60", "phase": "induction", "phase_since": "", "primary_substance": "opium",
    "psychologist": "psy.tst", "living_situation": "with_family", "employment": "employed",
}
DOSE_ROW = {"patient_code": "P-1", "clinic_code": "TST", "date": "2026-11-02",
            "status": "taken", "dose_mg": "80", "kind": "observed"}
SCREEN_ROW = {"patient_code": "P-1", "clinic_code": "TST", "date": "2026-11-02",
              "substance": "opioids", "result": "negative", "expected": "false"}
MEMBER_ROW = {
    "member_code": "M-1", "patient_code": "P-1", "clinic_code": "TST", "relation": "mother",
    "first_name": "Test", "last_name": "Demo-M1", "phone": "+44 7700 900001",
    "email": "m-1@example.org", "channel": "sms", "language": "en", "active": "true",
    "consent_signed": "2026-03-01", "consent_expires": "2027-03-01", "consent_revoked": "",
    "consent_scope": "education",
}
GOOD = {ImportKind.PATIENTS: PATIENT_ROW, ImportKind.DOSES: DOSE_ROW,
        ImportKind.SCREENS: SCREEN_ROW, ImportKind.MEMBERS: MEMBER_ROW}
TABLES: dict[ImportKind, type[Base]] = {
    ImportKind.PATIENTS: Patient, ImportKind.DOSES: DoseEvent,
    ImportKind.SCREENS: UrineScreen, ImportKind.MEMBERS: SupportMember,
}


def csv_bytes(rows: Sequence[dict[str, str]], columns: Sequence[str] | None = None, *,
              bom: bool = False) -> bytes:
    out = io.StringIO()
    names = list(columns or rows[0])
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def run(session: Session, kind: ImportKind, data: bytes | str, *, dry_run: bool = False,
        **options: Any) -> ImportResult:
    stream = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
    with session.begin():
        return import_file(session, kind, stream, dry_run=dry_run, actor="test", today=TODAY,
                           **options)


def count(session: Session, model: type[Base]) -> int:
    with session.begin():
        return session.scalar(select(func.count()).select_from(model)) or 0


def seed(session: Session) -> dict[str, int]:
    """Clinics TST and OTH, a psychologist, one patient per medication and one member."""
    with session.begin():
        clinic = builders.clinic(session, "TST")
        builders.clinic(session, "OTH")
        add_user(session, username="psy.tst", password=PASSWORD, role=Role.PSYCHOLOGIST,
                 clinic_codes=["TST"], actor="test")
        ids = {
            "P-1": builders.patient(session, clinic, "P-1"),
            "P-2": builders.patient(session, clinic, "P-2", medication="buprenorphine",
                                    dose_mg=16),
            "P-3": builders.patient(session, clinic, "P-3", medication="naltrexone", dose_mg=50),
        }
        builders.member(session, clinic, ids["P-2"], "M-9")
    return ids


# --- every check, one table --------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def checked(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """One seeded database per backend for the whole table: a failed import writes nothing."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path_factory.mktemp("import-checks"))
        admin = schema = None
    else:
        admin, engine, schema = postgres_engine()
    sessions = session_factory(engine)
    with sessions() as session:
        seed(session)
    yield sessions
    engine.dispose()
    if admin is not None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


BAD_ROWS: list[tuple[ImportKind, dict[str, str], str]] = [
    # types
    (ImportKind.PATIENTS, {"birth_year": "19x0"},
     "row 3, column birth_year, value '19x0': not a whole number"),
    (ImportKind.DOSES, {"dose_mg": "abc"}, "row 3, column dose_mg, value 'abc': not a number"),
    (ImportKind.SCREENS, {"expected": "maybe"},
     "row 3, column expected, value 'maybe': must be true or false"),
    (ImportKind.MEMBERS, {"relation": "cousin"},
     "row 3, column relation, value 'cousin': must be one of mother, father, spouse, partner, "
     "sibling, child, other_relative, friend"),
    # dates real and not in the future
    (ImportKind.DOSES, {"date": "2026-02-29"},
     "row 3, column date, value '2026-02-29': not a real date"),
    (ImportKind.SCREENS, {"date": "2026-11-24"},
     "row 3, column date, value '2026-11-24': in the future (today is 2026-11-23)"),
    # unknown codes
    (ImportKind.DOSES, {"patient_code": "P-404"},
     "row 3, column patient_code, value 'P-404': no patient with this code in clinic TST"),
    (ImportKind.DOSES, {"clinic_code": "OTH"},
     "row 3, column patient_code, value 'P-1': no patient with this code in clinic OTH"),
    (ImportKind.SCREENS, {"clinic_code": "NOPE"},
     "row 3, column clinic_code, value 'NOPE': no clinic with this code"),
    (ImportKind.PATIENTS, {"clinic_code": "NOPE"},
     "row 3, column clinic_code, value 'NOPE': no clinic with this code"),
    (ImportKind.MEMBERS, {"patient_code": "P-404"},
     "row 3, column patient_code, value 'P-404': no patient with this code in clinic TST"),
    # dose ranges, by the patient's medication
    (ImportKind.DOSES, {"date": "2026-11-03", "dose_mg": "401"},
     "row 3, column dose_mg, value '401': outside 0–400 mg for methadone"),
    (ImportKind.DOSES, {"patient_code": "P-2", "dose_mg": "32.5"},
     "row 3, column dose_mg, value '32.5': outside 0–32 mg for buprenorphine"),
    (ImportKind.DOSES, {"patient_code": "P-3", "dose_mg": "381"},
     "row 3, column dose_mg, value '381': outside 0–380 mg for naltrexone"),
    (ImportKind.PATIENTS, {"medication": "buprenorphine", "dose_mg": "33"},
     "row 3, column dose_mg, value '33': outside 0–32 mg for buprenorphine"),
    # duplicate keys inside the file
    (ImportKind.PATIENTS, {"patient_code": "N-1"},
     "row 3, column patient_code, value 'N-1': the same patient_code + clinic_code as row 2"),
    (ImportKind.DOSES, {"dose_mg": "85"},
     "row 3, column date, value '2026-11-02': the same patient_code + clinic_code + date as "
     "row 2"),
    (ImportKind.SCREENS, {"substance": "Opioids", "result": "positive"},
     "row 3, column substance, value 'Opioids': the same patient_code + clinic_code + date + "
     "substance as row 2"),
    (ImportKind.MEMBERS, {"member_code": "M-1", "patient_code": "P-2"},
     "row 3, column member_code, value 'M-1': the same member_code + clinic_code as row 2"),
    # status and dose
    (ImportKind.DOSES, {"date": "2026-11-03", "dose_mg": ""},
     "row 3, column dose_mg, value '': a taken dose needs dose_mg"),
    (ImportKind.DOSES, {"date": "2026-11-03", "status": "missed"},
     "row 3, column dose_mg, value '80': a missed dose has no dose_mg"),
    # consent, phone, e-mail
    (ImportKind.MEMBERS, {"member_code": "M-2", "consent_expires": "2026-02-01"},
     "row 3, column consent_expires, value '2026-02-01': the consent expires before it was "
     "signed (2026-03-01)"),
    (ImportKind.MEMBERS, {"member_code": "M-2", "phone": "+44 (77) 00"},
     "row 3, column phone, value '+44 (77) 00': a phone number has 7 to 15 digits, this one "
     "has 6"),
    (ImportKind.MEMBERS, {"member_code": "M-2", "phone": "0912/000/1234"},
     "row 3, column phone, value '0912/000/1234': not a phone number (digits, spaces, dashes, "
     "parentheses and a leading +)"),
    (ImportKind.MEMBERS, {"member_code": "M-2", "email": "m-2@example"},
     "row 3, column email, value 'm-2@example': not an e-mail address"),
    # staff and members that exist
    (ImportKind.PATIENTS, {"patient_code": "N-2", "psychologist": "nobody"},
     "row 3, column psychologist, value 'nobody': no staff user with this username"),
    (ImportKind.MEMBERS, {"member_code": "M-9"},
     "row 3, column patient_code, value 'P-1': member belongs to patient P-2; a member cannot "
     "move to another patient (add a new member code instead)"),
]


@pytest.mark.parametrize(("kind", "changes", "line"), BAD_ROWS,
                         ids=[f"{kind}-{line.split(': ')[-1][:40]}" for kind, _, line in BAD_ROWS])
def test_a_bad_row_among_good_ones_is_reported_and_nothing_is_written(
    checked: sessionmaker[Session], kind: ImportKind, changes: dict[str, str], line: str
) -> None:
    good = GOOD[kind]
    with checked() as session:
        before = {model: count(session, model) for model in (*TABLES.values(), AuditLog)}
        result = run(session, kind, csv_bytes([good, {**good, **changes}]))
        assert [str(error) for error in result.errors] == [line]
        assert (result.inserted, result.updated, result.unchanged) == (0, 0, 0)
        assert {model: count(session, model) for model in before} == before


def test_a_row_lists_its_unknown_codes_with_its_other_problems(
    checked: sessionmaker[Session]
) -> None:
    with checked() as session:
        result = run(session, ImportKind.DOSES, csv_bytes([
            {**DOSE_ROW, "patient_code": "P-404", "status": "gone"},
            {**DOSE_ROW, "clinic_code": "NOPE", "date": "someday"}]))
    assert [str(error) for error in result.errors] == [
        "row 2, column status, value 'gone': must be one of taken, missed",
        "row 2, column patient_code, value 'P-404': no patient with this code in clinic TST",
        "row 3, column date, value 'someday': not a date YYYY-MM-DD",
        "row 3, column clinic_code, value 'NOPE': no clinic with this code",
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"patient_code,clinic_code,date,dose_mg\r\nP-1,TST,2026-11-02,80\r\n",
         "row 1, column status, value '': required column is missing"),
        (b"patient_code,clinic_code,date,status\r\nP-1,TST,2026-11-02,missed,,,x\r\n",
         "row 2, column (row), value '': the row has 7 cells, the header has 4"),
        ("patient_code,clinic_code,date,status\r\nP-1,TST,2026-11-02,missed\r\nP-\xe9,T,"
         "2026-11-03,missed\r\n".encode("latin-1"),
         "row 3, column patient_code, value 'P-\ufffd': not UTF-8 text (save the file as "
         "'CSV UTF-8')"),
        (b"", "row 1, column (file), value '': the file is empty: a header row is needed"),
    ],
)
def test_problems_of_the_file_itself(checked: sessionmaker[Session], data: bytes,
                                     line: str) -> None:
    with checked() as session:
        result = run(session, ImportKind.DOSES, data)
    assert [str(error) for error in result.errors] == [line]


# --- writes: idempotent, in place, history, audit ----------------------------------------------


def sample_files() -> dict[ImportKind, bytes]:
    patients = [PATIENT_ROW, {**PATIENT_ROW, "patient_code": "N-2", "phase": "maintenance",
                              "phase_since": "2026-09-01", "psychologist": "",
                              "medication": "buprenorphine", "dose_mg": "12.5"}]
    doses = [DOSE_ROW, {**DOSE_ROW, "date": "2026-11-03", "status": "missed", "dose_mg": "",
                        "kind": ""},
             {**DOSE_ROW, "patient_code": "N-2", "date": "2026-11-03", "dose_mg": "12.5",
              "kind": "take_home"}]
    screens = [SCREEN_ROW, {**SCREEN_ROW, "substance": "methadone", "result": "positive",
                            "expected": "true"}]
    members = [MEMBER_ROW, {**MEMBER_ROW, "member_code": "M-2", "patient_code": "N-1",
                            "channel": "email", "phone": "", "consent_signed": "",
                            "consent_expires": "", "consent_scope": "", "active": ""}]
    return {ImportKind.PATIENTS: csv_bytes(patients), ImportKind.MEMBERS: csv_bytes(members),
            ImportKind.DOSES: csv_bytes(doses), ImportKind.SCREENS: csv_bytes(screens)}


def test_reimporting_the_same_files_changes_nothing(session: Session) -> None:
    seed(session)
    files = sample_files()
    audits = count(session, AuditLog)
    for kind, data in files.items():
        first = run(session, kind, data)
        assert first.ok and first.warnings == []
        assert (first.inserted, first.updated, first.unchanged) == (len(data.splitlines()) - 1,
                                                                    0, 0)
    snapshot = {model: count(session, model) for model in (*TABLES.values(), Consent,
                                                           PhaseChange)}
    for kind, data in files.items():
        again = run(session, kind, data)
        assert (again.inserted, again.updated, again.unchanged) == (
            0, 0, len(data.splitlines()) - 1)
    assert {model: count(session, model) for model in snapshot} == snapshot
    with session.begin():
        rows = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.summary)
                               .where(AuditLog.seq > audits).order_by(AuditLog.seq)).all()
        assert verify_audit_chain(session).broken is None
    assert len(rows) == 8  # one per import
    assert rows[0] == ("test", "create", "import patients from 'upload': "
                                         "inserted 2, updated 0, unchanged 0")
    assert rows[-1].summary.endswith("inserted 0, updated 0, unchanged 2")


def test_a_corrected_file_updates_rows_in_place(session: Session) -> None:
    seed(session)
    for kind, data in sample_files().items():
        run(session, kind, data)
    with session.begin():
        dose_id = session.scalar(select(DoseEvent.id).where(DoseEvent.dose_mg == 80))
        consent_id = session.scalar(select(Consent.id))
    doses = [{**DOSE_ROW, "dose_mg": "85"},
             {**DOSE_ROW, "date": "2026-11-03", "status": "missed", "dose_mg": "", "kind": ""}]
    result = run(session, ImportKind.DOSES, csv_bytes(doses))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    member = {**MEMBER_ROW, "phone": "+44 7700 900002", "consent_revoked": "2026-11-01"}
    result = run(session, ImportKind.MEMBERS, csv_bytes([member]))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    screen = {**SCREEN_ROW, "result": "positive"}
    assert run(session, ImportKind.SCREENS, csv_bytes([screen])).updated == 1
    with session.begin():
        dose = session.get(DoseEvent, dose_id)
        assert dose is not None and dose.dose_mg == 85
        consent = session.get(Consent, consent_id)
        assert consent is not None and consent.revoked_on == date(2026, 11, 1)
        assert session.scalar(select(func.count()).select_from(Consent)) == 1
        assert session.scalar(select(SupportMember.phone).where(SupportMember.code == "M-1")) \
            == "+44 7700 900002"
        assert session.scalar(select(UrineScreen.result).where(
            UrineScreen.substance == "opioids")) == "positive"
    renewed = {**MEMBER_ROW, "consent_signed": "2026-11-02", "consent_expires": "2027-11-02"}
    assert run(session, ImportKind.MEMBERS, csv_bytes([renewed])).updated == 1
    assert count(session, Consent) == 2  # a new signature is a new consent; the old one stays


def test_phase_changes_through_an_import_append_to_the_history(session: Session) -> None:
    seed(session)
    run(session, ImportKind.PATIENTS, csv_bytes([PATIENT_ROW]))
    with session.begin():
        patient_id = session.scalar(select(Patient.id).where(Patient.code == "N-1"))
    history = [(None, "induction", date(2026, 6, 1), "import")]

    def phases() -> list[tuple[str | None, str, date, str]]:
        with session.begin():
            rows = session.execute(
                select(PhaseChange.from_phase, PhaseChange.to_phase, PhaseChange.changed_on,
                       PhaseChange.reason)
                .where(PhaseChange.patient_id == patient_id).order_by(PhaseChange.id)).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    assert phases() == history
    stabilised = {**PATIENT_ROW, "phase": "stabilisation", "phase_since": "2026-06-15"}
    assert run(session, ImportKind.PATIENTS, csv_bytes([stabilised])).updated == 1
    history.append(("induction", "stabilisation", date(2026, 6, 15), "import"))
    assert phases() == history
    corrected = {**stabilised, "dose_mg": "70"}  # same phase: no history row
    assert run(session, ImportKind.PATIENTS, csv_bytes([corrected])).updated == 1
    assert phases() == history
    discharged = {**corrected, "phase": "discharged", "phase_since": ""}
    assert run(session, ImportKind.PATIENTS, csv_bytes([discharged])).updated == 1
    history.append(("stabilisation", "discharged", TODAY, "import"))
    assert phases() == history
    with session.begin():
        patient = session.get(Patient, patient_id)
        assert patient is not None
        assert (patient.phase, patient.phase_since, patient.discharged_on) == (
            "discharged", TODAY, TODAY)


def test_a_column_the_file_lacks_keeps_the_stored_value(session: Session) -> None:
    seed(session)
    run(session, ImportKind.PATIENTS, csv_bytes([PATIENT_ROW]))
    without = [name for name in FORMATS[ImportKind.PATIENTS].columns
               if name not in ("psychologist", "employment")]
    result = run(session, ImportKind.PATIENTS, csv_bytes([PATIENT_ROW], without))
    assert (result.updated, result.unchanged) == (0, 1)
    cleared = {**PATIENT_ROW, "psychologist": "", "employment": ""}
    assert run(session, ImportKind.PATIENTS, csv_bytes([cleared])).updated == 1
    with session.begin():
        assert session.execute(select(Patient.psychologist_id, Patient.employment)
                               .where(Patient.code == "N-1")).one() == (None, None)


def test_one_bad_row_among_many_writes_nothing_and_dry_run_writes_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(session)
    monkeypatch.setattr(importers, "CHUNK_ROWS", 4)  # several chunks, the bad row in the last
    rows = [{**DOSE_ROW, "date": f"2026-10-{day:02d}"} for day in range(1, 31)]
    bad = [*rows[:-1], {**rows[-1], "dose_mg": "4000"}]
    audits = count(session, AuditLog)
    result = run(session, ImportKind.DOSES, csv_bytes(bad))
    assert [str(e) for e in result.errors] == [
        "row 31, column dose_mg, value '4000': outside 0–400 mg for methadone"]
    dry = run(session, ImportKind.DOSES, csv_bytes(rows), dry_run=True)
    assert (dry.ok, dry.inserted, dry.updated, dry.unchanged) == (True, 30, 0, 0)
    assert (count(session, DoseEvent), count(session, AuditLog)) == (0, audits)
    stages: list[tuple[str, int, int]] = []
    done = run(session, ImportKind.DOSES, csv_bytes(rows),
               progress=lambda *args: stages.append(args))
    assert (done.inserted, count(session, DoseEvent)) == (30, 30)
    assert {stage for stage, _, _ in stages} == {"validate", "write"}
    assert stages[-1] == ("write", 30, 30)
    again = run(session, ImportKind.DOSES, csv_bytes([*rows[:10], {**rows[10], "kind": "take_home"},
                                                      *rows[11:]]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 29)


def test_duplicate_days_are_found_in_any_order(session: Session) -> None:
    seed(session)
    days = ["2026-11-01", "2026-10-01", "2026-11-20", "2025-01-01", "2026-10-01"]
    rows = [{**DOSE_ROW, "date": day} for day in days]
    rows.insert(3, {**DOSE_ROW, "patient_code": "P-2", "date": "2026-10-01", "dose_mg": "16"})
    result = run(session, ImportKind.DOSES, csv_bytes(rows))
    assert [str(e) for e in result.errors] == [
        "row 7, column date, value '2026-10-01': the same patient_code + clinic_code + date as "
        "row 3"]


def test_bom_persian_digits_ignored_columns_and_streams(session: Session) -> None:
    seed(session)
    persian = {**DOSE_ROW, "date": "۲۰۲۶-۱۱-۰۲", "dose_mg": "۸۰", "note": "hi"}
    data = csv_bytes([persian], [*DOSE_ROW, "note"], bom=True)
    result = run(session, ImportKind.DOSES, data, dry_run=True)
    assert result.ok and result.inserted == 1
    assert result.warnings == ["column 'note' is not used and was ignored"]
    text_result = run(session, ImportKind.DOSES, data.decode("utf-8"), dry_run=True)
    assert (text_result.ok, text_result.inserted) == (True, 1)

    class Pipe(io.RawIOBase):  # a stream that cannot seek, like a socket
        def __init__(self, payload: bytes) -> None:
            self.inner = io.BytesIO(payload)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.inner.read(len(buffer))
            buffer[:len(chunk)] = chunk
            return len(chunk)

    with session.begin():
        piped = import_file(session, "doses", io.BufferedReader(Pipe(data)), dry_run=False,
                            actor="test", today=TODAY, name="piped.csv")
    assert (piped.ok, piped.inserted) == (True, 1)
    with session.begin():
        assert session.execute(select(DoseEvent.dose_date, DoseEvent.dose_mg)).one() == (
            date(2026, 11, 2), 80)


def test_a_path_works_like_a_stream(session: Session, tmp_path: Path) -> None:
    seed(session)
    path = tmp_path / "doses.csv"
    path.write_bytes(csv_bytes([DOSE_ROW], bom=True))
    with session.begin():
        result = import_file(session, ImportKind.DOSES, path, dry_run=False, actor="test",
                             today=TODAY)
        assert result.summary() == "inserted 1, updated 0, unchanged 0"
        assert "from 'doses.csv'" in (session.scalar(
            select(AuditLog.summary).order_by(AuditLog.seq.desc()).limit(1)) or "")


def test_a_file_that_changes_between_the_two_passes_is_refused(session: Session,
                                                               tmp_path: Path) -> None:
    seed(session)
    path = tmp_path / "doses.csv"
    path.write_bytes(csv_bytes([DOSE_ROW]))

    def edit_after_validation(stage: str, done: int, total: int) -> None:
        if stage == "validate":
            path.write_bytes(csv_bytes([DOSE_ROW, {**DOSE_ROW, "date": "2026-11-03",
                                                   "dose_mg": "4000"}]))

    with pytest.raises(ImportFileChanged), session.begin():
        import_file(session, ImportKind.DOSES, path, dry_run=False, actor="test", today=TODAY,
                    progress=edit_after_validation)
    assert count(session, DoseEvent) == 0


def test_exported_cells_read_back_as_they_were(session: Session) -> None:
    seed(session)
    for kind, data in sample_files().items():
        run(session, kind, data)
    with session.begin():
        doses = list(export_rows(session, ImportKind.DOSES))
        members = list(export_rows(session, ImportKind.MEMBERS))
    assert ["N-2", "TST", "2026-11-03", "taken", "12.5", "take_home"] in doses
    assert ["P-1", "TST", "2026-11-03", "missed", "", "observed"] in doses
    assert members[0] == list(MEMBER_ROW.values())


# --- round trip --------------------------------------------------------------------------------

ROUND_TRIP_AS_OF = date(2026, 11, 1)
COUNTED = (Patient, DoseEvent, UrineScreen, SupportMember, Consent)


def counts_and_signals(engine: Engine) -> tuple[dict[str, int], list[dict[str, object]]]:
    with session_factory(engine)() as session, session.begin():
        counts = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                  or 0 for model in COUNTED}
        signals = patient_signal_list(session, clinic_ids=all_clinic_ids(session),
                                      as_of=ROUND_TRIP_AS_OF)
        return counts, [s.as_record() for s in signals]


def test_demo_export_then_import_into_an_empty_database_round_trips(
    engine: Engine, tmp_path: Path
) -> None:
    source = sqlite_engine(tmp_path / "a")
    with session_factory(source)() as session, session.begin():
        build_demo(session, patients=30, days=90, seed=3, as_of=ROUND_TRIP_AS_OF)
    with session_factory(source)() as session, session.begin():
        counts = export_samples(session, tmp_path / "samples", actor="test")
    assert set(counts) == set(ImportKind) and all(counts.values())

    with session_factory(engine)() as session:
        with session.begin():
            for code in ("DEMO-TEH", "DEMO-LDN"):
                add_clinic(session, code=code, name=f"{code} (synthetic)", actor="test")
                add_user(session, username=f"psych.{code[-3:].lower()}", password=PASSWORD,
                         role=Role.PSYCHOLOGIST, clinic_codes=[code], actor="test")
        for kind in (ImportKind.PATIENTS, ImportKind.MEMBERS, ImportKind.DOSES,
                     ImportKind.SCREENS):
            with session.begin():
                result = import_file(session, kind, tmp_path / "samples" / SAMPLE_FILE_NAMES[kind],
                                     dry_run=False, actor="test", today=ROUND_TRIP_AS_OF)
            assert result.ok, result.errors[:3]
            assert (result.inserted, result.updated) == (counts[kind], 0)

    expected = counts_and_signals(source)
    assert counts_and_signals(engine) == expected
    assert len(expected[1]) > 20
    source.dispose()
