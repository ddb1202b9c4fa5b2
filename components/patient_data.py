"""Cached reads for the patient screens: shared by users, so clinic and role are in the key.

Called only after the page's permission check; a write that changes a patient clears the roster
cache (``roster.clear()``), never every cache.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.resources import database
from data_access.roster import psychologist_usernames, roster_extras
from data_access.signals import patient_signal_list
from domain.roster import RosterRow, roster_rows
from settings import Settings


@st.cache_data(ttl=120, max_entries=64, show_spinner=False)
def roster(clinic_ids: tuple[int, ...], as_of: date, role: str, _settings: Settings,
           database_url: str) -> list[RosterRow]:
    """Signals and extras of every active patient of the clinics, as of one day."""
    with database(database_url).sessions() as session:
        signals = patient_signal_list(session, clinic_ids=clinic_ids, as_of=as_of,
                                      thresholds=_settings.clinical)
        extras = roster_extras(session, clinic_ids=clinic_ids, as_of=as_of)
    return roster_rows(signals, extras)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def psychologists(clinic_ids: tuple[int, ...], database_url: str) -> list[str]:
    with database(database_url).sessions() as session:
        return psychologist_usernames(session, clinic_ids=clinic_ids)
