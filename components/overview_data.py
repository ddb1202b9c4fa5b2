"""Cached reads for the Overview: clinics, day, period and calendar are in the key.

The records are loaded once (``data_access.overview.overview_records``: grouped queries per
month's end) and every figure is counted from them in ``domain.overview_report``; what is kept
is what the page shows, the frames of :class:`OverviewView`, for five minutes, as the Overview
is read in meetings, not watched live. A rerun (the split toggle, another figure on the trend
chart, an export) reads them from the cache and counts nothing: the view holds the split and the
whole clinic both. The role is not in the key: every role that may open the Overview sees the
same figures, which name no patient and no family, and the clinics are those the user works in.

The outreach backlog is read for the period's last day only: a worklist per month costs a
second or two each at a thousand patients, and the page charts the backlog of one day. When
that day is today, the backlog is the cached worklist that the navigation badge and the
Outreach page already read (``components.outreach_data.worklist_items``), so a first visit
computes it once, not twice.

The twelve months are those of the reader's calendar, so the calendar is in the key: a Solar
Hijri month ends on other days than a Gregorian one, and the records are loaded for its ends
(and from its first day). The language is not: month labels are added by the page
(``domain.overview_report.with_month_labels``), so an English and a Persian reader of one
calendar share one load.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components import outreach_data
from components.resources import database
from data_access.clock import utc_now
from data_access.overview import overview_records
from domain.calendars import Calendar
from domain.overview import Period
from domain.overview_report import (
    figures_by_psychologist,
    figures_frame,
    monthly_figures,
    monthly_figures_by_psychologist,
    overview_figures,
    retention_curve_frame,
    with_backlog,
)
from domain.report_periods import OVERVIEW_MONTHS
from i18n.catalog import SOURCE_LANGUAGE
from settings import Settings


@dataclass(frozen=True)
class OverviewView:
    """The frames of one Overview: the chosen period (clinic, and per psychologist), the twelve
    months of the reader's calendar (clinic, and per psychologist) and the retention curves of
    the period's admissions."""

    period: pd.DataFrame
    period_by_psychologist: pd.DataFrame
    months: pd.DataFrame
    months_by_psychologist: pd.DataFrame
    curves: pd.DataFrame


@st.cache_data(ttl=300, max_entries=32, show_spinner=False)
def overview(clinic_ids: tuple[int, ...], as_of: date, start: date, end: date,
             calendar: Calendar, _settings: Settings, database_url: str) -> OverviewView:
    period = Period(start, end)
    shared_worklist = end == as_of
    with database(database_url).sessions() as session:
        inputs = overview_records(session, clinic_ids=clinic_ids, as_of=as_of,
                                  months=OVERVIEW_MONTHS, moments=(end,),
                                  backlog_moments=() if shared_worklist else (end,),
                                  clinical=_settings.clinical, outreach=_settings.outreach,
                                  calendar=calendar)
    if shared_worklist:
        # Only the tiers are counted: the English entry (shared with English readers) will do.
        items = outreach_data.worklist_items(clinic_ids, as_of, SOURCE_LANGUAGE, _settings,
                                             database_url)
        inputs = with_backlog(inputs, end, items)
    now = utc_now()
    gap = _settings.clinical.retention_max_gap_days
    return OverviewView(
        period=figures_frame([overview_figures(inputs, period, now, gap)]),
        period_by_psychologist=figures_frame(figures_by_psychologist(inputs, period, now, gap)),
        months=figures_frame(
            monthly_figures(inputs, as_of, now, OVERVIEW_MONTHS, gap, calendar=calendar)),
        months_by_psychologist=figures_frame(monthly_figures_by_psychologist(
            inputs, as_of, now, OVERVIEW_MONTHS, gap, calendar=calendar)),
        curves=retention_curve_frame(inputs, period, as_of),
    )
