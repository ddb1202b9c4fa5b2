"""Chart builders for the clinic Overview: pure functions returning ``alt.Chart``.

They read the frames of ``domain.overview_report`` (``figures_frame``, ``retention_curve_frame``)
and never call Streamlit, so the page, the PDF export and the analysts' notebook draw the same
charts and tests can check their encodings directly.

A month axis names the months in the reader's calendar and language (``Aban 1405``,
``آبان ۱۴۰۵``, ``November 2026``): the months of a Solar Hijri frame start on the 19th to 23rd
of a Gregorian month, which a time axis would label by the wrong month. So the axis is the month
label as an ordinal field, in the order of the months' first days. The number axes (counts,
percentages, days) are in the language's digits (``components.chart_dates.number_axis``); every
builder defaults to English, as the PDF export and the notebook draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from components.chart_dates import number_axis
from domain.calendars import Calendar
from domain.digits import localise_digits
from domain.overview import ADHERENCE_BINS
from domain.overview_report import (
    BACKLOG_TIERS,
    MONTH_COLUMN,
    RATE_FIGURES,
    adherence_column,
    with_month_labels,
)
from domain.phases import PHASE_ORDER
from domain.text import t

TIER_COLOURS = {"urgent": "#c62828", "high": "#ef6c00", "routine": "#90a4ae"}
NO_PSYCHOLOGIST = "—"


def trend_labels() -> dict[str, str]:
    """The figures a trend can show: column of ``figures_frame`` → what a person calls it."""
    return {
        "active_patients": t("Active patients"),
        "admissions": t("Admissions"),
        "discharges": t("Discharges"),
        "retention_90_pct": t("90-day retention (%)"),
        "retention_180_pct": t("180-day retention (%)"),
        "unexpected_positive_pct": t("Unexpected-positive screens (%)"),
        "consented_support_pct": t("Patients with a consented support member (%)"),
        "family_engagement_pct": t("Family engagement, 30 days (%)"),
        "module_completion_pct": t("Module completion (%)"),
        "answered_in_time_pct": t("Questions answered in time (%)"),
        "step_downs": t("Step-downs"),
        "step_ups": t("Step-ups"),
    }


def rate_parts(column: str) -> tuple[str, str] | None:
    """The numerator and denominator columns behind a ``*_pct`` column, for the tooltip."""
    name = column.removesuffix("_pct")
    if column.endswith("_pct") and name in RATE_FIGURES:
        return f"{name}_n", f"{name}_of"
    return None


def _series_name(frame: pd.DataFrame) -> pd.Series:
    if frame["by_psychologist"].any():
        return frame["psychologist"].fillna(NO_PSYCHOLOGIST).astype(str)
    return pd.Series([t("Clinic")] * len(frame), index=frame.index, dtype="object")


def _month_axis(figures: pd.DataFrame, calendar: Calendar,
                language: str) -> tuple[pd.DataFrame, alt.X]:
    """The frame with its month labels, and the x axis that shows them in the months' order
    (a frame split by psychologist holds each month several times)."""
    frame = with_month_labels(figures, calendar, language)
    ordered = frame.sort_values("period_start", kind="stable")[MONTH_COLUMN]
    axis = alt.X(f"{MONTH_COLUMN}:O", title=None, sort=list(dict.fromkeys(ordered)),
                 axis=alt.Axis(labelAngle=-45))
    return frame, axis


def trend_chart(figures: pd.DataFrame, column: str, label: str, *,
                calendar: Calendar = Calendar.GREGORIAN, language: str = "en") -> alt.Chart:
    """One figure month by month (``domain.overview_report.monthly_figures`` of ``calendar``):
    one line for the clinic, or one per psychologist.

    Rates show their parts in the tooltip ("12 of 15") so that a small denominator is visible;
    months where nothing counts are gaps, not zeros.
    """
    frame, month_axis = _month_axis(figures, calendar, language)
    frame["series"] = _series_name(frame)
    tooltip: list[alt.Tooltip] = [
        alt.Tooltip(f"{MONTH_COLUMN}:N", title=t("month")),
        alt.Tooltip("series:N", title=t("who")),
        alt.Tooltip(f"{column}:Q", title=label),
    ]
    parts = rate_parts(column)
    if parts is not None:
        tooltip += [alt.Tooltip(f"{parts[0]}:Q", title=t("counted")),
                    alt.Tooltip(f"{parts[1]}:Q", title=t("of"))]
    percent = column.endswith("_pct")
    y_scale = alt.Scale(domain=[0, 100]) if percent else alt.Undefined
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=month_axis,
            y=alt.Y(f"{column}:Q", title=label, scale=y_scale, axis=number_axis(language)),
            color=alt.Color("series:N", title=None),
            tooltip=tooltip,
        )
        .properties(height=260)
    )
    return chart


def retention_curve_chart(curves: pd.DataFrame, *, language: str = "en") -> alt.LayerChart:
    """Kaplan–Meier time in treatment per medication: a step line with its 95 % band."""
    frame = curves.copy()
    frame["lower"] = frame["lower"].astype("float64")
    frame["upper"] = frame["upper"].astype("float64")
    base = alt.Chart(frame).encode(
        x=alt.X("day:Q", title=t("days since admission"), axis=number_axis(language)),
        color=alt.Color("medication:N", title=t("medication")),
    )
    band = base.mark_area(opacity=0.15, interpolate="step-after").encode(
        y=alt.Y("lower:Q", title=t("still in treatment"),
                axis=number_axis(language, format="%"),
                scale=alt.Scale(domain=[0, 1])),
        y2="upper:Q",
    )
    line = base.mark_line(interpolate="step-after").encode(
        y=alt.Y("survival:Q"),
        tooltip=[alt.Tooltip("medication:N", title=t("medication")),
                 alt.Tooltip("day:Q", title=t("day")),
                 alt.Tooltip("survival:Q", title=t("still in treatment"), format=".0%"),
                 alt.Tooltip("at_risk:Q", title=t("in treatment that day"))],
    )
    return alt.LayerChart(layer=[band, line]).properties(height=280)


def _counts_frame(row: Mapping[str, Any], columns: Mapping[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "category": list(columns.values()),
        "patients": [int(row[column]) for column in columns],
        "order": range(len(columns)),
    })


def adherence_chart(row: Mapping[str, Any], *, language: str = "en") -> alt.Chart:
    """Active patients per 28-day adherence bin on the period's last day (one figures row)."""
    columns = {adherence_column(low, high):
               localise_digits(f"{low * 100:.0f}–{high * 100:.0f} %", language)
               for low, high in ADHERENCE_BINS}
    columns["adherence_unknown"] = t("no doses scheduled")
    return _bar_chart(_counts_frame(row, columns), t("28-day adherence"), language=language)


def phase_chart(row: Mapping[str, Any], *, language: str = "en") -> alt.Chart:
    """Active patients per treatment phase, in the order of stepped care."""
    columns = {f"phase_{phase.value}": t(phase.value) for phase in PHASE_ORDER}
    if row.get("phase_not_recorded"):
        columns["phase_not_recorded"] = t("not recorded")
    return _bar_chart(_counts_frame(row, columns), t("phase"), language=language)


def backlog_chart(row: Mapping[str, Any], *, language: str = "en") -> alt.Chart:
    """Patients on the outreach worklist per tier, urgent first, in the tiers' colours."""
    columns = {f"backlog_{tier.value}": t(tier.value) for tier in BACKLOG_TIERS}
    frame = _counts_frame(row, columns)
    colours = [TIER_COLOURS.get(tier.value, "#90a4ae") for tier in BACKLOG_TIERS]
    return _bar_chart(frame, t("outreach tier"), colours, language=language)


def transitions_chart(figures: pd.DataFrame, *, calendar: Calendar = Calendar.GREGORIAN,
                      language: str = "en") -> alt.Chart:
    """Step-downs and step-ups per month of ``calendar``: both are normal care, shown side by
    side."""
    labelled, month_axis = _month_axis(figures, calendar, language)
    frame = labelled[["period_start", MONTH_COLUMN, "step_downs", "step_ups"]].rename(
        columns={"step_downs": t("step-downs"), "step_ups": t("step-ups")})
    frame = frame.melt(id_vars=["period_start", MONTH_COLUMN], var_name="direction",
                       value_name="moves")
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=month_axis,
            xOffset="direction:N",
            y=alt.Y("moves:Q", title=t("phase changes"), axis=number_axis(language)),
            color=alt.Color("direction:N", title=None),
            tooltip=[alt.Tooltip(f"{MONTH_COLUMN}:N", title=t("month")),
                     alt.Tooltip("direction:N", title=t("direction")),
                     alt.Tooltip("moves:Q", title=t("phase changes"))],
        )
        .properties(height=240)
    )
    return chart


def _bar_chart(frame: pd.DataFrame, title: str, colours: list[str] | None = None, *,
               language: str = "en") -> alt.Chart:
    colour: alt.Color | alt.Value = alt.value("#1565c0")
    if colours is not None:
        colour = alt.Color("category:N", legend=None,
                           scale=alt.Scale(domain=list(frame["category"]), range=colours))
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("patients:Q", title=t("patients"), axis=number_axis(language)),
            y=alt.Y("category:N", title=title, sort=alt.EncodingSortField("order")),
            color=colour,
            tooltip=[alt.Tooltip("category:N", title=title),
                     alt.Tooltip("patients:Q", title=t("patients"))],
        )
        .properties(height=alt.Step(26))
    )
    return chart
