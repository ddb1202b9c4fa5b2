"""SQL aggregates behind the clinical rules agree with the rules' own list-based helpers."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from data_access.models import DoseEvent, UrineScreen
from data_access.signals import patient_facts, patient_signal_list
from domain.adherence import adherence_from_dose_days
from domain.missed_doses import last_taken_on_or_before
from domain.retention import longest_gap_by_horizon
from domain.thresholds import ClinicalThresholds
from tests import builders

AS_OF = date(2026, 11, 2)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def add_doses(session: Session, patient_id: int, taken: list[date],
              missed: list[date] = (), mg: float = 80.0) -> None:  # type: ignore[assignment]
    rows = [{"patient_id": patient_id, "dose_date": d, "status": "taken", "dose_mg": mg,
             "kind": "observed"} for d in taken]
    rows += [{"patient_id": patient_id, "dose_date": d, "status": "missed", "dose_mg": None,
              "kind": "observed"} for d in missed]
    if rows:
        session.execute(insert(DoseEvent), rows)


def add_screen(session: Session, patient_id: int, day: date, substance: str, result: str,
               expected: bool = False) -> None:
    session.execute(insert(UrineScreen), [{"patient_id": patient_id, "screen_date": day,
                                           "substance": substance, "result": result,
                                           "expected": expected}])


def test_aggregates_match_the_domain_helpers(session: Session) -> None:
    admission = date(2026, 6, 1)
    gap = set(days(date(2026, 7, 1), date(2026, 7, 8)))  # 8 days without a dose
    recent_misses = set(days(date(2026, 10, 31), AS_OF))  # streak of 3 on as_of
    taken = [d for d in days(admission, AS_OF) if d not in gap and d not in recent_misses]
    long_ago = date(2025, 9, 1)
    old_taken = [d for d in days(long_ago, AS_OF) if d.day != 15]  # a one-day gap each month
    with session.begin():
        clinic_id = builders.clinic(session)
        gappy = builders.patient(session, clinic_id, "P1", admission=admission)
        steady = builders.patient(session, clinic_id, "P2", admission=long_ago)
        builders.patient(session, clinic_id, "P3", admission=AS_OF, phase="induction")
        builders.patient(session, clinic_id, "P4", phase="discharged")
        add_doses(session, gappy, taken, missed=sorted(recent_misses))
        add_doses(session, steady, old_taken)
        add_doses(session, steady, [date(2026, 11, 3)])  # after as_of: ignored
    facts = {f.patient_code: f for f in patient_facts(session, clinic_ids=[clinic_id],
                                                      as_of=AS_OF)}
    assert sorted(facts) == ["P1", "P2", "P3"]  # the discharged patient is not active
    for code, admitted, dates in (("P1", admission, taken), ("P2", long_ago, old_taken),
                                  ("P3", AS_OF, [])):
        fact = facts[code]
        expected_gaps = {h: g for h, g in longest_gap_by_horizon(dates, admitted,
                                                                 (90, 180)).items()
                         if admitted + timedelta(days=h - 1) <= AS_OF}
        assert fact.last_taken_on == last_taken_on_or_before(dates, AS_OF), code
        assert dict(fact.longest_gap_by_horizon) == expected_gaps, code
        adherence = adherence_from_dose_days(dates, AS_OF, admitted, None, 28)
        scheduled = min(28, (AS_OF - admitted).days + 1)
        assert adherence == fact.taken_days_in_window / scheduled, code
    assert facts["P1"].longest_gap_by_horizon == {90: 8}
    assert facts["P2"].longest_gap_by_horizon == {90: 1, 180: 1}


def test_signals_read_as_a_clinician_would(session: Session) -> None:
    admission = date(2026, 6, 1)
    gap = set(days(date(2026, 7, 1), date(2026, 7, 8)))
    recent_misses = set(days(date(2026, 10, 31), AS_OF))
    with session.begin():
        clinic_id = builders.clinic(session)
        gappy = builders.patient(session, clinic_id, "P1", admission=admission)
        low_dose = builders.patient(session, clinic_id, "P2", admission=date(2026, 1, 5),
                                    dose_mg=50.0)
        add_doses(session, gappy, [d for d in days(admission, AS_OF)
                                   if d not in gap and d not in recent_misses])
        add_doses(session, low_dose, days(date(2026, 1, 5), AS_OF), mg=50.0)
        add_screen(session, low_dose, date(2026, 10, 24), "opioids", "positive")
        add_screen(session, low_dose, date(2026, 10, 24), "methadone", "positive", expected=True)
        add_screen(session, gappy, date(2026, 10, 24), "methadone", "positive", expected=True)
        member = builders.member(session, clinic_id, gappy, "M1")
        builders.consent(session, member, gappy, signed=date(2026, 6, 2))
    records = {s.patient_code: s.as_record() for s in patient_signal_list(
        session, clinic_ids=[clinic_id], as_of=AS_OF)}
    assert records["P1"] == {
        "patient_code": "P1", "clinic_code": "TST", "phase": "maintenance",
        "days_in_phase": 154, "adherence_28d": 0.893, "missed_streak": 3,
        "missed_dose_action": "half_dose_review", "retained_90": False, "retained_180": None,
        "step_down_ready": False, "take_home_max_doses": 28,
        "flags": ["overdose_risk_tolerance"],
    }
    p2 = records["P2"]
    assert p2["missed_streak"] == 0 and p2["adherence_28d"] == 1.0
    assert p2["retained_90"] is True and p2["retained_180"] is True
    assert p2["flags"] == ["no_consented_support", "possible_underdosing",
                           "unexpected_positive_30d"]


def test_gaps_across_the_chunks_of_the_taken_day_masks(session: Session) -> None:
    """The SQL keeps a horizon's taken days in 62-day chunks (``data_access.taken_days``): gaps
    that cross a chunk's edge, open a horizon, close it or fill it are counted as the plain-Python
    reference counts them, for horizons of one to six chunks."""
    thresholds = ClinicalThresholds(retention_horizons_days=(62, 90, 180, 365))
    admission = date(2025, 6, 1)  # every horizon complete on AS_OF

    def offsets(first: int, last: int) -> set[int]:
        return set(range(first, last + 1))

    everything = offsets(0, 400)
    patterns = {
        "EDGE-1": everything - offsets(58, 66),  # days 58-66 missed: across 61 | 62
        "EDGE-2": everything - offsets(120, 127) - {61, 62},  # across 123 | 124, and 61, 62
        "START": everything - offsets(0, 9),  # first dose on day 10
        "END": everything - offsets(170, 400),  # stopped after day 169
        "NONE": set(),
        "ALL": everything,
        "LATE": everything - offsets(300, 340),  # a gap in the 365-day horizon only
    }
    with session.begin():
        clinic_id = builders.clinic(session)
        for code, taken in patterns.items():
            patient_id = builders.patient(session, clinic_id, code, admission=admission)
            add_doses(session, patient_id, [admission + timedelta(days=n) for n in taken],
                      missed=[admission + timedelta(days=n) for n in everything - taken])
    facts = {f.patient_code: dict(f.longest_gap_by_horizon) for f in patient_facts(
        session, clinic_ids=[clinic_id], as_of=AS_OF, thresholds=thresholds)}
    for code, taken in patterns.items():
        reference = longest_gap_by_horizon([admission + timedelta(days=n) for n in taken],
                                           admission, (62, 90, 180, 365))
        assert facts[code] == reference, code
    assert facts["EDGE-1"] == {62: 4, 90: 9, 180: 9, 365: 9}  # days 58-61 in the first
    assert facts["EDGE-2"] == {62: 1, 90: 2, 180: 8, 365: 8}
    assert facts["START"] == {62: 10, 90: 10, 180: 10, 365: 10}
    assert facts["END"] == {62: 0, 90: 0, 180: 10, 365: 195}
    assert facts["NONE"] == {62: 62, 90: 90, 180: 180, 365: 365}
    assert facts["ALL"] == {62: 0, 90: 0, 180: 0, 365: 0}
    assert facts["LATE"] == {62: 0, 90: 0, 180: 0, 365: 41}


def test_facts_without_retention_differ_only_by_the_gaps(session: Session) -> None:
    """The outreach rules, the roster and the agenda read no retention: those facts leave the
    gaps out and say so, nothing else changes."""
    with session.begin():
        clinic_id = builders.clinic(session)
        for code, admission in (("OLD", date(2025, 9, 1)), ("NEW", date(2026, 10, 20))):
            patient_id = builders.patient(session, clinic_id, code, admission=admission)
            add_doses(session, patient_id, [d for d in days(admission, AS_OF) if d.day != 15])
            add_screen(session, patient_id, date(2026, 10, 30), "heroin", "positive")
    full = patient_facts(session, clinic_ids=[clinic_id], as_of=AS_OF)
    lean = patient_facts(session, clinic_ids=[clinic_id], as_of=AS_OF, with_retention=False)
    assert [f.longest_gap_by_horizon for f in full] == [{}, {90: 1, 180: 1}]  # NEW, OLD
    assert all(f.longest_gap_by_horizon == {} for f in lean)
    assert lean == [f._replace(longest_gap_by_horizon={}, retention_read=False)
                    for f in full]
    # The roster's and the agenda's signals: retention not read (None), the rest the same.
    with_retention = patient_signal_list(session, clinic_ids=[clinic_id], as_of=AS_OF)
    without = patient_signal_list(session, clinic_ids=[clinic_id], as_of=AS_OF,
                                  with_retention=False)
    assert [(s.retained_90, s.retained_180) for s in with_retention] == [(None, None),
                                                                         (True, True)]
    assert without == [s._replace(retained_90=None, retained_180=None)
                       for s in with_retention]
