"""The row rules of the CSV imports: typed records out, or problems a person can act on."""

from __future__ import annotations

from datetime import date

import pytest

from domain.import_rules import (
    FORMATS,
    ConsentRecord,
    DoseRecord,
    ImportKind,
    MemberRecord,
    PatientRecord,
    RowError,
    ScreenRecord,
    check_header,
    dose_range_problem,
    ignored_column_warning,
    normalise_digits,
    parse_dose,
    parse_member,
    parse_patient,
    parse_screen,
    phone_problem,
)
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

TODAY = date(2026, 11, 23)

PATIENT = {
    "patient_code": "P-1", "clinic_code": "TST", "first_name": "Test", "last_name": "Demo-P1",
    "sex": "M", "birth_year": "1985", "admission_date": "2026-01-05", "medication": "methadone",
    "dose_mg": "80", "phase": "maintenance", "phase_since": "", "primary_substance": "heroin",
    "psychologist": "", "living_situation": "", "employment": "",
}
DOSE = {"patient_code": "P-1", "clinic_code": "TST", "date": "2026-11-02", "status": "taken",
        "dose_mg": "80", "kind": ""}
SCREEN = {"patient_code": "P-1", "clinic_code": "TST", "date": "2026-11-02",
          "substance": "opioids", "result": "negative", "expected": ""}
MEMBER = {
    "member_code": "M-1", "patient_code": "P-1", "clinic_code": "TST", "relation": "mother",
    "first_name": "Test", "last_name": "Demo-M1", "phone": "+44 7700 900001", "email": "",
    "channel": "sms", "language": "", "consent_signed": "2026-03-01", "consent_expires": "",
    "consent_revoked": "", "consent_scope": "",
}
PARSERS = {"patient": (parse_patient, PATIENT), "dose": (parse_dose, DOSE),
           "screen": (parse_screen, SCREEN), "member": (parse_member, MEMBER)}


def errors_of(parser: str, /, **changes: str) -> list[str]:
    parse, base = PARSERS[parser]
    result = parse(7, {**base, **changes}, today=TODAY)
    assert isinstance(result, list), f"expected problems, got {result}"
    return [str(error) for error in result]


def test_the_error_line_names_row_column_value_and_reason() -> None:
    error = RowError(14, "dose_mg", "abc", "not a number")
    assert str(error) == "row 14, column dose_mg, value 'abc': not a number"
    assert str(RowError(2, "email", "a\nb", "x")) == "row 2, column email, value 'a\\nb': x"
    assert str(RowError(2, "first_name", "x" * 200, "y")).count("x") == 79


def test_valid_rows_become_typed_records_with_defaults() -> None:
    assert parse_patient(2, PATIENT, today=TODAY) == PatientRecord(
        2, "P-1", "TST", "Test", "Demo-P1", Sex.MALE, 1985, date(2026, 1, 5),
        Medication.METHADONE, 80.0, Phase.MAINTENANCE, None, "heroin", None, None, None)
    assert parse_dose(2, DOSE, today=TODAY) == DoseRecord(
        2, "P-1", "TST", date(2026, 11, 2), DoseStatus.TAKEN, 80.0, DoseKind.OBSERVED)
    missed = parse_dose(3, {**DOSE, "status": "missed", "dose_mg": ""}, today=TODAY)
    assert missed == DoseRecord(3, "P-1", "TST", date(2026, 11, 2), DoseStatus.MISSED, None,
                                DoseKind.OBSERVED)
    assert parse_screen(2, {**SCREEN, "substance": " Opioids "}, today=TODAY) == ScreenRecord(
        2, "P-1", "TST", date(2026, 11, 2), "opioids", ScreenResult.NEGATIVE, False)
    assert parse_member(2, MEMBER, today=TODAY) == MemberRecord(
        2, "M-1", "P-1", "TST", Relation.MOTHER, "Test", "Demo-M1", "+44 7700 900001", None,
        Channel.SMS, "fa", True,
        ConsentRecord(date(2026, 3, 1), None, None, ConsentScope.EDUCATION))
    no_consent = parse_member(2, {**MEMBER, "consent_signed": ""}, today=TODAY)
    assert isinstance(no_consent, MemberRecord) and no_consent.consent is None


def test_vocabulary_is_matched_without_regard_to_case() -> None:
    record = parse_patient(2, {**PATIENT, "sex": "f", "medication": "Methadone",
                               "phase": "TAPER", "employment": "Student"}, today=TODAY)
    assert isinstance(record, PatientRecord)
    assert (record.sex, record.medication, record.phase, record.employment) == (
        Sex.FEMALE, Medication.METHADONE, Phase.TAPER, "student")


def test_persian_and_arabic_indic_digits_are_read_as_ascii() -> None:
    assert normalise_digits("۱۴۰۵-۰۱-۰۲ ٢٣٫٥") == "1405-01-02 23.5"
    patient = parse_patient(2, {**PATIENT, "birth_year": "۱۹۸۵", "dose_mg": "۸۲٫۵",
                                "admission_date": "۲۰۲۶-۰۱-۰۵"}, today=TODAY)
    assert isinstance(patient, PatientRecord)
    assert (patient.birth_year, patient.dose_mg, patient.admission_date) == (
        1985, 82.5, date(2026, 1, 5))
    dose = parse_dose(2, {**DOSE, "date": "٢٠٢٦-١١-٠٢", "dose_mg": "٨٠"}, today=TODAY)
    assert isinstance(dose, DoseRecord) and (dose.date, dose.dose_mg) == (date(2026, 11, 2), 80)
    member = parse_member(2, {**MEMBER, "phone": "+۹۸ ۹۱۲ ۰۰۰ ۱۲۳۴"}, today=TODAY)
    assert isinstance(member, MemberRecord) and member.phone == "+98 912 000 1234"


@pytest.mark.parametrize("kind", list(PARSERS))
@pytest.mark.parametrize("digits", ["۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"], ids=["persian", "arabic-indic"])
def test_code_columns_typed_in_persian_digits_are_the_same_codes(kind: str, digits: str) -> None:
    parse, good = PARSERS[kind]
    typed = str.maketrans("0123456789", digits)
    codes = {"patient_code": "P-1200", "clinic_code": "T9", "member_code": "M-34"}
    cells = {**good, **{column: code.translate(typed) for column, code in codes.items()
                        if column in good}}

    record = parse(2, cells, today=TODAY)

    assert not isinstance(record, list), record
    assert (record.patient_code, record.clinic_code) == ("P-1200", "T9")
    if isinstance(record, MemberRecord):
        assert record.member_code == "M-34"


def test_the_checked_dose_path_reads_a_persian_code_as_the_short_path_does() -> None:
    # A bad status: only the status is wrong, the code is no problem of its own.
    assert parse_dose(2, {**DOSE, "patient_code": "P-۱", "status": "bogus"}, today=TODAY) == [
        RowError(2, "status", "bogus", "must be one of taken, missed")]
    # A Persian dose takes the checked path too; its record holds the ASCII code.
    record = parse_dose(2, {**DOSE, "patient_code": "P-۱", "dose_mg": "۸۰"}, today=TODAY)
    assert isinstance(record, DoseRecord) and (record.patient_code, record.dose_mg) == ("P-1", 80)


@pytest.mark.parametrize(
    ("dose_mg", "kind", "expected"),
    [("80", "", 80.0), ("2.5", "take_home", 2.5), (" 12 ", "OBSERVED", 12.0),
     ("1e1", "", 10.0), ("۸۰", "", 80.0)],
)
def test_the_short_path_and_the_checked_path_agree(dose_mg: str, kind: str,
                                                   expected: float) -> None:
    record = parse_dose(2, {**DOSE, "dose_mg": dose_mg, "kind": kind}, today=TODAY)
    assert isinstance(record, DoseRecord) and record.dose_mg == expected


@pytest.mark.parametrize(
    ("parser", "changes", "line"),
    [
        ("patient", {"sex": "Q"}, "row 7, column sex, value 'Q': must be one of F, M, X"),
        ("patient", {"birth_year": "19x5"}, "row 7, column birth_year, value '19x5': "
                                            "not a whole number"),
        ("patient", {"birth_year": "1850"}, "row 7, column birth_year, value '1850': "
                                            "not between 1900 and 2026"),
        ("patient", {"first_name": " "}, "row 7, column first_name, value '': required"),
        ("patient", {"patient_code": "P" * 33}, f"row 7, column patient_code, value '{'P' * 33}'"
                                                ": longer than 32 characters"),
        ("patient", {"admission_date": "2026-02-30"}, "row 7, column admission_date, value "
                                                      "'2026-02-30': not a real date"),
        ("patient", {"admission_date": "05/01/2026"}, "row 7, column admission_date, value "
                                                      "'05/01/2026': not a date YYYY-MM-DD"),
        ("patient", {"admission_date": "2026-11-24"}, "row 7, column admission_date, value "
                                                      "'2026-11-24': in the future (today is "
                                                      "2026-11-23)"),
        ("patient", {"phase_since": "2025-12-31"}, "row 7, column phase_since, value "
                                                   "'2025-12-31': before the admission date "
                                                   "2026-01-05"),
        ("patient", {"medication": "morphine"}, "row 7, column medication, value 'morphine': "
                                                "must be one of methadone, buprenorphine, "
                                                "naltrexone"),
        ("patient", {"dose_mg": "eighty"}, "row 7, column dose_mg, value 'eighty': "
                                           "not a number"),
        ("patient", {"dose_mg": "401"}, "row 7, column dose_mg, value '401': outside 0–400 mg "
                                        "for methadone"),
        ("patient", {"medication": "buprenorphine", "dose_mg": "40"},
         "row 7, column dose_mg, value '40': outside 0–32 mg for buprenorphine"),
        ("patient", {"phase": "detox"}, "row 7, column phase, value 'detox': must be one of "
                                        "induction, stabilisation, maintenance, taper, "
                                        "aftercare, discharged"),
        ("patient", {"employment": "retired"}, "row 7, column employment, value 'retired': "
                                               "must be one of employed, unemployed, student, "
                                               "other"),
        ("dose", {"dose_mg": ""}, "row 7, column dose_mg, value '': a taken dose needs dose_mg"),
        ("dose", {"status": "missed"}, "row 7, column dose_mg, value '80': a missed dose has "
                                       "no dose_mg"),
        ("dose", {"dose_mg": "-5"}, "row 7, column dose_mg, value '-5': a dose cannot be "
                                    "negative"),
        ("dose", {"dose_mg": "nan"}, "row 7, column dose_mg, value 'nan': not a number"),
        ("dose", {"status": "late"}, "row 7, column status, value 'late': must be one of "
                                     "taken, missed"),
        ("dose", {"kind": "courier"}, "row 7, column kind, value 'courier': must be one of "
                                      "observed, take_home"),
        ("dose", {"date": "2026-11-2"}, "row 7, column date, value '2026-11-2': not a date "
                                        "YYYY-MM-DD"),
        ("screen", {"result": "maybe"}, "row 7, column result, value 'maybe': must be one of "
                                        "positive, negative"),
        ("screen", {"expected": "perhaps"}, "row 7, column expected, value 'perhaps': must be "
                                            "true or false"),
        ("member", {"relation": "cousin"}, "row 7, column relation, value 'cousin': must be "
                                           "one of mother, father, spouse, partner, sibling, "
                                           "child, other_relative, friend"),
        ("member", {"channel": "pigeon"}, "row 7, column channel, value 'pigeon': must be one "
                                          "of telegram, whatsapp, sms, email, phone_call"),
        ("member", {"phone": "12-34"}, "row 7, column phone, value '12-34': a phone number has "
                                       "7 to 15 digits, this one has 4"),
        ("member", {"phone": "0912 000 1234 ext 5"}, "row 7, column phone, value '0912 000 1234 "
                                                     "ext 5': not a phone number (digits, "
                                                     "spaces, dashes, parentheses and a "
                                                     "leading +)"),
        ("member", {"email": "someone@"}, "row 7, column email, value 'someone@': not an "
                                          "e-mail address"),
        ("member", {"channel": "email"}, "row 7, column email, value '': the channel email "
                                         "needs an e-mail address"),
        ("member", {"phone": ""}, "row 7, column phone, value '': the channel sms needs a "
                                  "phone number"),
        ("member", {"language": "Persian"}, "row 7, column language, value 'Persian': not a "
                                            "language code (e.g. fa, en)"),
        ("member", {"consent_expires": "2026-02-28"}, "row 7, column consent_expires, value "
                                                      "'2026-02-28': the consent expires "
                                                      "before it was signed (2026-03-01)"),
        ("member", {"consent_revoked": "2026-02-01"}, "row 7, column consent_revoked, value "
                                                      "'2026-02-01': the consent is revoked "
                                                      "before it was signed (2026-03-01)"),
        ("member", {"consent_scope": "everything"}, "row 7, column consent_scope, value "
                                                    "'everything': must be one of education, "
                                                    "education+progress, all"),
        ("member", {"consent_signed": "", "consent_expires": "2027-01-01"},
         "row 7, column consent_signed, value '': required when other consent columns are "
         "filled in"),
        ("member", {"consent_signed": "2026-12-01"}, "row 7, column consent_signed, value "
                                                     "'2026-12-01': in the future (today is "
                                                     "2026-11-23)"),
    ],
)
def test_a_bad_cell_gives_one_line(parser: str, changes: dict[str, str], line: str) -> None:
    assert errors_of(parser, **changes) == [line]


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    lines = errors_of("dose", date="tomorrow", status="?", kind="?")
    assert [line.split(",")[1].strip() for line in lines] == [
        "column date", "column status", "column kind"]


def test_a_consent_may_expire_in_the_future() -> None:
    record = parse_member(2, {**MEMBER, "consent_expires": "2027-09-01"}, today=TODAY)
    assert isinstance(record, MemberRecord) and record.consent is not None
    assert record.consent.expires_on == date(2027, 9, 1)


@pytest.mark.parametrize(
    ("medication", "low_ok", "high_ok", "too_high"),
    [(Medication.METHADONE, 0, 400, 400.5), (Medication.BUPRENORPHINE, 0, 32, 33),
     (Medication.NALTREXONE, 0, 380, 381)],
)
def test_dose_ranges_per_medication(medication: Medication, low_ok: float, high_ok: float,
                                    too_high: float) -> None:
    assert dose_range_problem(medication, low_ok) is None
    assert dose_range_problem(medication, high_ok) is None
    assert dose_range_problem(medication, too_high) is not None
    assert dose_range_problem(medication, -1) is not None


@pytest.mark.parametrize(
    ("phone", "ok"),
    [("+98 912 000 1234", True), ("(020) 7946-0000", True), ("1234567", True),
     ("123456", False), ("+1234567890123456", False), ("0912-000-12a4", False),
     ("12+3456789", False)],
)
def test_phone_numbers(phone: str, ok: bool) -> None:
    assert (phone_problem(phone) is None) is ok


def test_the_header_needs_every_required_column_once_and_ignores_the_rest() -> None:
    header = ["patient_code", "clinic_code", "date", "dose_mg", "note", "date"]
    errors, ignored = check_header(ImportKind.DOSES, header)
    assert [str(e) for e in errors] == [
        "row 1, column date, value 'date': the column appears twice",
        "row 1, column status, value '': required column is missing",
    ]
    assert ignored == ["note"]
    assert ignored_column_warning("note") == "column 'note' is not used and was ignored"


def test_every_format_lists_its_key_among_its_required_columns() -> None:
    for fmt in FORMATS.values():
        assert set(fmt.key) <= fmt.required
        assert set(fmt.optional).isdisjoint(fmt.required)
