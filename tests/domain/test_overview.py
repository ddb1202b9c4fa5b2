"""Overview figures on a small clinic: 8 patients, 9 episodes, January 2025 to 10 March 2026.

Every expected value is counted by hand in the comments, from the tables below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.calendars import Calendar
from domain.outreach import Tier
from domain.overview import (
    ADHERENCE_BINS,
    AdherenceRecord,
    AssignmentRecord,
    EpisodeRecord,
    FamilyRecord,
    OutreachItem,
    Period,
    PhaseMove,
    QuestionRecord,
    Rate,
    ScreenRecord,
    active_patients,
    adherence_distribution,
    admissions,
    answered_in_time_share,
    consented_support_share,
    discharges,
    family_engagement_rate,
    is_active,
    last_months,
    module_completion_rate,
    monthly_series,
    outreach_backlog,
    patients_per_phase,
    phase_not_recorded,
    phase_on,
    phase_transitions,
    psychologist_of,
    retention_curves,
    retention_rate,
    split_by,
    split_by_psychologist,
    unexpected_positive_rate,
)
from domain.phases import PhaseDirection
from domain.survival import median_survival, survival_at
from domain.vocabulary import DeliveryStatus, Medication, Phase

AS_OF = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 12, 0)
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))
A, B = "Dr Azadi", "Dr Bahrami"
MET, BUP = Medication.METHADONE, Medication.BUPRENORPHINE
IN, ST, MA, TA, AF, DI = (
    Phase.INDUCTION, Phase.STABILISATION, Phase.MAINTENANCE, Phase.TAPER, Phase.AFTERCARE,
    Phase.DISCHARGED,
)
# The month starts of the series ending on AS_OF: April 2025 .. March 2026.
MONTHS = [date(2025, m, 1) for m in range(4, 13)] + [date(2026, m, 1) for m in range(1, 4)]


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def episode(patient_id: int, psychologist: str | None, medication: Medication, admitted: str,
            discharged: str | None, phase: Phase, gaps: dict[int, int] | None = None,
            ) -> EpisodeRecord:
    return EpisodeRecord(patient_id, psychologist, medication, d(admitted),
                         None if discharged is None else d(discharged), phase, gaps or {})


# Horizon complete on admission + 90 / + 180 days (the first day retention is known):
#          patient psych  med  admitted     discharged   phase  gaps     +90       +180
E1 = episode(1, A, MET, "2025-01-06", None, MA, {90: 2, 180: 3})  # 25-04-06  25-07-05
E2A = episode(2, A, MET, "2025-02-10", "2025-04-01", DI)  #          25-05-11  25-08-09
E2B = episode(2, B, MET, "2025-08-01", None, ST, {90: 9, 180: 9})  # 25-10-30  26-01-28
E3 = episode(3, B, BUP, "2025-03-03", "2025-12-15", DI, {90: 10, 180: 10})  # 06-01 08-30
E4 = episode(4, B, BUP, "2025-05-20", None, MA, {90: 0, 180: 7})  # 25-08-18  25-11-16
E5 = episode(5, A, MET, "2025-09-01", "2025-11-14", DI)  #          25-11-30  26-02-28
E6 = episode(6, B, MET, "2025-10-15", None, ST, {90: 1})  #         26-01-13  26-04-13
E7 = episode(7, A, BUP, "2026-01-05", None, IN)  #                  26-04-05
E8 = episode(8, None, MET, "2026-02-20", "2026-03-02", DI)  #       26-05-21
EPISODES = [E1, E2A, E2B, E3, E4, E5, E6, E7, E8]
# Patient 2 was readmitted under Dr Bahrami: the latest episode decides, so all of patient 2
# (both episodes) counts for Dr Bahrami. Psychologists: A = 1, 5, 7; B = 2, 3, 4, 6; none = 8.


def move(patient_id: int, on: str, from_phase: Phase | None, to_phase: Phase) -> PhaseMove:
    return PhaseMove(patient_id, d(on), from_phase, to_phase)


MOVES = [
    move(1, "2025-01-06", None, IN), move(1, "2025-02-03", IN, ST), move(1, "2025-04-14", ST, MA),
    move(2, "2025-02-10", None, IN), move(2, "2025-04-01", IN, DI),
    move(2, "2025-08-01", DI, IN), move(2, "2025-09-15", IN, ST),
    move(3, "2025-03-03", None, IN), move(3, "2025-04-07", IN, ST), move(3, "2025-06-02", ST, MA),
    move(3, "2025-10-06", MA, TA), move(3, "2025-11-10", TA, MA), move(3, "2025-12-15", MA, DI),
    move(4, "2025-05-20", None, IN), move(4, "2025-06-23", IN, ST), move(4, "2025-09-01", ST, MA),
    move(5, "2025-09-01", None, IN), move(5, "2025-11-14", IN, DI),
    move(6, "2025-10-15", None, ST), move(6, "2026-01-20", ST, MA), move(6, "2026-02-16", MA, ST),
    # patient 7: imported without phase history (the episode says induction)
    move(8, "2026-02-20", None, IN), move(8, "2026-03-02", IN, DI),
]

SCREENS = [  # T: unexpected positive
    ScreenRecord(1, d("2025-01-20"), True), ScreenRecord(1, d("2025-03-05"), False),
    ScreenRecord(1, d("2025-06-10"), False), ScreenRecord(1, d("2025-12-01"), False),
    ScreenRecord(2, d("2025-03-01"), True), ScreenRecord(2, d("2025-09-10"), True),
    ScreenRecord(2, d("2026-01-15"), False),
    ScreenRecord(3, d("2025-05-05"), False), ScreenRecord(3, d("2025-10-31"), True),
    ScreenRecord(3, d("2025-11-01"), False),
    ScreenRecord(4, d("2025-07-01"), False), ScreenRecord(4, d("2026-03-10"), True),
    ScreenRecord(6, d("2025-12-31"), True), ScreenRecord(6, d("2026-01-01"), False),
    ScreenRecord(8, d("2026-02-25"), False),
]

FAMILY = [  # (consented members, of whom engaged in the last 30 days)
    FamilyRecord(1, AS_OF, 2, 1), FamilyRecord(2, AS_OF, 0, 0), FamilyRecord(4, AS_OF, 1, 1),
    FamilyRecord(6, AS_OF, 3, 0), FamilyRecord(3, AS_OF, 1, 0), FamilyRecord(8, AS_OF, 1, 1),
    # patient 7 has no record: no consented member
    FamilyRecord(1, d("2025-12-31"), 1, 1), FamilyRecord(2, d("2025-12-31"), 1, 0),
    FamilyRecord(4, d("2025-12-31"), 1, 1), FamilyRecord(6, d("2025-12-31"), 0, 0),
    FamilyRecord(1, d("2025-12-30"), 2, 2),  # another day: ignored on 31 December
]

ADHERENCE = [
    AdherenceRecord(1, AS_OF, 0.95), AdherenceRecord(2, AS_OF, 0.80),
    AdherenceRecord(4, AS_OF, 0.50), AdherenceRecord(6, AS_OF, 0.49),
    AdherenceRecord(7, AS_OF, None), AdherenceRecord(8, AS_OF, 1.0),
    AdherenceRecord(1, d("2026-03-09"), 0.10),  # another day: ignored
]

ASSIGNMENTS = [
    AssignmentRecord(1, d("2025-11-03"), DeliveryStatus.COMPLETED),
    AssignmentRecord(1, d("2025-11-20"), DeliveryStatus.OPENED),
    AssignmentRecord(1, d("2025-12-05"), DeliveryStatus.COMPLETED),
    AssignmentRecord(2, d("2025-12-10"), DeliveryStatus.BLOCKED_NO_CONSENT),
    AssignmentRecord(2, d("2025-12-11"), DeliveryStatus.FAILED),
    AssignmentRecord(4, d("2025-12-31"), DeliveryStatus.COMPLETED),
    AssignmentRecord(4, d("2026-01-01"), DeliveryStatus.COMPLETED),
    AssignmentRecord(6, d("2025-11-30"), DeliveryStatus.CANCELLED_CONSENT_REVOKED),
    AssignmentRecord(6, d("2026-02-02"), DeliveryStatus.QUEUED),
]

Q1 = QuestionRecord(1, at("2025-12-01T09:00"), at("2025-12-03T00:00"), at("2025-12-02T10:00"))
Q2 = QuestionRecord(2, at("2025-12-14T20:00"), at("2025-12-16T00:00"), at("2025-12-16T00:00"))
Q3 = QuestionRecord(4, at("2025-12-31T23:30"), at("2026-01-02T00:00"), None)
Q4 = QuestionRecord(6, at("2026-03-09T10:00"), at("2026-03-11T00:00"), None)
Q5 = QuestionRecord(6, at("2026-03-08T10:00"), at("2026-03-10T00:00"), at("2026-03-09T15:00"))
Q6 = QuestionRecord(1, at("2025-11-30T10:00"), at("2025-12-02T00:00"), at("2025-12-01T08:00"))
# As of NOW: Q1 in time, Q2 late (answered exactly at the deadline), Q3 overdue, Q4 open (due
# tomorrow), Q5 in time, Q6 in time.
QUESTIONS = [Q1, Q2, Q3, Q4, Q5, Q6]

OUTREACH = [
    OutreachItem(1, AS_OF, Tier.ROUTINE), OutreachItem(2, AS_OF, Tier.HIGH),
    OutreachItem(2, AS_OF, Tier.URGENT), OutreachItem(8, AS_OF, Tier.URGENT),
    OutreachItem(6, AS_OF, Tier.ROUTINE), OutreachItem(4, d("2026-03-09"), Tier.HIGH),
]


def values(series: list[tuple[date, Rate]]) -> list[tuple[int, int]]:
    return [(rate.numerator, rate.denominator) for _, rate in series]


# --- periods ------------------------------------------------------------------------------------


def test_last_months_are_calendar_months_and_the_month_so_far() -> None:
    months = last_months(AS_OF)
    assert len(months) == 12
    assert [m.start for m in months] == MONTHS
    assert months[0] == Period(d("2025-04-01"), d("2025-04-30"))
    assert months[8] == Period(d("2025-12-01"), d("2025-12-31"))  # across the new year
    assert months[10] == Period(d("2026-02-01"), d("2026-02-28"))
    assert months[-1] == Period(d("2026-03-01"), AS_OF)  # cut at the as-of date
    assert last_months(d("2024-03-31"), 2) == [
        Period(d("2024-02-01"), d("2024-02-29")), Period(d("2024-03-01"), d("2024-03-31"))
    ]
    with pytest.raises(ValueError, match="at least 1 month"):
        last_months(AS_OF, 0)


def test_solar_hijri_months_start_on_the_first_of_each_solar_hijri_month() -> None:
    # 1 Farvardin 1405 is 21 Mar 2026; months 1-6 have 31 days, 7-11 have 30. So 1 Mehr
    # (month 7) is 21 Mar + 186 days = 23 Sep, 1 Aban 23 Oct, 1 Azar 22 Nov, and 26 Nov 2026
    # is 5 Azar 1405.
    assert last_months(d("2026-11-26"), 3, Calendar.JALALI) == [
        Period(d("2026-09-23"), d("2026-10-22")),  # Mehr 1405
        Period(d("2026-10-23"), d("2026-11-21")),  # Aban 1405
        Period(d("2026-11-22"), d("2026-11-26")),  # Azar 1405 so far
    ]
    # On 2 Nov 2026 (11 Aban): Aban so far, after the whole of Mehr.
    assert last_months(d("2026-11-02"), 2, Calendar.JALALI) == [
        Period(d("2026-09-23"), d("2026-10-22")), Period(d("2026-10-23"), d("2026-11-02")),
    ]
    # Twelve months to 26 Nov 2026 start on 1 Dey 1404: 1 Farvardin 1404 (21 Mar 2025)
    # + 6 x 31 + 3 x 30 days = 22 Dec 2025.
    twelve = last_months(d("2026-11-26"), 12, Calendar.JALALI)
    assert len(twelve) == 12 and twelve[0].start == d("2025-12-22")
    assert all(later.start == earlier.end + timedelta(days=1)
               for earlier, later in zip(twelve, twelve[1:], strict=False))


def test_solar_hijri_months_across_nowruz_of_a_leap_year() -> None:
    # 1403 is a leap year: Esfand has 30 days, 30 Esfand 1403 is 20 Mar 2025 and Nowruz
    # (1 Farvardin 1404) is 21 Mar 2025. 1404 is a common year: Esfand has 29 days.
    assert last_months(d("2025-04-05"), 3, Calendar.JALALI) == [
        Period(d("2025-01-20"), d("2025-02-18")),  # Bahman 1403, 30 days
        Period(d("2025-02-19"), d("2025-03-20")),  # Esfand 1403, 30 days
        Period(d("2025-03-21"), d("2025-04-05")),  # Farvardin 1404 so far
    ]
    assert last_months(d("2025-03-20"), 1, Calendar.JALALI) == [
        Period(d("2025-02-19"), d("2025-03-20"))]  # the leap day is Esfand's last
    assert last_months(d("2026-03-21"), 2, Calendar.JALALI) == [
        Period(d("2026-02-20"), d("2026-03-20")),  # Esfand 1404, 29 days
        Period(d("2026-03-21"), d("2026-03-21")),  # Nowruz 1405: the month's first day
    ]


def test_period_is_inclusive_and_refuses_an_inverted_span() -> None:
    period = Period(d("2025-12-01"), d("2025-12-31"))
    assert d("2025-12-01") in period and d("2025-12-31") in period
    assert d("2025-11-30") not in period and d("2026-01-01") not in period
    assert at("2025-12-31T23:59") in period  # a datetime counts by its day
    with pytest.raises(ValueError, match="cannot end"):
        Period(d("2025-12-31"), d("2025-12-01"))


def test_rate_keeps_both_parts_and_never_divides_by_zero() -> None:
    assert Rate(3, 4).value == 0.75
    assert Rate(0, 0).value is None
    with pytest.raises(ValueError, match="numerator <= denominator"):
        Rate(5, 4)
    with pytest.raises(ValueError, match="numerator <= denominator"):
        Rate(-1, 4)


# --- active patients, admissions, discharges --------------------------------------------------


def test_active_on_admission_day_not_on_discharge_day() -> None:
    assert is_active(E4, d("2025-05-20")) and not is_active(E4, d("2025-05-19"))
    assert is_active(E2A, d("2025-03-31")) and not is_active(E2A, d("2025-04-01"))


def test_active_patients() -> None:
    # On AS_OF: 1, 2 (E2B), 4, 6, 7; 3 and 5 discharged in 2025, 8 on 2 March 2026.
    assert active_patients(EPISODES, AS_OF) == 5
    # 31 Dec 2025: 1, 2, 4, 6 (3 left on 15 December, 5 on 14 November).
    assert active_patients(EPISODES, d("2025-12-31")) == 4


def test_active_patients_month_by_month() -> None:
    # At each month's end: Apr 1,3 | May +4 | Jun | Jul | Aug +2 | Sep +5 | Oct +6 | Nov -5 |
    # Dec -3 | Jan +7 | Feb +8 | 10 Mar -8.
    series = monthly_series(lambda month: active_patients(EPISODES, month.end), AS_OF)
    assert [start for start, _ in series] == MONTHS
    assert [n for _, n in series] == [2, 3, 3, 3, 4, 5, 6, 5, 4, 5, 6, 5]


def test_admissions_and_discharges() -> None:
    # 2025 admissions: E1, E2A, E3, E4, E2B (a readmission counts), E5, E6 = 7.
    assert admissions(EPISODES, YEAR) == 7
    # 2025 discharges: E2A 1 Apr, E5 14 Nov, E3 15 Dec = 3.
    assert discharges(EPISODES, YEAR) == 3
    admitted = monthly_series(lambda month: admissions(EPISODES, month), AS_OF)
    # May E4, Aug E2B, Sep E5, Oct E6, Jan E7, Feb E8.
    assert [n for _, n in admitted] == [0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0]
    discharged = monthly_series(lambda month: discharges(EPISODES, month), AS_OF)
    # Apr E2A (1 Apr, the first day), Nov E5, Dec E3, Mar E8.
    assert [n for _, n in discharged] == [1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1]


def test_admissions_by_solar_hijri_month() -> None:
    # 10 Mar 2026 is 19 Esfand 1404. From 1 Farvardin 1404 (21 Mar 2025) the months start on
    # 21 Apr, 22 May, 22 Jun, 23 Jul, 23 Aug (six of 31 days), 23 Sep (Mehr), 23 Oct, 22 Nov,
    # 22 Dec, 21 Jan and 20 Feb 2026 (Esfand; five of 30 days).
    admitted = monthly_series(lambda month: admissions(EPISODES, month), AS_OF,
                              calendar=Calendar.JALALI)
    assert [start for start, _ in admitted] == [
        d("2025-03-21"), d("2025-04-21"), d("2025-05-22"), d("2025-06-22"), d("2025-07-23"),
        d("2025-08-23"), d("2025-09-23"), d("2025-10-23"), d("2025-11-22"), d("2025-12-22"),
        d("2026-01-21"), d("2026-02-20"),
    ]
    # Ordibehesht E4 (20 May), Mordad E2B (1 Aug), Shahrivar E5 (1 Sep), Mehr E6 (15 Oct),
    # Dey E7 (5 Jan), Esfand E8 (20 Feb, its first day: February for a Gregorian reader).
    assert [n for _, n in admitted] == [0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1]


# --- retention ----------------------------------------------------------------------------------


def test_90_day_retention_aspe() -> None:
    # Complete in 2025: E1 06 Apr (gap 2: kept), E2A 11 May (discharged 1 Apr: lost),
    # E3 01 Jun (gap 10 > 7: lost), E4 18 Aug (gap 0: kept), E2B 30 Oct (gap 9: lost),
    # E5 30 Nov (discharged 14 Nov: lost) -> 2 / 6. E6 completes 13 Jan 2026: not in 2025.
    assert retention_rate(EPISODES, YEAR, 90) == Rate(2, 6)


def test_180_day_retention_nqf_3175() -> None:
    # Complete in 2025: E1 05 Jul (gap 3: kept), E2A 09 Aug (lost), E3 30 Aug (gap 10: lost),
    # E4 16 Nov (gap 7, exactly the allowed 7: kept) -> 2 / 4.
    assert retention_rate(EPISODES, YEAR, 180) == Rate(2, 4)


def test_retention_month_by_month() -> None:
    series_90 = monthly_series(lambda month: retention_rate(EPISODES, month, 90), AS_OF)
    # Apr E1 kept | May E2A lost | Jun E3 lost | Jul - | Aug E4 kept | Sep - | Oct E2B lost |
    # Nov E5 lost | Dec - | Jan E6 kept | Feb - | Mar -
    assert values(series_90) == [
        (1, 1), (0, 1), (0, 1), (0, 0), (1, 1), (0, 0), (0, 1), (0, 1), (0, 0), (1, 1), (0, 0),
        (0, 0),
    ]
    assert series_90[3][1].value is None
    series_180 = monthly_series(lambda month: retention_rate(EPISODES, month, 180), AS_OF)
    # Jul E1 kept | Aug E2A, E3 lost | Nov E4 kept | Jan E2B lost (gap 9) | Feb E5 lost
    assert values(series_180) == [
        (0, 0), (0, 0), (0, 0), (1, 1), (0, 2), (0, 0), (0, 0), (1, 1), (0, 0), (0, 1), (0, 1),
        (0, 0),
    ]


def test_retention_counts_the_horizon_completed_on_the_period_bounds() -> None:
    # E1's 90-day horizon is 6 Jan .. 5 Apr; it is complete (known) on 6 April.
    assert retention_rate(EPISODES, Period(d("2025-04-06"), d("2025-04-06")), 90) == Rate(1, 1)
    assert retention_rate(EPISODES, Period(d("2025-04-01"), d("2025-04-05")), 90) == Rate(0, 0)


def test_retention_needs_the_gap_unless_discharged_within_the_horizon() -> None:
    no_gap = episode(9, A, MET, "2025-01-06", None, MA)
    with pytest.raises(ValueError, match="patient 9, admitted 2025-01-06: no longest gap for"):
        retention_rate([no_gap], YEAR, 90)
    with pytest.raises(ValueError, match="at least 1 day"):
        retention_rate(EPISODES, YEAR, 0)


def test_retention_curves_by_medication() -> None:
    curves = retention_curves(EPISODES, YEAR, AS_OF)
    assert list(curves) == [MET, BUP]  # no naltrexone episode: no curve
    # Methadone, admitted in 2025, followed to 10 Mar 2026:
    #   E2A 10 Feb -> 1 Apr = 50 days, ended    E5 1 Sep -> 14 Nov = 74 days, ended
    #   E6 146, E2B 221, E1 428 days: still in treatment (censored)
    # S(50) = 4/5, S(74) = 4/5 * 3/4 = 3/5; the censored do not step.
    methadone = curves[MET]
    assert [(p.day, p.at_risk, p.events, p.censored) for p in methadone] == [
        (0, 5, 0, 0), (50, 5, 1, 0), (74, 4, 1, 0), (146, 3, 0, 1), (221, 2, 0, 1),
        (428, 1, 0, 1),
    ]
    assert survival_at(methadone, 60) == pytest.approx(0.8)
    assert survival_at(methadone, 365) == pytest.approx(0.6)
    assert median_survival(methadone) is None  # never falls to one half
    # Buprenorphine: E3 3 Mar -> 15 Dec = 287 days, ended; E4 20 May -> 10 Mar = 294, censored.
    # S(287) = 1 - 1/2 = 1/2: the median is day 287.
    buprenorphine = curves[BUP]
    assert [(p.day, p.survival) for p in buprenorphine] == [(0, 1.0), (287, 0.5), (294, 0.5)]
    assert median_survival(buprenorphine) == 287


def test_retention_curve_censors_a_discharge_after_the_as_of_date() -> None:
    # Followed to 1 Nov 2025: E3 (discharged 15 Dec) is still in treatment then: 243 days,
    # censored; E2A ended at 50; E5 (1 Sep) 61 days and E6 (15 Oct) 17 days, censored.
    curves = retention_curves(EPISODES, YEAR, d("2025-11-01"))
    assert [(p.day, p.events, p.censored) for p in curves[BUP]] == [
        (0, 0, 0), (165, 0, 1), (243, 0, 1)
    ]
    assert [(p.day, p.events) for p in curves[MET] if p.events] == [(50, 1)]


# --- adherence ----------------------------------------------------------------------------------


def test_adherence_distribution() -> None:
    # Active on AS_OF: 1 (0.95), 2 (0.80: the 80-90 bin, its lower bound), 4 (0.50: 50-80),
    # 6 (0.49: 0-50), 7 (None). 8's 1.0 is left out: discharged. 1's 0.10 is another day.
    distribution = adherence_distribution(EPISODES, ADHERENCE, AS_OF)
    assert [(b.label, b.count) for b in distribution.bins] == [
        ("0–50 %", 1), ("50–80 %", 1), ("80–90 %", 1), ("90–100 %", 1)
    ]
    assert distribution.without_value == 1


@pytest.mark.parametrize(
    ("value", "bin_index"), [(0.0, 0), (0.499, 0), (0.5, 1), (0.8, 2), (0.9, 3), (1.0, 3)]
)
def test_adherence_bin_bounds(value: float, bin_index: int) -> None:
    distribution = adherence_distribution([E1], [AdherenceRecord(1, AS_OF, value)], AS_OF)
    assert [b.count for b in distribution.bins] == [int(i == bin_index) for i in range(4)]
    assert [(b.low, b.high) for b in distribution.bins] == list(ADHERENCE_BINS)


def test_adherence_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(ValueError, match="patient 1 on 2026-03-10: adherence 1.2 is not a share"):
        adherence_distribution([E1], [AdherenceRecord(1, AS_OF, 1.2)], AS_OF)


# --- phases -------------------------------------------------------------------------------------


def test_phase_on_reads_the_history_of_the_episode_only() -> None:
    # Patient 2's second episode: the discharge of 1 Apr belongs to the first.
    assert phase_on(E2B, MOVES, d("2025-08-10")) == IN
    assert phase_on(E2B, MOVES, d("2025-09-15")) == ST  # the day of the change counts
    assert phase_on(E2A, MOVES, d("2025-03-15")) == IN
    assert phase_on(E7, MOVES, AS_OF) == IN  # no history: the episode's phase


def test_patients_per_phase() -> None:
    # On AS_OF: 1 maintenance, 2 stabilisation, 4 maintenance, 6 stabilisation (stepped up on
    # 16 Feb), 7 induction (no history).
    assert patients_per_phase(EPISODES, MOVES, AS_OF) == {IN: 1, ST: 2, MA: 2, TA: 0, AF: 0}
    # 31 Oct 2025: 1 maintenance, 2 stabilisation, 3 taper (since 6 Oct), 4 maintenance,
    # 5 induction, 6 stabilisation.
    assert patients_per_phase(EPISODES, MOVES, d("2025-10-31")) == {
        IN: 1, ST: 2, MA: 2, TA: 1, AF: 0
    }


def test_active_patient_in_discharged_phase_is_a_data_error() -> None:
    moves = [move(1, "2025-03-01", MA, DI)]  # but E1 has no discharge date
    with pytest.raises(ValueError, match="patient 1 is in treatment on 2025-04-01 but"):
        patients_per_phase([E1], moves, d("2025-04-01"))


def test_a_patient_imported_discharged_has_no_phase_before_the_discharge() -> None:
    # Imported already discharged: no move while in treatment, so the phase is unknown, not
    # "discharged", and the patient is active but in no phase (the Overview says "not recorded").
    imported = EpisodeRecord(9, None, Medication.METHADONE, d("2025-01-10"), d("2025-06-01"),
                             DI)
    assert phase_not_recorded(imported, [], d("2025-03-01"))
    assert not phase_not_recorded(imported, [], d("2025-06-01"))  # discharged that day
    assert active_patients([imported, E1], d("2025-03-01")) == 2
    assert sum(patients_per_phase([imported, E1], [], d("2025-03-01")).values()) == 1
    # With a move recorded before that day, the history tells the phase.
    moves = [move(9, "2025-01-10", None, MA)]
    assert not phase_not_recorded(imported, moves, d("2025-03-01"))
    assert patients_per_phase([imported], moves, d("2025-03-01"))[MA] == 1


def test_phase_transitions_in_2025() -> None:
    # Step downs: 1 (3 Feb, 14 Apr), 2 (15 Sep), 3 (7 Apr, 2 Jun, 6 Oct), 4 (23 Jun, 1 Sep) = 8.
    # Step up: 3 taper -> maintenance on 10 Nov = 1. Admissions 1-6 = 6; discharges 2, 3, 5;
    # readmission 2 on 1 Aug.
    counts = phase_transitions(MOVES, YEAR)
    assert counts[PhaseDirection.STEP_DOWN] == 8
    assert counts[PhaseDirection.STEP_UP] == 1
    assert counts == {
        PhaseDirection.ADMISSION: 6, PhaseDirection.STEP_DOWN: 8, PhaseDirection.STEP_UP: 1,
        PhaseDirection.SAME: 0, PhaseDirection.DISCHARGE: 3, PhaseDirection.READMISSION: 1,
    }


def test_phase_transitions_month_by_month() -> None:
    series = monthly_series(lambda month: phase_transitions(MOVES, month), AS_OF)
    # Step downs: Apr 3 (7 Apr), 1 (14 Apr) | Jun 3, 4 | Sep 4 (1 Sep), 2 (15 Sep) | Oct 3 |
    # Jan 6. Step ups: Nov 3 | Feb 6.
    assert [c[PhaseDirection.STEP_DOWN] for _, c in series] == [2, 0, 2, 0, 0, 2, 1, 0, 0, 1, 0, 0]
    assert [c[PhaseDirection.STEP_UP] for _, c in series] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]


def test_an_admission_straight_to_discharged_names_the_move() -> None:
    with pytest.raises(ValueError, match="patient 9, move on 2025-05-05: a patient cannot"):
        phase_transitions([move(9, "2025-05-05", None, DI)], YEAR)


# --- screens ------------------------------------------------------------------------------------


def test_unexpected_positive_rate() -> None:
    # 2025 screens: patient 1 x4 (1 unexpected), 2 x2 (2), 3 x3 (1), 4 x1 (0), 6 on 31 Dec (1)
    # -> 5 / 11.
    assert unexpected_positive_rate(SCREENS, YEAR) == Rate(5, 11)
    series = monthly_series(lambda month: unexpected_positive_rate(SCREENS, month), AS_OF)
    # May 3- | Jun 1- | Jul 4- | Sep 2+ | Oct 3+ (31 Oct) | Nov 3- (1 Nov) | Dec 1-, 6+ |
    # Jan 2-, 6- | Feb 8- | Mar 4+ (10 Mar, the as-of day)
    assert values(series) == [
        (0, 0), (0, 1), (0, 1), (0, 1), (0, 0), (1, 1), (1, 1), (0, 1), (1, 2), (0, 2), (0, 1),
        (1, 1),
    ]


# --- family -------------------------------------------------------------------------------------


def test_consented_support_share() -> None:
    # Active on AS_OF: 1, 2, 4, 6, 7. With a consented member: 1 (2), 4 (1), 6 (3) -> 3 / 5.
    # 3 and 8 have consented members but are discharged; 7 has no record.
    assert consented_support_share(EPISODES, FAMILY, AS_OF) == Rate(3, 5)
    # 31 Dec: active 1, 2, 4, 6; consented 1, 2, 4 -> 3 / 4.
    assert consented_support_share(EPISODES, FAMILY, d("2025-12-31")) == Rate(3, 4)


def test_family_engagement_rate() -> None:
    # On AS_OF, members of active patients: engaged 1 + 0 + 1 + 0 = 2 of consented
    # 2 + 0 + 1 + 3 = 6 (patient 8's 1 / 1 is left out: discharged).
    assert family_engagement_rate(EPISODES, FAMILY, AS_OF) == Rate(2, 6)
    # 31 Dec: 1 + 0 + 1 + 0 = 2 of 1 + 1 + 1 + 0 = 3; the 30 Dec record does not count.
    assert family_engagement_rate(EPISODES, FAMILY, d("2025-12-31")) == Rate(2, 3)


def test_family_record_refuses_more_engaged_than_consented() -> None:
    with pytest.raises(ValueError, match=r"engaged members \(2\) must be between 0 and"):
        FamilyRecord(1, AS_OF, 1, 2)


def test_module_completion_rate() -> None:
    # Assigned in 2025: patient 1: 3 (2 completed); 2: blocked (never reached, out) and failed
    # (reached, not completed); 4: 31 Dec completed; 6: cancelled on revocation (out).
    # -> 3 completed / 5 reached.
    assert module_completion_rate(ASSIGNMENTS, YEAR) == Rate(3, 5)
    series = monthly_series(lambda month: module_completion_rate(ASSIGNMENTS, month), AS_OF)
    # Nov: completed, opened (cancelled out) | Dec: completed, failed, completed (blocked out)
    # | Jan: completed | Feb: queued
    assert values(series)[7:11] == [(1, 2), (2, 3), (1, 1), (0, 1)]
    assert values(series)[:7] == [(0, 0)] * 7


def test_answered_in_time_share() -> None:
    # Asked in 2025: Q6 in time, Q1 in time, Q2 late (answered at its deadline), Q3 overdue
    # (asked 23:30 on 31 Dec, still unanswered) -> 2 / 4.
    assert answered_in_time_share(QUESTIONS, YEAR, NOW) == Rate(2, 4)
    series = monthly_series(lambda month: answered_in_time_share(QUESTIONS, month, NOW), AS_OF)
    # Nov: Q6 | Dec: Q1, Q2, Q3 | Mar: Q5 in time, Q4 open within its deadline: not counted.
    assert values(series)[7:9] == [(1, 1), (1, 3)]
    assert values(series)[-1] == (1, 1)
    assert values(series)[9:11] == [(0, 0), (0, 0)]


def test_answered_in_time_as_it_stood_on_a_past_day() -> None:
    # On 15 Dec noon: Q2 (due 16 Dec) is still open and its later answer is not yet given, Q3
    # not yet asked: Q6, Q1 in time -> 2 / 2. A day later Q2 is answered late -> 2 / 3.
    assert answered_in_time_share(QUESTIONS, YEAR, at("2025-12-15T12:00")) == Rate(2, 2)
    assert answered_in_time_share(QUESTIONS, YEAR, at("2025-12-16T12:00")) == Rate(2, 3)


# --- outreach -----------------------------------------------------------------------------------


def test_outreach_backlog_by_tier() -> None:
    # On AS_OF: 2 (listed high and urgent: counts once, urgent), 8 urgent (discharged, still
    # counts), 1 and 6 routine; 4's item is from the day before.
    backlog = outreach_backlog(OUTREACH, AS_OF)
    assert backlog == {Tier.URGENT: 2, Tier.HIGH: 0, Tier.ROUTINE: 2}
    assert list(backlog) == [Tier.URGENT, Tier.HIGH, Tier.ROUTINE]


# --- split by psychologist ----------------------------------------------------------------------


def test_psychologist_of_follows_the_latest_episode() -> None:
    assert psychologist_of(EPISODES) == {1: A, 2: B, 3: B, 4: B, 5: A, 6: B, 7: A, 8: None}


def test_split_by_is_a_plain_grouping() -> None:
    groups = split_by(EPISODES, lambda e: e.medication)
    assert list(groups) == [MET, BUP]
    assert groups[BUP] == [E3, E4, E7]


def test_split_by_psychologist_gives_every_psychologist_for_every_list() -> None:
    episodes = split_by_psychologist(EPISODES, EPISODES)
    screens = split_by_psychologist(SCREENS, EPISODES)
    assert list(episodes) == list(screens) == [A, B, None]  # by name, no psychologist last
    assert episodes[B] == [E2A, E2B, E3, E4, E6]  # both of patient 2's episodes
    assert screens[None] == [SCREENS[-1]]
    assert split_by_psychologist([], EPISODES) == {A: [], B: [], None: []}


def test_figures_by_psychologist_add_up_to_the_clinic() -> None:
    episodes = split_by_psychologist(EPISODES, EPISODES)
    screens = split_by_psychologist(SCREENS, EPISODES)
    family = split_by_psychologist(FAMILY, EPISODES)
    moves = split_by_psychologist(MOVES, EPISODES)
    questions = split_by_psychologist(QUESTIONS, EPISODES)
    outreach = split_by_psychologist(OUTREACH, EPISODES)

    # Admissions 2025: A = E1, E5 (E7 is 2026); B = E2A, E2B, E3, E4, E6; none = 0. 2 + 5 = 7.
    assert {k: admissions(v, YEAR) for k, v in episodes.items()} == {A: 2, B: 5, None: 0}
    # Active on AS_OF: A = 1, 7; B = 2, 4, 6; 8 discharged.
    assert {k: active_patients(v, AS_OF) for k, v in episodes.items()} == {A: 2, B: 3, None: 0}
    # 90-day retention 2025: A = E1 kept, E5 lost; B = E2A, E3, E2B lost, E4 kept.
    assert {k: retention_rate(v, YEAR, 90) for k, v in episodes.items()} == {
        A: Rate(1, 2), B: Rate(1, 4), None: Rate(0, 0)
    }
    # Screens 2025: A = patient 1, 1 / 4; B = 2 + 1 + 0 + 1 = 4 of 2 + 3 + 1 + 1 = 7.
    assert {k: unexpected_positive_rate(v, YEAR) for k, v in screens.items()} == {
        A: Rate(1, 4), B: Rate(4, 7), None: Rate(0, 0)
    }
    # Step downs 2025: A = patient 1's two; B = 1 + 3 + 2 = 6. Step ups: B = patient 3.
    transitions = {k: phase_transitions(v, YEAR) for k, v in moves.items()}
    assert {k: c[PhaseDirection.STEP_DOWN] for k, c in transitions.items()} == {
        A: 2, B: 6, None: 0
    }
    assert {k: c[PhaseDirection.STEP_UP] for k, c in transitions.items()} == {A: 0, B: 1, None: 0}
    # Consent on AS_OF: A = 1 of 1, 7; B = 4, 6 of 2, 4, 6; none: no active patient -> None.
    shares = {k: consented_support_share(episodes[k], family[k], AS_OF) for k in episodes}
    assert shares == {A: Rate(1, 2), B: Rate(2, 3), None: Rate(0, 0)}
    assert shares[None].value is None
    # Engagement on AS_OF: A = 1 of 2; B = 0 + 1 + 0 of 0 + 1 + 3.
    assert {k: family_engagement_rate(episodes[k], family[k], AS_OF) for k in episodes} == {
        A: Rate(1, 2), B: Rate(1, 4), None: Rate(0, 0)
    }
    # Questions 2025: A = Q6, Q1 in time; B = Q2 late, Q3 overdue.
    assert {k: answered_in_time_share(v, YEAR, NOW) for k, v in questions.items()} == {
        A: Rate(2, 2), B: Rate(0, 2), None: Rate(0, 0)
    }
    # Backlog on AS_OF: A = 1 routine; B = 2 urgent, 6 routine; none = 8 urgent.
    assert {k: outreach_backlog(v, AS_OF) for k, v in outreach.items()} == {
        A: {Tier.URGENT: 0, Tier.HIGH: 0, Tier.ROUTINE: 1},
        B: {Tier.URGENT: 1, Tier.HIGH: 0, Tier.ROUTINE: 1},
        None: {Tier.URGENT: 1, Tier.HIGH: 0, Tier.ROUTINE: 0},
    }


def test_split_refuses_a_record_of_a_patient_without_episode() -> None:
    with pytest.raises(ValueError, match="ScreenRecord of patient 99, who has no episode"):
        split_by_psychologist([ScreenRecord(99, AS_OF, False)], EPISODES)


# --- empty inputs -------------------------------------------------------------------------------


def test_empty_inputs_give_zero_or_none_never_an_error() -> None:
    assert active_patients([], AS_OF) == 0
    assert admissions([], YEAR) == 0 and discharges([], YEAR) == 0
    for rate in (
        retention_rate([], YEAR, 90),
        retention_rate([], YEAR, 180),
        unexpected_positive_rate([], YEAR),
        consented_support_share([], [], AS_OF),
        family_engagement_rate([], [], AS_OF),
        module_completion_rate([], YEAR),
        answered_in_time_share([], YEAR, NOW),
    ):
        assert rate == Rate(0, 0) and rate.value is None
    assert retention_curves([], YEAR, AS_OF) == {}
    empty = adherence_distribution([], [], AS_OF)
    assert [b.count for b in empty.bins] == [0, 0, 0, 0] and empty.without_value == 0
    assert patients_per_phase([], [], AS_OF) == {IN: 0, ST: 0, MA: 0, TA: 0, AF: 0}
    assert set(phase_transitions([], YEAR).values()) == {0}
    assert outreach_backlog([], AS_OF) == {Tier.URGENT: 0, Tier.HIGH: 0, Tier.ROUTINE: 0}
    assert split_by_psychologist([], []) == {}
    assert psychologist_of([]) == {}
    assert monthly_series(lambda month: active_patients([], month.end), AS_OF) == [
        (start, 0) for start in MONTHS
    ]


def test_episode_discharged_before_admission_is_refused() -> None:
    with pytest.raises(ValueError, match="patient 1: discharged 2025-01-01 before admission"):
        episode(1, A, MET, "2025-02-01", "2025-01-01", DI)
