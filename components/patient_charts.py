"""Chart builders for the patient record: pure functions returning ``alt.Chart``.

They take plain data and never call Streamlit, so tests can check their encodings directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from domain.dose_calendar import CalendarDay, DayKind
from domain.text import t

DAY_COLOURS = {
    DayKind.OBSERVED: "#2e7d32",
    DayKind.TAKE_HOME: "#81c784",
    DayKind.MISSED: "#c62828",
    DayKind.NOT_SCHEDULED: "#e0e0e0",
}


def day_label(kind: DayKind) -> str:
    labels = {
        DayKind.OBSERVED: t("observed"),
        DayKind.TAKE_HOME: t("take-home"),
        DayKind.MISSED: t("missed"),
        DayKind.NOT_SCHEDULED: t("not in treatment"),
    }
    return labels[kind]


def calendar_frame(days: Sequence[CalendarDay]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "date": [d.day for d in days],
            "kind": [day_label(d.kind) for d in days],
            "dose_mg": [d.dose_mg for d in days],
        }
    )
    frame["date"] = pd.to_datetime(frame["date"])
    first_monday = frame["date"].min() - pd.to_timedelta(frame["date"].min().weekday(), "D")
    frame["week"] = (frame["date"] - first_monday).dt.days // 7
    frame["week_start"] = first_monday + pd.to_timedelta(frame["week"] * 7, "D")
    frame["weekday"] = frame["date"].dt.day_name().str[:3]
    return frame


def dose_calendar_chart(days: Sequence[CalendarDay]) -> alt.Chart:
    """A heat map, one square per day, weeks across and weekdays down."""
    frame = calendar_frame(days)
    order = [day_label(kind) for kind in DAY_COLOURS]
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("yearmonthdate(week_start):O", title=t("week starting"),
                    axis=alt.Axis(format="%d %b", labelAngle=-60)),
            y=alt.Y("weekday:O", title=None,
                    sort=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
            color=alt.Color("kind:N", title=t("dose"),
                            scale=alt.Scale(domain=order, range=list(DAY_COLOURS.values()))),
            tooltip=[alt.Tooltip("date:T", title=t("date")), alt.Tooltip("kind:N", title=t("dose")),
                     alt.Tooltip("dose_mg:Q", title="mg")],
        )
        .properties(height=170)
    )
    return chart


def dose_trend_chart(days: Sequence[CalendarDay]) -> alt.Chart:
    frame = calendar_frame([d for d in days if d.dose_mg is not None])
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True, interpolate="step-after")
        .encode(x=alt.X("date:T", title=None), y=alt.Y("dose_mg:Q", title=t("dose (mg)")),
                tooltip=["date:T", "dose_mg:Q"])
        .properties(height=160)
    )
    return chart


def screen_timeline_chart(screens: pd.DataFrame) -> alt.Chart:
    """Each substance on its own line; unexpected positives in red, larger."""
    frame = screens.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["finding"] = [
        t("unexpected positive") if unexpected else
        (t("expected positive") if result == "positive" else t("negative"))
        for unexpected, result in zip(frame["unexpected_positive"], frame["result"], strict=True)
    ]
    domain = [t("unexpected positive"), t("expected positive"), t("negative")]
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_point(filled=True)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("substance:N", title=None),
            color=alt.Color("finding:N", title=t("result"),
                            scale=alt.Scale(domain=domain,
                                            range=["#c62828", "#90a4ae", "#cfd8dc"])),
            size=alt.Size("finding:N", scale=alt.Scale(domain=domain, range=[160, 50, 30]),
                          legend=None),
            tooltip=["date:T", "substance:N", "finding:N"],
        )
        .properties(height=alt.Step(22))
    )
    return chart


def phase_timeline_chart(history: pd.DataFrame, as_of: date) -> alt.Chart:
    """Phases as consecutive bars from each change to the next (or to as_of)."""
    frame = history[["date", "to_phase"]].copy()
    frame["start"] = pd.to_datetime(frame["date"])
    frame["end"] = frame["start"].shift(-1).fillna(pd.Timestamp(as_of))
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar(height=22)
        .encode(
            x=alt.X("start:T", title=None),
            x2="end:T",
            y=alt.Y("to_phase:N", title=None,
                    sort=["induction", "stabilisation", "maintenance", "taper", "aftercare",
                          "discharged"]),
            color=alt.Color("to_phase:N", legend=None),
            tooltip=[alt.Tooltip("to_phase:N", title=t("phase")),
                     alt.Tooltip("start:T", title=t("from")),
                     alt.Tooltip("end:T", title=t("until"))],
        )
        .properties(height=alt.Step(28))
    )
    return chart


def engagement_timeline_chart(events: pd.DataFrame) -> alt.Chart:
    frame = events.copy()
    frame["when"] = pd.to_datetime(frame["when"])
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_tick(thickness=3, size=18)
        .encode(x=alt.X("when:T", title=None), y=alt.Y("member:N", title=None),
                color=alt.Color("kind:N", title=t("activity")),
                tooltip=["when:T", "member:N", "kind:N"])
        .properties(height=alt.Step(26))
    )
    return chart
