"""The case meeting's agenda and decisions as a PDF.

``data_access.meetings.meeting_minutes`` fills a ``domain.meetings.MeetingMinutes`` and the
export button audits the download; this module only draws it: first the agenda, each patient
with the reasons it is on it, then the decisions patient by patient, with ruled blank lines where
none is recorded yet so that a printed copy can be written on during the meeting.
"""

from __future__ import annotations

from documents.pdf_layout import HamrahPDF, english_texts
from domain.meetings import MeetingMinutes, MinutesPatient

TITLE = "Case meeting"
BLANK_DECISION_LINES = 4


def _patient_title(patient: MinutesPatient) -> str:
    return f"{patient.patient_code} · {patient.name}" if patient.name else patient.patient_code


def _agenda(pdf: HamrahPDF, minutes: MeetingMinutes) -> None:
    pdf.heading("Agenda")
    if not minutes.patients:
        pdf.paragraph("No patient is on the agenda.", muted=True)
        return
    for number, patient in enumerate(minutes.patients, start=1):
        pdf.subheading(f"{number}. {_patient_title(patient)}")
        reasons = patient.reasons or ("no reason given",)
        for reason in reasons:
            pdf.paragraph(f"- {reason}")


def _decisions(pdf: HamrahPDF, minutes: MeetingMinutes) -> None:
    pdf.heading("Decisions")
    for number, patient in enumerate(minutes.patients, start=1):
        pdf.subheading(f"{number}. {_patient_title(patient)}")
        if not patient.decisions:
            pdf.blank_lines(BLANK_DECISION_LINES,
                            label="No decision recorded: decision, owner, due date.")
            continue
        pdf.data_table(
            ["Decision", "Owner", "Due", "Done"],
            [(d.what, d.owner, d.due_on, d.done) for d in patient.decisions],
            col_widths=(100, 35, 28, 17),
        )


def meeting_minutes_pdf(minutes: MeetingMinutes) -> bytes:
    """The agenda with its reasons, then the decisions per patient, as PDF bytes."""
    with english_texts():
        pdf = HamrahPDF(clinic=minutes.clinic_code, title=f"{TITLE} · {minutes.held_on}")
        decided = sum(len(patient.decisions) for patient in minutes.patients)
        pdf.title_block(
            f"{TITLE} · {minutes.clinic_name or minutes.clinic_code}",
            f"Held on {minutes.held_on.isoformat()} · clinic {minutes.clinic_code} · "
            f"{len(minutes.patients)} patients, {decided} decisions",
        )
        _agenda(pdf, minutes)
        _decisions(pdf, minutes)
        return pdf.to_bytes()
