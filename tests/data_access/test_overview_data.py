"""The Overview's records read from the database, on SQLite and PostgreSQL.

A small clinic (TST) with four patients, built through the app's own functions where it has them
(phase changes, questions and answers, staff, imports). Every expected record below is worked out
by hand from the rows, in the comments; AS_OF is Monday 2 November 2026.

    P1  Dr Azadi    methadone      admitted 9 Mar; induction -> stabilisation 20 Apr ->
                                   maintenance 14 Sep; no dose 20-28 Jun (9 days), 27-28 Oct
    P2  Dr Bahrami  buprenorphine  admitted 4 May, discharged 31 Aug, readmitted 7 Sep;
                                   induction -> stabilisation 19 Oct -> induction 26 Oct;
                                   no dose 31 Aug-6 Sep (out of treatment) and 10-12 Sep
    P3  (none)      methadone      admitted 6 Jul, discharged 21 Sep (within 90 days)
    P4  psy.blank   naltrexone     admitted 6 Apr, a dose every day
    P5  another clinic (OTH): never read
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from data_access.importers import import_file
from data_access.models import (
    Assignment,
    ContentModule,
    EngagementEvent,
    Patient,
    PhaseChange,
    SupportMember,
)
from data_access.overview import overview_records
from data_access.patient_record import change_phase
from data_access.questions import answer_question, ask_question
from data_access.staff import add_user
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
from domain.overview_report import monthly_figures, overview_figures
from domain.phases import PhaseDirection
from domain.vocabulary import DeliveryStatus, Medication, Phase, Role
from tests import builders
from tests.data_access.test_patient_signals import add_doses, add_screen, days

AS_OF = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 12, 0)
MID_SEPTEMBER = date(2026, 9, 15)
PASSWORD = "overview-test-password"
IN, ST, MA, DI = Phase.INDUCTION, Phase.STABILISATION, Phase.MAINTENANCE, Phase.DISCHARGED
# Moments: the last days of September, October and November so far, and the extra 15 September.
SEP15, SEP30, OCT31 = MID_SEPTEMBER, date(2026, 9, 30), date(2026, 10, 31)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def psychologist(session: Session, username: str, display_name: str) -> int:
    info = add_user(session, username=username, password=PASSWORD, role=Role.PSYCHOLOGIST,
                    clinic_codes=["TST"], actor="test", display_name=display_name)
    return info.id


def admitted(session: Session, clinic_id: int, code: str, on: date, *, medication: str,
             psychologist_id: int | None) -> int:
    """A patient in induction since ``on``, with the admission row of the phase history."""
    patient_id = builders.patient(session, clinic_id, code, phase="induction", admission=on,
                                  medication=medication)
    session.get_one(Patient, patient_id).psychologist_id = psychologist_id
    session.add(PhaseChange(patient_id=patient_id, from_phase=None, to_phase="induction",
                            changed_on=on, reason="admission", created_at=builders.CREATED))
    session.flush()
    return patient_id


def move(session: Session, clinic_id: int, patient_id: int, to_phase: Phase, on: date) -> None:
    change_phase(session, patient_id=patient_id, clinic_ids=[clinic_id], to_phase=to_phase,
                 on=on, reason="clinical review", override_reason=None, unmet_criteria=None,
                 by_user_id=None, actor="test")


def engaged(session: Session, member_id: int, *moments: datetime) -> None:
    session.execute(insert(EngagementEvent), [
        {"member_id": member_id, "kind": "opened", "occurred_at": moment} for moment in moments
    ])


def without(first: date, last: date, *gaps: tuple[date, date]) -> tuple[list[date], list[date]]:
    """(taken, missed) days from ``first`` to ``last``, missed within the ``gaps``."""
    missed = {day for start, end in gaps for day in days(start, end)}
    return ([day for day in days(first, last) if day not in missed], sorted(missed))


def build_clinic(session: Session) -> tuple[int, dict[str, int]]:
    clinic_id = builders.clinic(session, "TST")
    other = builders.clinic(session, "OTH")
    azadi = psychologist(session, "psy.azadi", "Dr Azadi")
    bahrami = psychologist(session, "psy.bahrami", "Dr Bahrami")
    blank = psychologist(session, "psy.blank", "  ")  # no display name: the username shows

    p1 = admitted(session, clinic_id, "P1", d("2026-03-09"), medication="methadone",
                  psychologist_id=azadi)
    move(session, clinic_id, p1, ST, d("2026-04-20"))
    move(session, clinic_id, p1, MA, d("2026-09-14"))
    add_doses(session, p1, *without(d("2026-03-09"), AS_OF, (d("2026-06-20"), d("2026-06-28")),
                                    (d("2026-10-27"), d("2026-10-28"))))

    p2 = admitted(session, clinic_id, "P2", d("2026-05-04"), medication="buprenorphine",
                  psychologist_id=bahrami)
    move(session, clinic_id, p2, DI, d("2026-08-31"))
    move(session, clinic_id, p2, IN, d("2026-09-07"))  # readmission: a new episode
    move(session, clinic_id, p2, ST, d("2026-10-19"))
    move(session, clinic_id, p2, IN, d("2026-10-26"))  # a step up
    add_doses(session, p2, days(d("2026-05-04"), d("2026-08-30")))
    add_doses(session, p2, *without(d("2026-09-07"), AS_OF, (d("2026-09-10"), d("2026-09-12"))))

    p3 = admitted(session, clinic_id, "P3", d("2026-07-06"), medication="methadone",
                  psychologist_id=None)
    move(session, clinic_id, p3, DI, d("2026-09-21"))
    add_doses(session, p3, days(d("2026-07-06"), d("2026-09-20")))

    p4 = admitted(session, clinic_id, "P4", d("2026-04-06"), medication="naltrexone",
                  psychologist_id=blank)
    add_doses(session, p4, days(d("2026-04-06"), AS_OF))

    p5 = admitted(session, other, "P5", d("2026-01-05"), medication="methadone",
                  psychologist_id=None)
    add_doses(session, p5, days(d("2026-01-05"), AS_OF))
    add_screen(session, p5, d("2026-10-01"), "heroin", "positive")

    # Screens: P1 on 10 Sep unexpected heroin (with the expected methadone), 15 Oct clean;
    # P2 20 Oct expected buprenorphine; P1 20 Aug is before the records start (1 Sep).
    add_screen(session, p1, d("2026-09-10"), "heroin", "positive")
    add_screen(session, p1, d("2026-09-10"), "methadone", "positive", expected=True)
    add_screen(session, p1, d("2026-10-15"), "methadone", "positive", expected=True)
    add_screen(session, p1, d("2026-10-15"), "heroin", "negative")
    add_screen(session, p2, d("2026-10-20"), "buprenorphine", "positive", expected=True)
    add_screen(session, p1, d("2026-08-20"), "heroin", "positive")

    # Family: P1's M1 (consent since 10 Mar) and M2 (revoked 1 Oct); P2's M3 (10 Sep to 31 Oct)
    # and M4, who is no longer an active member; P3's M5 (since 10 Jul), who never engaged.
    m1 = builders.member(session, clinic_id, p1, "M1")
    builders.consent(session, m1, p1, signed=d("2026-03-10"))
    m2 = builders.member(session, clinic_id, p1, "M2")
    builders.consent(session, m2, p1, signed=d("2026-03-10"), revoked=d("2026-10-01"))
    m3 = builders.member(session, clinic_id, p2, "M3")
    builders.consent(session, m3, p2, signed=d("2026-09-10"), expires=d("2026-10-31"))
    m4 = builders.member(session, clinic_id, p2, "M4")
    builders.consent(session, m4, p2, signed=d("2026-09-10"))
    m5 = builders.member(session, clinic_id, p3, "M5")
    builders.consent(session, m5, p3, signed=d("2026-07-10"))
    engaged(session, m1, at("2026-10-20T18:00"))
    engaged(session, m2, at("2026-09-10T08:00"), at("2026-10-25T08:00"))
    engaged(session, m4, at("2026-10-01T08:00"))
    session.get_one(SupportMember, m4).active = False

    # Questions (asking is engagement too): M1 on Monday 5 Oct, answered the same afternoon
    # (due by the end of Tuesday 6 Oct); M3 on Wednesday 28 Oct, unanswered (due by the end of
    # Thursday 29 Oct: overdue from 30 Oct); M1 on 3 Aug, before the records start, answered
    # late on 10 Aug.
    asked = ask_question(session, member_id=m1, body="Can we visit?", actor="test",
                         asked_at=at("2026-10-05T10:00"))
    answer_question(session, question_id=asked.id, body="Yes, on Thursdays.", actor="test",
                    staff_id=None, now=at("2026-10-05T15:00"))
    ask_question(session, member_id=m3, body="Is the dose right?", actor="test",
                 asked_at=at("2026-10-28T09:00"))
    old = ask_question(session, member_id=m1, body="What is induction?", actor="test",
                       asked_at=at("2026-08-03T10:00"))
    answer_question(session, question_id=old.id, body="The first weeks.", actor="test",
                    staff_id=None, now=at("2026-08-10T09:00"))

    # Assignments: completed on 10 Aug (before the records start), completed 14 Sep,
    # cancelled on M2's revocation 20 Sep, opened 12 Oct.
    module = ContentModule(code="what-is-mat", title="What MAT is", kind="text", language="en",
                           created_at=builders.CREATED, updated_at=builders.CREATED)
    session.add(module)
    session.flush()
    for member_id, assigned, status in (
        (m1, "2026-08-10T10:00", "completed"), (m1, "2026-09-14T10:00", "completed"),
        (m2, "2026-09-20T10:00", "cancelled_consent_revoked"),
        (m1, "2026-10-12T10:00", "opened"),
    ):
        session.add(Assignment(module_id=module.id, member_id=member_id, assigned_at=at(assigned),
                               due_on=at(assigned).date() + timedelta(days=7), status=status))
    session.flush()
    return clinic_id, {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5}


def records_of(session: Session, clinic_id: int) -> Any:
    return overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF, months=3,
                            moments=[MID_SEPTEMBER])


def test_episodes_and_moves_from_the_phase_history(session: Session) -> None:
    with session.begin():
        clinic_id, ids = build_clinic(session)
    records = records_of(session, clinic_id)
    p1, p2, p3, p4 = (ids[code] for code in ("P1", "P2", "P3", "P4"))
    assert records.as_of == AS_OF and records.since == d("2026-09-01")
    assert records.moments == (SEP15, SEP30, OCT31, AS_OF)
    # Longest gaps, for the horizons complete on 2 Nov (admission + 90 / + 180 <= 2 Nov):
    # P1 90: 9 Mar-6 Jun, daily: 0; 180: 9 Mar-4 Sep, 20-28 Jun: 9.
    # P2 first episode 90: 4 May-1 Aug: 0; 180: 4 May-30 Oct holds the next episode's doses:
    #   31 Aug-6 Sep: 7 (and 10-12 Sep: 3). Second episode (7 Sep): no horizon complete yet.
    # P3 90: 6 Jul-3 Oct, last dose 20 Sep: 21 Sep-3 Oct = 13; 180 not complete.
    # P4 90 and 180 (complete 3 Oct): 0.
    assert records.episodes == (
        EpisodeRecord(p1, "Dr Azadi", Medication.METHADONE, d("2026-03-09"), None, MA,
                      {90: 0, 180: 9}),
        EpisodeRecord(p2, "Dr Bahrami", Medication.BUPRENORPHINE, d("2026-05-04"),
                      d("2026-08-31"), DI, {90: 0, 180: 7}),
        EpisodeRecord(p2, "Dr Bahrami", Medication.BUPRENORPHINE, d("2026-09-07"), None, IN,
                      {}),
        EpisodeRecord(p3, None, Medication.METHADONE, d("2026-07-06"), d("2026-09-21"), DI,
                      {90: 13}),
        EpisodeRecord(p4, "psy.blank", Medication.NALTREXONE, d("2026-04-06"), None, IN,
                      {90: 0, 180: 0}),
    )
    assert records.moves == (
        PhaseMove(p1, d("2026-03-09"), None, IN), PhaseMove(p1, d("2026-04-20"), IN, ST),
        PhaseMove(p1, d("2026-09-14"), ST, MA),
        PhaseMove(p2, d("2026-05-04"), None, IN), PhaseMove(p2, d("2026-08-31"), IN, DI),
        PhaseMove(p2, d("2026-09-07"), DI, IN), PhaseMove(p2, d("2026-10-19"), IN, ST),
        PhaseMove(p2, d("2026-10-26"), ST, IN),
        PhaseMove(p3, d("2026-07-06"), None, IN), PhaseMove(p3, d("2026-09-21"), IN, DI),
        PhaseMove(p4, d("2026-04-06"), None, IN),
    )


def test_records_of_the_period_and_of_each_moment(session: Session) -> None:
    with session.begin():
        clinic_id, ids = build_clinic(session)
    records = records_of(session, clinic_id)
    p1, p2, p3, p4 = (ids[code] for code in ("P1", "P2", "P3", "P4"))
    # One screen per patient and day from 1 Sep; P5's clinic is not read.
    assert records.screens == (
        ScreenRecord(p1, d("2026-09-10"), True), ScreenRecord(p1, d("2026-10-15"), False),
        ScreenRecord(p2, d("2026-10-20"), False),
    )
    assert records.assignments == (
        AssignmentRecord(p1, d("2026-09-14"), DeliveryStatus.COMPLETED),
        AssignmentRecord(p1, d("2026-09-20"), DeliveryStatus.CANCELLED_CONSENT_REVOKED),
        AssignmentRecord(p1, d("2026-10-12"), DeliveryStatus.OPENED),
    )
    assert records.questions == (
        QuestionRecord(p1, at("2026-10-05T10:00"), at("2026-10-07T00:00"),
                       at("2026-10-05T15:00")),
        QuestionRecord(p2, at("2026-10-28T09:00"), at("2026-10-30T00:00"), None),
    )
    # Consented members, and of those engaged in the 30 days ending on the moment:
    # 15 Sep (16 Aug-15 Sep): P1 M1, M2 / M2 (10 Sep); P2 M3 (M4 is inactive) / none; P3 M5.
    # 30 Sep (1-30 Sep): the same.
    # 31 Oct (2-31 Oct): P1 M1 (M2 revoked 1 Oct) / M1 (5 and 20 Oct); P2 M3 (expires that day)
    #   / M3 (asked on 28 Oct); P3 M5.
    # 2 Nov (4 Oct-2 Nov): P1 M1 / M1; P2 none (M3 expired); P3 M5.
    assert records.family == (
        FamilyRecord(p1, SEP15, 2, 1), FamilyRecord(p2, SEP15, 1, 0),
        FamilyRecord(p3, SEP15, 1, 0),
        FamilyRecord(p1, SEP30, 2, 1), FamilyRecord(p2, SEP30, 1, 0),
        FamilyRecord(p3, SEP30, 1, 0),
        FamilyRecord(p1, OCT31, 1, 1), FamilyRecord(p2, OCT31, 1, 1),
        FamilyRecord(p3, OCT31, 1, 0),
        FamilyRecord(p1, AS_OF, 1, 1), FamilyRecord(p3, AS_OF, 1, 0),
    )
    # 28-day adherence of the patients in treatment on each moment:
    # 15 Sep (19 Aug-15 Sep): P1, P3, P4 every day; P2 readmitted 7 Sep: 6 of 9 days (10-12 Sep
    #   missed; its first episode's doses of 19-30 Aug do not count).
    # 30 Sep (3-30 Sep): P2 21 of 24 days (7-30 Sep); P3 discharged on 21 Sep.
    # 31 Oct (4-31 Oct) and 2 Nov (6 Oct-2 Nov): P1 26 of 28 (27-28 Oct missed).
    assert records.adherence == (
        AdherenceRecord(p1, SEP15, 1.0), AdherenceRecord(p2, SEP15, 0.667),
        AdherenceRecord(p3, SEP15, 1.0), AdherenceRecord(p4, SEP15, 1.0),
        AdherenceRecord(p1, SEP30, 1.0), AdherenceRecord(p2, SEP30, 0.875),
        AdherenceRecord(p4, SEP30, 1.0),
        AdherenceRecord(p1, OCT31, 0.929), AdherenceRecord(p2, OCT31, 1.0),
        AdherenceRecord(p4, OCT31, 1.0),
        AdherenceRecord(p1, AS_OF, 0.929), AdherenceRecord(p2, AS_OF, 1.0),
        AdherenceRecord(p4, AS_OF, 1.0),
    )
    # The worklist of each moment, at its highest tier. A patient whose current phase began
    # after the moment is left off it (the worklist reads the current phase): P2 (induction
    # since 26 Oct) on 15 and 30 Sep, P3 (discharged on 21 Sep) on 15 Sep.
    # 15 Sep: P1 high (unexpected positive on 10 Sep); P4 routine (nobody consented).
    # 30 Sep: P3 urgent (discharged 9 days ago); P4 routine.
    # 31 Oct and 2 Nov: P2 high (M3's question overdue since 30 Oct); P4 routine. P3 left
    #   more than 14 days ago; P1's family engaged on 20 Oct and its adherence is 93 %.
    assert records.outreach == (
        OutreachItem(p1, SEP15, Tier.HIGH), OutreachItem(p4, SEP15, Tier.ROUTINE),
        OutreachItem(p3, SEP30, Tier.URGENT), OutreachItem(p4, SEP30, Tier.ROUTINE),
        OutreachItem(p2, OCT31, Tier.HIGH), OutreachItem(p4, OCT31, Tier.ROUTINE),
        OutreachItem(p2, AS_OF, Tier.HIGH), OutreachItem(p4, AS_OF, Tier.ROUTINE),
    )


def test_figures_of_the_period_from_the_database(session: Session) -> None:
    with session.begin():
        clinic_id, _ = build_clinic(session)
    figures = overview_figures(records_of(session, clinic_id), Period(d("2026-09-01"), AS_OF),
                               NOW)
    assert figures.active_patients == 3  # P1, P2 (second episode), P4; P3 left on 21 Sep
    assert (figures.admissions, figures.discharges) == (1, 1)  # P2's readmission; P3
    # 90 days complete in the period: P3 (4 Oct), discharged within -> 0 / 1.
    assert figures.retention_90 == Rate(0, 1)
    # 180 days: P1 (5 Sep) gap 9 > 7, P2's first episode (31 Oct) discharged, P4 (3 Oct)
    # kept -> 1 / 3.
    assert figures.retention_180 == Rate(1, 3)
    assert figures.unexpected_positive == Rate(1, 3)
    # On 2 Nov, of P1, P2, P4 only P1 has a consented member, who engaged.
    assert figures.consented_support == Rate(1, 3)
    assert figures.family_engagement == Rate(1, 1)
    assert figures.module_completion == Rate(1, 2)  # the cancelled one never reached M2
    assert figures.answered_in_time == Rate(1, 2)  # P1's in time, P2's overdue
    assert figures.phases == {IN: 2, ST: 0, MA: 1, Phase.TAPER: 0, Phase.AFTERCARE: 0}
    assert figures.transitions == {
        PhaseDirection.ADMISSION: 0, PhaseDirection.STEP_DOWN: 2, PhaseDirection.STEP_UP: 1,
        PhaseDirection.SAME: 0, PhaseDirection.DISCHARGE: 1, PhaseDirection.READMISSION: 1,
    }
    assert figures.backlog == {Tier.URGENT: 0, Tier.HIGH: 1, Tier.ROUTINE: 1}
    assert [b.count for b in figures.adherence.bins] == [0, 0, 0, 3]


PATIENTS_CSV = (
    "patient_code,clinic_code,first_name,last_name,sex,birth_year,admission_date,medication,"
    "dose_mg,phase,phase_since,primary_substance,psychologist\n"
    "P9,TST,Test,Demo-P9,F,1990,2025-01-10,methadone,60,discharged,2025-06-30,heroin,psy.imp\n"
)


def test_an_imported_discharged_patient_then_readmitted(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        add_user(session, username="psy.imp", password=PASSWORD, role=Role.PSYCHOLOGIST,
                 clinic_codes=["TST"], actor="test", display_name="Dr Imported")
        result = import_file(session, "patients", io.StringIO(PATIENTS_CSV), dry_run=False,
                             actor="test", today=AS_OF)
        assert result.ok
    records = records_of(session, clinic_id)
    session.rollback()
    (episode,) = records.episodes
    # The row is the episode; no dose at all: each complete horizon is one long gap. The
    # history's only row (no phase -> discharged) is not a move.
    assert episode == EpisodeRecord(episode.patient_id, "Dr Imported", Medication.METHADONE,
                                    d("2025-01-10"), d("2025-06-30"), DI, {90: 90, 180: 180})
    assert records.moves == ()
    with session.begin():
        move(session, clinic_id, episode.patient_id, IN, d("2026-10-01"))
    again = records_of(session, clinic_id)
    # The readmission overwrote the admission date: the first episode is known from its only
    # history row, dated on its discharge (documented in data_access.overview).
    assert [(e.admitted_on, e.discharged_on, e.phase) for e in again.episodes] == [
        (d("2025-06-30"), d("2025-06-30"), DI), (d("2026-10-01"), None, IN)
    ]
    assert again.moves == (PhaseMove(episode.patient_id, d("2026-10-01"), DI, IN),)


def test_a_corrected_admission_date_is_no_new_episode(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        add_user(session, username="psy.imp", password=PASSWORD, role=Role.PSYCHOLOGIST,
                 clinic_codes=["TST"], actor="test", display_name="Dr Imported")
        admitted_on_9 = PATIENTS_CSV.replace("2025-01-10,methadone,60,discharged,2025-06-30",
                                             "2026-03-09,methadone,60,induction,")
        import_file(session, "patients", io.StringIO(admitted_on_9), dry_run=False,
                    actor="test", today=AS_OF)
        # The admission was the 20th: the history keeps its row of the 9th.
        import_file(session, "patients", io.StringIO(admitted_on_9.replace("03-09", "03-20")),
                    dry_run=False, actor="test", today=AS_OF)
    records = records_of(session, clinic_id)
    (episode,) = records.episodes
    assert (episode.admitted_on, episode.discharged_on, episode.phase) == (
        d("2026-03-20"), None, IN
    )
    # No dose: the complete horizons are whole gaps (90 days complete on 18 Jun, 180 on 16 Sep).
    assert episode.longest_gap_by_horizon == {90: 90, 180: 180}
    assert records.moves == (PhaseMove(episode.patient_id, d("2026-03-09"), None, IN),)


def test_solar_hijri_months_are_read_from_their_first_day(session: Session) -> None:
    """A Solar Hijri reader's three months to 2 Nov (11 Aban 1405): Shahrivar from 23 Aug to
    22 Sep, Mehr to 22 Oct, Aban so far (1 Farvardin 1405 is 21 Mar; months 1-6 have 31 days,
    7-11 have 30). The records start on 1 Shahrivar, nine days before September."""
    with session.begin():
        clinic_id, ids = build_clinic(session)
        add_screen(session, ids["P1"], d("2026-08-25"), "heroin", "positive")  # 3 Shahrivar
    records = overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF, months=3,
                               backlog_moments=[AS_OF], calendar=Calendar.JALALI)
    p1, p2 = ids["P1"], ids["P2"]
    assert records.since == d("2026-08-23")
    assert records.moments == (d("2026-09-22"), d("2026-10-22"), AS_OF)
    # 25 Aug is read (20 Aug is still before the records); a Gregorian reader's start on 1 Sep.
    assert records.screens == (
        ScreenRecord(p1, d("2026-08-25"), True), ScreenRecord(p1, d("2026-09-10"), True),
        ScreenRecord(p1, d("2026-10-15"), False), ScreenRecord(p2, d("2026-10-20"), False),
    )
    assert overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF, months=3,
                            backlog_moments=[AS_OF]).since == d("2026-09-01")
    shahrivar, mehr, aban = monthly_figures(records, AS_OF, NOW, 3, calendar=Calendar.JALALI)
    assert [f.period for f in (shahrivar, mehr, aban)] == [
        Period(d("2026-08-23"), d("2026-09-22")), Period(d("2026-09-23"), d("2026-10-22")),
        Period(d("2026-10-23"), AS_OF),
    ]
    # Shahrivar: P2 discharged 31 Aug and readmitted 7 Sep, P3 discharged 21 Sep; the screens
    # of 25 Aug and 10 Sep, both unexpected. Mehr: 15 and 20 Oct, both clean.
    assert (shahrivar.admissions, shahrivar.discharges) == (1, 2)
    assert (mehr.admissions, mehr.discharges, aban.admissions, aban.discharges) == (0, 0, 0, 0)
    assert (shahrivar.unexpected_positive, mehr.unexpected_positive,
            aban.unexpected_positive) == (Rate(2, 2), Rate(0, 2), Rate(0, 0))
    assert shahrivar.active_patients == 3  # on 22 Sep: P1, P2 (readmitted), P4


def test_the_worklist_is_read_on_the_backlog_moments_only(session: Session) -> None:
    with session.begin():
        clinic_id, ids = build_clinic(session)
    with counted(session) as statements:
        records = overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF, months=3,
                                   moments=[MID_SEPTEMBER], backlog_moments=[AS_OF])
    with counted(session) as every_day:
        records_of(session, clinic_id)
    assert records.backlog_moments == (AS_OF,)
    assert records.outreach == (OutreachItem(ids["P2"], AS_OF, Tier.HIGH),
                                OutreachItem(ids["P4"], AS_OF, Tier.ROUTINE))
    assert records.family == records_of(session, clinic_id).family  # the rest is unchanged
    # Three worklists fewer (15 Sep, 30 Sep, 31 Oct), each the same set of statements.
    assert (len(every_day) - len(statements)) % 3 == 0 and len(statements) < len(every_day)
    september = Period(d("2026-09-01"), SEP30)
    assert overview_figures(records, september, NOW).backlog is None  # unknown, not 0
    assert overview_figures(records, Period(d("2026-11-01"), AS_OF), NOW).backlog == {
        Tier.URGENT: 0, Tier.HIGH: 1, Tier.ROUTINE: 1
    }


def test_days_that_cannot_be_read_are_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="moments after as_of 2026-11-02"):
        overview_records(session, clinic_ids=[1], as_of=AS_OF, moments=[d("2026-11-03")])
    with pytest.raises(ValueError, match="backlog moments must be moments: 2026-10-15"):
        overview_records(session, clinic_ids=[1], as_of=AS_OF, backlog_moments=[d("2026-10-15")])


# --- the number of statements -------------------------------------------------------------------


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", count)


def add_patients(session: Session, clinic_id: int, first: int, last: int) -> None:
    """Patients ``first`` .. ``last`` with every kind of record: history with a discharge and a
    readmission for every other one, doses, screens, a consented and engaged member, a question,
    an assignment."""
    module_id = session.scalar(ContentModule.__table__.select().with_only_columns(
        ContentModule.id).limit(1))
    for number in range(first, last + 1):
        patient_id = admitted(session, clinic_id, f"Q{number:03}", d("2026-03-02"),
                              medication="methadone", psychologist_id=None)
        add_doses(session, patient_id, days(d("2026-03-02"), d("2026-07-31")))
        if number % 2:
            move(session, clinic_id, patient_id, DI, d("2026-08-01"))
            move(session, clinic_id, patient_id, IN, d("2026-09-01"))
            add_doses(session, patient_id, days(d("2026-09-01"), AS_OF))
        add_screen(session, patient_id, d("2026-10-01"), "heroin", "positive")
        member_id = builders.member(session, clinic_id, patient_id, f"F{number:03}")
        builders.consent(session, member_id, patient_id, signed=d("2026-03-10"))
        engaged(session, member_id, at("2026-10-20T10:00"))
        ask_question(session, member_id=member_id, body="How is it going?", actor="test",
                     asked_at=at("2026-10-20T11:00"))
        session.add(Assignment(module_id=module_id, member_id=member_id,
                               assigned_at=at("2026-10-01T10:00"), status="sent"))
    session.flush()


def test_the_statements_do_not_grow_with_the_patients(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session, "TST")
        session.add(ContentModule(code="m", title="A module", kind="text", language="en",
                                  created_at=builders.CREATED, updated_at=builders.CREATED))
        session.flush()
        add_patients(session, clinic_id, 1, 3)
    with counted(session) as few:
        small = overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF)
    session.rollback()
    with session.begin():
        add_patients(session, clinic_id, 4, 30)
    with counted(session) as many:
        large = overview_records(session, clinic_ids=[clinic_id], as_of=AS_OF)
    session.rollback()
    assert len(small.episodes) == 3 + 2 and len(large.episodes) == 30 + 15  # readmissions
    assert len(large.family) > len(small.family) > 0
    assert len(many) == len(few)
    # One statement per kind of record, the outreach worklist's set per moment (13 moments).
    assert len(few) < 8 + 13 * 20
