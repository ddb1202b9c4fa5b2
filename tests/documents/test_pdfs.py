"""The PDFs opened with pypdf: what a reader finds in them, on which page, with which images."""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import time
import unicodedata
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import pytest
from pypdf import PdfReader

from data_access.consents import ActiveConsent
from data_access.patient_record import MemberView, PatientHeader
from data_access.patient_summary import PatientSummary
from documents.chart_images import chart_png
from documents.meeting_minutes import meeting_minutes_pdf
from documents.patient_summary import patient_summary_pdf
from documents.pdf_layout import UNICODE_FONT_FILES, HamrahPDF, cell_text, latin1_text
from domain.calendars import Calendar
from domain.dose_calendar import DoseRow, dose_calendar
from domain.meetings import MeetingMinutes, MinutesDecision, MinutesPatient
from domain.missed_doses import MissedDoseAction
from domain.redaction import redact_contacts
from domain.signals import Flag, PatientSignals
from domain.vocabulary import Phase, Role

AS_OF = date(2026, 11, 2)
START = date(2026, 8, 5)  # 90 days ending on AS_OF
NOTICE = "Confidential - 42 CFR part 2 prohibits unauthorized use or disclosure of these records."


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


HEADER = PatientHeader(
    id=7, code="P-014", clinic_code="TST", clinic_id=1, first_name="Test",
    last_name="Demo-Rahimi", sex="F", birth_year=1988, medication="methadone", dose_mg=85.0,
    phase=Phase.TAPER, phase_since=date(2026, 10, 1), admission_date=date(2025, 3, 3),
    discharged_on=None, primary_substance="heroin", co_used_substances="cannabis",
    living_situation="with family", employment="part-time", oud_criteria_count=7,
    psychologist="psych.test", hbv_status="negative", hcv_status="positive",
    hiv_status="negative",
)
SIGNALS = PatientSignals(
    patient_id=7, patient_code="P-014", clinic_code="TST", phase=Phase.TAPER, days_in_phase=32,
    days_in_treatment=609, adherence_28d=0.75, missed_streak=3,
    missed_dose_action=MissedDoseAction.HALF_DOSE_REVIEW, retained_90=True, retained_180=True,
    step_down_ready=False, readiness=(), take_home_max_doses=28,
    flags=(Flag.OVERDOSE_RISK_TOLERANCE,), consented_members=1,
)
# 87 days taken (85 mg, observed), then 31 October to 2 November missed.
DOSES = [DoseRow(START + timedelta(days=n), "taken", "observed", 85.0) for n in range(87)]
SCREENS = pd.DataFrame({
    "date": [date(2026, 10, 13), date(2026, 10, 13)],
    "substance": ["methadone", "opioids"],
    "result": ["positive", "positive"],
    "expected": [True, False],
    "unexpected_positive": [False, True],
})
HISTORY = pd.DataFrame([{
    "date": date(2026, 10, 1), "from_phase": "maintenance", "to_phase": "taper",
    "reason": "stable six months", "override_reason": None, "unmet_criteria": None,
    "by": "sup.test",
}])
MEMBER = MemberView(
    id=3, code="FAM1", name="Test Demo-Mother", relation="mother", channel="telegram",
    language="fa", phone="+44 7700 900001", email="fam1@example.org", consent_scope="education",
    consent_active=True, consent_until=date(2027, 1, 2),
)
SUMMARY = PatientSummary(
    header=HEADER, signals=SIGNALS, as_of=AS_OF, start=START,
    days=tuple(dose_calendar(DOSES, START, AS_OF, HEADER.admission_date, None)),
    screens=SCREENS, phase_history=HISTORY, members=(MEMBER,),
    consents=(ActiveConsent(1, 3, "FAM1", "education", date(2026, 1, 2), date(2027, 1, 2)),),
    open_questions=pd.DataFrame([{"asked": datetime(2026, 10, 30, 18, 5), "member": "FAM1",
                                  "question": "Can she drive after her dose?",
                                  "due": datetime(2026, 11, 1, 23, 59)}]),
    contact_details=True, prepared_by="sup.test",
)


def test_patient_summary_has_the_essentials_the_charts_and_the_family() -> None:
    reader = read(patient_summary_pdf(SUMMARY))
    text = text_of(reader)
    for expected in ("Patient summary: P-014", "P-014 · Test Demo-Rahimi", "methadone 85 mg",
                     "taper since 2026-10-01 (day 32)", "75%", "3 days",
                     "3 days missed: half dose after prescriber contact", "up to 28 doses",
                     "severe (7 of 11 criteria)", "3 or more missed days in a row",
                     "Doses, 2026-08-05 to 2026-11-02",
                     "87 observed, 0 take-home and 3 missed of 90 days in treatment",
                     "1 screening day, 2 results, 1 unexpected positive",
                     "2026-10-13 opioids no yes", "stable six months",
                     "Test Demo-Mother", "+44 7700", "fam1@example.org",
                     "Can she drive after her dose?", "prepared by sup.test"):
        assert expected in text, expected
    # The dose calendar, the dose trend and the screens: three PNG charts.
    assert sum(len(page.images) for page in reader.pages) == 3
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert NOTICE in page_text
        assert f"Page {number} of {pages}" in page_text
        assert "Hamrah · clinic TST" in page_text


def test_case_team_summary_withholds_phones_and_emails() -> None:
    redacted = dataclasses.replace(
        SUMMARY, members=(redact_contacts(MEMBER, Role.CASE_TEAM),), contact_details=False)
    text = text_of(read(patient_summary_pdf(redacted)))
    assert "Test Demo-Mother" in text
    assert "7700" not in text and "example.org" not in text and "E-mail" not in text
    assert "Phones and e-mails are withheld from the case team." in text
    assert "contact details withheld" in text


def test_summary_without_screens_or_doses_says_so_and_draws_only_the_calendar() -> None:
    discharged = dataclasses.replace(HEADER, discharged_on=date(2026, 7, 1),
                                     phase=Phase.DISCHARGED)
    empty = dataclasses.replace(
        SUMMARY, header=discharged, signals=None,
        days=tuple(dose_calendar([], START, AS_OF, HEADER.admission_date, date(2026, 7, 1))),
        screens=SCREENS.iloc[0:0], phase_history=HISTORY.iloc[0:0], members=(), consents=(),
        open_questions=SUMMARY.open_questions.iloc[0:0])
    reader = read(patient_summary_pdf(empty))
    text = text_of(reader)
    for expected in ("discharged 2026-07-01", "0 observed, 0 take-home and 0 missed of 0 days",
                     "No screen in these days.", "No phase change is recorded.",
                     "No support member is recorded.", "No active consent"):
        assert expected in text, expected
    assert sum(len(page.images) for page in reader.pages) == 1


def test_patient_summary_renders_in_well_under_two_seconds() -> None:
    """About 0.8 s of CPU once vl-convert's engine runs; CPU time, so that other processes on a
    busy test machine do not count."""
    chart_png(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))  # engine start
    started = time.process_time()
    patient_summary_pdf(SUMMARY)
    assert time.process_time() - started < 2.0


MINUTES = MeetingMinutes(
    meeting_id=1, clinic_code="TST", clinic_name="Test clinic — Tehran", held_on=AS_OF,
    closed_at=None,
    patients=(
        MinutesPatient("P-001", "Test Demo-Ahmadi",
                       ("3 days missed in a row", "unexpected positive screen"),
                       (MinutesDecision("Call the mother today", "psych.test", date(2026, 11, 3),
                                        False),
                        MinutesDecision("Offer a naloxone kit", "nurse.test", date(2026, 11, 9),
                                        True))),
        MinutesPatient("P-002", "", ("step-down ready",), ()),
    ),
)


def test_minutes_list_the_agenda_then_the_decisions_with_their_owners() -> None:
    reader = read(meeting_minutes_pdf(MINUTES))
    text = text_of(reader)
    assert "Case meeting · Test clinic — Tehran" in text  # the Unicode font keeps the em dash
    assert "Held on 2026-11-02 · clinic TST · 2 patients, 2 decisions" in text
    agenda, decisions = text.index("Agenda"), text.index("Decisions")
    assert agenda < text.index("1. P-001 · Test Demo-Ahmadi") < decisions
    assert agenda < text.index("- unexpected positive screen") < decisions
    assert agenda < text.index("2. P-002\n- step-down ready") < decisions
    after = text[decisions:]
    assert "Call the mother today psych.test 2026-11-03 no" in after
    assert "Offer a naloxone kit nurse.test 2026-11-09 yes" in after
    # P-002 has no decision yet: a blank area to write on.
    assert after.index("2. P-002") < after.index("No decision recorded")
    assert f"{NOTICE} Page 1 of 1" in text


def test_long_minutes_run_over_pages_with_the_footer_on_each() -> None:
    entries = tuple(
        MinutesPatient(f"P-{n:03}", f"Test Demo-{n}", ("low adherence", "family disengaged"),
                       (MinutesDecision(f"Review patient {n}", "psych.test", AS_OF, False),))
        for n in range(1, 41)
    )
    reader = read(meeting_minutes_pdf(dataclasses.replace(MINUTES, patients=entries)))
    pages = len(reader.pages)
    assert pages >= 3
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()
    text = text_of(reader)
    assert "40. P-040 · Test Demo-40" in text and "Review patient 40" in text


def test_minutes_without_patients() -> None:
    text = text_of(read(meeting_minutes_pdf(dataclasses.replace(MINUTES, patients=()))))
    assert "No patient is on the agenda." in text
    assert "0 patients, 0 decisions" in text


# -- the exporter's language and calendar ----------------------------------------------------------
# 2026-11-02 is 11 Aban 1405; 2026-10-01 is 9 Mehr 1405 (1 Mehr 1405 is 2026-09-23).

def test_a_solar_hijri_reader_gets_the_summary_dates_in_solar_hijri() -> None:
    text = text_of(read(patient_summary_pdf(SUMMARY, calendar=Calendar.JALALI)))
    for expected in ("As of 1405/08/11 · prepared by sup.test",
                     "taper since 1405/07/09 (day 32)",
                     "Doses, 1405/05/14 to 1405/08/11",  # 2026-08-05 is 14 Mordad
                     "1405/07/21 opioids no yes",  # the screen of 2026-10-13
                     "1405/07/09 maintenance taper stable six months",
                     "1405/08/08 18:05 FAM1 Can she drive after her dose? 1405/08/10 23:59"):
        assert expected in text, expected
    assert "2026-" not in text  # no ISO date left in the text


def test_a_solar_hijri_reader_gets_the_minutes_dates_in_solar_hijri() -> None:
    text = text_of(read(meeting_minutes_pdf(MINUTES, calendar=Calendar.JALALI)))
    assert "Held on 1405/08/11 · clinic TST · 2 patients, 2 decisions" in text
    assert "Call the mother today psych.test 1405/08/12 no" in text
    assert "Offer a naloxone kit nurse.test 1405/08/18 yes" in text
    assert "2026-" not in text


def test_a_persian_reader_gets_a_persian_summary() -> None:
    """pypdf reads the shaped Persian back (NFKC) but reverses a run of Persian digits inside a
    right-to-left line (it takes Arabic-block digits for right-to-left letters), so the dates are
    checked where they stand alone or lead the text pypdf reads."""
    reader = read(patient_summary_pdf(SUMMARY, language="fa", calendar=Calendar.JALALI))
    text = normalised(text_of(reader))
    assert len(reader.pages) == 2
    assert sum(len(page.images) for page in reader.pages) == 3
    for expected in ("P-014 :خلاصهٔ بیمار", "آزمایش‌های ادرار", "تاریخچهٔ مراحل",
                     "اعضای حمایتی", "همراه", "۱۴۰۵/۰۸/۱۱", "۱۴۰۵/۰۷/۲۱",
                     "Test Demo-Rahimi", "stable six months"):
        assert expected in text, expected
    assert "Patient summary" not in text and "Urine screens" not in text
    assert "2026-" not in text


def test_a_persian_reader_gets_persian_minutes() -> None:
    text = normalised(text_of(read(meeting_minutes_pdf(MINUTES, language="fa"))))
    for expected in ("دستور جلسه", "تصمیم‌ها", "Call the mother today", "P-001 · Test Demo-Ahmadi",
                     ".تصمیمی ثبت نشده است: تصمیم، مسئول، مهلت"):
        assert expected in text, expected
    assert "Agenda" not in text and "Held on" not in text


PERSIAN_NAME = ("علی", "رحیمی")
PERSIAN_REASON = "سه روز پشت سر هم دوز نخورده است"
PERSIAN_CLINIC = "درمانگاه تست تهران"


def normalised(text: str) -> str:
    """pypdf reads shaped Persian back as presentation forms (ﻋﻠﯽ); NFKC maps them to letters."""
    return unicodedata.normalize("NFKC", text)


def test_persian_names_and_reasons_are_printed_in_the_summary() -> None:
    header = dataclasses.replace(HEADER, first_name=PERSIAN_NAME[0], last_name=PERSIAN_NAME[1])
    member = dataclasses.replace(MEMBER, name="مریم رحیمی", relation="مادر")
    text = normalised(text_of(read(patient_summary_pdf(
        dataclasses.replace(SUMMARY, header=header, members=(member,))))))
    assert "P-014 · علی رحیمی" in text
    assert "مریم رحیمی" in text and "مادر" in text
    assert "?" not in text.replace("Can she drive after her dose?", "")


def test_persian_names_and_reasons_are_printed_in_the_minutes() -> None:
    minutes = dataclasses.replace(MINUTES, clinic_name=PERSIAN_CLINIC, patients=(
        MinutesPatient("P-001", " ".join(PERSIAN_NAME), (PERSIAN_REASON,),
                       (MinutesDecision("با مادرش تماس گرفته شود", "psych.test",
                                        date(2026, 11, 3), False),)),))
    text = normalised(text_of(read(meeting_minutes_pdf(minutes))))
    assert f"Case meeting · {PERSIAN_CLINIC}" in text
    assert "1. P-001 · علی رحیمی" in text
    assert f"- {PERSIAN_REASON}" in text
    assert "با مادرش تماس گرفته شود psych.test 2026-11-03 no" in text
    assert "?" not in text


def test_without_the_font_file_the_pdf_falls_back_to_latin_1_and_says_so(
        caplog: pytest.LogCaptureFixture) -> None:
    missing = {"": UNICODE_FONT_FILES[""].with_name("NoSuchFont.ttf")}
    with caplog.at_level(logging.WARNING, logger="documents.pdf_layout"):
        pdf = HamrahPDF(clinic="TST", title="Case meeting", font_files=missing)
    assert [record.getMessage().splitlines() for record in caplog.records] == [[
        f"PDF font file missing ({missing['']}): using the core Helvetica font, which prints "
        "Persian and other non-Latin-1 text as '?' (install Debian's fonts-dejavu-core: "
        "make fonts)"]]
    pdf.paragraph("P-001 · علی — Tehran")
    text = text_of(read(pdf.to_bytes()))
    assert "P-001 · ??? - Tehran" in text


@pytest.mark.parametrize(("value", "expected"), [
    ("Café · 80 mg", "Café · 80 mg"),  # Latin-1 stays
    ("Confidential — Part 2 – ‘quoted’ “twice” …",
     "Confidential - Part 2 - 'quoted' \"twice\" ..."),
    ("✓ met, ✗ not met", "yes met, no not met"),
    ("Dāvūd Šarīf", "Davud Sarif"),  # accents outside Latin-1 are dropped
    ("علی", "???"),  # the core font has no Persian letters
    (None, ""),
])
def test_without_the_unicode_font_text_is_written_in_latin_1(value: str | None,
                                                              expected: str) -> None:
    assert latin1_text(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "-"), (math.nan, "-"), (pd.NaT, "-"), (True, "yes"), (False, "no"),
    (80.0, "80"), (0.75, "0.75"), (12, "12"), (date(2026, 11, 2), "2026-11-02"),
    (datetime(2026, 11, 2, 9, 5), "2026-11-02 09:05"), ("text", "text"),
])
def test_cells_read_as_a_person_expects(value: object, expected: str) -> None:
    assert cell_text(value) == expected


@pytest.mark.parametrize(("value", "calendar", "language", "expected"), [
    (date(2026, 11, 2), Calendar.JALALI, "en", "1405/08/11"),
    (datetime(2026, 11, 2, 9, 5), Calendar.JALALI, "en", "1405/08/11 09:05"),
    (date(2026, 11, 2), Calendar.JALALI, "fa", "۱۴۰۵/۰۸/۱۱"),
    (datetime(2026, 11, 2, 9, 5), Calendar.GREGORIAN, "fa", "۲۰۲۶-۱۱-۰۲ ۰۹:۰۵"),
])
def test_cells_take_the_readers_calendar_and_digits(value: object, calendar: Calendar,
                                                    language: str, expected: str) -> None:
    assert cell_text(value, calendar, language) == expected
