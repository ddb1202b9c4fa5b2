"""Download buttons for exports: a table as CSV and Excel, the patient summary and meeting PDFs.

Every file is cut to the reader's role first (``domain.redaction``: no phone, e-mail or Telegram
for the case team) and every download is audited as an EXPORT (45 CFR 164.312(b)):

- CSV of a small table is cheap, so its bytes are ready on the button; Excel and PDF take
  tenths of a second or more, and so does any file of a table a page passes as a function (the
  worklist at network scale), so Streamlit builds them only when the button is clicked (a
  callable ``data``, run on a worker thread: it must not call Streamlit, so it gets the
  database and the user passed in);
- tables and meeting minutes are audited by the button's ``on_click`` callback, as the outreach
  worklist's CSV always was; the patient summary is audited by ``data_access.patient_summary``
  while its data are gathered, and its button does not rerun the page (a rerun of the record
  would log another view).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd
import streamlit as st

from components.resources import app_settings, current_database
from components.state import SignedInUser
from data_access.audit import record_audit
from data_access.clock import today
from data_access.database import Database
from data_access.patient_summary import patient_summary
from documents.meeting_minutes import meeting_minutes_pdf
from documents.patient_summary import patient_summary_pdf
from documents.tables import csv_bytes, excel_bytes
from domain.meetings import MeetingMinutes
from domain.redaction import redact_frame, redaction_note
from domain.text import t
from domain.thresholds import ClinicalThresholds
from domain.vocabulary import AuditAction

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"


def audit_export(user: SignedInUser, entity: str, entity_id: str, summary: str) -> None:
    """Record one EXPORT; a button's ``on_click`` callback (runs before the page reruns)."""
    with current_database().sessions() as session, session.begin():
        record_audit(session, actor=user.username, action=AuditAction.EXPORT, entity=entity,
                     entity_id=entity_id, summary=summary)


def table_download_buttons(frame: pd.DataFrame | Callable[[], pd.DataFrame], *,
                           file_stem: str, user: SignedInUser, entity: str, entity_id: str,
                           key_prefix: str, sheet_name: str = "", rows: int | None = None,
                           disabled: bool = False) -> None:
    """The buttons "Export CSV" and "Export Excel" for ``frame``, redacted for the user's role;
    audited as ``entity``/``entity_id`` with "N rows as CSV" (or Excel).

    ``frame`` may be a function that builds it, with ``rows`` its length for the audit: a
    page whose table holds thousands of rows (the worklist at network scale) then builds the
    file only when a button is clicked, not on every run. Keys: ``{key_prefix}_csv`` and
    ``{key_prefix}_excel``.
    """
    note = redaction_note(user.role)
    if callable(frame):
        build = frame
        count = 0 if rows is None else rows
    else:
        ready = frame
        count = len(ready)

        def build() -> pd.DataFrame:
            return ready

    def csv() -> bytes:
        return csv_bytes(redact_frame(build(), user.role))

    def excel() -> bytes:
        return excel_bytes({sheet_name or file_stem: redact_frame(build(), user.role)})

    with st.container(horizontal=True):
        st.download_button(
            t("Export CSV"), csv if callable(frame) else csv(), file_name=f"{file_stem}.csv",
            mime=CSV_MIME, on_click=audit_export, key=f"{key_prefix}_csv", disabled=disabled,
            args=(user, entity, entity_id, f"{count} rows as CSV{note}"))
        st.download_button(
            t("Export Excel"), excel, file_name=f"{file_stem}.xlsx", mime=XLSX_MIME,
            on_click=audit_export, key=f"{key_prefix}_excel", disabled=disabled,
            args=(user, entity, entity_id, f"{count} rows as Excel{note}"))


def workbook_download_button(sheets: Mapping[str, pd.DataFrame], *, label: str, file_stem: str,
                             user: SignedInUser, entity: str, entity_id: str,
                             key_prefix: str, disabled: bool = False) -> None:
    """One Excel file with a sheet per table (e.g. the Overview's tables), each redacted for the
    user's role; audited once with the rows of every sheet. Key: ``{key_prefix}_workbook``."""
    exported = {title: redact_frame(frame, user.role) for title, frame in sheets.items()}
    rows = ", ".join(f"{title} {len(frame)}" for title, frame in exported.items())

    def workbook() -> bytes:
        return excel_bytes(exported)

    st.download_button(
        label, workbook, file_name=f"{file_stem}.xlsx", mime=XLSX_MIME, on_click=audit_export,
        key=f"{key_prefix}_workbook", disabled=disabled or not exported,
        args=(user, entity, entity_id, f"Excel workbook, rows: {rows}{redaction_note(user.role)}"))


def pdf_download_button(label: str, build: Callable[[], bytes], *, file_name: str,
                        user: SignedInUser, entity: str, entity_id: str, summary: str,
                        key: str, disabled: bool = False) -> None:
    """A PDF built by ``build`` (no Streamlit inside) when clicked; audited on click."""
    st.download_button(label, build, file_name=file_name, mime=PDF_MIME, on_click=audit_export,
                       args=(user, entity, entity_id, summary), key=key, disabled=disabled)


def meeting_minutes_button(minutes: MeetingMinutes, user: SignedInUser, *,
                           key_prefix: str) -> None:
    """The meeting's agenda and decisions as PDF in the user's language and calendar; audited
    as an export of the meeting (the file name stays ASCII, its date ISO)."""
    def build() -> bytes:
        return meeting_minutes_pdf(minutes, language=user.language, calendar=user.calendar)

    pdf_download_button(
        t("Minutes PDF"), build,
        file_name=f"hamrah-meeting-{minutes.clinic_code}-{minutes.held_on.isoformat()}.pdf",
        user=user, entity="case_meeting", entity_id=str(minutes.meeting_id),
        summary=f"minutes PDF, {len(minutes.patients)} patients",
        key=f"{key_prefix}_minutes_pdf")


def patient_summary_file(db: Database, *, patient_id: int, user: SignedInUser, as_of: date,
                         thresholds: ClinicalThresholds) -> bytes:
    """Gather (audited, redacted for the user's role), then draw the patient summary PDF in the
    user's language and calendar.

    The transaction ends before drawing, so the audit log is not locked while charts render.
    """
    with db.sessions() as session, session.begin():
        summary = patient_summary(session, patient_id=patient_id, clinic_ids=user.clinic_ids,
                                  role=user.role, actor=user.username, as_of=as_of,
                                  thresholds=thresholds)
    return patient_summary_pdf(summary, language=user.language, calendar=user.calendar)


def patient_summary_button(patient_id: int, user: SignedInUser, *, key_prefix: str,
                           patient_code: str = "", as_of: date | None = None) -> None:
    """The "Summary PDF" button for one patient of the user's clinics, built and audited when
    clicked (the file is made only then).

    Key: ``{key_prefix}_summary_pdf``.
    """
    db = current_database()
    thresholds = app_settings().clinical
    day = as_of or today()

    def build() -> bytes:
        return patient_summary_file(db, patient_id=patient_id, user=user, as_of=day,
                                    thresholds=thresholds)

    st.download_button(
        t("Summary PDF"), build,
        file_name=f"hamrah-summary-{patient_code or patient_id}-{day.isoformat()}.pdf",
        mime=PDF_MIME, on_click="ignore", key=f"{key_prefix}_summary_pdf",
        help=t("The last 90 days with charts, the phase history and the family; the download "
               "is recorded in the audit log."))
