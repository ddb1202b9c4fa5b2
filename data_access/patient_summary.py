"""Everything a patient summary PDF shows, gathered once, cut to the reader's role and audited.

The summary reuses the record's own queries (``data_access.patient_record``, the signals and the
consents), so the file says what the screen says. Gathering it is the disclosure: the function
records an EXPORT audit entry (CLINICAL.md, "audit": 45 CFR 164.312(b)) in the caller's
transaction, after the reads, so the audit log's write lock is held only until the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.consents import ActiveConsent, active_consents
from data_access.patient_record import (
    MemberView,
    PatientHeader,
    dose_rows,
    family_activity,
    members,
    patient_header,
    phase_history_frame,
    screen_frame,
)
from data_access.questions import clinic_deadline
from data_access.signals import patient_signal_list
from domain.access import sees_contact_details
from domain.calendars import MONDAY, week_start
from domain.dose_calendar import CalendarDay, dose_calendar
from domain.redaction import redact_contacts, redaction_note
from domain.signals import PatientSignals
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.vocabulary import AuditAction, Role

SUMMARY_DAYS = 90
OPEN_QUESTION_COLUMNS = ["asked", "member", "question", "due"]


@dataclass(frozen=True, eq=False)
class PatientSummary:
    """One patient on one day: the essentials, the last ``days`` of doses and screens, the whole
    phase history, the family with its consents, and the family's unanswered questions.

    ``members`` carry phones and e-mails only when ``contact_details`` is true (not for the case
    team, ``domain.access.sees_contact_details``).
    """

    header: PatientHeader
    signals: PatientSignals | None
    as_of: date
    start: date
    days: tuple[CalendarDay, ...]
    screens: pd.DataFrame
    phase_history: pd.DataFrame
    members: tuple[MemberView, ...]
    consents: tuple[ActiveConsent, ...]
    open_questions: pd.DataFrame
    contact_details: bool
    prepared_by: str
    first_weekday: int = MONDAY  # the clinic's week start, for the heat map (as on the record)


def patient_summary(
    session: Session,
    *,
    patient_id: int,
    clinic_ids: Sequence[int],
    role: Role,
    actor: str,
    as_of: date,
    days: int = SUMMARY_DAYS,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> PatientSummary:
    """The summary of a patient of ``clinic_ids`` (else ``PatientNotFound``); audited as an export.

    The window is the ``days`` days ending on ``as_of``, both included.
    """
    header = patient_header(session, patient_id=patient_id, clinic_ids=clinic_ids)
    start = as_of - timedelta(days=days - 1)
    signals = patient_signal_list(session, clinic_ids=clinic_ids, as_of=as_of,
                                  patient_ids=[patient_id], include_discharged=True,
                                  thresholds=thresholds)
    doses = dose_rows(session, patient_id=patient_id, start=start, end=as_of)
    calendar = dose_calendar(doses, start, as_of, header.admission_date, header.discharged_on)
    questions = family_activity(session, patient_id=patient_id)["questions"]
    open_questions = questions.loc[questions["answered"].isna(), OPEN_QUESTION_COLUMNS]
    summary = PatientSummary(
        header=header,
        signals=signals[0] if signals else None,
        as_of=as_of,
        start=start,
        days=tuple(calendar),
        screens=screen_frame(session, patient_id=patient_id, start=start, end=as_of),
        phase_history=phase_history_frame(session, patient_id=patient_id),
        members=tuple(redact_contacts(member, role)
                      for member in members(session, patient_id=patient_id, as_of=as_of)),
        consents=tuple(active_consents(session, patient_id=patient_id, on=as_of)),
        open_questions=open_questions.reset_index(drop=True),
        contact_details=sees_contact_details(role),
        prepared_by=actor,
        first_weekday=week_start(clinic_deadline(session, header.clinic_id)[1].days),
    )
    record_audit(session, actor=actor, action=AuditAction.EXPORT, entity="patient",
                 entity_id=patient_id,
                 summary=f"patient summary PDF, {days} days to {as_of.isoformat()}"
                 + redaction_note(role))
    return summary
