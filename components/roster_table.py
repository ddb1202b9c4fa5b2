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

ROSTER_COLUMNS = ["id", "code", "clinic", "name", "medication", "phase", "days_in_phase",
                  "days_in_treatment", "adherence_28d", "missed_streak", "last_screen",
                  "unexpected_positives", "consented_members", "last_family_contact",
                  "modules_completed_30d", "psychologist", "flags"]


def roster_frame(rows: Sequence[RosterRow]) -> pd.DataFrame:
    """One row per patient, built by column: a dictionary per row of 10,000 cost twice as much
    to make and to turn into a frame (a first run of the Patients page builds it)."""
    if not rows:
        return pd.DataFrame(columns=ROSTER_COLUMNS)  # text columns, as an empty table shows
    written: dict[tuple[Flag, ...], str] = {}
    signals = [row.signals for row in rows]
    extras = [row.extras for row in rows]
    return pd.DataFrame(
        {
            "id": [s.patient_id for s in signals],
            "code": [s.patient_code for s in signals],
            "clinic": [s.clinic_code for s in signals],
            "name": [f"{e.first_name} {e.last_name}" for e in extras],
            "medication": [f"{e.medication} {e.dose_mg:g} mg" for e in extras],
            "phase": [s.phase.value for s in signals],
            "days_in_phase": [s.days_in_phase for s in signals],
            "days_in_treatment": [s.days_in_treatment for s in signals],
            "adherence_28d": [s.adherence_28d for s in signals],
            "missed_streak": [s.missed_streak for s in signals],
            "last_screen": [e.last_screen_on for e in extras],
            "unexpected_positives": [e.last_screen_unexpected for e in extras],
            "consented_members": [s.consented_members for s in signals],
            "last_family_contact": [e.last_family_contact for e in extras],
            "modules_completed_30d": [e.modules_completed_30d for e in extras],
            "psychologist": [e.psychologist or "" for e in extras],
            "flags": [flags_text(s.flags, written) for s in signals],
        },
        columns=ROSTER_COLUMNS,
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
