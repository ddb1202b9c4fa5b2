"""Drawing for the import page: a preview of the upload, the validation report, progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

import pandas as pd
import streamlit as st

from domain.import_rules import RowError
from domain.text import t


def preview(upload: IO[bytes], *, rows: int = 10, key_prefix: str) -> None:
    """The first rows as the file has them (all text: nothing is interpreted yet)."""
    upload.seek(0)
    try:
        frame = pd.read_csv(upload, nrows=rows, dtype=str, encoding="utf-8-sig",
                            keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        st.warning(t("No preview: {error}", error=str(error).splitlines()[0]))
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=f"{key_prefix}_preview")
    finally:
        upload.seek(0)


def validation_report(errors: list[RowError], unlisted: int, warnings: list[str], *,
                      key_prefix: str) -> None:
    for warning in warnings:
        st.warning(warning)
    if not errors:
        return
    st.error(t("{n} problem(s) found: nothing was written. Correct the file and try again.",
               n=len(errors) + unlisted))
    st.dataframe(
        pd.DataFrame([{t("Row"): e.row, t("Column"): e.column, t("Value"): e.value,
                       t("Problem"): e.reason} for e in errors]),
        hide_index=True, width="stretch", key=f"{key_prefix}_errors",
    )
    if unlisted:
        st.caption(t("… and {n} more problems not listed.", n=unlisted))


def progress_reporter(bar: st.delta_generator.DeltaGenerator) -> Callable[[str, int, int], None]:
    """A progress callback drawing on ``bar`` (an ``st.progress``)."""
    stages = {"validate": t("Checking rows"), "write": t("Writing rows")}

    def report(stage: str, done: int, total: int) -> None:
        share = 0.0 if total <= 0 else min(done / total, 1.0)
        bar.progress(share, text=f"{stages.get(stage, stage)}: {done:,} / {total:,}")

    return report
