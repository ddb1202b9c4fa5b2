"""The Patients roster as a table: a pure frame builder and its rendering with column types."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.dates import date_columns_as_text, dates_as_shown
from components.state import SignedInUser, signed_in_user
from domain.roster import RosterRow, flags_text
from domain.signals import Flag
from domain.text import t


def roster_frame(rows: Sequence[RosterRow]) -> pd.DataFrame:
    written: dict[tuple[Flag, ...], str] = {}
    return pd.DataFrame(
        [
            {
                "id": row.signals.patient_id,
                "code": row.signals.patient_code,
                "clinic": row.signals.clinic_code,
                "name": row.name,
                "medication": f"{row.extras.medication} {row.extras.dose_mg:g} mg",
                "phase": row.signals.phase.value,
                "days_in_phase": row.signals.days_in_phase,
                "days_in_treatment": row.signals.days_in_treatment,
                "adherence_28d": row.signals.adherence_28d,
                "missed_streak": row.signals.missed_streak,
                "last_screen": row.extras.last_screen_on,
                "unexpected_positives": row.extras.last_screen_unexpected,
                "consented_members": row.signals.consented_members,
                "last_family_contact": row.extras.last_family_contact,
                "modules_completed_30d": row.extras.modules_completed_30d,
                "psychologist": row.extras.psychologist or "",
                "flags": flags_text(row.signals.flags, written),
            }
            for row in rows
        ],
        columns=["id", "code", "clinic", "name", "medication", "phase", "days_in_phase",
                 "days_in_treatment", "adherence_28d", "missed_streak", "last_screen",
                 "unexpected_positives", "consented_members", "last_family_contact",
                 "modules_completed_30d", "psychologist", "flags"],
    )


def roster_table(frame: pd.DataFrame, *, key_prefix: str,
                 user: SignedInUser | None = None) -> int | None:
    """Draw the roster (a :func:`roster_frame`, which the page also exports), dates in the
    calendar of ``user`` (the signed-in user when not given); return the patient id of a
    selected row, if any."""
    columns = {
        "code": st.column_config.TextColumn(t("Code")),
        "clinic": st.column_config.TextColumn(t("Clinic")),
        "name": st.column_config.TextColumn(t("Name")),
        "medication": st.column_config.TextColumn(t("Medication")),
        "phase": st.column_config.TextColumn(t("Phase")),
        "days_in_phase": st.column_config.NumberColumn(t("Days in phase")),
        "days_in_treatment": st.column_config.NumberColumn(t("Days in treatment")),
        "adherence_28d": st.column_config.ProgressColumn(
            t("Adherence 28 d"), min_value=0.0, max_value=1.0, format="percent"),
        "missed_streak": st.column_config.NumberColumn(t("Missed in a row")),
        "last_screen": st.column_config.DateColumn(t("Last screen")),
        "unexpected_positives": st.column_config.NumberColumn(t("Unexpected +")),
        "consented_members": st.column_config.NumberColumn(t("Consented family")),
        "last_family_contact": st.column_config.DatetimeColumn(
            t("Last family contact"), format="YYYY-MM-DD"),
        "modules_completed_30d": st.column_config.NumberColumn(t("Modules done 30 d")),
        "psychologist": st.column_config.TextColumn(t("Psychologist")),
        "flags": st.column_config.TextColumn(t("Flags"), width="large"),
    }
    reader = user or signed_in_user()
    event = st.dataframe(
        frame if reader is None else dates_as_shown(frame, reader, column_config=columns),
        key=f"{key_prefix}_roster",
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        column_order=[c for c in frame.columns if c != "id"],
        column_config=columns if reader is None else date_columns_as_text(columns, reader),
    )
    selected = event.selection.rows if event is not None else []
    return int(frame.iloc[selected[0]]["id"]) if selected else None
