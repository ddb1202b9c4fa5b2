"""Picking one item: a table whose row click selects it, and a selectbox that follows that row,
so one click on a row picks an item and the keyboard (or a test) can pick it too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from components.dates import date_columns_as_text, dates_as_shown
from components.state import SignedInUser
from domain.text import t


def synced_pick(label: str, choices: Mapping[int, str], table_pick: int | None, *,
                key: str) -> int | None:
    """The chosen id: a newly clicked table row wins, otherwise the selectbox keeps its value.

    ``None`` is the first option ("choose"), so the widget never needs an ``index`` argument
    and its state can be set before it is drawn.
    """
    last_key = f"{key}__table"
    if table_pick is not None and table_pick != st.session_state.get(last_key):
        st.session_state[key] = table_pick
    st.session_state[last_key] = table_pick
    if st.session_state.get(key) not in choices:
        st.session_state[key] = None
    options: list[int | None] = [None, *choices]
    picked: int | None = st.selectbox(
        label, options, key=key,
        format_func=lambda value: t("Choose…") if value is None else choices[value],
    )
    return picked


def selectable_table(frame: pd.DataFrame, *, key: str, column_config: Mapping[str, Any],
                     user: SignedInUser | None = None) -> int | None:
    """Draw a frame with single-row selection; return the selected row's ``id``.

    With ``user``, dates are drawn in the user's calendar and language
    (``components.dates.dates_as_shown``); rows keep their positions, so the selection still
    names the row of ``frame``."""
    shown, columns = frame, dict(column_config)
    if user is not None:
        shown = dates_as_shown(frame, user, column_config=column_config)
        columns = date_columns_as_text(column_config, user)
    event = st.dataframe(shown, key=key, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row",
                         column_order=[c for c in frame.columns if c != "id"],
                         column_config=columns)
    selected = event.selection.rows if event is not None else []
    return int(frame.iloc[selected[0]]["id"]) if selected else None
