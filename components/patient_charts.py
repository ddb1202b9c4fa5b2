"""Chart builders for the patient record: pure functions returning ``alt.Chart``.

They take plain data and never call Streamlit, so tests can check their encodings directly.
Dates are drawn in the reader's ``calendar`` and ``language`` (``components.chart_dates``), and
the numbers of a quantitative axis in the language's digits; both default to Gregorian English,
which is how the summary PDF draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from components.chart_dates import (
    date_axis,
    day_labels,
    number_axis,
    shown_dates,
    uses_vega_dates,
)
from domain.calendars import MONDAY, Calendar, start_of_week, weekday_short_name
from domain.dose_calendar import CalendarDay, DayKind
from domain.text import t

DAY_COLOURS = {
    DayKind.OBSERVED: "#2e7d32",
    DayKind.TAKE_HOME: "#81c784",
    DayKind.MISSED: "#c62828",
    DayKind.NOT_SCHEDULED: "#e0e0e0",
}
GREGORIAN = Calendar.GREGORIAN  # the builders' default: the summary PDF has no reader


def day_label(kind: DayKind) -> str:
    labels = {
        DayKind.OBSERVED: t("observed"),
        DayKind.TAKE_HOME: t("take-home"),
        DayKind.MISSED: t("missed"),
        DayKind.NOT_SCHEDULED: t("not in treatment"),
    }
    return labels[kind]


def calendar_frame(days: Sequence[CalendarDay], *, first_weekday: int = MONDAY,
                   language: str = "en") -> pd.DataFrame:
    """One row per day with its week (counted from the first day's week), the week's first
    day and the weekday's name in ``language`` (``Mon``, ``دوشنبه``); weeks start on
    ``first_weekday`` (Monday 0 .. Sunday 6), the clinic's (``domain.calendars.week_start`` of
    its working days: Saturday for ``sat-wed``)."""
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
    frame["weekday"] = [weekday_short_name(day.weekday(), language) for day in frame["date"]]
    return frame


def dose_calendar_chart(days: Sequence[CalendarDay], *, first_weekday: int = MONDAY,
                        calendar: Calendar = GREGORIAN, language: str = "en") -> alt.Chart:
    """A heat map, one square per day, weeks across and weekdays down from the clinic's first
    weekday (``first_weekday``, Monday 0 .. Sunday 6).

    The weeks are labelled by their first day; for a reader of the Solar Hijri calendar or of
    Persian that label is text made here (``11 Aban``, ``۱۱ آبان``), in the weeks' order.
    """
    frame = calendar_frame(days, first_weekday=first_weekday, language=language)
    order = [day_label(kind) for kind in DAY_COLOURS]
    if uses_vega_dates(calendar, language):
        week = alt.X("yearmonthdate(week_start):O", title=t("week starting"),
                     axis=alt.Axis(format="%d %b", labelAngle=-60))
        day = alt.Tooltip("date:T", title=t("date"))
    else:
        frame["week_shown"] = day_labels(frame["week_start"], calendar, language)
        frame["date_shown"] = shown_dates(frame["date"], calendar, language)
        week = alt.X("week_shown:O", title=t("week starting"),
                     sort=list(dict.fromkeys(frame["week_shown"])),
                     axis=alt.Axis(labelAngle=-60))
        day = alt.Tooltip("date_shown:N", title=t("date"))
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=week,
            y=alt.Y("weekday:O", title=None,
                    sort=[weekday_short_name((first_weekday + n) % 7, language)
                          for n in range(7)]),
            color=alt.Color("kind:N", title=t("dose"),
                            scale=alt.Scale(domain=order, range=list(DAY_COLOURS.values()))),
            tooltip=[day, alt.Tooltip("kind:N", title=t("dose")),
                     alt.Tooltip("dose_mg:Q", title="mg")],
        )
        .properties(height=170)
    )
    return chart


def _date_tooltip(frame: pd.DataFrame, field: str, title: str | None, calendar: Calendar,
                  language: str, *, time: bool = False) -> str | alt.Tooltip:
    """The tooltip of a date field: Vega-Lite's for a Gregorian English reader (titled
    ``title``, else by the field's name), else a text column of the shown dates added to
    ``frame`` (``{field}_shown``), titled ``title`` or "date"."""
    if uses_vega_dates(calendar, language):
        return f"{field}:T" if title is None else alt.Tooltip(f"{field}:T", title=title)
    frame[f"{field}_shown"] = shown_dates(frame[field], calendar, language, time=time)
    return alt.Tooltip(f"{field}_shown:N", title=t("date") if title is None else title)


def dose_trend_chart(days: Sequence[CalendarDay], *, calendar: Calendar = GREGORIAN,
                     language: str = "en") -> alt.Chart:
    frame = calendar_frame([d for d in days if d.dose_mg is not None])
    when = _date_tooltip(frame, "date", None, calendar, language)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_line(point=True, interpolate="step-after")
        .encode(x=alt.X("date:T", title=None,
                        axis=date_axis(frame["date"], calendar, language)),
                y=alt.Y("dose_mg:Q", title=t("dose (mg)"), axis=number_axis(language)),
                tooltip=[when, "dose_mg:Q"])
        .properties(height=160)
    )
    return chart


def screen_timeline_chart(screens: pd.DataFrame, *, calendar: Calendar = GREGORIAN,
                          language: str = "en") -> alt.Chart:
    """Each substance on its own line; unexpected positives in red, larger."""
    frame = screens.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["finding"] = [
        t("unexpected positive") if unexpected else
        (t("expected positive") if result == "positive" else t("negative"))
        for unexpected, result in zip(frame["unexpected_positive"], frame["result"], strict=True)
    ]
    domain = [t("unexpected positive"), t("expected positive"), t("negative")]
    when = _date_tooltip(frame, "date", None, calendar, language)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_point(filled=True)
        .encode(
            x=alt.X("date:T", title=None, axis=date_axis(frame["date"], calendar, language)),
            y=alt.Y("substance:N", title=None),
            color=alt.Color("finding:N", title=t("result"),
                            scale=alt.Scale(domain=domain,
                                            range=["#c62828", "#90a4ae", "#cfd8dc"])),
            size=alt.Size("finding:N", scale=alt.Scale(domain=domain, range=[160, 50, 30]),
                          legend=None),
            tooltip=[when, "substance:N", "finding:N"],
        )
        .properties(height=alt.Step(22))
    )
    return chart


def phase_timeline_chart(history: pd.DataFrame, as_of: date, *,
                         calendar: Calendar = GREGORIAN, language: str = "en") -> alt.Chart:
    """Phases as consecutive bars from each change to the next (or to as_of)."""
    # Timestamps only: a column of date objects would not serialise to Vega-Lite's JSON.
    frame = pd.DataFrame({"to_phase": history["to_phase"],
                          "start": pd.to_datetime(history["date"])})
    frame["end"] = frame["start"].shift(-1).fillna(pd.Timestamp(as_of))
    since = _date_tooltip(frame, "start", t("from"), calendar, language)
    until = _date_tooltip(frame, "end", t("until"), calendar, language)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar(height=22)
        .encode(
            x=alt.X("start:T", title=None,
                    axis=date_axis([*frame["start"], *frame["end"]], calendar, language)),
            x2="end:T",
            y=alt.Y("to_phase:N", title=None,
                    sort=["induction", "stabilisation", "maintenance", "taper", "aftercare",
                          "discharged"]),
            color=alt.Color("to_phase:N", legend=None),
            tooltip=[alt.Tooltip("to_phase:N", title=t("phase")), since, until],
        )
        .properties(height=alt.Step(28))
    )
    return chart


def engagement_timeline_chart(events: pd.DataFrame, *, calendar: Calendar = GREGORIAN,
                              language: str = "en") -> alt.Chart:
    frame = events.copy()
    frame["when"] = pd.to_datetime(frame["when"])
    when = _date_tooltip(frame, "when", None, calendar, language, time=True)
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_tick(thickness=3, size=18)
        .encode(x=alt.X("when:T", title=None, axis=date_axis(frame["when"], calendar, language)),
                y=alt.Y("member:N", title=None),
                color=alt.Color("kind:N", title=t("activity")),
                tooltip=[when, "member:N", "kind:N"])
        .properties(height=alt.Step(26))
    )
    return chart
