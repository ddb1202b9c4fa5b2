"""Overviews counted ahead and kept in the database, so that a reader does not wait for the count.

Counting the Overview of a provincial network (10,000 patients, a year of records) takes six to
eight seconds (bench/README.md); a meeting opens it many times a day, on any of the dashboard's
replicas. The worker counts the Overviews staff open by default
(``domain.overview_view.standing_overviews``) every :data:`REFRESH_INTERVAL` and stores their
frames here (:func:`refresh_overviews`); the page reads a stored one when it is younger than
:data:`SNAPSHOT_MAX_AGE`, else counts it and stores what it counted, so the next reader, on this
replica or another, finds it. A reader can always ask for a new count.

A stored Overview is a cache, not a record: its key holds everything its figures depend on
(clinics, day, period, calendar and a digest of the clinical and outreach settings), the frames
are Parquet files in one zip (typed, and never unpickled: a database row must not be able to
run code in the dashboard), and the rows of earlier days are pruned by the worker.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from data_access.models import OverviewSnapshot
from data_access.overview import overview_records
from data_access.staff import list_users
from domain.access import can_view
from domain.calendars import Calendar
from domain.outreach import OutreachThresholds, WorklistItem
from domain.overview import Period
from domain.overview_report import with_backlog, with_backlog_of
from domain.overview_view import (
    OverviewReader,
    OverviewView,
    overview_view,
    standing_overviews,
)
from domain.report_periods import OVERVIEW_MONTHS
from domain.thresholds import ClinicalThresholds

REFRESH_INTERVAL = timedelta(minutes=10)
"""How often the worker counts the standing Overviews again."""
SNAPSHOT_MAX_AGE = timedelta(minutes=30)
"""A stored Overview older than this is counted again by its reader: with the worker running,
a reader finds one at most :data:`REFRESH_INTERVAL` (plus a count) old; without it, the first
reader after half an hour pays the count."""


def settings_digest(clinical: ClinicalThresholds, outreach: OutreachThresholds) -> str:
    """What the figures depend on in the settings (the rules' thresholds), as a short key: an
    Overview counted under other thresholds is another Overview."""
    return hashlib.sha256(repr((clinical, outreach)).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SnapshotKey:
    """One stored Overview: the clinics, the day it was counted for, the period, the calendar of
    its months and the settings' digest."""

    clinic_ids: tuple[int, ...]
    as_of: date
    period: Period
    calendar: Calendar
    settings_digest: str

    @property
    def clinics(self) -> str:
        return ",".join(str(clinic) for clinic in sorted(self.clinic_ids))


@dataclass(frozen=True)
class StoredOverview:
    """An Overview with when it was counted and how long the count took."""

    view: OverviewView
    counted_at: datetime
    count_seconds: float


def frames_to_bytes(view: OverviewView) -> bytes:
    """The view's frames as one zip of Parquet files, one per frame."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # Parquet is compressed
        for name, frame in view.frames().items():
            archive.writestr(f"{name}.parquet", frame.to_parquet(index=False))
    return buffer.getvalue()


def view_from_bytes(data: bytes) -> OverviewView:
    """The view stored by :func:`frames_to_bytes`, with the dtypes it was counted with: Parquet
    brings text columns back as pandas' string dtype, which the count builds as objects (a
    missing psychologist is None, which the page names "no psychologist")."""
    frames: dict[str, pd.DataFrame] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for field in fields(OverviewView):
            frame = pd.read_parquet(io.BytesIO(archive.read(f"{field.name}.parquet")))
            for column, dtype in frame.dtypes.items():
                if isinstance(dtype, pd.StringDtype):  # and a missing text is None, not NaN
                    values = frame[column]
                    frame[column] = values.astype(object).where(values.notna(), None)
            frames[field.name] = frame
    return OverviewView(**frames)


def _matching(key: SnapshotKey) -> list[ColumnElement[bool]]:
    return [OverviewSnapshot.clinics == key.clinics, OverviewSnapshot.as_of == key.as_of,
            OverviewSnapshot.period_start == key.period.start,
            OverviewSnapshot.period_end == key.period.end,
            OverviewSnapshot.calendar == key.calendar.value,
            OverviewSnapshot.settings_digest == key.settings_digest]


def stored_overview(session: Session, key: SnapshotKey, *,
                    counted_since: datetime) -> StoredOverview | None:
    """The stored Overview of ``key`` if it was counted at or after ``counted_since``."""
    row = session.execute(
        select(OverviewSnapshot.frames, OverviewSnapshot.counted_at,
               OverviewSnapshot.count_seconds)
        .where(*_matching(key), OverviewSnapshot.counted_at >= counted_since)
    ).one_or_none()
    if row is None:
        return None
    return StoredOverview(view_from_bytes(row[0]), row[1], float(row[2]))


def store_overview(session: Session, key: SnapshotKey, stored: StoredOverview) -> None:
    """Keep ``stored`` as the Overview of ``key``, in place of an earlier one. Two dashboards
    storing the same key at once: one of them fails on the unique key, and the caller may ignore
    it (:func:`store_quietly`), as the other stored the same figures."""
    session.execute(delete(OverviewSnapshot).where(*_matching(key)))
    session.add(OverviewSnapshot(
        clinics=key.clinics, as_of=key.as_of, period_start=key.period.start,
        period_end=key.period.end, calendar=key.calendar.value,
        settings_digest=key.settings_digest, counted_at=stored.counted_at,
        count_seconds=stored.count_seconds, frames=frames_to_bytes(stored.view),
    ))
    session.flush()


def store_quietly(sessions: sessionmaker[Session], key: SnapshotKey,
                  stored: StoredOverview) -> bool:
    """Store an Overview a reader has just counted; False when the database refused it (another
    dashboard storing the same key, a read-only replica). The reader has the figures either way:
    failing to keep a cache must never fail the page."""
    try:
        with sessions() as session, session.begin():
            store_overview(session, key, stored)
    except SQLAlchemyError:
        return False
    return True


def prune_overviews(session: Session, *, before: date) -> int:
    """Drop the Overviews counted for days before ``before``; how many were dropped."""
    result = session.execute(delete(OverviewSnapshot).where(OverviewSnapshot.as_of < before))
    return int(getattr(result, "rowcount", 0) or 0)


def count_overviews(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    periods: Sequence[Period],
    calendar: Calendar,
    clinical: ClinicalThresholds,
    outreach: OutreachThresholds,
    now: datetime,
    worklist: Sequence[WorklistItem] | None = None,
) -> dict[Period, OverviewView]:
    """The Overviews of several periods from one load of records: the twelve months, the
    episodes and the year's screens, assignments and questions are read once, and each period
    adds only its last day's records; each period's frames are those of a load of its own
    (``domain.overview_report.with_backlog_of``). ``worklist``: today's outreach worklist when
    the caller holds it already (the dashboard's cached one), so that it is not computed
    again."""
    ends = sorted({period.end for period in periods})
    backlog = [end for end in ends if worklist is None or end != as_of]
    inputs = overview_records(session, clinic_ids=clinic_ids, as_of=as_of,
                              months=OVERVIEW_MONTHS, moments=ends, backlog_moments=backlog,
                              clinical=clinical, outreach=outreach, calendar=calendar)
    if worklist is not None and as_of in ends:
        inputs = with_backlog(inputs, as_of, worklist)
    return {period: overview_view(with_backlog_of(inputs, period.end), period, as_of, now,
                                  clinical.retention_max_gap_days, calendar)
            for period in periods}


def _fresh_periods(session: Session, clinic_ids: Sequence[int], as_of: date, calendar: Calendar,
                   digest: str, *, since: datetime) -> set[Period]:
    """The periods of one set of clinics and calendar counted at or after ``since``: one
    statement for all the named periods."""
    clinics = SnapshotKey(tuple(clinic_ids), as_of, Period(as_of, as_of), calendar, digest).clinics
    rows = session.execute(
        select(OverviewSnapshot.period_start, OverviewSnapshot.period_end)
        .where(OverviewSnapshot.clinics == clinics, OverviewSnapshot.as_of == as_of,
               OverviewSnapshot.calendar == calendar.value,
               OverviewSnapshot.settings_digest == digest,
               OverviewSnapshot.counted_at >= since))
    return {Period(start, end) for start, end in rows}


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did: Overviews counted, found fresh, and dropped from earlier days."""

    counted: int
    fresh: int
    pruned: int
    seconds: float

    def summary(self) -> str:
        return (f"overviews: counted {self.counted}, fresh {self.fresh}, "
                f"pruned {self.pruned} in {self.seconds:.1f} s")


def refresh_overviews(
    sessions: sessionmaker[Session],
    *,
    as_of: date,
    now_fn: Callable[[], datetime],
    clinical: ClinicalThresholds,
    outreach: OutreachThresholds,
    fresh_for: timedelta | None = REFRESH_INTERVAL,
) -> RefreshResult:
    """Count and store every standing Overview of ``as_of`` not counted in the last
    ``fresh_for`` (None: every one), then drop the Overviews of earlier days.

    One transaction per set of clinics and calendar, so a long refresh holds no lock for long
    and what was counted stays stored if a later count fails.
    """
    started = time.perf_counter()
    digest = settings_digest(clinical, outreach)
    with sessions() as session:
        readers = [OverviewReader(user.clinic_ids, user.calendar) for user in list_users(session)
                   if user.active and can_view(user.role, "overview")]
    counted = fresh = 0
    for standing in standing_overviews(readers, as_of):
        keys = {period: SnapshotKey(standing.clinic_ids, as_of, period, standing.calendar, digest)
                for period in standing.periods}
        stale = list(keys)
        if fresh_for is not None:
            with sessions() as session:
                counted_lately = _fresh_periods(session, standing.clinic_ids, as_of,
                                                standing.calendar, digest,
                                                since=now_fn() - fresh_for)
            stale = [period for period in keys if period not in counted_lately]
        fresh += len(keys) - len(stale)
        if not stale:
            continue
        count_started = time.perf_counter()
        with sessions() as session:
            views = count_overviews(session, clinic_ids=standing.clinic_ids, as_of=as_of,
                                    periods=stale, calendar=standing.calendar,
                                    clinical=clinical, outreach=outreach, now=now_fn())
        seconds = (time.perf_counter() - count_started) / len(stale)
        with sessions() as session, session.begin():
            for period, view in views.items():
                store_overview(session, keys[period], StoredOverview(view, now_fn(), seconds))
        counted += len(stale)
    with sessions() as session, session.begin():
        pruned = prune_overviews(session, before=as_of)
    return RefreshResult(counted, fresh, pruned, time.perf_counter() - started)
