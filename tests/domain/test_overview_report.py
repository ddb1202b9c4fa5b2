"""The Overview's figures table on a small hand-made clinic: 4 patients, 5 episodes, loaded on
2 November 2026 for October and November (1-2 Nov). Every expected value is counted by hand in
the comments, from the records below.
"""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest

from domain.calendars import Calendar
from domain.outreach import Tier
from domain.overview import (
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
)
from domain.overview_report import (
    FIGURE_COLUMNS,
    OverviewFigures,
    OverviewInputs,
    figures_by_psychologist,
    figures_frame,
    monthly_figures,
    monthly_figures_by_psychologist,
    overview_figures,
    retention_curve_frame,
    with_month_labels,
)
from domain.phases import PhaseDirection
from domain.vocabulary import DeliveryStatus, Medication, Phase

AS_OF = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 12, 0)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period(date(2026, 11, 1), AS_OF)
OCT31 = OCTOBER.end
A, B = "Dr Azadi", "Dr Bahrami"
MET, BUP, NAL = Medication.METHADONE, Medication.BUPRENORPHINE, Medication.NALTREXONE
IN, ST, MA, TA, AF, DI = (
    Phase.INDUCTION, Phase.STABILISATION, Phase.MAINTENANCE, Phase.TAPER, Phase.AFTERCARE,
    Phase.DISCHARGED,
)
C = DeliveryStatus


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Horizons complete on admission + 90 / + 180 days:
#                patient psych med admitted         discharged        phase gaps    +90    +180
E1 = EpisodeRecord(1, A, MET, d("2026-05-04"), None, MA, {90: 3, 180: 8})  # 08-02 10-31
E2 = EpisodeRecord(2, B, BUP, d("2026-04-06"), d("2026-06-01"), DI, {90: 0, 180: 0})  # - 10-03
E3 = EpisodeRecord(2, B, BUP, d("2026-10-12"), None, IN)  # readmission     01-10  04-10 (2027)
E4 = EpisodeRecord(3, None, MET, d("2026-08-03"), d("2026-11-01"), DI, {90: 5})  # 11-01
E5 = EpisodeRecord(4, A, NAL, d("2026-04-13"), None, ST, {90: 2, 180: 4})  # 07-12 10-10
# Psychologists by the latest episode: A = patients 1 and 4, B = 2, none = 3.

MOVES = (
    PhaseMove(1, d("2026-05-04"), None, IN), PhaseMove(1, d("2026-06-15"), IN, ST),
    PhaseMove(1, d("2026-10-05"), ST, MA),  # step down in October
    PhaseMove(2, d("2026-04-06"), None, IN), PhaseMove(2, d("2026-06-01"), IN, DI),
    PhaseMove(2, d("2026-10-12"), DI, IN),  # readmission in October
    PhaseMove(3, d("2026-08-03"), None, IN), PhaseMove(3, d("2026-11-01"), IN, DI),
    PhaseMove(4, d("2026-04-13"), None, IN), PhaseMove(4, d("2026-07-01"), IN, ST),
    PhaseMove(4, d("2026-09-01"), ST, MA), PhaseMove(4, d("2026-10-20"), MA, ST),  # step up
)

INPUTS = OverviewInputs(
    as_of=AS_OF,
    since=OCTOBER.start,
    moments=(OCT31, AS_OF),
    episodes=(E1, E2, E3, E4, E5),
    moves=MOVES,
    screens=(  # True: an unexpected positive
        ScreenRecord(1, d("2026-10-02"), True), ScreenRecord(1, d("2026-10-20"), False),
        ScreenRecord(2, d("2026-10-15"), False), ScreenRecord(4, d("2026-10-30"), True),
        ScreenRecord(4, d("2026-11-02"), False),
    ),
    family=(  # (consented members, of whom engaged in the last 30 days)
        FamilyRecord(1, OCT31, 2, 1), FamilyRecord(2, OCT31, 1, 1), FamilyRecord(3, OCT31, 1, 0),
        FamilyRecord(1, AS_OF, 2, 2), FamilyRecord(3, AS_OF, 1, 1), FamilyRecord(4, AS_OF, 1, 0),
    ),
    adherence=(
        AdherenceRecord(1, OCT31, 0.95), AdherenceRecord(2, OCT31, 0.6),
        AdherenceRecord(3, OCT31, None), AdherenceRecord(4, OCT31, 0.85),
        AdherenceRecord(1, AS_OF, 0.96), AdherenceRecord(2, AS_OF, 0.7),
        AdherenceRecord(3, AS_OF, 1.0), AdherenceRecord(4, AS_OF, 0.4),
    ),
    assignments=(
        AssignmentRecord(1, d("2026-10-03"), C.COMPLETED),
        AssignmentRecord(1, d("2026-10-10"), C.SENT),
        AssignmentRecord(2, d("2026-10-20"), C.BLOCKED_NO_CONSENT),
        AssignmentRecord(4, d("2026-10-25"), C.COMPLETED),
        AssignmentRecord(4, d("2026-11-01"), C.QUEUED),
    ),
    questions=(
        # in time | overdue at NOW | open at NOW (due 4 Nov) | late (answered at the deadline)
        QuestionRecord(1, at("2026-10-05T10:00"), at("2026-10-07T00:00"), at("2026-10-06T09:00")),
        QuestionRecord(2, at("2026-10-28T09:00"), at("2026-10-30T00:00"), None),
        QuestionRecord(4, at("2026-11-02T08:00"), at("2026-11-04T00:00"), None),
        QuestionRecord(3, at("2026-10-14T12:00"), at("2026-10-16T00:00"), at("2026-10-16T00:00")),
    ),
    outreach=(
        OutreachItem(2, OCT31, Tier.HIGH), OutreachItem(3, OCT31, Tier.ROUTINE),
        OutreachItem(4, OCT31, Tier.ROUTINE),
        OutreachItem(2, AS_OF, Tier.HIGH), OutreachItem(3, AS_OF, Tier.URGENT),
        OutreachItem(4, AS_OF, Tier.HIGH), OutreachItem(4, AS_OF, Tier.ROUTINE),
    ),
)


def test_october() -> None:
    figures = overview_figures(INPUTS, OCTOBER, NOW)
    assert (figures.period, figures.psychologist, figures.by_psychologist) == (
        OCTOBER, None, False
    )
    # On 31 Oct: patients 1, 2 (readmitted 12 Oct), 3 (discharged 1 Nov), 4.
    assert figures.active_patients == 4
    assert (figures.admissions, figures.discharges) == (1, 0)  # E3; E4 leaves in November
    # 90 days complete in October: admitted 3 Jul - 2 Aug: nobody.
    assert figures.retention_90 == Rate(0, 0)
    # 180 days: E2 (3 Oct) discharged in June, E5 (10 Oct) gap 4 kept, E1 (31 Oct) gap 8 lost.
    assert figures.retention_180 == Rate(1, 3)
    assert figures.unexpected_positive == Rate(2, 4)  # 2 Oct and 30 Oct, of four
    # Consent on 31 Oct: 1, 2, 3 of the four; engaged members 1 + 1 + 0 of 2 + 1 + 1.
    assert figures.consented_support == Rate(3, 4)
    assert figures.family_engagement == Rate(2, 4)
    # Assigned in October: completed, sent, (blocked: never reached), completed -> 2 / 3.
    assert figures.module_completion == Rate(2, 3)
    # Asked in October, as of NOW: in time, overdue, late -> 1 / 3.
    assert figures.answered_in_time == Rate(1, 3)
    # Phases on 31 Oct: 1 maintenance (5 Oct), 2 induction (readmitted), 3 induction,
    # 4 stabilisation (stepped up on 20 Oct).
    assert figures.phases == {IN: 2, ST: 1, MA: 1, TA: 0, AF: 0}
    assert figures.transitions == {
        PhaseDirection.ADMISSION: 0, PhaseDirection.STEP_DOWN: 1, PhaseDirection.STEP_UP: 1,
        PhaseDirection.SAME: 0, PhaseDirection.DISCHARGE: 0, PhaseDirection.READMISSION: 1,
    }
    assert figures.backlog == {Tier.URGENT: 0, Tier.HIGH: 1, Tier.ROUTINE: 2}
    # Adherence on 31 Oct: 1 0.95 (90-100), 2 0.6 (50-80), 4 0.85 (80-90), 3 none.
    assert [b.count for b in figures.adherence.bins] == [0, 1, 1, 1]
    assert figures.adherence.without_value == 1


def test_november_so_far() -> None:
    figures = overview_figures(INPUTS, NOVEMBER, NOW)
    assert figures.active_patients == 3  # 3 left on 1 Nov
    assert (figures.admissions, figures.discharges) == (0, 1)
    # E4's 90 days (3 Aug - 31 Oct) complete on 1 Nov: discharged that day, after the horizon,
    # longest gap 5 -> kept.
    assert figures.retention_90 == Rate(1, 1)
    assert figures.retention_180 == Rate(0, 0)
    assert figures.unexpected_positive == Rate(0, 1)
    # On 2 Nov: active 1, 2, 4; consented 1 (2 members, both engaged) and 4 (1, not engaged);
    # patient 3's record does not count (discharged).
    assert figures.consented_support == Rate(2, 3)
    assert figures.family_engagement == Rate(2, 3)
    assert figures.module_completion == Rate(0, 1)  # queued on 1 Nov
    assert figures.answered_in_time == Rate(0, 0)  # the 2 Nov question is still open
    assert figures.phases == {IN: 1, ST: 1, MA: 1, TA: 0, AF: 0}
    assert figures.transitions[PhaseDirection.DISCHARGE] == 1
    # 2 high, 3 urgent (discharged: still counts), 4 high (listed high and routine).
    assert figures.backlog == {Tier.URGENT: 1, Tier.HIGH: 2, Tier.ROUTINE: 0}
    # 1 0.96, 2 0.7, 4 0.4; 3's 1.0 is left out (discharged).
    assert [b.count for b in figures.adherence.bins] == [1, 1, 0, 1]
    assert figures.adherence.without_value == 0


def test_monthly_figures_are_the_figures_of_each_month() -> None:
    assert monthly_figures(INPUTS, AS_OF, NOW, months=2) == [
        overview_figures(INPUTS, OCTOBER, NOW), overview_figures(INPUTS, NOVEMBER, NOW)
    ]
    # September ends on a day that was not loaded, and starts before the records.
    with pytest.raises(ValueError, match="the records start on 2026-10-01"):
        monthly_figures(INPUTS, AS_OF, NOW, months=3)


# A Solar Hijri reader's months to 2 Nov 2026 (11 Aban 1405): Mehr 1405 runs from 23 Sep to
# 22 Oct, Aban from 23 Oct. Patient 5 is admitted on 25 Oct, 3 Aban: October for a Gregorian
# reader, Aban (not Mehr) for a Solar Hijri one. The inputs are loaded from 1 Mehr, with the
# last day of Mehr among the moments.
E6 = EpisodeRecord(5, None, MET, d("2026-10-25"), None, IN)
MEHR = Period(d("2026-09-23"), d("2026-10-22"))
ABAN = Period(d("2026-10-23"), AS_OF)
SOLAR_HIJRI_INPUTS = replace(INPUTS, since=MEHR.start, moments=(MEHR.end, OCT31, AS_OF),
                             episodes=(*INPUTS.episodes, E6))


def test_a_solar_hijri_reader_counts_each_solar_hijri_month() -> None:
    mehr, aban = monthly_figures(SOLAR_HIJRI_INPUTS, AS_OF, NOW, months=2,
                                 calendar=Calendar.JALALI)
    assert (mehr.period, aban.period) == (MEHR, ABAN)
    # Mehr: E3's readmission on 12 Oct; Aban: patient 5 on 25 Oct. E4 leaves on 1 Nov (Aban).
    assert (mehr.admissions, aban.admissions) == (1, 1)
    assert (mehr.discharges, aban.discharges) == (0, 1)
    # On 22 Oct: patients 1, 2, 3, 4; on 2 Nov: 1, 2, 4 and 5 (3 left on 1 Nov).
    assert (mehr.active_patients, aban.active_patients) == (4, 4)
    # Screens of Mehr: 2 Oct (unexpected), 15 Oct, 20 Oct; of Aban: 30 Oct (unexpected), 2 Nov.
    assert (mehr.unexpected_positive, aban.unexpected_positive) == (Rate(1, 3), Rate(1, 2))

    october, november = monthly_figures(SOLAR_HIJRI_INPUTS, AS_OF, NOW, months=2)
    assert (october.period, november.period) == (OCTOBER, NOVEMBER)
    assert (october.admissions, november.admissions) == (2, 0)  # E3 and patient 5 in October
    assert (october.unexpected_positive, november.unexpected_positive) == (
        Rate(2, 4), Rate(0, 1))


def test_a_solar_hijri_reader_splits_each_solar_hijri_month_by_psychologist() -> None:
    split = monthly_figures_by_psychologist(SOLAR_HIJRI_INPUTS, AS_OF, NOW, months=2,
                                            calendar=Calendar.JALALI)
    assert [(f.period, f.psychologist) for f in split] == [
        (MEHR, A), (MEHR, B), (MEHR, None), (ABAN, A), (ABAN, B), (ABAN, None)
    ]
    # Dr Bahrami's patient 2 was readmitted in Mehr; patient 5 (no psychologist) in Aban.
    assert [f.admissions for f in split] == [0, 1, 0, 0, 0, 1]


def test_months_are_labelled_in_the_readers_calendar_and_language() -> None:
    solar_hijri = figures_frame(monthly_figures(SOLAR_HIJRI_INPUTS, AS_OF, NOW, months=2,
                                                calendar=Calendar.JALALI))
    labelled = with_month_labels(solar_hijri, Calendar.JALALI, "fa")
    assert list(labelled.columns) == [*FIGURE_COLUMNS[:2], "month", *FIGURE_COLUMNS[2:]]
    assert labelled["month"].tolist() == ["مهر ۱۴۰۵", "آبان ۱۴۰۵"]
    assert with_month_labels(solar_hijri, Calendar.JALALI, "en")["month"].tolist() == [
        "Mehr 1405", "Aban 1405"]
    # The dates stay ISO Gregorian, the label beside them: the file still sorts by date.
    assert labelled.to_csv(index=False).splitlines()[1].startswith(
        "2026-09-23,2026-10-22,مهر ۱۴۰۵,,False,4,1,0,")
    assert "month" not in solar_hijri.columns  # the frame itself is left as it was
    gregorian = figures_frame(monthly_figures(INPUTS, AS_OF, NOW, months=2))
    assert with_month_labels(gregorian, Calendar.GREGORIAN, "en")["month"].tolist() == [
        "October 2026", "November 2026"]
    assert with_month_labels(gregorian, Calendar.GREGORIAN, "fa")["month"].tolist() == [
        "اکتبر ۲۰۲۶", "نوامبر ۲۰۲۶"]


def test_by_psychologist_in_october() -> None:
    a, b, none = figures_by_psychologist(INPUTS, OCTOBER, NOW)
    assert [(f.psychologist, f.by_psychologist) for f in (a, b, none)] == [
        (A, True), (B, True), (None, True)
    ]
    # Dr Azadi: patients 1 and 4.
    assert a.active_patients == 2 and (a.admissions, a.discharges) == (0, 0)
    assert a.retention_180 == Rate(1, 2)  # E5 kept, E1 lost
    assert a.unexpected_positive == Rate(2, 3)
    assert (a.consented_support, a.family_engagement) == (Rate(1, 2), Rate(1, 2))
    assert a.module_completion == Rate(2, 3)
    assert a.answered_in_time == Rate(1, 1)
    assert a.phases == {IN: 0, ST: 1, MA: 1, TA: 0, AF: 0}
    assert (a.transitions[PhaseDirection.STEP_DOWN], a.transitions[PhaseDirection.STEP_UP]) == (
        1, 1
    )
    assert a.backlog == {Tier.URGENT: 0, Tier.HIGH: 0, Tier.ROUTINE: 1}
    assert [bin_.count for bin_ in a.adherence.bins] == [0, 0, 1, 1]
    # Dr Bahrami: patient 2, both episodes.
    assert (b.active_patients, b.admissions) == (1, 1)
    assert b.retention_180 == Rate(0, 1)
    assert b.module_completion == Rate(0, 0)  # the blocked one never reached the family
    assert b.answered_in_time == Rate(0, 1)
    assert b.transitions[PhaseDirection.READMISSION] == 1
    assert b.backlog == {Tier.URGENT: 0, Tier.HIGH: 1, Tier.ROUTINE: 0}
    # No psychologist: patient 3.
    assert (none.active_patients, none.consented_support, none.family_engagement) == (
        1, Rate(1, 1), Rate(0, 1)
    )
    assert none.answered_in_time == Rate(0, 1)  # answered late
    assert none.adherence.without_value == 1
    # The splits add up to the clinic.
    clinic = overview_figures(INPUTS, OCTOBER, NOW)
    assert sum(f.active_patients for f in (a, b, none)) == clinic.active_patients
    assert sum(f.unexpected_positive.denominator for f in (a, b, none)) == 4


def test_figures_frame_is_the_flat_table() -> None:
    frame = figures_frame(monthly_figures(INPUTS, AS_OF, NOW, months=2)
                          + figures_by_psychologist(INPUTS, OCTOBER, NOW))
    assert tuple(frame.columns) == FIGURE_COLUMNS
    assert list(frame.columns) == [
        "period_start", "period_end", "psychologist", "by_psychologist", "active_patients",
        "admissions", "discharges",
        "retention_90_pct", "retention_90_n", "retention_90_of",
        "retention_180_pct", "retention_180_n", "retention_180_of",
        "unexpected_positive_pct", "unexpected_positive_n", "unexpected_positive_of",
        "consented_support_pct", "consented_support_n", "consented_support_of",
        "family_engagement_pct", "family_engagement_n", "family_engagement_of",
        "module_completion_pct", "module_completion_n", "module_completion_of",
        "answered_in_time_pct", "answered_in_time_n", "answered_in_time_of",
        "phase_induction", "phase_stabilisation", "phase_maintenance", "phase_taper",
        "phase_aftercare", "phase_not_recorded", "step_downs", "step_ups",
        "backlog_urgent", "backlog_high", "backlog_routine",
        "adherence_0_50", "adherence_50_80", "adherence_80_90", "adherence_90_100",
        "adherence_unknown",
    ]
    assert len(frame) == 5
    october = frame.iloc[0]
    assert october["period_start"] == pd.Timestamp("2026-10-01")
    assert pd.isna(october["retention_90_pct"])  # nothing to count: missing, not 0
    assert (october["retention_90_n"], october["retention_90_of"]) == (0, 0)
    assert october["retention_180_pct"] == 33.3  # 1 / 3, one decimal
    assert october["module_completion_pct"] == 66.7
    assert october["consented_support_pct"] == 75.0
    assert frame["psychologist"].tolist() == [None, None, A, B, None]
    assert frame["by_psychologist"].tolist() == [False, False, True, True, True]
    assert frame["step_ups"].tolist() == [1, 0, 1, 0, 0]
    assert frame["backlog_urgent"].tolist() == [0, 1, 0, 0, 0]
    assert str(frame["retention_90_pct"].dtype) == "Float64"
    assert str(frame["active_patients"].dtype) == "int64"
    # The export writes a missing percentage as an empty cell and dates without a time.
    assert frame.to_csv(index=False).splitlines()[1] == ",".join([
        "2026-10-01", "2026-10-31", "", "False", "4", "1", "0",  # period, clinic, counts
        "", "0", "0", "33.3", "1", "3",  # retention 90, 180
        "50.0", "2", "4", "75.0", "3", "4", "50.0", "2", "4",  # screens, consent, engagement
        "66.7", "2", "3", "33.3", "1", "3",  # modules, questions
        "2", "1", "1", "0", "0", "0", "1", "1",  # phases, not recorded, step downs, step ups
        "0", "1", "2", "0", "1", "1", "1", "1",  # backlog, adherence bins, without a value
    ])


def test_an_empty_table_keeps_its_columns() -> None:
    frame = figures_frame([])
    assert tuple(frame.columns) == FIGURE_COLUMNS and frame.empty


def test_backlog_is_unknown_on_a_day_whose_worklist_was_not_read() -> None:
    only_last = replace(INPUTS, backlog_moments=(AS_OF,),
                        outreach=tuple(i for i in INPUTS.outreach if i.on == AS_OF))
    assert overview_figures(only_last, OCTOBER, NOW).backlog is None
    assert overview_figures(only_last, NOVEMBER, NOW).backlog == {
        Tier.URGENT: 1, Tier.HIGH: 2, Tier.ROUTINE: 0
    }
    frame = figures_frame(monthly_figures(only_last, AS_OF, NOW, months=2))
    assert frame["backlog_high"].isna().tolist() == [True, False]
    assert str(frame["backlog_high"].dtype) == "Int64"


def test_inputs_refuse_what_they_cannot_answer() -> None:
    with pytest.raises(ValueError, match="ends on 2026-10-30, which is not a loaded moment"):
        overview_figures(INPUTS, Period(OCTOBER.start, d("2026-10-30")), NOW)
    with pytest.raises(ValueError, match="starts on 2026-09-30, but the records start on"):
        overview_figures(INPUTS, Period(d("2026-09-30"), OCT31), NOW)
    with pytest.raises(ValueError, match="moments after as_of 2026-11-02 .*2026-11-03"):
        replace(INPUTS, moments=(OCT31, d("2026-11-03")))
    with pytest.raises(ValueError, match="backlog moments must be moments: 2026-10-15"):
        replace(INPUTS, backlog_moments=(d("2026-10-15"),))
    with pytest.raises(ValueError, match="cannot start after as_of"):
        replace(INPUTS, since=d("2026-11-03"))


def test_retention_curve_frame() -> None:
    # Admitted April-October, followed to 2 Nov:
    #   methadone: E1 182 days, still in treatment (censored); E4 90 days, ended (1 Nov).
    #   buprenorphine: E2 56 days, ended; E3 21 days, censored.  naltrexone: E5 203, censored.
    frame = retention_curve_frame(INPUTS, Period(d("2026-04-01"), OCT31), AS_OF)
    assert list(frame.columns) == ["medication", "day", "survival", "lower", "upper", "at_risk",
                                   "events", "censored"]
    assert frame[["medication", "day", "survival", "at_risk", "events", "censored"]].to_dict(
        "records"
    ) == [
        {"medication": "methadone", "day": 0, "survival": 1.0, "at_risk": 2, "events": 0,
         "censored": 0},
        {"medication": "methadone", "day": 90, "survival": 0.5, "at_risk": 2, "events": 1,
         "censored": 0},
        {"medication": "methadone", "day": 182, "survival": 0.5, "at_risk": 1, "events": 0,
         "censored": 1},
        {"medication": "buprenorphine", "day": 0, "survival": 1.0, "at_risk": 2, "events": 0,
         "censored": 0},
        {"medication": "buprenorphine", "day": 21, "survival": 1.0, "at_risk": 2, "events": 0,
         "censored": 1},
        # The last one at risk ends: the curve reaches 0 and its interval is undefined.
        {"medication": "buprenorphine", "day": 56, "survival": 0.0, "at_risk": 1, "events": 1,
         "censored": 0},
        {"medication": "naltrexone", "day": 0, "survival": 1.0, "at_risk": 1, "events": 0,
         "censored": 0},
        {"medication": "naltrexone", "day": 203, "survival": 1.0, "at_risk": 1, "events": 0,
         "censored": 1},
    ]
    halved = frame.iloc[1]
    assert 0.0 < halved["lower"] < 0.5 < halved["upper"] < 1.0
    assert pd.isna(frame.iloc[5]["lower"]) and pd.isna(frame.iloc[5]["upper"])
    with pytest.raises(ValueError, match="cannot follow episodes to 2026-11-03"):
        retention_curve_frame(INPUTS, OCTOBER, d("2026-11-03"))


def test_the_records_may_come_in_any_order() -> None:
    """The records are sorted by day once per inputs, so that twelve months do not read every
    record twelve times: the order they come in changes no figure."""
    backwards = replace(
        INPUTS, episodes=INPUTS.episodes[::-1], moves=INPUTS.moves[::-1],
        screens=INPUTS.screens[::-1], family=INPUTS.family[::-1],
        adherence=INPUTS.adherence[::-1], assignments=INPUTS.assignments[::-1],
        questions=INPUTS.questions[::-1], outreach=INPUTS.outreach[::-1],
    )
    for period in (OCTOBER, NOVEMBER, Period(OCTOBER.start, AS_OF)):
        assert overview_figures(backwards, period, NOW) == overview_figures(INPUTS, period, NOW)
        assert figures_by_psychologist(backwards, period, NOW) == figures_by_psychologist(
            INPUTS, period, NOW)
    assert monthly_figures(backwards, AS_OF, NOW, 2) == monthly_figures(INPUTS, AS_OF, NOW, 2)
    assert monthly_figures_by_psychologist(backwards, AS_OF, NOW, 2) == (
        monthly_figures_by_psychologist(INPUTS, AS_OF, NOW, 2))


def test_a_question_asked_late_on_the_last_day_counts_in_that_period() -> None:
    # Asked at 23:30 on 31 Oct, answered in time on 1 Nov: October's, not November's.
    late = QuestionRecord(1, at("2026-10-31T23:30"), at("2026-11-03T00:00"),
                          at("2026-11-01T09:00"))
    inputs = replace(INPUTS, questions=(*INPUTS.questions, late))
    october, november = monthly_figures(inputs, AS_OF, NOW, 2)
    assert october.answered_in_time == Rate(2, 4)
    assert november.answered_in_time == Rate(0, 0)


def test_the_counted_records_are_freed_without_the_garbage_collector() -> None:
    """What the figures keep for counting many periods holds no reference back to the inputs:
    a network's records are freed once counted, not left to the garbage collector, whose every
    later pass would walk them (the next run's read of a cached worklist took 7 times longer)."""
    inputs = replace(INPUTS)
    overview_figures(inputs, OCTOBER, NOW)
    monthly_figures_by_psychologist(inputs, AS_OF, NOW, 2)
    gone = weakref.ref(inputs)
    gc.disable()
    try:
        del inputs
        assert gone() is None
    finally:
        gc.enable()


def test_figures_are_plain_frozen_data() -> None:
    figures = overview_figures(INPUTS, OCTOBER, NOW)
    assert isinstance(figures, OverviewFigures)
    with pytest.raises(AttributeError):
        figures.active_patients = 5  # type: ignore[misc]
