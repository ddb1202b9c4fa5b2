"""CSV imports of patients, doses, urine screens and support members: all or nothing.

:func:`import_file` reads one file in two streaming passes inside the caller's transaction:

1. **validate**: every row is parsed by ``domain.import_rules`` and checked against the
   database's codes (one query per file for clinics, patients and staff), the patient's
   medication and the keys seen earlier in the file. Nothing is written; every problem is
   collected as a ``RowError``. With any error the import stops here.
2. **write**: the file is read again in chunks of :data:`CHUNK_ROWS`; per chunk, one bulk query
   finds the rows that already exist for the chunk's keys, and Core ``insert``/``update``
   executemany statements write the new and changed rows. Re-importing the same file changes
   nothing; a corrected file updates rows in place by their natural key.

Memory stays bounded by the chunk size plus one small key per row (for duplicates), so a file of
millions of dose rows imports without holding it. The function never commits and raises nothing
for a bad file: the caller owns ``with session.begin():``, and a rollback (or a killed process)
leaves the database as it was. A database error during the write pass propagates to the caller,
whose transaction then rolls back.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from data_access.assignments import cancel_for_revoked_consents
from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import (
    Clinic,
    Consent,
    DoseEvent,
    Patient,
    PhaseChange,
    StaffUser,
    SupportMember,
    UrineScreen,
)
from domain.digits import to_ascii_digits
from domain.import_rules import (
    FILE_COLUMN,
    FORMATS,
    HEADER_ROW,
    ROW_COLUMN,
    DoseRecord,
    ImportKind,
    MemberRecord,
    PatientRecord,
    RowError,
    ScreenRecord,
    check_header,
    dose_range_problem,
    duplicate_reason,
    ignored_column_warning,
    member_moved_reason,
    parse_dose,
    parse_member,
    parse_patient,
    parse_screen,
    unknown_clinic_reason,
    unknown_patient_reason,
    unknown_psychologist_reason,
)
from domain.text import t
from domain.vocabulary import AuditAction, Medication, Phase

Progress = Callable[[str, int, int], None]
Source = str | os.PathLike[str] | IO[bytes] | IO[str]

CHUNK_ROWS = 20_000
IN_LIST_SIZE = 5_000  # ids per IN (...) list: far below SQLite's and PostgreSQL's limits
MAX_LISTED_ERRORS = 10_000  # more are counted, not listed: a person fixes a file from the top
SPOOL_BYTES = 16 * 1024 * 1024  # a non-seekable upload is spooled to disk beyond this size
IMPORT_REASON = "import"
CONSENT_PURPOSE = "family education and support"
VALIDATE_STAGE = "validate"
WRITE_STAGE = "write"

R = TypeVar("R", PatientRecord, DoseRecord, ScreenRecord, MemberRecord)
Cells = Mapping[str, str]


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with ``dry_run``, would do); nothing was written when ``errors``.

    ``unlisted_errors`` counts the errors beyond the first :data:`MAX_LISTED_ERRORS`.
    """

    inserted: int
    updated: int
    unchanged: int
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unlisted_errors: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return f"inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}"


class ImportFileChanged(ValueError):
    """The file changed between the validate and the write pass; the caller must roll back."""

    def __init__(self) -> None:
        super().__init__("the file changed while it was being imported: nothing was written "
                         "(import it again)")


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _in_groups(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), IN_LIST_SIZE):
        yield list(values[start:start + IN_LIST_SIZE])


# --- reading -----------------------------------------------------------------------------------


class _TextSource:
    """A path or a stream that can be read from the start more than once, as text."""

    def __init__(self, stream: IO[bytes] | IO[str] | None, path: Path | None, name: str) -> None:
        self._stream = stream
        self._path = path
        self.name = name
        self._start = stream.tell() if stream is not None else 0

    @contextmanager
    def text(self) -> Iterator[IO[str]]:
        if self._path is not None:
            with self._path.open("r", encoding="utf-8-sig", errors="surrogateescape",
                                 newline="") as handle:
                yield handle
            return
        assert self._stream is not None
        self._stream.seek(self._start)
        if isinstance(self._stream.read(0), str):
            yield cast(IO[str], self._stream)
            return
        self._stream.seek(self._start)
        wrapper = io.TextIOWrapper(cast(IO[bytes], self._stream), encoding="utf-8-sig",
                                   errors="surrogateescape", newline="")
        try:
            yield wrapper
        finally:
            wrapper.detach()  # leave the caller's stream open

    def fingerprint(self) -> tuple[int, int] | None:
        """Size and modification time of a file on disk (None for a stream)."""
        if self._path is None:
            return None
        status = self._path.stat()
        return status.st_size, status.st_mtime_ns

    def count_lines(self) -> int:
        """Line breaks in the file: the progress total (a multi-line cell makes it an estimate)."""
        count = 0
        if self._path is not None:
            with self._path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    count += block.count(b"\n")
            return count
        stream = cast(IO[Any], self._stream)
        stream.seek(self._start)
        newline = b"\n" if isinstance(stream.read(0), bytes) else "\n"
        while block := stream.read(1 << 20):
            count += block.count(newline)
        return count


@contextmanager
def _source(source: Source, name: str | None) -> Iterator[_TextSource]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        yield _TextSource(None, path, name or path.name)
        return
    shown = name or Path(str(getattr(source, "name", "") or "upload")).name
    if source.seekable():
        yield _TextSource(source, None, shown)
        return
    binary = isinstance(source.read(0), bytes)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b" if binary else "w+",
                                       newline=None if binary else "") as spool:
        shutil.copyfileobj(source, spool)  # type: ignore[misc]
        spool.seek(0)
        yield _TextSource(cast(IO[Any], spool), None, shown)


class _FileProblem(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def _data_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) of each non-blank data row; the header is already read."""
    row = HEADER_ROW
    try:
        for cells in reader:
            row += 1
            if not cells or (not cells[0].strip() and not any(cell.strip() for cell in cells)):
                continue
            yield row, cells
    except csv.Error as error:
        raise _FileProblem(RowError(row + 1, FILE_COLUMN, "", t(
            "not readable as CSV: {error}", error=str(error)))) from None


def _read_header(reader: Iterator[list[str]]) -> list[str] | RowError:
    try:
        header = next(reader, None)
    except csv.Error as error:
        return RowError(HEADER_ROW, FILE_COLUMN, "",
                        t("not readable as CSV: {error}", error=str(error)))
    if not header or not any(name.strip() for name in header):
        return RowError(HEADER_ROW, FILE_COLUMN, "", t("the file is empty: a header row is needed"))
    for name in header:
        if _UNDECODABLE.search(name):
            return RowError(HEADER_ROW, FILE_COLUMN, _shown(name), _not_utf8())
    return [name.lstrip("\ufeff").strip().lower() for name in header]


# --- per-kind importers ------------------------------------------------------------------------


class _Importer(ABC, Generic[R]):
    """Cross-row checks (validate pass) and bulk upserts (write pass) of one format."""

    kind: ImportKind

    def __init__(self, session: Session, *, present: frozenset[str], today: date,
                 actor_id: int | None) -> None:
        self.session = session
        self.present = present
        self.today = today
        self.actor_id = actor_id
        self.clinics: dict[str, int] = {
            row.code: row.id for row in session.execute(select(Clinic.code, Clinic.id))}

    @abstractmethod
    def parse(self, row: int, cells: Cells) -> R | list[RowError]:
        """The domain parser of this format."""

    @abstractmethod
    def check(self, record: R, cells: Cells) -> list[RowError]:
        """Checks against the database's codes and the rows seen earlier in the file."""

    def check_chunk(self, records: list[R]) -> list[RowError]:
        """Checks that need a bulk query per chunk; none by default."""
        return []

    def code_problems(self, codes: _Codes, cells: Cells) -> list[RowError]:
        """Unknown codes of a row that failed to parse, so that one run lists them too."""
        problem = self.clinic_problem(codes, cells)
        return [] if problem is None else [problem]

    @abstractmethod
    def write(self, records: list[R], *, dry_run: bool) -> tuple[int, int, int]:
        """Insert new rows and update changed ones; (inserted, updated, unchanged)."""

    def clinic_problem(self, record: R | _Codes, cells: Cells) -> RowError | None:
        if record.clinic_code in self.clinics:
            return None
        return RowError(record.row, "clinic_code", cells.get("clinic_code", ""),
                        unknown_clinic_reason())


class _Codes(NamedTuple):
    """The codes of a row whose other cells did not parse."""

    row: int
    clinic_code: str
    patient_code: str


def _raw_codes(row: int, cells: Cells, errors: Sequence[RowError]) -> _Codes | None:
    """The row's codes, when both are filled in and neither has a problem of its own."""
    clinic = to_ascii_digits(cells.get("clinic_code", "").strip())
    patient = to_ascii_digits(cells.get("patient_code", "").strip())
    if not clinic or not patient or any(
            error.column in ("clinic_code", "patient_code") for error in errors):
        return None
    return _Codes(row, clinic, patient)


class _PatientCodes:
    """(clinic code, patient code) -> (patient id, medication): one query per file."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(Clinic.code, Patient.code, Patient.id, Patient.medication)
            .join(Clinic, Clinic.id == Patient.clinic_id)
        )
        self.by_code: dict[tuple[str, str], tuple[int, Medication]] = {
            (clinic, code): (id_, Medication(medication)) for clinic, code, id_, medication in rows
        }

    def find(self, importer: _Importer[Any],
             record: DoseRecord | ScreenRecord | MemberRecord | _Codes,
             cells: Cells) -> tuple[int, Medication] | RowError:
        found = self.by_code.get((record.clinic_code, record.patient_code))
        if found is not None:
            return found
        problem = importer.clinic_problem(record, cells)
        if problem is not None:
            return problem
        return RowError(record.row, "patient_code", cells.get("patient_code", ""),
                        unknown_patient_reason(record.clinic_code))

    def id_of(self, record: DoseRecord | ScreenRecord | MemberRecord) -> int:
        return self.by_code[(record.clinic_code, record.patient_code)][0]


class _PatientRowImporter(_Importer[R]):
    """A format whose rows belong to an existing patient (doses, screens, members)."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.patients = _PatientCodes(session)

    def code_problems(self, codes: _Codes, cells: Cells) -> list[RowError]:
        found = self.patients.find(self, codes, cells)
        return [found] if isinstance(found, RowError) else []


class _FirstRowByDay:
    """The first row of each (patient, day) seen so far, in 4 bytes per day of a patient's span.

    A dose file has one row per patient and day, millions of them: a dict of keys would cost
    about 100 bytes a row, these arrays cost 4 bytes a day between a patient's first and last.
    """

    def __init__(self) -> None:
        self._spans: dict[int, tuple[int, array[int]]] = {}

    def first_row(self, patient_id: int, day: date, row: int) -> int:
        """The row that first had this patient and day: ``row`` itself when it is the first."""
        ordinal = day.toordinal()
        span = self._spans.get(patient_id)
        if span is None:
            self._spans[patient_id] = (ordinal, array("I", [row]))
            return row
        start, rows = span
        offset = ordinal - start
        if offset < 0:  # grow to the left, at least doubling, so that growing stays cheap
            grow = max(-offset, len(rows))
            rows[0:0] = array("I", bytes(4 * grow))
            start -= grow
            offset += grow
            self._spans[patient_id] = (start, rows)
        elif offset >= len(rows):
            rows.extend(array("I", bytes(4 * max(offset - len(rows) + 1, len(rows)))))
        first: int = rows[offset]
        if first:
            return first
        rows[offset] = row
        return row


class _DoseImporter(_PatientRowImporter[DoseRecord]):
    kind = ImportKind.DOSES

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.seen = _FirstRowByDay()
        self.table = _table(DoseEvent)

    def parse(self, row: int, cells: Cells) -> DoseRecord | list[RowError]:
        return parse_dose(row, cells, today=self.today)

    def check(self, record: DoseRecord, cells: Cells) -> list[RowError]:
        found = self.patients.find(self, record, cells)
        if isinstance(found, RowError):
            return [found]
        patient_id, medication = found
        errors = []
        if record.dose_mg is not None:
            problem = dose_range_problem(medication, record.dose_mg)
            if problem:
                errors.append(RowError(record.row, "dose_mg", cells.get("dose_mg", ""), problem))
        first = self.seen.first_row(patient_id, record.date, record.row)
        if first != record.row:
            errors.append(RowError(record.row, "date", cells.get("date", ""),
                                   duplicate_reason(FORMATS[self.kind].key, first)))
        return errors

    def write(self, records: list[DoseRecord], *, dry_run: bool) -> tuple[int, int, int]:
        c = self.table.c
        ids = [self.patients.id_of(r) for r in records]
        first = min(r.date for r in records)
        last = max(r.date for r in records)
        existing: dict[tuple[int, date], Any] = {}
        for group in _in_groups(sorted(set(ids))):
            for row in self.session.execute(
                select(c.id, c.patient_id, c.dose_date, c.dose_mg, c.kind, c.status)
                .where(c.patient_id.in_(group), c.dose_date.between(first, last))
            ):
                existing[(row.patient_id, row.dose_date)] = row
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        unchanged = 0
        for patient_id, r in zip(ids, records, strict=True):
            kind, status = r.kind.value, r.status.value
            old = existing.get((patient_id, r.date))
            if old is None:
                inserts.append({"patient_id": patient_id, "dose_date": r.date,
                                "dose_mg": r.dose_mg, "kind": kind, "status": status})
            elif old.dose_mg == r.dose_mg and old.kind == kind and old.status == status:
                unchanged += 1
            else:
                updates.append({"row_id": old.id, "new_dose_mg": r.dose_mg, "new_kind": kind,
                                "new_status": status})
        if not dry_run:
            if inserts:
                self.session.execute(insert(self.table), inserts)
            if updates:
                self.session.execute(
                    update(self.table).where(c.id == bindparam("row_id"))
                    .values(dose_mg=bindparam("new_dose_mg"), kind=bindparam("new_kind"),
                            status=bindparam("new_status")),
                    updates,
                )
        return len(inserts), len(updates), unchanged


class _ScreenImporter(_PatientRowImporter[ScreenRecord]):
    kind = ImportKind.SCREENS

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.seen: dict[tuple[int, int, str], int] = {}
        self.table = _table(UrineScreen)

    def parse(self, row: int, cells: Cells) -> ScreenRecord | list[RowError]:
        return parse_screen(row, cells, today=self.today)

    def check(self, record: ScreenRecord, cells: Cells) -> list[RowError]:
        found = self.patients.find(self, record, cells)
        if isinstance(found, RowError):
            return [found]
        key = (found[0], record.date.toordinal(), record.substance)
        first = self.seen.setdefault(key, record.row)
        if first != record.row:
            return [RowError(record.row, "substance", cells.get("substance", ""),
                             duplicate_reason(FORMATS[self.kind].key, first))]
        return []

    def write(self, records: list[ScreenRecord], *, dry_run: bool) -> tuple[int, int, int]:
        c = self.table.c
        ids = [self.patients.id_of(r) for r in records]
        first = min(r.date for r in records)
        last = max(r.date for r in records)
        existing: dict[tuple[int, date, str], Any] = {}
        for group in _in_groups(sorted(set(ids))):
            for row in self.session.execute(
                select(c.id, c.patient_id, c.screen_date, c.substance, c.result, c.expected)
                .where(c.patient_id.in_(group), c.screen_date.between(first, last))
            ):
                existing[(row.patient_id, row.screen_date, row.substance)] = row
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        unchanged = 0
        for patient_id, r in zip(ids, records, strict=True):
            result = r.result.value
            old = existing.get((patient_id, r.date, r.substance))
            if old is None:
                inserts.append({"patient_id": patient_id, "screen_date": r.date,
                                "substance": r.substance, "result": result,
                                "expected": r.expected})
            elif old.result == result and bool(old.expected) == r.expected:
                unchanged += 1
            else:
                updates.append({"row_id": old.id, "new_result": result,
                                "new_expected": r.expected})
        if not dry_run:
            if inserts:
                self.session.execute(insert(self.table), inserts)
            if updates:
                self.session.execute(
                    update(self.table).where(c.id == bindparam("row_id"))
                    .values(result=bindparam("new_result"), expected=bindparam("new_expected")),
                    updates,
                )
        return len(inserts), len(updates), unchanged


# Patient columns an import sets, in the order of the update statement.
_PATIENT_COLUMNS = ("first_name", "last_name", "sex", "birth_year", "admission_date",
                    "medication", "dose_mg", "phase", "phase_since", "discharged_on",
                    "primary_substance", "psychologist_id", "living_situation", "employment")


class _PatientImporter(_Importer[PatientRecord]):
    kind = ImportKind.PATIENTS

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.staff: dict[str, int] = {
            row.username: row.id
            for row in session.execute(select(StaffUser.username, StaffUser.id))}
        self.seen: dict[tuple[str, str], int] = {}
        self.table = _table(Patient)

    def parse(self, row: int, cells: Cells) -> PatientRecord | list[RowError]:
        return parse_patient(row, cells, today=self.today)

    def check(self, record: PatientRecord, cells: Cells) -> list[RowError]:
        errors = []
        problem = self.clinic_problem(record, cells)
        if problem is not None:
            errors.append(problem)
        if record.psychologist is not None and record.psychologist not in self.staff:
            errors.append(RowError(record.row, "psychologist", cells.get("psychologist", ""),
                                   unknown_psychologist_reason()))
        first = self.seen.setdefault((record.clinic_code, record.patient_code), record.row)
        if first != record.row:
            errors.append(RowError(record.row, "patient_code", cells.get("patient_code", ""),
                                   duplicate_reason(FORMATS[self.kind].key, first)))
        return errors

    def values(self, r: PatientRecord, old: Any | None) -> dict[str, Any]:
        """The stored columns for ``r``; optional columns the file lacks keep their value."""
        def kept(column: str, stored: str, value: Any) -> Any:
            if column in self.present:
                return value
            return None if old is None else getattr(old, stored)

        if r.phase_since is not None:
            phase_since = r.phase_since
        elif old is None:
            phase_since = r.admission_date
        elif old.phase == r.phase.value:
            phase_since = old.phase_since
        else:
            phase_since = self.today
        return {
            "first_name": r.first_name, "last_name": r.last_name, "sex": r.sex.value,
            "birth_year": r.birth_year, "admission_date": r.admission_date,
            "medication": r.medication.value, "dose_mg": r.dose_mg, "phase": r.phase.value,
            "phase_since": phase_since,
            "discharged_on": phase_since if r.phase is Phase.DISCHARGED else None,
            "primary_substance": r.primary_substance,
            "psychologist_id": kept("psychologist", "psychologist_id",
                                    None if r.psychologist is None
                                    else self.staff[r.psychologist]),
            "living_situation": kept("living_situation", "living_situation",
                                     r.living_situation),
            "employment": kept("employment", "employment", r.employment),
        }

    def phase_change(self, patient_id: int, from_phase: str | None,
                     values: Mapping[str, Any]) -> dict[str, Any]:
        return {"patient_id": patient_id, "from_phase": from_phase, "to_phase": values["phase"],
                "changed_on": values["phase_since"], "reason": IMPORT_REASON,
                "override_reason": None, "unmet_criteria": None, "by_user_id": self.actor_id,
                "created_at": utc_now()}

    def write(self, records: list[PatientRecord], *, dry_run: bool) -> tuple[int, int, int]:
        c = self.table.c
        clinic_ids = sorted({self.clinics[r.clinic_code] for r in records})
        codes = sorted({r.patient_code for r in records})
        existing: dict[tuple[int, str], Any] = {}
        for group in _in_groups(codes):
            for row in self.session.execute(
                select(c.id, c.clinic_id, c.code, *(c[name] for name in _PATIENT_COLUMNS))
                .where(c.clinic_id.in_(clinic_ids), c.code.in_(group))
            ):
                existing[(row.clinic_id, row.code)] = row
        now = utc_now()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        unchanged = 0
        for r in records:
            clinic_id = self.clinics[r.clinic_code]
            old = existing.get((clinic_id, r.patient_code))
            values = self.values(r, old)
            if old is None:
                inserts.append({"clinic_id": clinic_id, "code": r.patient_code, **values,
                                "created_at": now, "updated_at": now})
            elif all(getattr(old, name) == value for name, value in values.items()):
                unchanged += 1
            else:
                updates.append({"row_id": old.id, "new_updated_at": now,
                                **{f"new_{name}": value for name, value in values.items()}})
                if old.phase != values["phase"]:
                    history.append(self.phase_change(old.id, old.phase, values))
        if not dry_run:
            if inserts:
                new_ids = self.session.execute(
                    insert(self.table).returning(c.id, sort_by_parameter_order=True), inserts
                ).scalars().all()
                history += [self.phase_change(new_id, None, values)
                            for new_id, values in zip(new_ids, inserts, strict=True)]
            if updates:
                self.session.execute(
                    update(self.table).where(c.id == bindparam("row_id"))
                    .values(updated_at=bindparam("new_updated_at"),
                            **{name: bindparam(f"new_{name}") for name in _PATIENT_COLUMNS}),
                    updates,
                )
            if history:
                self.session.execute(insert(_table(PhaseChange)), history)
        return len(inserts), len(updates), unchanged


_MEMBER_COLUMNS = ("patient_id", "relation", "first_name", "last_name", "phone", "email",
                   "channel", "language", "active")
_MEMBER_DEFAULTS: dict[str, Any] = {"phone": None, "email": None, "language": "fa",
                                    "active": True}


class _MemberImporter(_PatientRowImporter[MemberRecord]):
    kind = ImportKind.MEMBERS

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        self.seen: dict[tuple[str, str], int] = {}
        self.table = _table(SupportMember)
        self.consents = _table(Consent)
        # Existing members whose consent this import changed: their assignments are rechecked.
        self.consent_changed: list[int] = []

    def parse(self, row: int, cells: Cells) -> MemberRecord | list[RowError]:
        return parse_member(row, cells, today=self.today)

    def check(self, record: MemberRecord, cells: Cells) -> list[RowError]:
        found = self.patients.find(self, record, cells)
        if isinstance(found, RowError):
            return [found]
        first = self.seen.setdefault((record.clinic_code, record.member_code), record.row)
        if first != record.row:
            return [RowError(record.row, "member_code", cells.get("member_code", ""),
                             duplicate_reason(FORMATS[self.kind].key, first))]
        return []

    def existing(self, records: list[MemberRecord]) -> dict[tuple[int, str], Any]:
        c = self.table.c
        clinic_ids = sorted({self.clinics[r.clinic_code] for r in records})
        found: dict[tuple[int, str], Any] = {}
        for group in _in_groups(sorted({r.member_code for r in records})):
            for row in self.session.execute(
                select(c.id, c.clinic_id, c.code, Patient.code.label("patient_code"),
                       *(c[name] for name in _MEMBER_COLUMNS))
                .join(Patient, Patient.id == c.patient_id)
                .where(c.clinic_id.in_(clinic_ids), c.code.in_(group))
            ):
                found[(row.clinic_id, row.code)] = row
        return found

    def check_chunk(self, records: list[MemberRecord]) -> list[RowError]:
        existing = self.existing(records)
        errors = []
        for r in records:
            old = existing.get((self.clinics[r.clinic_code], r.member_code))
            if old is not None and old.patient_code != r.patient_code:
                errors.append(RowError(r.row, "patient_code", r.patient_code,
                                       member_moved_reason(old.patient_code)))
        return errors

    def values(self, r: MemberRecord, old: Any | None) -> dict[str, Any]:
        given = {"patient_id": self.patients.id_of(r), "relation": r.relation.value,
                 "first_name": r.first_name, "last_name": r.last_name, "phone": r.phone,
                 "email": r.email, "channel": r.channel.value, "language": r.language,
                 "active": r.active}
        for column, default in _MEMBER_DEFAULTS.items():
            if column not in self.present:
                given[column] = default if old is None else getattr(old, column)
        return given

    def latest_consents(self, member_ids: list[int]) -> dict[int, Any]:
        c = self.consents.c
        latest: dict[int, Any] = {}
        for group in _in_groups(member_ids):
            for row in self.session.execute(
                select(c.id, c.member_id, c.signed_on, c.expires_on, c.revoked_on, c.scope)
                .where(c.member_id.in_(group)).order_by(c.member_id, c.signed_on, c.id)
            ):
                latest[row.member_id] = row
        return latest

    def consent_row(self, member_id: int, patient_id: int, r: MemberRecord,
                    now: Any) -> dict[str, Any]:
        assert r.consent is not None
        return {"member_id": member_id, "patient_id": patient_id, "scope": r.consent.scope.value,
                "purpose": CONSENT_PURPOSE, "signed_on": r.consent.signed_on,
                "expires_on": r.consent.expires_on, "revoked_on": r.consent.revoked_on,
                "recorded_by_id": self.actor_id, "created_at": now}

    def write(self, records: list[MemberRecord], *, dry_run: bool) -> tuple[int, int, int]:
        c = self.table.c
        existing = self.existing(records)
        consents = self.latest_consents(sorted(row.id for row in existing.values()))
        now = utc_now()
        inserts: list[dict[str, Any]] = []
        inserted_records: list[MemberRecord] = []
        updates: list[dict[str, Any]] = []
        consent_inserts: list[dict[str, Any]] = []
        consent_updates: list[dict[str, Any]] = []
        consent_members: list[int] = []
        unchanged = changed_rows = 0
        for r in records:
            clinic_id = self.clinics[r.clinic_code]
            old = existing.get((clinic_id, r.member_code))
            values = self.values(r, old)
            if old is None:
                inserts.append({"clinic_id": clinic_id, "code": r.member_code, **values,
                                "created_at": now})
                inserted_records.append(r)
                continue
            changed = False
            if any(getattr(old, name) != value for name, value in values.items()):
                updates.append({"row_id": old.id,
                                **{f"new_{name}": value for name, value in values.items()}})
                changed = True
            if r.consent is not None:
                latest = consents.get(old.id)
                if latest is None or latest.signed_on != r.consent.signed_on:
                    consent_inserts.append(
                        self.consent_row(old.id, values["patient_id"], r, now))
                    consent_members.append(old.id)
                    changed = True
                elif (latest.expires_on, latest.revoked_on, latest.scope) != (
                        r.consent.expires_on, r.consent.revoked_on, r.consent.scope.value):
                    consent_updates.append({
                        "row_id": latest.id, "new_expires_on": r.consent.expires_on,
                        "new_revoked_on": r.consent.revoked_on,
                        "new_scope": r.consent.scope.value})
                    consent_members.append(old.id)
                    changed = True
            if changed:
                changed_rows += 1
            else:
                unchanged += 1
        if not dry_run:
            self.consent_changed += consent_members
            if inserts:
                new_ids = self.session.execute(
                    insert(self.table).returning(c.id, sort_by_parameter_order=True), inserts
                ).scalars().all()
                consent_inserts += [
                    self.consent_row(new_id, values["patient_id"], r, now)
                    for new_id, values, r in zip(new_ids, inserts, inserted_records, strict=True)
                    if r.consent is not None
                ]
            if updates:
                self.session.execute(
                    update(self.table).where(c.id == bindparam("row_id"))
                    .values(**{name: bindparam(f"new_{name}") for name in _MEMBER_COLUMNS}),
                    updates,
                )
            if consent_inserts:
                self.session.execute(insert(self.consents), consent_inserts)
            if consent_updates:
                k = self.consents.c
                self.session.execute(
                    update(self.consents).where(k.id == bindparam("row_id"))
                    .values(expires_on=bindparam("new_expires_on"),
                            revoked_on=bindparam("new_revoked_on"),
                            scope=bindparam("new_scope")),
                    consent_updates,
                )
        return len(inserts), changed_rows, unchanged


_IMPORTERS: dict[ImportKind, type[_Importer[Any]]] = {
    ImportKind.PATIENTS: _PatientImporter,
    ImportKind.DOSES: _DoseImporter,
    ImportKind.SCREENS: _ScreenImporter,
    ImportKind.MEMBERS: _MemberImporter,
}


# --- the two passes ----------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.unlisted = 0

    def extend(self, errors: Sequence[RowError]) -> None:
        room = MAX_LISTED_ERRORS - len(self.listed)
        self.listed.extend(errors[:max(room, 0)])
        self.unlisted += max(len(errors) - max(room, 0), 0)

    def __bool__(self) -> bool:
        return bool(self.listed)


# Bytes that are not UTF-8 are read as lone surrogates ("surrogateescape"), so that the row and
# column they sit in can be named; a plain decoding error would only say "somewhere near here".
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _shown(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _not_utf8() -> str:
    return t("not UTF-8 text (save the file as 'CSV UTF-8')")


def _undecodable(names: list[str], row: int, values: list[str]) -> RowError | None:
    for name, value in zip(names, values, strict=False):
        if not value.isascii() and _UNDECODABLE.search(value):
            return RowError(row, name, _shown(value), _not_utf8())
    return None


def _cells(names: list[str], row: int, values: list[str]) -> Cells | RowError:
    if len(values) > len(names) and any(value.strip() for value in values[len(names):]):
        return RowError(row, ROW_COLUMN, "", t(
            "the row has {cells} cells, the header has {columns}", cells=len(values),
            columns=len(names)))
    return dict(zip(names, values, strict=False))


def _validate(importer: _Importer[Any], names: list[str], reader: Iterator[list[str]],
              errors: _Errors, report: Callable[[int], None]) -> int:
    rows = 0
    chunk: list[Any] = []
    for row, values in _data_rows(reader):
        rows += 1
        if rows % CHUNK_ROWS == 0:
            report(rows)
        cells = _cells(names, row, values)
        if isinstance(cells, RowError):
            errors.extend([cells])
            continue
        if not "".join(values).isascii():
            undecodable = _undecodable(names, row, values)
            if undecodable is not None:
                errors.extend([undecodable])
                continue
        record = importer.parse(row, cells)
        if isinstance(record, list):
            codes = _raw_codes(row, cells, record)
            errors.extend(record + (importer.code_problems(codes, cells) if codes else []))
            continue
        problems = importer.check(record, cells)
        if problems:
            errors.extend(problems)
            continue
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            errors.extend(importer.check_chunk(chunk))
            chunk = []
    if chunk:
        errors.extend(importer.check_chunk(chunk))
    return rows


def _write(importer: _Importer[Any], names: list[str], reader: Iterator[list[str]], *,
           dry_run: bool, report: Callable[[int], None]) -> tuple[int, int, int]:
    inserted = updated = unchanged = 0
    done = 0
    chunk: list[Any] = []

    def flush() -> None:
        nonlocal inserted, updated, unchanged, done, chunk
        counts = importer.write(chunk, dry_run=dry_run)
        inserted += counts[0]
        updated += counts[1]
        unchanged += counts[2]
        done += len(chunk)
        chunk = []
        report(done)

    for row, values in _data_rows(reader):
        cells = _cells(names, row, values)
        record = importer.parse(row, cells) if not isinstance(cells, RowError) else []
        if isinstance(record, list):  # valid in the first pass: the file changed in between
            raise ImportFileChanged()
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            flush()
    if chunk:
        flush()
    return inserted, updated, unchanged


def import_file(
    session: Session,
    kind: ImportKind | str,
    source: Source,
    *,
    dry_run: bool,
    actor: str,
    today: date,
    progress: Progress | None = None,
    name: str | None = None,
) -> ImportResult:
    """Validate, then (unless ``dry_run`` or an error) write one file in the caller's transaction.

    ``source`` is a path, or a binary or text stream (e.g. a Streamlit upload); ``name`` is the
    file name for the audit log (default: the path's or the stream's name). ``today`` bounds the
    dates (no date after it). ``progress(stage, done, total)`` is called with the stages
    "validate" and "write" as rows go by. Validation problems come back in ``errors`` (nothing
    is written then); one audit row records each import that wrote. Raises
    :class:`ImportFileChanged` (a ValueError) when a file on disk changes between the two passes,
    and lets database errors through: in both cases the caller's transaction must roll back.
    """
    kind = ImportKind(kind)
    with _source(source, name) as opened:
        fingerprint = opened.fingerprint()
        total = opened.count_lines() - 1 if progress is not None else 0

        def reporter(stage: str) -> Callable[[int], None]:
            def report(done: int) -> None:
                if progress is not None and done > 0:
                    progress(stage, done, max(total, done))
            return report

        with opened.text() as text:
            reader = csv.reader(text)
            header = _read_header(reader)
            if isinstance(header, RowError):
                return ImportResult(0, 0, 0, [header], [], dry_run=dry_run)
            header_errors, ignored = check_header(kind, header)
            warnings = [ignored_column_warning(column) for column in ignored if column]
            if header_errors:
                return ImportResult(0, 0, 0, header_errors, warnings, dry_run=dry_run)
            actor_id = session.scalar(select(StaffUser.id).where(StaffUser.username == actor))
            importer = _IMPORTERS[kind](session, present=frozenset(header), today=today,
                                        actor_id=actor_id)
            errors = _Errors()
            try:
                rows = _validate(importer, header, reader, errors, reporter(VALIDATE_STAGE))
            except _FileProblem as problem:
                errors.extend([problem.error])
                rows = 0
        total = rows
        reporter(VALIDATE_STAGE)(rows)
        if errors:
            return ImportResult(0, 0, 0, errors.listed, warnings, errors.unlisted, dry_run)
        if opened.fingerprint() != fingerprint:
            raise ImportFileChanged()
        with opened.text() as text:
            reader = csv.reader(text)
            next(reader)  # the header, read and checked above
            inserted, updated, unchanged = _write(importer, header, reader, dry_run=dry_run,
                                                  report=reporter(WRITE_STAGE))
        if opened.fingerprint() != fingerprint or inserted + updated + unchanged != rows:
            raise ImportFileChanged()
        if isinstance(importer, _MemberImporter) and not dry_run:
            cancel_for_revoked_consents(session, member_ids=importer.consent_changed, on=today,
                                        actor=actor)
        result = ImportResult(inserted, updated, unchanged, [], warnings, 0, dry_run)
        if not dry_run:
            record_audit(
                session, actor=actor,
                action=AuditAction.UPDATE if updated else AuditAction.CREATE,
                entity="import", entity_id=kind.value,
                summary=f"import {kind.value} from {opened.name!r}: {result.summary()}",
            )
        return result
