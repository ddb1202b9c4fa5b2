"""Drawing of headline figures: a row of metrics, each with a caption of what it counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from domain.text import in_local_digits


@dataclass(frozen=True)
class Figure:
    """One metric; ``detail`` is a grey line under the value (e.g. "12 of 15" under "80 %")."""

    label: str
    value: int | float | str
    help: str = ""
    detail: str = ""


def figure_row(figures: Sequence[Figure], *, key_prefix: str) -> None:
    columns = st.columns(len(figures))
    for index, (column, figure) in enumerate(zip(columns, figures, strict=True)):
        with column, st.container(border=True, key=f"{key_prefix}_figure_{index}"):
            # A Persian page shows the value in Persian digits, as its messages do.
            st.metric(figure.label, in_local_digits(str(figure.value)),
                      delta=in_local_digits(figure.detail) if figure.detail else None,
                      delta_color="off", delta_arrow="off", help=figure.help or None)
