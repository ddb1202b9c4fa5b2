"""The case meeting's agenda and decisions as a PDF.

``data_access.meetings.meeting_minutes`` fills a ``domain.meetings.MeetingMinutes`` and the
export button audits the download; this module only draws it: first the agenda, each patient
with the reasons it is on it, then the decisions patient by patient, with ruled blank lines where
none is recorded yet so that a printed copy can be written on during the meeting. The labels and
the date follow the exporter's language and calendar (``documents.pdf_layout``); agenda reasons
and decisions are printed as recorded.
"""

from __future__ import annotations

from documents.pdf_layout import HamrahPDF, document_language
from domain.calendars import Calendar, format_date
from domain.meetings import MeetingMinutes, MinutesPatient
from domain.text import in_local_digits, t

BLANK_DECISION_LINES = 4


def _patient_title(patient: MinutesPatient) -> str:
    return f"{patient.patient_code} · {patient.name}" if patient.name else patient.patient_code


def _agenda(pdf: HamrahPDF, minutes: MeetingMinutes) -> None:
    pdf.heading(t("Agenda"))
    if not minutes.patients:
        pdf.paragraph(t("No patient is on the agenda."), muted=True)
        return
    for number, patient in enumerate(minutes.patients, start=1):
        pdf.subheading(f"{in_local_digits(str(number))}. {_patient_title(patient)}")
        reasons = patient.reasons or (t("no reason given"),)
        for reason in reasons:
            pdf.paragraph(f"- {reason}")


def _decisions(pdf: HamrahPDF, minutes: MeetingMinutes) -> None:
    pdf.heading(t("Decisions"))
    for number, patient in enumerate(minutes.patients, start=1):
        pdf.subheading(f"{in_local_digits(str(number))}. {_patient_title(patient)}")
        if not patient.decisions:
            pdf.blank_lines(BLANK_DECISION_LINES,
                            label=t("No decision recorded: decision, owner, due date."))
            continue
        pdf.data_table(
            [t("Decision"), t("Owner"), t("Due"), t("Done")],
            [(d.what, d.owner, d.due_on, d.done) for d in patient.decisions],
            col_widths=(100, 35, 28, 17),
        )


def meeting_minutes_pdf(minutes: MeetingMinutes, *, language: str = "en",
                        calendar: Calendar = Calendar.GREGORIAN) -> bytes:
    """The agenda with its reasons, then the decisions per patient, as PDF bytes, in the
    exporter's ``language`` and ``calendar``."""
    with document_language(language):
        held_on = format_date(minutes.held_on, calendar, language)
        pdf = HamrahPDF(clinic=minutes.clinic_code, language=language, calendar=calendar,
                        title=t("Case meeting · {date}", date=held_on))
        decided = sum(len(patient.decisions) for patient in minutes.patients)
        pdf.title_block(
            t("Case meeting · {clinic}", clinic=minutes.clinic_name or minutes.clinic_code),
            t("Held on {date} · clinic {clinic} · {patients} patients, {decisions} decisions",
              date=held_on, clinic=minutes.clinic_code, patients=len(minutes.patients),
              decisions=decided),
        )
        _agenda(pdf, minutes)
        _decisions(pdf, minutes)
        return pdf.to_bytes()
