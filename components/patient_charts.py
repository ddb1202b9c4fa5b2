"""Chart builders for the patient record: pure functions returning ``alt.Chart``.

They take plain data and never call Streamlit, so tests can check their encodings directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from domain.calendars import MONDAY, start_of_week
from domain.dose_calendar import CalendarDay, DayKind
from domain.text import t

DAY_COLOURS = {
    DayKind.OBSERVED: "#2e7d32",
    DayKind.TAKE_HOME: "#81c784",
    DayKind.MISSED: "#c62828",
    DayKind.NOT_SCHEDULED: "#e0e0e0",
}
# Python weekday numbers (Monday 0 .. Sunday 6) to the labels of the heat map's rows.
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_label(kind: DayKind) -> str:
    labels = {
        DayKind.OBSERVED: t("observed"),
        DayKind.TAKE_HOME: t("take-home"),
        DayKind.MISSED: t("missed"),
        DayKind.NOT_SCHEDULED: t("not in treatment"),
    }
    return labels[kind]


def calendar_frame(days: Sequence[CalendarDay], *, first_weekday: int = MONDAY) -> pd.DataFrame:
    """One row per day with its week (counted from the first day's week) and the week's first
    day; weeks start on ``first_weekday`` (Monday 0 .. Sunday 6), the clinic's
    (``domain.calendars.week_start`` of its working days: Saturday for ``sat-wed``)."""
    frame = pd.DataFrame(
        {
            "date": [d.day for d in days],
            "kind": [day_label(d.kind) for d in days],
            "dose_mg": [d.dose_mg for d in days],
        }
    )
    frame["date"] = pd.to_datetime(frame["date"])
    first_day = frame["date"].min()  # NaT without days: every column stays empty
    first_start = (first_day if pd.isna(first_day)
                   else pd.Timestamp(start_of_week(first_day.date(), first_weekday)))
    frame["week"] = (frame["date"] - first_start).dt.days // 7
    frame["week_start"] = first_start + pd.to_timedelta(frame["week"] * 7, "D")
    frame["weekday"] = [WEEKDAY_LABELS[day.weekday()] for day in frame["date"]]
    return frame


def dose_calendar_chart(days: Sequence[CalendarDay], *, first_weekday: int = MONDAY
                        ) -> alt.Chart:
    """A heat map, one square per day, weeks across and weekdays down from the clinic's first
    weekday (``first_weekday``, Monday 0 .. Sunday 6)."""
    frame = calendar_frame(days, first_weekday=first_weekday)
    order = [day_label(kind) for kind in DAY_COLOURS]
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("yearmonthdate(week_start):O", title=t("week starting"),
                    axis=alt.Axis(format="%d %b", labelAngle=-60)),
            y=alt.Y("weekday:O", title=None,
                    sort=[WEEKDAY_LABELS[(first_weekday + n) % 7] for n in range(7)]),
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
