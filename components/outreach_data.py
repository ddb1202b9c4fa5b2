"""Cached reads for the outreach screens: clinic ids, day, role and settings are in the key.

The worklist runs the grouped queries of ``data_access.outreach`` once a minute at most for a
clinic set; logging an attempt clears it so the item moves at once. The items are shared by
every role of those clinics; the names and contacts beside them are cached per role, so the
case team's copy never holds a family's phone or e-mail (``domain.access.sees_contact_details``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import streamlit as st

from components.resources import database
from data_access.outreach import (
    WorklistContext,
    outreach_worklist,
    urgent_patient_count,
    worklist_context,
)
from domain.outreach import Tier, WorklistItem
from domain.redaction import redact_contacts
from domain.vocabulary import Role
from i18n.catalog import interface_language
from settings import Settings


@dataclass(frozen=True)
class WorklistView:
    items: tuple[WorklistItem, ...]
    context: Mapping[int, WorklistContext]

    @property
    def urgent(self) -> int:
        return sum(1 for item in self.items if item.tier == Tier.URGENT)


@st.cache_resource(ttl=60, max_entries=64, show_spinner=False)
def worklist_items(clinic_ids: tuple[int, ...], as_of: date, language: str, _settings: Settings,
                   database_url: str) -> tuple[WorklistItem, ...]:
    """The clinics' worklist (reasons and tiers, no contact details), shared by their roles.
    The reasons are written in ``language`` whatever the calling run reads, so an entry of the
    cache holds the language of its key. A shared resource of frozen items, not a pickled copy
    per run (see :func:`worklist`)."""
    with interface_language(language), database(database_url).sessions() as session:
        return tuple(outreach_worklist(session, clinic_ids=clinic_ids, as_of=as_of,
                                       clinical=_settings.clinical, outreach=_settings.outreach))


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def urgent_count(clinic_ids: tuple[int, ...], as_of: date, _settings: Settings,
                 database_url: str) -> int:
    """The navigation badge's number, on every page: read from the urgent rules' facts alone
    (``data_access.outreach.urgent_patient_count``), not from the whole worklist, whose
    computation would otherwise be the larger part of any page's first run."""
    with database(database_url).sessions() as session:
        return urgent_patient_count(session, clinic_ids=clinic_ids, as_of=as_of,
                                    outreach=_settings.outreach)


@st.cache_resource(ttl=60, max_entries=64, show_spinner=False)
def worklist(clinic_ids: tuple[int, ...], as_of: date, role: Role, language: str,
             _settings: Settings, database_url: str) -> WorklistView:
    """The worklist with names and contacts as ``role`` may see them, reasons in ``language``.

    ``st.cache_resource``: every run shares one view and must not change it (its items and
    contexts are frozen). ``st.cache_data`` would unpickle a copy for each run, which took
    0.3-0.8 s of every warm Outreach run at 10,000 patients (bench/README.md)."""
    items = worklist_items(clinic_ids, as_of, language, _settings, database_url)
    with database(database_url).sessions() as session:
        context = worklist_context(session, items, as_of)
    shown = {patient_id: replace(entry, members=tuple(redact_contacts(member, role)
                                                      for member in entry.members))
             for patient_id, entry in context.items()}
    return WorklistView(items=items, context=shown)
