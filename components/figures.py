"""Drawing of headline figures: a row of metrics, each with a caption of what it counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float | str
    help: str = ""


def figure_row(figures: Sequence[Figure], *, key_prefix: str) -> None:
    columns = st.columns(len(figures))
    for index, (column, figure) in enumerate(zip(columns, figures, strict=True)):
        with column, st.container(border=True, key=f"{key_prefix}_figure_{index}"):
            st.metric(figure.label, figure.value, help=figure.help or None)
