"""Cached reads for the patient screens: shared by users, so clinic and role are in the key.

Called only after the page's permission check; a write that changes a patient clears these
caches (``components.caches.clear_patient_caches``: ``roster.clear()``, ``record.clear()``),
never every cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.resources import database
from data_access.parallel_reads import read_beside
from data_access.patient_record import (
    MemberView,
    PatientHeader,
    dose_rows,
    engagement_frame,
    family_activity,
    members,
    patient_choices,
    patient_header,
    phase_history_frame,
    screen_frame,
)
from data_access.questions import clinic_deadline
from data_access.roster import Psychologist, clinic_psychologists, roster_extras
from data_access.signals import patient_facts, patient_signal_list
from domain.calendars import week_start
from domain.dose_calendar import DoseRow
from domain.roster import RosterRow, roster_rows
from domain.signals import PatientSignals, patient_signals
from settings import Settings

RECORD_DOSE_DAYS = 180
"""The patient record charts the doses and the family's engagement of the last 180 days."""
RECORD_SCREEN_DAYS = 365
"""…and the urine screens of the last 12 months."""


@st.cache_resource(ttl=120, max_entries=64, show_spinner=False)
def roster(clinic_ids: tuple[int, ...], as_of: date, role: str, _settings: Settings,
           database_url: str) -> tuple[RosterRow, ...]:
    """Signals and extras of every active patient of the clinics, as of one day.

    A shared resource rather than ``st.cache_data``: every run gets the same immutable tuple of
    frozen rows instead of its own unpickled copy, which took half a second of each warm run
    for 10,000 patients (bench/README.md). The extras are read on a second connection while the
    signals are read and computed (``data_access.parallel_reads``)."""
    db = database(database_url)
    with db.sessions() as session, read_beside(
            lambda beside: roster_extras(beside, clinic_ids=clinic_ids, as_of=as_of),
            session, db.sessions) as extras_read:
        # The roster shows no retention: its taken-day masks are left out.
        facts = patient_facts(session, clinic_ids=clinic_ids, as_of=as_of,
                              thresholds=_settings.clinical, with_retention=False)
        signals = [patient_signals(fact, as_of, _settings.clinical) for fact in facts]
        extras = extras_read()
    return tuple(roster_rows(signals, extras))


@st.cache_resource(ttl=600, max_entries=64, show_spinner=False)
def record_choices(clinic_ids: tuple[int, ...],
                   database_url: str) -> tuple[tuple[int, str], ...]:
    """(id, "CODE · name") of every patient of the clinics, for the record's picker: 10,000 at
    network scale, read on every run of the record it was a fifth of its warm run. Read once per
    ten minutes or after a write to patients (``components.caches``); shared and immutable, like
    the roster, which holds the same names. Called only after the page's permission check."""
    with database(database_url).sessions() as session:
        return tuple(patient_choices(session, clinic_ids=clinic_ids))


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def psychologists(clinic_ids: tuple[int, ...], database_url: str) -> list[Psychologist]:
    """The psychologists of the clinics' patients (the Patients and Outreach filters)."""
    with database(database_url).sessions() as session:
        return clinic_psychologists(session, clinic_ids=clinic_ids)


@dataclass(frozen=True)
class RecordReads:
    """What the patient record shows of one patient on one day, read in one session.

    ``signals`` is None for a patient whose signals cannot be computed (none are returned);
    ``activity`` holds the frames ``questions``, ``reports`` and ``outreach``.
    """

    header: PatientHeader
    signals: PatientSignals | None
    doses_since: date
    doses: list[DoseRow]
    screens: pd.DataFrame
    history: pd.DataFrame
    family: list[MemberView]
    engagement: pd.DataFrame
    activity: dict[str, pd.DataFrame]
    first_weekday: int  # the clinic's week start (domain.calendars.week_start), for the heat map


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def record(clinic_ids: tuple[int, ...], patient_id: int, as_of: date, role: str,
           _settings: Settings, database_url: str) -> RecordReads:
    """The record's reads for 60 seconds, so that every click on the record (an expander, a
    selectbox) does not read it again; the view itself is audited by the page on every open,
    outside this cache (STYLE, state and caching). Raises ``PatientNotFound`` (never cached)
    when the patient is not in ``clinic_ids``, before anything else is read."""
    start = as_of - timedelta(days=RECORD_DOSE_DAYS - 1)
    with database(database_url).sessions() as session:
        header = patient_header(session, patient_id=patient_id, clinic_ids=clinic_ids)
        signals = patient_signal_list(session, clinic_ids=clinic_ids, as_of=as_of,
                                      patient_ids=[patient_id], include_discharged=True,
                                      thresholds=_settings.clinical)
        return RecordReads(
            header=header,
            signals=signals[0] if signals else None,
            doses_since=start,
            doses=dose_rows(session, patient_id=patient_id, start=start, end=as_of),
            screens=screen_frame(session, patient_id=patient_id,
                                 start=as_of - timedelta(days=RECORD_SCREEN_DAYS - 1), end=as_of),
            history=phase_history_frame(session, patient_id=patient_id),
            family=members(session, patient_id=patient_id, as_of=as_of),
            engagement=engagement_frame(session, patient_id=patient_id, start=start, end=as_of),
            activity=family_activity(session, patient_id=patient_id),
            first_weekday=week_start(clinic_deadline(session, header.clinic_id)[1].days),
        )
