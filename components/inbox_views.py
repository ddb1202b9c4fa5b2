"""The Inbox's tables and its answer-time figure: pure frame and chart builders plus drawing.

Builders take plain data and never call Streamlit, so tests check what staff read directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import altair as alt
import pandas as pd

from components.chart_dates import date_axis, number_axis, shown_dates, uses_vega_dates
from data_access.condition_reports import ReportView, is_open_emergency
from data_access.questions import InboxQuestion
from domain.calendars import MONDAY, Calendar
from domain.deadlines import (
    QuestionStatus,
    WeekTimeliness,
    last_day_to_answer,
    question_status,
    time_left_text,
)
from domain.text import t

QUESTION_COLUMNS = ["id", "clock", "status", "patient", "member", "consent", "asked", "due",
                    "assigned_to", "question"]
REPORT_COLUMNS = ["id", "state", "patient", "member", "reported", "severity", "physical",
                  "mental", "medical", "signs_of_use", "acknowledged", "action"]


def status_text(status: QuestionStatus) -> str:
    labels = {
        QuestionStatus.OPEN: t("open"),
        QuestionStatus.OVERDUE: t("overdue"),
        QuestionStatus.ANSWERED_IN_TIME: t("answered in time"),
        QuestionStatus.ANSWERED_LATE: t("answered late"),
    }
    return labels[status]


def question_frame(questions: Sequence[InboxQuestion], now: datetime) -> pd.DataFrame:
    rows = []
    for q in questions:
        status = question_status(q.due_at, q.answered_at, now)
        rows.append({
            "id": q.id,
            "clock": "" if q.answered_at else time_left_text(q.due_at, now),
            "status": status_text(status),
            "patient": q.patient_code,
            "member": f"{q.member_code} ({q.relation})",
            "consent": str(q.consent_scope) if q.consent_scope else t("none: general only"),
            "asked": q.asked_at,
            "due": last_day_to_answer(q.due_at),
            "assigned_to": q.assigned_to or "",
            "question": q.body,
        })
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS)


def report_frame(reports: Sequence[ReportView]) -> pd.DataFrame:
    rows = []
    for r in reports:
        state = (t("EMERGENCY: not acknowledged") if is_open_emergency(r)
                 else t("emergency") if r.emergency
                 else t("acknowledged") if r.acknowledged_at else t("new"))
        rows.append({
            "id": r.id, "state": state, "patient": r.patient_code,
            "member": f"{r.member_code} ({r.relation})", "reported": r.reported_at,
            "severity": r.severity, "physical": r.physical or "", "mental": r.mental or "",
            "medical": r.medical or "",
            "signs_of_use": "" if r.signs_of_use is None else (t("yes") if r.signs_of_use
                                                              else t("no")),
            "acknowledged": r.acknowledged_at, "action": r.action_taken or "",
        })
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


TIMELINESS_COLOURS = {"in_time": "#2e7d32", "late": "#ef6c00", "overdue": "#c62828",
                      "open": "#90a4ae"}


def timeliness_frame(weeks: Sequence[WeekTimeliness]) -> pd.DataFrame:
    labels = {"in_time": t("answered in time"), "late": t("answered late"),
              "overdue": t("unanswered, overdue"), "open": t("open, not yet due")}
    rows = [
        {"week": pd.Timestamp(w.week_start), "state": labels[key], "key": key,
         "questions": getattr(w, key)}
        for w in weeks for key in labels
    ]
    return pd.DataFrame(rows, columns=["week", "state", "key", "questions"])


def timeliness_chart(weeks: Sequence[WeekTimeliness], *,
                     calendar: Calendar = Calendar.GREGORIAN, language: str = "en") -> alt.Chart:
    """Stacked bars per week of asking: how many answers met the clinic's deadline.

    The weeks are labelled in the reader's ``calendar`` and ``language``
    (``components.chart_dates``); over a short span the labels fall on the weeks' first days.
    The counts are in the language's digits.
    """
    frame = timeliness_frame(weeks)
    labels = list(dict.fromkeys(frame["state"]))
    colours = [TIMELINESS_COLOURS[k] for k in dict.fromkeys(frame["key"])]
    if uses_vega_dates(calendar, language):
        week: str | alt.Tooltip = "week:T"
    else:
        frame["week_shown"] = shown_dates(frame["week"], calendar, language)
        week = alt.Tooltip("week_shown:N", title=t("Week asked"))
    starts_on = weeks[0].week_start.weekday() if weeks else MONDAY
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("week:T", title=t("Week asked"), timeUnit="yearmonthdate",
                    axis=date_axis(frame["week"], calendar, language,
                                   first_weekday=starts_on)),
            y=alt.Y("questions:Q", title=t("Questions"), stack="zero",
                    axis=number_axis(language)),
            color=alt.Color("state:N", title=None,
                            scale=alt.Scale(domain=labels, range=colours)),
            tooltip=[week, "state:N", "questions:Q"],
        )
        .properties(height=260)
    )
    return chart
