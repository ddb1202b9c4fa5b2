"""The rules of the four CSV import formats, one row at a time: parse, check, or say what is wrong.

Pure Python, no SQL: each ``parse_*`` function takes the cells of one data row (column name ->
text) and returns a typed record, or every problem of the row as :class:`RowError` values that a
person can act on ("row 14, column dose_mg, value 'abc': not a number"). Checks that need the
database (unknown codes, the patient's medication for a dose row, duplicate keys across a file)
are made by ``data_access.importers`` with the helpers here (:func:`dose_range_problem`,
:func:`duplicate_reason`, ...), so the wording stays in one place.

Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2.
Persian (U+06F0-U+06F9) and Arabic-Indic (U+0660-U+0669) digits, and the Arabic decimal
separator, are accepted in numeric, date and phone columns, and those digits in the code
columns (a patient code typed on a Persian keyboard is the same patient), and stored as ASCII
(``domain.digits``); names and other text are UTF-8 and kept as written. Dates are Gregorian:
a date whose year is a Solar Hijri one (``1403-12-30``) is refused with the Gregorian date it
stands for, never stored six centuries in the past (``domain.calendars``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Generic, NamedTuple, TypeVar

from domain.calendars import solar_hijri_slip
from domain.digits import to_ascii_digits, to_ascii_number
from domain.text import t
from domain.vocabulary import (
    Channel,
    ConsentScope,
    DoseKind,
    DoseStatus,
    Medication,
    Phase,
    Relation,
    ScreenResult,
    Sex,
)


class ImportKind(StrEnum):
    """The four import formats, named as on the command line (``hamrah import KIND FILE``)."""

    PATIENTS = "patients"
    DOSES = "doses"
    SCREENS = "screens"
    MEMBERS = "members"


@dataclass(frozen=True)
class RowError:
    """One problem in one cell; ``str()`` gives the line the CLI and the import page show."""

    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = self.value.replace("\r", "\\r").replace("\n", "\\n")
        if len(shown) > MAX_SHOWN_VALUE:
            shown = shown[: MAX_SHOWN_VALUE - 1] + "…"
        return f"row {self.row}, column {self.column}, value '{shown}': {self.reason}"


MAX_SHOWN_VALUE = 80
HEADER_ROW = 1
FILE_COLUMN = "(file)"  # the column named in an error about the file as a whole
ROW_COLUMN = "(row)"  # the column named in an error about a row's shape

# mg per dose, inclusive, by medication: a dose row is checked against the patient's medication.
DOSE_RANGES_MG: dict[Medication, tuple[float, float]] = {
    Medication.METHADONE: (0.0, 400.0),
    Medication.BUPRENORPHINE: (0.0, 32.0),
    Medication.NALTREXONE: (0.0, 380.0),
}

# Employment is a closed list of the import format (the schema stores free text up to 20).
EMPLOYMENT_VALUES = ("employed", "unemployed", "student", "other")

EARLIEST_BIRTH_YEAR = 1900
EARLIEST_DATE = date(EARLIEST_BIRTH_YEAR, 1, 1)  # no clinic record is older
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15
DEFAULT_LANGUAGE = "fa"

# Column lengths of the schema (data_access/models.py): longer text is an error, not a crash.
CODE_LENGTH = 32
NAME_LENGTH = 100
SUBSTANCE_LENGTH = 50
SCREEN_SUBSTANCE_LENGTH = 40
LIVING_LENGTH = 40
PHONE_LENGTH = 40
EMAIL_LENGTH = 200
USERNAME_LENGTH = 64


@dataclass(frozen=True)
class FileFormat:
    """The columns of one import format, in file order; ``key`` is the natural key of the upsert."""

    kind: ImportKind
    columns: tuple[str, ...]
    required: frozenset[str]
    key: tuple[str, ...]

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(column for column in self.columns if column not in self.required)


def _format(kind: ImportKind, columns: str, key: tuple[str, ...]) -> FileFormat:
    """Columns written as in the documentation: a trailing ``*`` marks a required one."""
    names = columns.split()
    return FileFormat(kind, tuple(name.rstrip("*") for name in names),
                      frozenset(name.rstrip("*") for name in names if name.endswith("*")), key)


FORMATS: dict[ImportKind, FileFormat] = {
    ImportKind.PATIENTS: _format(
        ImportKind.PATIENTS,
        "patient_code* clinic_code* first_name* last_name* sex* birth_year* admission_date* "
        "medication* dose_mg* phase* phase_since primary_substance* psychologist "
        "living_situation employment",
        key=("patient_code", "clinic_code"),
    ),
    ImportKind.DOSES: _format(
        ImportKind.DOSES,
        "patient_code* clinic_code* date* status* dose_mg kind",
        key=("patient_code", "clinic_code", "date"),
    ),
    ImportKind.SCREENS: _format(
        ImportKind.SCREENS,
        "patient_code* clinic_code* date* substance* result* expected",
        key=("patient_code", "clinic_code", "date", "substance"),
    ),
    ImportKind.MEMBERS: _format(
        ImportKind.MEMBERS,
        "member_code* patient_code* clinic_code* relation* first_name* last_name* phone email "
        "channel* language active consent_signed consent_expires consent_revoked consent_scope",
        key=("member_code", "clinic_code"),
    ),
}

CONSENT_COLUMNS = ("consent_signed", "consent_expires", "consent_revoked", "consent_scope")


# --- records (named tuples: a million of them are built per dose file, and cheaply) ------------


class PatientRecord(NamedTuple):
    row: int
    patient_code: str
    clinic_code: str
    first_name: str
    last_name: str
    sex: Sex
    birth_year: int
    admission_date: date
    medication: Medication
    dose_mg: float
    phase: Phase
    phase_since: date | None  # None: the cell was empty (the importer picks the default)
    primary_substance: str
    psychologist: str | None
    living_situation: str | None
    employment: str | None


class DoseRecord(NamedTuple):
    row: int
    patient_code: str
    clinic_code: str
    date: date
    status: DoseStatus
    dose_mg: float | None
    kind: DoseKind


class ScreenRecord(NamedTuple):
    row: int
    patient_code: str
    clinic_code: str
    date: date
    substance: str
    result: ScreenResult
    expected: bool


class ConsentRecord(NamedTuple):
    signed_on: date
    expires_on: date | None
    revoked_on: date | None
    scope: ConsentScope


class MemberRecord(NamedTuple):
    row: int
    member_code: str
    patient_code: str
    clinic_code: str
    relation: Relation
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    channel: Channel
    language: str
    active: bool
    consent: ConsentRecord | None  # None: no consent columns filled in on this row


# --- small parsers -----------------------------------------------------------------------------

_PHONE = re.compile(r"\+?[0-9 ()\-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,4})?")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_PHONE_CHANNELS = frozenset({Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS, Channel.PHONE_CALL})

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class _Choices(Generic[E]):
    """An enumeration's members by their text (a dict lookup is much cheaper than ``Enum()``)."""

    by_text: Mapping[str, E]
    allowed: str
    upper: bool


def _choices(enum: type[E], *, upper: bool = False) -> _Choices[E]:
    return _Choices({member.value: member for member in enum}, allowed_text(enum), upper)


def normalise_digits(text: str) -> str:
    """Persian and Arabic-Indic digits (and the Arabic decimal separator) as ASCII."""
    return to_ascii_number(text)


@lru_cache(maxsize=4096)  # a dose file repeats the same few hundred dates a million times
def parse_iso_date(text: str) -> date | None:
    """A date written YYYY-MM-DD (any digits), or None when it is not one."""
    text = normalise_digits(text)
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_flag(text: str) -> bool | None:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None


def phone_problem(phone: str) -> str | None:
    if _PHONE.fullmatch(phone) is None:
        return t("not a phone number (digits, spaces, dashes, parentheses and a leading +)")
    digits = sum(ch.isdigit() for ch in phone)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return t("a phone number has {low} to {high} digits, this one has {digits}",
                 low=MIN_PHONE_DIGITS, high=MAX_PHONE_DIGITS, digits=digits)
    return None


def email_problem(email: str) -> str | None:
    if len(email) > EMAIL_LENGTH or _EMAIL.fullmatch(email) is None:
        return t("not an e-mail address")
    return None


def dose_range_problem(medication: Medication, dose_mg: float) -> str | None:
    """Why ``dose_mg`` is not a plausible dose of ``medication``, or None when it is."""
    low, high = DOSE_RANGES_MG[medication]
    if low <= dose_mg <= high:
        return None
    return t("outside {low:g}–{high:g} mg for {medication}", low=low, high=high,
             medication=medication.value)


def allowed_text(enum: type[StrEnum] | Sequence[str]) -> str:
    return ", ".join(str(value) for value in enum)


_SEX = _choices(Sex, upper=True)
_MEDICATION = _choices(Medication)
_PHASE = _choices(Phase)
_DOSE_STATUS = _choices(DoseStatus)
_DOSE_KIND = _choices(DoseKind)
_SCREEN_RESULT = _choices(ScreenResult)
_RELATION = _choices(Relation)
_CHANNEL = _choices(Channel)
_SCOPE = _choices(ConsentScope)


# --- cross-row and database reasons (worded here, checked in data_access.importers) ------------


def unknown_clinic_reason() -> str:
    return t("no clinic with this code")


def unknown_patient_reason(clinic_code: str) -> str:
    return t("no patient with this code in clinic {clinic}", clinic=clinic_code)


def unknown_psychologist_reason() -> str:
    return t("no staff user with this username")


def duplicate_reason(key: Sequence[str], first_row: int) -> str:
    return t("the same {key} as row {row}", key=" + ".join(key), row=first_row)


def member_moved_reason(patient_code: str) -> str:
    return t("member belongs to patient {patient}; a member cannot move to another patient "
             "(add a new member code instead)", patient=patient_code)


# --- header ------------------------------------------------------------------------------------


def check_header(kind: ImportKind, header: Sequence[str]) -> tuple[list[RowError], list[str]]:
    """Problems of the header row (missing or repeated columns) and the columns to ignore."""
    fmt = FORMATS[kind]
    errors: list[RowError] = []
    seen: set[str] = set()
    ignored: list[str] = []
    for name in header:
        if name in seen and name:
            errors.append(RowError(HEADER_ROW, name, name, t("the column appears twice")))
        seen.add(name)
        if name not in fmt.columns and name not in ignored:
            ignored.append(name)
    for name in fmt.columns:
        if name in fmt.required and name not in seen:
            errors.append(RowError(HEADER_ROW, name, "", t("required column is missing")))
    return errors, ignored


def ignored_column_warning(column: str) -> str:
    return t("column '{column}' is not used and was ignored", column=column)


# --- one row -----------------------------------------------------------------------------------


class _Cells:
    """The cells of one row and the problems found so far; each getter records its own error."""

    __slots__ = ("cells", "errors", "row", "today")

    def __init__(self, row: int, cells: Mapping[str, str], today: date) -> None:
        self.row = row
        self.cells = cells
        self.today = today
        self.errors: list[RowError] = []

    def fail(self, column: str, value: str, reason: str) -> None:
        self.errors.append(RowError(self.row, column, value, reason))

    def errors_in(self, column: str) -> bool:
        return any(error.column == column for error in self.errors)

    def text(self, column: str, limit: int, *, required: bool = True) -> str | None:
        value = (self.cells.get(column) or "").strip()
        if not value:
            if required:
                self.fail(column, value, t("required"))
            return None
        if len(value) > limit:
            self.fail(column, value, t("longer than {limit} characters", limit=limit))
            return None
        return value

    def code(self, column: str) -> str | None:
        """A clinic, patient or member code with ASCII digits, so that ``P-۰۰۱۲`` finds the
        patient ``P-0012``."""
        value = self.text(column, CODE_LENGTH)
        return None if value is None else to_ascii_digits(value)

    def choice(self, column: str, choices: _Choices[E], *, default: E | None = None) -> E | None:
        raw = self.cells.get(column) or ""
        value = raw.strip()
        if not value:
            if default is None:
                self.fail(column, raw, t("required"))
            return default
        found = choices.by_text.get(value.upper() if choices.upper else value.lower())
        if found is None:
            self.fail(column, raw, t("must be one of {allowed}", allowed=choices.allowed))
        return found

    def number(self, column: str, *, required: bool = True) -> float | None:
        raw = self.cells.get(column) or ""
        value = normalise_digits(raw.strip())
        if not value:
            if required:
                self.fail(column, raw, t("required"))
            return None
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            self.fail(column, raw, t("not a number"))
            return None
        return number

    def whole(self, column: str) -> int | None:
        raw = self.cells.get(column) or ""
        value = normalise_digits(raw.strip())
        if not value:
            self.fail(column, raw, t("required"))
            return None
        if not value.isdigit():
            self.fail(column, raw, t("not a whole number"))
            return None
        return int(value)

    def day(self, column: str, *, required: bool = True, future_ok: bool = False) -> date | None:
        raw = self.cells.get(column) or ""
        value = raw.strip()
        if not value:
            if required:
                self.fail(column, raw, t("required"))
            return None
        parsed = parse_iso_date(value)
        if parsed is None:
            if _looks_like_iso(value):
                self.fail(column, raw, t("not a real date"))
            else:
                self.fail(column, raw, t("not a date YYYY-MM-DD"))
            return None
        if parsed < EARLIEST_DATE:
            meant = solar_hijri_slip(parsed)
            if meant is not None:
                self.fail(column, raw, t(
                    "a Solar Hijri date? Dates in import files are Gregorian: this one would be "
                    "{gregorian}", gregorian=meant.isoformat()))
            else:
                self.fail(column, raw, t("before {earliest}",
                                         earliest=EARLIEST_DATE.isoformat()))
            return None
        if not future_ok and parsed > self.today:
            self.fail(column, raw, t("in the future (today is {today})",
                                     today=self.today.isoformat()))
            return None
        return parsed

    def flag(self, column: str, default: bool) -> bool:
        raw = self.cells.get(column) or ""
        value = raw.strip()
        if not value:
            return default
        parsed = parse_flag(value)
        if parsed is None:
            self.fail(column, raw, t("must be true or false"))
            return default
        return parsed


def _looks_like_iso(text: str) -> bool:
    """Shaped like YYYY-MM-DD but not a real day (e.g. 2026-02-30)."""
    text = normalise_digits(text)
    parts = text.split("-")
    return len(text) == 10 and len(parts) == 3 and all(part.isdigit() for part in parts)


def parse_patient(row: int, cells: Mapping[str, str], *,
                  today: date) -> PatientRecord | list[RowError]:
    c = _Cells(row, cells, today)
    patient_code = c.code("patient_code")
    clinic_code = c.code("clinic_code")
    first_name = c.text("first_name", NAME_LENGTH)
    last_name = c.text("last_name", NAME_LENGTH)
    sex = c.choice("sex", _SEX)
    birth_year = c.whole("birth_year")
    if birth_year is not None and not EARLIEST_BIRTH_YEAR <= birth_year <= today.year:
        c.fail("birth_year", cells.get("birth_year", ""),
               t("not between {low} and {high}", low=EARLIEST_BIRTH_YEAR, high=today.year))
        birth_year = None
    admission = c.day("admission_date")
    medication = c.choice("medication", _MEDICATION)
    dose_mg = c.number("dose_mg")
    if dose_mg is not None and medication is not None:
        problem = dose_range_problem(medication, dose_mg)
        if problem:
            c.fail("dose_mg", cells.get("dose_mg", ""), problem)
            dose_mg = None
    phase = c.choice("phase", _PHASE)
    phase_since = c.day("phase_since", required=False)
    if phase_since is not None and admission is not None and phase_since < admission:
        c.fail("phase_since", cells.get("phase_since", ""),
               t("before the admission date {admission}", admission=admission.isoformat()))
    primary_substance = c.text("primary_substance", SUBSTANCE_LENGTH)
    psychologist = c.text("psychologist", USERNAME_LENGTH, required=False)
    living = c.text("living_situation", LIVING_LENGTH, required=False)
    employment = c.text("employment", 20, required=False)
    if employment is not None:
        employment = employment.lower()
        if employment not in EMPLOYMENT_VALUES:
            c.fail("employment", cells.get("employment", ""),
                   t("must be one of {allowed}", allowed=allowed_text(EMPLOYMENT_VALUES)))
    if c.errors:
        return c.errors
    assert patient_code and clinic_code and first_name and last_name and primary_substance
    assert sex and birth_year is not None and admission and medication and phase
    assert dose_mg is not None
    return PatientRecord(row, patient_code, clinic_code, first_name, last_name, sex, birth_year,
                         admission, medication, dose_mg, phase, phase_since, primary_substance,
                         psychologist, living, employment)


def parse_dose(row: int, cells: Mapping[str, str], *, today: date) -> DoseRecord | list[RowError]:
    """A dose row; its dose range is checked later against the patient's medication.

    Dose files run to millions of rows, so a plain valid row takes a short path; anything else
    (including every row with a problem) goes through the checks that name each problem.
    """
    get = cells.get
    patient_code = to_ascii_digits(get("patient_code", "").strip())
    clinic_code = to_ascii_digits(get("clinic_code", "").strip())
    day = parse_iso_date(get("date", "").strip())
    status = _DOSE_STATUS.by_text.get(get("status", "").strip().lower())
    kind_text = get("kind", "").strip()
    kind = _DOSE_KIND.by_text.get(kind_text.lower()) if kind_text else DoseKind.OBSERVED
    mg_text = get("dose_mg", "").strip()
    if (
        0 < len(patient_code) <= CODE_LENGTH and 0 < len(clinic_code) <= CODE_LENGTH
        and day is not None and EARLIEST_DATE <= day <= today and kind is not None
        and ((status is DoseStatus.MISSED and not mg_text)
             or (status is DoseStatus.TAKEN and mg_text.isascii()
                 and mg_text.replace(".", "", 1).isdigit()))
    ):
        dose_mg = float(mg_text) if mg_text else None
        return DoseRecord(row, patient_code, clinic_code, day, status, dose_mg, kind)
    return _parse_dose_checked(row, cells, today)


def _parse_dose_checked(row: int, cells: Mapping[str, str],
                        today: date) -> DoseRecord | list[RowError]:
    c = _Cells(row, cells, today)
    patient_code = c.code("patient_code")
    clinic_code = c.code("clinic_code")
    day = c.day("date")
    status = c.choice("status", _DOSE_STATUS)
    dose_mg = c.number("dose_mg", required=False)
    if status is DoseStatus.TAKEN and dose_mg is None and not c.errors_in("dose_mg"):
        c.fail("dose_mg", cells.get("dose_mg", ""), t("a taken dose needs dose_mg"))
    elif status is DoseStatus.MISSED and dose_mg is not None:
        c.fail("dose_mg", cells.get("dose_mg", ""), t("a missed dose has no dose_mg"))
    elif dose_mg is not None and dose_mg < 0:
        c.fail("dose_mg", cells.get("dose_mg", ""), t("a dose cannot be negative"))
    kind = c.choice("kind", _DOSE_KIND, default=DoseKind.OBSERVED)
    if c.errors:
        return c.errors
    assert patient_code and clinic_code and day and status and kind
    return DoseRecord(row, patient_code, clinic_code, day, status, dose_mg, kind)


def parse_screen(row: int, cells: Mapping[str, str], *,
                 today: date) -> ScreenRecord | list[RowError]:
    c = _Cells(row, cells, today)
    patient_code = c.code("patient_code")
    clinic_code = c.code("clinic_code")
    day = c.day("date")
    substance = c.text("substance", SCREEN_SUBSTANCE_LENGTH)
    result = c.choice("result", _SCREEN_RESULT)
    expected = c.flag("expected", default=False)
    if c.errors:
        return c.errors
    assert patient_code and clinic_code and day and substance and result
    return ScreenRecord(row, patient_code, clinic_code, day, substance.lower(), result, expected)


def parse_member(row: int, cells: Mapping[str, str], *,
                 today: date) -> MemberRecord | list[RowError]:
    c = _Cells(row, cells, today)
    member_code = c.code("member_code")
    patient_code = c.code("patient_code")
    clinic_code = c.code("clinic_code")
    relation = c.choice("relation", _RELATION)
    first_name = c.text("first_name", NAME_LENGTH)
    last_name = c.text("last_name", NAME_LENGTH)
    phone = c.text("phone", PHONE_LENGTH, required=False)
    if phone is not None:
        phone = normalise_digits(phone)
        problem = phone_problem(phone)
        if problem:
            c.fail("phone", cells.get("phone", ""), problem)
    email = c.text("email", EMAIL_LENGTH, required=False)
    if email is not None:
        problem = email_problem(email)
        if problem:
            c.fail("email", cells.get("email", ""), problem)
    channel = c.choice("channel", _CHANNEL)
    if channel is Channel.EMAIL and email is None and not c.errors_in("email"):
        c.fail("email", cells.get("email", ""),
               t("the channel {channel} needs an e-mail address", channel=channel.value))
    elif channel in _PHONE_CHANNELS and phone is None and not c.errors_in("phone"):
        assert channel is not None
        c.fail("phone", cells.get("phone", ""),
               t("the channel {channel} needs a phone number", channel=channel.value))
    language = (cells.get("language") or "").strip().lower() or DEFAULT_LANGUAGE
    if _LANGUAGE.fullmatch(language) is None or len(language) > 8:
        c.fail("language", cells.get("language", ""),
               t("not a language code (e.g. fa, en)"))
    active = c.flag("active", default=True)
    consent = _consent(c, cells)
    if c.errors:
        return c.errors
    assert member_code and patient_code and clinic_code and relation and first_name
    assert last_name and channel
    return MemberRecord(row, member_code, patient_code, clinic_code, relation, first_name,
                        last_name, phone, email, channel, language, active, consent)


def _consent(c: _Cells, cells: Mapping[str, str]) -> ConsentRecord | None:
    if not any((cells.get(column) or "").strip() for column in CONSENT_COLUMNS):
        return None
    signed = c.day("consent_signed", required=False)
    expires = c.day("consent_expires", required=False, future_ok=True)
    revoked = c.day("consent_revoked", required=False)
    scope = c.choice("consent_scope", _SCOPE, default=ConsentScope.EDUCATION)
    if signed is None:
        if not c.errors_in("consent_signed"):
            c.fail("consent_signed", cells.get("consent_signed", ""),
                   t("required when other consent columns are filled in"))
        return None
    if expires is not None and expires < signed:
        c.fail("consent_expires", cells.get("consent_expires", ""),
               t("the consent expires before it was signed ({signed})",
                 signed=signed.isoformat()))
    if revoked is not None and revoked < signed:
        c.fail("consent_revoked", cells.get("consent_revoked", ""),
               t("the consent is revoked before it was signed ({signed})",
                 signed=signed.isoformat()))
    if scope is None:
        return None
    return ConsentRecord(signed, expires, revoked, scope)


def single_row_csv(values: dict[str, str]) -> str:
    """One record as a one-row import file, so manual entry passes exactly the import checks."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(values))
    writer.writerow(list(values.values()))
    return buffer.getvalue()
