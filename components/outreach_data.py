"""Cached reads for the outreach screens: clinic ids, day and settings are in the key.

The worklist runs the grouped queries of ``data_access.outreach`` once a minute at most for a
clinic set; logging an attempt clears it so the item moves at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from components.resources import database
from data_access.outreach import WorklistContext, outreach_worklist, worklist_context
from domain.outreach import Tier, WorklistItem
from settings import Settings


@dataclass(frozen=True)
class WorklistView:
    items: list[WorklistItem]
    context: dict[int, WorklistContext]

    @property
    def urgent(self) -> int:
        return sum(1 for item in self.items if item.tier == Tier.URGENT)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def worklist(clinic_ids: tuple[int, ...], as_of: date, _settings: Settings,
             database_url: str) -> WorklistView:
    with database(database_url).sessions() as session:
        items = outreach_worklist(session, clinic_ids=clinic_ids, as_of=as_of,
                                  clinical=_settings.clinical, outreach=_settings.outreach)
        context = worklist_context(session, items, as_of)
    return WorklistView(items=items, context=context)
