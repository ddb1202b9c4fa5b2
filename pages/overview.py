"""Overview: the clinic on one screen for a chosen period, with twelve months of trend.

Every number comes from ``domain.overview_report`` over the records of
``data_access.overview``; the same frames feed the charts, the Excel export and the analysts'
notebook (``notebooks/clinic_review.ipynb``). Months, named periods ("last month") and the
trend's axis follow the reader's calendar: a Solar Hijri reader counts by Mehr and Aban.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from components import overview_data
from components.auth import require_page
from components.dates import date_field, shown_date
from components.export_buttons import table_download_buttons, workbook_download_button
from components.overview_charts import (
    adherence_chart,
    backlog_chart,
    phase_chart,
    retention_curve_chart,
    transitions_chart,
    trend_chart,
    trend_labels,
)
from components.overview_views import counted_ago, headline, split_table
from components.resources import app_settings
from components.state import ask_for_new_count, overview_counted_after
from components.view_audit import audit_view
from data_access.clock import today, utc_now
from domain.calendars import Calendar
from domain.overview_report import with_month_labels
from domain.report_periods import (
    PeriodChoice,
    PeriodError,
    chosen_period,
    custom_period,
    earliest_start,
    period_label,
)
from domain.text import t

user = require_page("overview")
settings = app_settings()
as_of = today()
calendar = user.calendar
st.title(t("Overview"))

ALL_CLINICS = -1
clinic_names = dict(zip(user.clinic_ids, user.clinic_codes, strict=True))
clinic_options = ([ALL_CLINICS] if len(clinic_names) > 1 else []) + list(clinic_names)
clinic_column, period_column, split_column = st.columns([1, 1, 1])
clinic = clinic_column.selectbox(
    t("Clinic"), clinic_options, key="overview_clinic",
    format_func=lambda cid: t("All my clinics") if cid == ALL_CLINICS else clinic_names[cid])
CUSTOM = "custom"
choice = period_column.selectbox(
    t("Period"), [*PeriodChoice, CUSTOM], key="overview_period",
    format_func=lambda c: t("Custom dates") if c == CUSTOM else period_label(PeriodChoice(c)))
split = split_column.toggle(t("Split by psychologist"), key="overview_split")
if choice == CUSTOM:
    default = chosen_period(PeriodChoice.LAST_3_MONTHS, as_of, calendar)
    first_day = earliest_start(as_of, calendar)
    if calendar is Calendar.GREGORIAN:
        picked = st.date_input(t("From and to"), value=(default.start, default.end),
                               min_value=first_day, max_value=as_of,
                               key="overview_custom")
    else:  # Streamlit's range picker knows only the Gregorian calendar (components.dates)
        # The catalogs' date-range words ("az" / "ta" in Persian), as the phase timeline uses them.
        first_column, last_column = st.columns(2)
        with first_column:
            first = date_field(t("First day"), default.start,
                               key="overview_custom_start", user=user,
                               min_value=first_day, max_value=as_of)
        with last_column:
            last = date_field(t("Last day"), default.end,
                              key="overview_custom_end", user=user,
                              min_value=first_day, max_value=as_of)
        if first.refused or last.refused:
            st.stop()  # date_field has shown what is wrong under the field
        picked = (first.day, last.day) if first.day and last.day else ()
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info(t("Pick the first and the last day of the period."))
        st.stop()
    try:
        period = custom_period(picked[0], picked[1], as_of, calendar,
                               shown=lambda day: shown_date(day, user))
    except PeriodError as error:
        st.error(str(error))
        st.stop()
else:
    period = chosen_period(PeriodChoice(choice), as_of, calendar)

clinic_ids = tuple(clinic_names) if clinic == ALL_CLINICS else (clinic,)
scope = ", ".join(clinic_names[cid] for cid in clinic_ids)
with st.spinner(t("Counting the clinic's figures…")):
    stored = overview_data.overview(clinic_ids, as_of, period.start, period.end, calendar,
                                    settings, settings.database_url,
                                    overview_counted_after())
view = stored.view
audit_view(user, entity="overview", entity_id=f"{scope}:{period.start}:{period.end}",
           summary=f"overview of {scope}, {period.start} to {period.end}")
caption_column, recount_column = st.columns([4, 1], vertical_alignment="center")
caption_column.caption(t("{clinics} · {start} to {end} · figures of a day are taken on {end}",
                         clinics=scope, start=shown_date(period.start, user),
                         end=shown_date(period.end, user))
                       + " · " + counted_ago(stored.counted_at, utc_now()))
# The click's rerun asks for figures counted after it: a stored count that is older is passed by.
recount_column.button(t("Count again now"), key="overview_recount",
                      help=t("The figures are counted every ten minutes; count them again to "
                             "include what was recorded since."),
                      on_click=ask_for_new_count)

row: dict[str, Any] = {str(k): v for k, v in view.period.iloc[0].items()}
headline(row, key_prefix="overview")
if split:
    st.subheader(t("By psychologist"))
    split_table(view.period_by_psychologist, key="overview_split_table")

st.subheader(t("Last 12 months"))
labels = trend_labels()
figure = st.selectbox(t("Figure"), list(labels), format_func=labels.__getitem__,
                      key="overview_trend_figure")
months = view.months_by_psychologist if split else view.months
st.altair_chart(trend_chart(months, figure, labels[figure], calendar=calendar,
                            language=user.language), width="stretch")

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('Time in treatment by medication')}**")
    if view.curves.empty:
        st.info(t("No admissions in this period."))
    else:
        st.altair_chart(retention_curve_chart(view.curves), width="stretch")
        st.caption(t("Patients admitted in the period, Kaplan–Meier with 95 % bands; a "
                     "discharge ends the line, patients still in treatment are followed to "
                     "today."))
    st.markdown(f"**{t('Adherence over the last 28 days')}**")
    st.altair_chart(adherence_chart(row), width="stretch")
with right:
    st.markdown(f"**{t('Patients per phase')}**")
    st.altair_chart(phase_chart(row), width="stretch")
    st.markdown(f"**{t('Outreach backlog')}**")
    st.altair_chart(backlog_chart(row), width="stretch")
st.markdown(f"**{t('Step-downs and step-ups')}**")
st.altair_chart(transitions_chart(view.months, calendar=calendar, language=user.language),
                width="stretch")
st.caption(t("A step-up after a relapse is care working, not a failure."))

export_id = f"{scope}:{period.start}:{period.end}"
st.caption(t("The 12 months as a table:"))
# Each month keeps its ISO first and last day (machine-readable) and gets its name beside them
# in the reader's calendar ("Aban 1405").
table_download_buttons(with_month_labels(months, calendar, user.language),
                       file_stem=f"hamrah-overview-months-{as_of.isoformat()}", user=user,
                       entity="overview", entity_id=export_id, key_prefix="overview_months",
                       sheet_name=t("Months"))
workbook_download_button(
    {t("Period"): view.period, t("Period by psychologist"): view.period_by_psychologist,
     t("Months"): with_month_labels(view.months, calendar, user.language),
     t("Months by psychologist"): with_month_labels(view.months_by_psychologist, calendar,
                                                    user.language),
     t("Retention curves"): view.curves},
    label=t("Export every table (Excel)"), file_stem=f"hamrah-overview-{as_of.isoformat()}",
    user=user, entity="overview", entity_id=export_id, key_prefix="overview")
