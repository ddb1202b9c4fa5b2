"""Cached reads for the Overview: clinics, day, period and calendar are in the key.

An Overview is first looked for among those counted ahead (``data_access.overview_snapshots``:
the worker counts the Overviews staff open by default every ten minutes and keeps them in the
database, where every replica finds them). Only when none is fresh is it counted here: the
records are loaded once (``data_access.overview.overview_records``) and every figure is counted
from them (``domain.overview_view``); what this run counted is stored for the next reader. What
is kept in this process is what the page shows, for five minutes, as the Overview is read in
meetings, not watched live. A rerun (the split toggle, another figure on the trend chart, an
export) reads it from the cache and counts nothing. The role is not in the key: every role that
may open the Overview sees the same figures, which name no patient and no family, and the
clinics are those the user works in.

When the period ends today, the backlog is the cached worklist that the Outreach page already
reads (``components.outreach_data.worklist_items``), so a first visit computes it once, not
twice.

The twelve months are those of the reader's calendar, so the calendar is in the key: a Solar
Hijri month ends on other days than a Gregorian one, and the records are loaded for its ends
(and from its first day). The language is not: month labels are added by the page
(``domain.overview_report.with_month_labels``), so an English and a Persian reader of one
calendar share one load.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import streamlit as st

from components import outreach_data
from components.resources import database
from data_access.clock import utc_now
from data_access.overview_snapshots import (
    SNAPSHOT_MAX_AGE,
    SnapshotKey,
    StoredOverview,
    count_overviews,
    settings_digest,
    store_quietly,
    stored_overview,
)
from domain.calendars import Calendar
from domain.overview import Period
from i18n.catalog import SOURCE_LANGUAGE
from settings import Settings


def _key(clinic_ids: tuple[int, ...], as_of: date, start: date, end: date, calendar: Calendar,
         settings: Settings) -> SnapshotKey:
    return SnapshotKey(clinic_ids, as_of, Period(start, end), calendar,
                       settings_digest(settings.clinical, settings.outreach))


def _count_and_store(clinic_ids: tuple[int, ...], as_of: date, start: date, end: date,
                     calendar: Calendar, settings: Settings,
                     database_url: str) -> StoredOverview:
    """Count the Overview now and store it for the next reader (a store that fails, as when
    another replica stores the same one, loses nothing: the figures are returned)."""
    key = _key(clinic_ids, as_of, start, end, calendar, settings)
    db = database(database_url)
    worklist = None
    if end == as_of:
        # Only the tiers are counted: the English entry (shared with English readers) will do.
        worklist = outreach_data.worklist_items(clinic_ids, as_of, SOURCE_LANGUAGE, settings,
                                                database_url)
    started = time.perf_counter()
    with db.sessions() as session:
        views = count_overviews(session, clinic_ids=clinic_ids, as_of=as_of,
                                periods=[key.period], calendar=calendar,
                                clinical=settings.clinical, outreach=settings.outreach,
                                now=utc_now(), worklist=worklist)
    counted = StoredOverview(views[key.period], utc_now(), time.perf_counter() - started)
    store_quietly(db.sessions, key, counted)
    return counted


@st.cache_data(ttl=300, max_entries=32, show_spinner=False)
def overview(clinic_ids: tuple[int, ...], as_of: date, start: date, end: date,
             calendar: Calendar, _settings: Settings, database_url: str,
             counted_after: datetime | None = None) -> StoredOverview:
    """The Overview counted within :data:`SNAPSHOT_MAX_AGE` (and after ``counted_after``, the
    moment a reader asked for a new count), stored or counted now. The moment is in the key, so
    a new count never clears another reader's entry, and a count that could not be stored (a
    read-only replica) is still what this reader sees."""
    key = _key(clinic_ids, as_of, start, end, calendar, _settings)
    since = utc_now() - SNAPSHOT_MAX_AGE
    if counted_after is not None:  # strictly after: a count of that very moment is no newer
        since = max(since, counted_after + timedelta(microseconds=1))
    with database(database_url).sessions() as session:
        stored = stored_overview(session, key, counted_since=since)
    if stored is not None:
        return stored
    return _count_and_store(clinic_ids, as_of, start, end, calendar, _settings, database_url)
