"""Drawing of the Overview's figures: the headline metrics of a period and the split table.

Rates are shown as "80 % (12 of 15)": a team must see when a percentage rests on three patients.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from components.figures import Figure, figure_row
from components.overview_charts import NO_PSYCHOLOGIST, trend_labels
from domain.text import t


def counted_ago(counted_at: datetime, now: datetime) -> str:
    """When the figures were counted, in whole minutes: a reader in a meeting must know whether
    what was recorded this morning is in them (the worker counts every ten minutes)."""
    minutes = max(0, int((now - counted_at).total_seconds() // 60))
    if minutes == 0:
        return t("counted just now")
    return t("counted {minutes} min ago", minutes=minutes)


def rate_text(row: Mapping[str, Any], name: str) -> str:
    """"80 % (12 of 15)", or "—" when nothing counts (an empty denominator is not 0 %)."""
    percent = row[f"{name}_pct"]
    if percent is None or pd.isna(percent):
        return "—"
    return t("{percent} % ({n} of {of})", percent=f"{float(percent):.0f}",
             n=row[f"{name}_n"], of=row[f"{name}_of"])


def rate_figure(row: Mapping[str, Any], name: str, label: str, help_text: str = "") -> Figure:
    """A rate as a metric: the percentage large, "12 of 15" under it, "—" when nothing counts."""
    percent = row[f"{name}_pct"]
    if percent is None or pd.isna(percent):
        return Figure(label, "—", help_text, t("nothing to count"))
    return Figure(label, t("{percent} %", percent=f"{float(percent):.0f}"), help_text,
                  t("{n} of {of}", n=row[f"{name}_n"], of=row[f"{name}_of"]))


def headline(row: Mapping[str, Any], *, key_prefix: str) -> None:
    """The period's figures in three rows: patients, retention and screens, families."""
    figure_row(
        [
            Figure(t("Active patients"), int(row["active_patients"]),
                   t("In treatment on the period's last day.")),
            Figure(t("Admissions"), int(row["admissions"])),
            Figure(t("Discharges"), int(row["discharges"])),
        ],
        key_prefix=f"{key_prefix}_patients",
    )
    figure_row(
        [
            rate_figure(row, "retention_90", t("90-day retention"),
                        t("Admissions whose 90 days ended in the period: still in treatment, no "
                          "gap longer than 7 days (ASPE).")),
            rate_figure(row, "retention_180", t("180-day retention"),
                        t("As 90-day retention over 180 days (NQF 3175).")),
            rate_figure(row, "unexpected_positive", t("Unexpected-positive screens"),
                        t("Screens in the period with a substance that was not prescribed.")),
        ],
        key_prefix=f"{key_prefix}_retention",
    )
    figure_row(
        [
            rate_figure(row, "consented_support", t("With a consented support member")),
            rate_figure(row, "family_engagement", t("Family engagement"),
                        t("Consented members active in the 30 days to the period's end.")),
            rate_figure(row, "module_completion", t("Modules completed"),
                        t("Of the modules assigned in the period that reached a family.")),
            rate_figure(row, "answered_in_time", t("Questions answered in time"),
                        t("Of the questions asked in the period whose deadline has passed or "
                          "that were answered.")),
        ],
        key_prefix=f"{key_prefix}_families",
    )


def split_table(frame: pd.DataFrame, *, key: str) -> None:
    """One row per psychologist with the period's main figures, rates as "80 % (12 of 15)"."""
    labels = trend_labels()
    rows = []
    for raw in frame.to_dict("records"):
        record = {str(key): value for key, value in raw.items()}
        rows.append({
            t("Psychologist"): record["psychologist"] or NO_PSYCHOLOGIST,
            labels["active_patients"]: record["active_patients"],
            labels["admissions"]: record["admissions"],
            labels["discharges"]: record["discharges"],
            **{labels[f"{name}_pct"]: rate_text(record, name)
               for name in ("retention_90", "retention_180", "unexpected_positive",
                            "consented_support", "family_engagement", "module_completion",
                            "answered_in_time")},
            t("Urgent outreach"): record["backlog_urgent"],
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key)
