"""The outreach worklist as tables, one per tier, and the CSV export.

``worklist_frame`` is pure (no Streamlit) so tests can check what a supervisor reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from components.dates import date_columns_as_text, dates_as_shown
from components.state import SignedInUser
from data_access.outreach import MemberContact, WorklistContext
from domain.outreach import WORKLIST_FIELDS, WorklistItem, suggested_action
from domain.text import t

TABLE_ROWS_PER_TIER = 200
"""Rows of a high or routine tier's table (``domain.outreach.tier_groups``); urgent: all."""

FRAME_COLUMNS = ["id", "patient", "name", "family", "reach", "reasons", "last_contact",
                 "snoozed_until", "action", "psychologist", "score"]


def reach_text(member: MemberContact) -> str:
    """How to reach one member: channel first, then the phone or e-mail it needs."""
    details = [d for d in (member.phone, member.email) if d]
    return f"{member.channel}: {', '.join(details)}" if details else member.channel


def worklist_frame(items: Sequence[WorklistItem],
                   context: Mapping[int, WorklistContext]) -> pd.DataFrame:
    rows = []
    for item in items:
        info = context.get(item.patient_id)
        members = info.members if info else ()
        rows.append({
            "id": item.patient_id,
            "patient": item.patient_code,
            "name": info.patient_name if info else "",
            "family": "; ".join(f"{m.code} ({m.relation}) {m.name}" for m in members)
            or t("no consented member: ask the patient"),
            "reach": "; ".join(reach_text(m) for m in members),
            "reasons": " · ".join(reason.text for reason in item.reasons),
            "last_contact": item.last_contact_on,
            "snoozed_until": item.snoozed_until,
            "action": suggested_action(item),
            "psychologist": (info.psychologist if info else None) or "",
            "score": item.score,
        })
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def export_frame(items: Sequence[WorklistItem]) -> pd.DataFrame:
    """The CSV export: the same fields as ``hamrah outreach --format csv``."""
    return pd.DataFrame([item.as_flat_record() for item in items],
                        columns=list(WORKLIST_FIELDS))


def worklist_table(items: Sequence[WorklistItem], context: Mapping[int, WorklistContext], *,
                   key: str, user: SignedInUser) -> int | None:
    """Draw one tier's items, dates in the user's calendar; return the patient id of the
    selected row, if any."""
    frame = worklist_frame(items, context)
    columns = {
        "patient": st.column_config.TextColumn(t("Patient")),
        "name": st.column_config.TextColumn(t("Name")),
        "family": st.column_config.TextColumn(t("Family"), width="medium"),
        "reach": st.column_config.TextColumn(t("How to reach")),
        "reasons": st.column_config.TextColumn(t("Why"), width="large"),
        "last_contact": st.column_config.DateColumn(t("Last contact")),
        "snoozed_until": st.column_config.DateColumn(t("Follow-up")),
        "action": st.column_config.TextColumn(t("Suggested action"), width="medium"),
        "psychologist": st.column_config.TextColumn(t("Psychologist")),
    }
    event = st.dataframe(
        dates_as_shown(frame, user, column_config=columns),
        key=key,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        column_order=[c for c in FRAME_COLUMNS if c not in ("id", "score")],
        column_config=date_columns_as_text(columns, user),
    )
    selected = event.selection.rows if event is not None else []
    return int(frame.iloc[selected[0]]["id"]) if selected else None
