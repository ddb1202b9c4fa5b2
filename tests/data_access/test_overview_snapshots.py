"""Overviews counted ahead and stored, on SQLite and PostgreSQL: what is stored comes back as it
was counted, a key names exactly one Overview, and the worker's refresh counts the Overviews
staff open by default, once per interval. The clinic is the hand-checked one of
``test_overview_data`` (TST, four patients; OTH, one)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data_access.engine import session_factory
from data_access.models import Clinic, OverviewSnapshot, StaffUser
from data_access.outreach import outreach_worklist
from data_access.overview import overview_records
from data_access.overview_snapshots import (
    SnapshotKey,
    StoredOverview,
    count_overviews,
    frames_to_bytes,
    prune_overviews,
    refresh_overviews,
    settings_digest,
    store_overview,
    store_quietly,
    stored_overview,
    view_from_bytes,
)
from data_access.staff import add_user
from domain.calendars import Calendar
from domain.outreach import DEFAULT_OUTREACH_THRESHOLDS
from domain.overview import Period
from domain.overview_view import OverviewView, named_periods, overview_view
from domain.report_periods import OVERVIEW_MONTHS, PeriodChoice, chosen_period
from domain.thresholds import DEFAULT_THRESHOLDS
from domain.vocabulary import Role
from tests.data_access.test_overview_data import AS_OF, NOW, PASSWORD, build_clinic

DIGEST = settings_digest(DEFAULT_THRESHOLDS, DEFAULT_OUTREACH_THRESHOLDS)
YEAR = chosen_period(PeriodChoice.LAST_12_MONTHS, AS_OF)


def assert_views_equal(left: OverviewView, right: OverviewView) -> None:
    for name, frame in left.frames().items():
        pd.testing.assert_frame_equal(frame, right.frames()[name], obj=name)


def counted(session: Session, clinic_ids: list[int], period: Period = YEAR,
            calendar: Calendar = Calendar.GREGORIAN) -> OverviewView:
    return count_overviews(session, clinic_ids=clinic_ids, as_of=AS_OF, periods=[period],
                           calendar=calendar, clinical=DEFAULT_THRESHOLDS,
                           outreach=DEFAULT_OUTREACH_THRESHOLDS, now=NOW)[period]


def test_a_stored_overview_comes_back_as_it_was_counted(session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    view = counted(session, [clinic_id])
    assert int(view.period["active_patients"].iloc[0]) == 3  # P1, P2, P4
    key = SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    store_overview(session, key, StoredOverview(view, NOW, 1.5))

    found = stored_overview(session, key, counted_since=NOW - timedelta(minutes=30))
    assert found is not None
    assert (found.counted_at, found.count_seconds) == (NOW, 1.5)
    assert_views_equal(found.view, view)
    assert found.view.months.shape == (OVERVIEW_MONTHS, view.months.shape[1])


def test_the_frames_keep_their_types_through_parquet() -> None:
    # As the count builds them: text as objects (pandas would infer its string dtype).
    frame = pd.DataFrame({"psychologist": pd.Series(["Dr Azadi", None], dtype=object),
                          "n": [1, 2],
                          "share": pd.array([0.5, None], dtype="Float64"),
                          "start": [date(2026, 10, 1), date(2026, 11, 1)]})
    view = OverviewView(frame, frame, frame, frame, frame.iloc[:0])
    back = view_from_bytes(frames_to_bytes(view))
    assert_views_equal(back, view)
    assert back.period["psychologist"].dtype == object


def test_a_key_names_one_overview(session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    key = SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    store_overview(session, key, StoredOverview(counted(session, [clinic_id]), NOW, 1.0))
    since = NOW - timedelta(minutes=30)
    other_keys = [
        SnapshotKey((clinic_id, clinic_id + 1), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST),
        SnapshotKey((clinic_id,), AS_OF - timedelta(days=1), YEAR, Calendar.GREGORIAN, DIGEST),
        SnapshotKey((clinic_id,), AS_OF, Period(YEAR.start + timedelta(days=1), AS_OF),
                    Calendar.GREGORIAN, DIGEST),
        SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.JALALI, DIGEST),
        SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN,
                    settings_digest(DEFAULT_THRESHOLDS, DEFAULT_OUTREACH_THRESHOLDS.__class__(
                        **{**DEFAULT_OUTREACH_THRESHOLDS.__dict__, "post_discharge_days": 30}))),
    ]
    assert len({k.settings_digest for k in other_keys}) == 2  # the thresholds change the digest
    for other in other_keys:
        assert stored_overview(session, other, counted_since=since) is None, other
    # Too old for the reader: counted before the time asked for.
    assert stored_overview(session, key, counted_since=NOW + timedelta(seconds=1)) is None
    assert stored_overview(session, key, counted_since=NOW) is not None


def test_storing_again_replaces_and_pruning_drops_earlier_days(session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    view = counted(session, [clinic_id])
    key = SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    yesterday = SnapshotKey((clinic_id,), AS_OF - timedelta(days=1), YEAR, Calendar.GREGORIAN,
                            DIGEST)
    store_overview(session, key, StoredOverview(view, NOW - timedelta(hours=1), 1.0))
    store_overview(session, key, StoredOverview(view, NOW, 2.0))
    store_overview(session, yesterday, StoredOverview(view, NOW - timedelta(days=1), 1.0))
    rows = session.execute(select(OverviewSnapshot.as_of, OverviewSnapshot.counted_at)
                           .order_by(OverviewSnapshot.as_of)).all()
    assert [tuple(row) for row in rows] == [(AS_OF - timedelta(days=1), NOW - timedelta(days=1)),
                                            (AS_OF, NOW)]
    assert prune_overviews(session, before=AS_OF) == 1
    assert session.scalars(select(OverviewSnapshot.as_of)).all() == [AS_OF]


def test_the_worklist_a_page_holds_gives_the_same_backlog(session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    own = counted(session, [clinic_id])
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF)
    handed = count_overviews(session, clinic_ids=[clinic_id], as_of=AS_OF, periods=[YEAR],
                             calendar=Calendar.GREGORIAN, clinical=DEFAULT_THRESHOLDS,
                             outreach=DEFAULT_OUTREACH_THRESHOLDS, now=NOW,
                             worklist=items)[YEAR]
    assert_views_equal(handed, own)
    backlog = [column for column in own.period.columns if column.startswith("backlog_")]
    assert backlog and int(own.period[backlog].sum(axis=1).iloc[0]) == len(items)


def test_several_periods_are_counted_as_each_alone(session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    periods = named_periods(AS_OF, Calendar.GREGORIAN)
    last_month = chosen_period(PeriodChoice.LAST_MONTH, AS_OF)
    assert last_month in periods and last_month.end != AS_OF  # a past day's backlog too
    together = count_overviews(session, clinic_ids=[clinic_id], as_of=AS_OF, periods=periods,
                               calendar=Calendar.GREGORIAN, clinical=DEFAULT_THRESHOLDS,
                               outreach=DEFAULT_OUTREACH_THRESHOLDS, now=NOW)
    for period in periods:
        inputs = overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF,
                                  months=OVERVIEW_MONTHS, moments=(period.end,),
                                  backlog_moments=(period.end,))
        alone = overview_view(inputs, period, AS_OF, NOW,
                              DEFAULT_THRESHOLDS.retention_max_gap_days, Calendar.GREGORIAN)
        assert_views_equal(together[period], alone)


def test_a_refused_store_is_not_an_error(engine: Engine, session: Session,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    clinic_id, _ = build_clinic(session)
    view = counted(session, [clinic_id])
    session.commit()
    sessions = session_factory(engine)
    key = SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    assert store_quietly(sessions, key, StoredOverview(view, NOW, 1.0))
    too_long = SnapshotKey(tuple(range(1, 200)), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    assert len(too_long.clinics) > 400
    if engine.dialect.name == "postgresql":  # SQLite does not enforce a VARCHAR's length
        assert not store_quietly(sessions, too_long, StoredOverview(view, NOW, 1.0))

    def lost_race(*_args: object) -> None:  # another dashboard stored the same key first
        raise IntegrityError("INSERT INTO overview_snapshot", {}, Exception("unique key"))

    monkeypatch.setattr("data_access.overview_snapshots.store_overview", lost_race)
    assert not store_quietly(sessions, key, StoredOverview(view, NOW + timedelta(hours=1), 1.0))
    with sessions() as check:
        assert check.scalar(select(func.count()).select_from(OverviewSnapshot)) == 1
        stored = stored_overview(check, key, counted_since=NOW)
    assert stored is not None and stored.counted_at == NOW  # the first store is kept whole


@pytest.fixture
def readers(session: Session) -> tuple[int, int]:
    """TST and OTH (ids of TST, OTH) with: a supervisor of both (Gregorian), a case team member
    of TST who reads Solar Hijri dates, TST's psychologists (not Overview readers) and an
    inactive supervisor of OTH in Solar Hijri (no Overview for either)."""
    tst, _ = build_clinic(session)
    add_user(session, username="sup", password=PASSWORD, role=Role.SUPERVISOR,
             clinic_codes=["TST", "OTH"], actor="test")
    add_user(session, username="team", password=PASSWORD, role=Role.CASE_TEAM,
             clinic_codes=["TST"], actor="test")
    add_user(session, username="gone", password=PASSWORD, role=Role.SUPERVISOR,
             clinic_codes=["OTH"], actor="test")
    for user in session.scalars(select(StaffUser).where(
            StaffUser.username.in_(["team", "gone", "psy.azadi"]))):
        user.calendar = Calendar.JALALI.value
        user.active = user.username != "gone"
    session.commit()
    oth = session.scalar(select(Clinic.id).where(Clinic.code == "OTH"))
    assert oth is not None
    return tst, oth


def test_the_refresh_counts_what_staff_open_by_default(engine: Engine,
                                                       readers: tuple[int, int]) -> None:
    tst, oth = readers
    sessions = session_factory(engine)
    clock = [NOW]

    def refresh(**kwargs: object) -> tuple[int, int, int]:
        result = refresh_overviews(sessions, as_of=AS_OF, now_fn=lambda: clock[0],
                                   clinical=DEFAULT_THRESHOLDS,
                                   outreach=DEFAULT_OUTREACH_THRESHOLDS, **kwargs)  # type: ignore[arg-type]
        return result.counted, result.fresh, result.pruned

    gregorian = len(named_periods(AS_OF, Calendar.GREGORIAN))
    jalali = len(named_periods(AS_OF, Calendar.JALALI))
    # The supervisor: both clinics, TST alone, OTH alone (Gregorian); the case team: TST in
    # Solar Hijri. The psychologist and the inactive supervisor open no Overview here.
    expected = 3 * gregorian + jalali
    assert refresh() == (expected, 0, 0)
    with sessions() as session:
        keys = session.execute(select(OverviewSnapshot.clinics, OverviewSnapshot.calendar)
                               .distinct()).all()
        assert sorted(tuple(key) for key in keys) == sorted([
            (f"{tst},{oth}", "gregorian"), (str(tst), "gregorian"), (str(oth), "gregorian"),
            (str(tst), "jalali")])
        stored = stored_overview(session, SnapshotKey((tst,), AS_OF, YEAR, Calendar.GREGORIAN,
                                                      DIGEST),
                                 counted_since=NOW - timedelta(minutes=1))
        assert stored is not None
        assert_views_equal(stored.view, counted(session, [tst]))

    clock[0] = NOW + timedelta(minutes=5)
    assert refresh() == (0, expected, 0)  # counted less than ten minutes ago
    clock[0] = NOW + timedelta(minutes=11)
    assert refresh() == (expected, 0, 0)
    assert refresh(fresh_for=None) == (expected, 0, 0)  # hamrah overview refresh --all
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OverviewSnapshot)) == expected


def test_the_refresh_drops_the_overviews_of_earlier_days(engine: Engine,
                                                         readers: tuple[int, int]) -> None:
    tst, _ = readers
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        view = counted(session, [tst])
        old = SnapshotKey((tst,), AS_OF - timedelta(days=1), YEAR, Calendar.GREGORIAN, DIGEST)
        store_overview(session, old, StoredOverview(view, NOW - timedelta(days=1), 1.0))
    result = refresh_overviews(sessions, as_of=AS_OF, now_fn=lambda: NOW,
                               clinical=DEFAULT_THRESHOLDS, outreach=DEFAULT_OUTREACH_THRESHOLDS)
    assert result.pruned == 1
    assert result.summary().startswith(f"overviews: counted {result.counted}, fresh 0, pruned 1")
    with sessions() as session:
        assert set(session.scalars(select(OverviewSnapshot.as_of))) == {AS_OF}


def test_a_stored_overview_is_read_in_one_statement(engine: Engine, session: Session) -> None:
    clinic_id, _ = build_clinic(session)
    key = SnapshotKey((clinic_id,), AS_OF, YEAR, Calendar.GREGORIAN, DIGEST)
    store_overview(session, key, StoredOverview(counted(session, [clinic_id]), NOW, 1.0))
    session.commit()
    statements: list[str] = []
    from sqlalchemy import event

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_factory(engine)() as reader:
            assert stored_overview(reader, key, counted_since=datetime.min) is not None
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len([s for s in statements if "overview_snapshot" in s]) == 1
