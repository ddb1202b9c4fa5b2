"""Cached reads for the outreach screens: clinic ids, day, role and settings are in the key.

The worklist runs the grouped queries of ``data_access.outreach`` once a minute at most for a
clinic set; logging an attempt clears it so the item moves at once. The items are shared by
every role of those clinics; the names and contacts beside the rows a page draws are read for
each run, as its reader's role may see them, so the case team never receives a family's phone
or e-mail (``domain.access.sees_contact_details``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import streamlit as st

from components.resources import database
from data_access.outreach import (
    WorklistContext,
    outreach_worklist,
    urgent_patient_count,
    worklist_context,
)
from domain.outreach import WorklistItem
from domain.redaction import redact_contacts
from domain.vocabulary import Role
from i18n.catalog import interface_language
from settings import Settings


@st.cache_resource(ttl=60, max_entries=64, show_spinner=False)
def worklist_items(clinic_ids: tuple[int, ...], as_of: date, language: str, _settings: Settings,
                   database_url: str) -> tuple[WorklistItem, ...]:
    """The clinics' worklist (reasons and tiers, no contact details), shared by their roles.
    The reasons are written in ``language`` whatever the calling run reads, so an entry of the
    cache holds the language of its key. ``st.cache_resource``: every run shares the same
    tuple of frozen items, where an ``st.cache_data`` copy took 0.3-0.8 s of each warm Outreach
    run to unpickle at 10,000 patients (bench/README.md); it holds no contact details. The
    tables around the patients and their consented families are aggregated on a second
    connection while the first reads the clinical facts (``data_access.parallel_reads``)."""
    db = database(database_url)
    with interface_language(language), db.sessions() as session:
        return tuple(outreach_worklist(session, clinic_ids=clinic_ids, as_of=as_of,
                                       clinical=_settings.clinical, outreach=_settings.outreach,
                                       sessions=db.sessions))


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def urgent_count(clinic_ids: tuple[int, ...], as_of: date, _settings: Settings,
                 database_url: str) -> int:
    """The navigation badge's number, on every page: read from the urgent rules' facts alone
    (``data_access.outreach.urgent_patient_count``), not from the whole worklist, whose
    computation would otherwise be the larger part of any page's first run."""
    with database(database_url).sessions() as session:
        return urgent_patient_count(session, clinic_ids=clinic_ids, as_of=as_of,
                                    outreach=_settings.outreach)


def worklist_contexts(items: Sequence[WorklistItem], as_of: date, role: Role,
                      database_url: str) -> dict[int, WorklistContext]:
    """Names and contacts beside the items a page draws, as ``role`` may see them.

    Read for the drawn rows only (every urgent family and a few hundred others), not for the
    whole worklist: two queries over those patients, about 20 ms, where the contacts of 10,000
    patients took a fifth of a second of a first Outreach run. Not cached, so a phone number
    changed on a record shows on the next run; no role's copy is kept anywhere."""
    with database(database_url).sessions() as session:
        context = worklist_context(session, items, as_of)
    return {patient_id: replace(entry, members=tuple(redact_contacts(member, role)
                                                     for member in entry.members))
            for patient_id, entry in context.items()}
