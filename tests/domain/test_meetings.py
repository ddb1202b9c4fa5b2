"""Case meetings: who is proposed for the agenda and in what order, and the decisions' checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.access import may_complete_action, may_record_decisions
from domain.calendars import Calendar, format_date
from domain.meetings import (
    MAX_WHAT_CHARS,
    ActionItemDraft,
    ActionItemError,
    AgendaEntry,
    AgendaReason,
    DueAction,
    DueStatus,
    agenda_candidates,
    agenda_details,
    can_step_down,
    check_action_item,
    due_status,
    due_text,
    earliest_due,
    meeting_agenda_order,
    reasons_text,
)
from domain.missed_doses import MissedDoseAction
from domain.outreach import REASON_TIERS, Reason, ReasonCode, Tier, WorklistItem
from domain.signals import PatientSignals
from domain.vocabulary import Phase, Role

MEETING_DAY = date(2026, 11, 2)


def reason(code: ReasonCode, text: str) -> Reason:
    return Reason(code=code, tier=REASON_TIERS[code], text=text, since=None)


def item(patient_id: int, code: str, *reasons: Reason) -> WorklistItem:
    tier = Tier.URGENT if any(r.tier is Tier.URGENT for r in reasons) else (
        Tier.HIGH if any(r.tier is Tier.HIGH for r in reasons) else Tier.ROUTINE)
    return WorklistItem(patient_id=patient_id, patient_code=code, clinic_code="TST", tier=tier,
                        score=1000 * len(reasons), reasons=reasons, last_contact_on=None,
                        snoozed_until=None)


def signals(patient_id: int, code: str, phase: Phase, *, ready: bool) -> PatientSignals:
    return PatientSignals(
        patient_id=patient_id, patient_code=code, clinic_code="TST", phase=phase,
        days_in_phase=200, days_in_treatment=400, adherence_28d=1.0 if ready else 0.5,
        missed_streak=0, missed_dose_action=MissedDoseAction.NONE, retained_90=True,
        retained_180=True, step_down_ready=ready, readiness=(), take_home_max_doses=28,
        flags=(), consented_members=1,
    )


MISSED = reason(ReasonCode.OVERDOSE_RISK_TOLERANCE, "Missed doses 4 days in a row")
EMERGENCY = reason(ReasonCode.EMERGENCY_REPORT, "1 unacknowledged emergency report")
POSITIVE = reason(ReasonCode.UNEXPECTED_POSITIVE_7D, "Unexpected positive screen")
QUIET_FAMILY = reason(ReasonCode.FAMILY_DISENGAGED_30D, "No engagement for 30 days")


def test_agenda_puts_urgent_then_high_then_step_down_then_follow_ups() -> None:
    worklist = [
        item(3, "P-3", MISSED, QUIET_FAMILY),  # urgent; the routine reason is not shown
        item(10, "P-0", EMERGENCY),  # urgent, after P-3 in the worklist: stays after it
        item(1, "P-1", POSITIVE),  # high
        item(9, "P-9", QUIET_FAMILY),  # routine only: not a reason to meet
    ]
    readiness = [
        signals(1, "P-1", Phase.MAINTENANCE, ready=True),  # high and step-down: placed as high
        signals(2, "P-2", Phase.MAINTENANCE, ready=True),
        signals(7, "P-7", Phase.AFTERCARE, ready=True),  # nothing to step down to
        signals(8, "P-8", Phase.TAPER, ready=False),
    ]
    actions = [
        DueAction(4, "P-4", MEETING_DAY),  # due on the meeting day
        DueAction(5, "P-5", MEETING_DAY - timedelta(days=3)),  # overdue: before P-4
        DueAction(5, "P-5", MEETING_DAY + timedelta(days=9)),
        DueAction(6, "P-6", MEETING_DAY + timedelta(days=1)),  # not yet due
        DueAction(3, "P-3", MEETING_DAY - timedelta(days=1)),
    ]
    agenda = agenda_candidates(worklist, readiness, actions, on=MEETING_DAY)
    assert [(entry.patient_code, entry.reasons) for entry in agenda] == [
        ("P-3", (AgendaReason.OUTREACH_URGENT, AgendaReason.FOLLOW_UP_DUE)),
        ("P-0", (AgendaReason.OUTREACH_URGENT,)),
        ("P-1", (AgendaReason.OUTREACH_HIGH, AgendaReason.STEP_DOWN_DUE)),
        ("P-2", (AgendaReason.STEP_DOWN_DUE,)),
        ("P-5", (AgendaReason.FOLLOW_UP_DUE,)),
        ("P-4", (AgendaReason.FOLLOW_UP_DUE,)),
    ]
    by_code = {entry.patient_code: entry for entry in agenda}
    assert by_code["P-3"].details == ("Missed doses 4 days in a row", "action due 2026-11-01")
    assert by_code["P-1"].details == ("Unexpected positive screen",
                                      "ready to step down from maintenance")
    assert by_code["P-5"].details == ("action due 2026-10-30",)


def test_step_down_is_due_only_with_a_lower_step_and_all_evidence() -> None:
    assert can_step_down(signals(1, "A", Phase.INDUCTION, ready=True))
    assert can_step_down(signals(1, "A", Phase.TAPER, ready=True))
    assert not can_step_down(signals(1, "A", Phase.AFTERCARE, ready=True))
    assert not can_step_down(signals(1, "A", Phase.MAINTENANCE, ready=False))
    assert not can_step_down(signals(1, "A", Phase.DISCHARGED, ready=True))


def test_an_empty_clinic_proposes_nobody() -> None:
    assert agenda_candidates([], [], [], on=MEETING_DAY) == []


def test_agenda_order_keeps_candidates_first_then_patients_added_by_hand() -> None:
    candidates = [AgendaEntry(3, "P-3", (AgendaReason.OUTREACH_URGENT,)),
                  AgendaEntry(2, "P-2", (AgendaReason.STEP_DOWN_DUE,)),
                  AgendaEntry(5, "P-5", (AgendaReason.FOLLOW_UP_DUE,))]
    codes = {11: "P-11", 12: "P-12", 2: "P-2", 3: "P-3", 5: "P-5"}
    agenda = meeting_agenda_order(candidates, [12, 2, 3, 11, 2], codes)
    assert [(e.patient_code, e.reasons) for e in agenda] == [
        ("P-3", (AgendaReason.OUTREACH_URGENT,)), ("P-2", (AgendaReason.STEP_DOWN_DUE,)),
        ("P-12", ()), ("P-11", ())]
    with pytest.raises(ValueError, match="patient 99 is not a patient of this clinic"):
        meeting_agenda_order(candidates, [99], codes)


def test_reasons_in_words() -> None:
    assert reasons_text(()) == "added by hand"
    assert reasons_text((AgendaReason.STEP_DOWN_DUE, AgendaReason.FOLLOW_UP_DUE)) == (
        "step down due: every readiness criterion is met; "
        "follow-up due: a meeting decision has come due")


OWNERS = {21, 22}


def test_a_good_decision_is_trimmed_and_kept() -> None:
    draft = check_action_item("  Call the mother about naloxone  ", 21, MEETING_DAY,
                              owner_ids=OWNERS, not_before=MEETING_DAY)
    assert draft == ActionItemDraft("Call the mother about naloxone", 21, MEETING_DAY)
    longest = "x" * MAX_WHAT_CHARS
    assert check_action_item(longest, 22, MEETING_DAY, owner_ids=OWNERS,
                             not_before=MEETING_DAY).what == longest


@pytest.mark.parametrize(
    ("what", "owner", "due", "problems"),
    [
        ("   ", 21, MEETING_DAY, ["Write what was decided."]),
        ("x" * 501, 21, MEETING_DAY,
         ["Write the decision in at most 500 characters (it has 501)."]),
        ("Review dose", None, MEETING_DAY, ["Choose who will do it."]),
        ("Review dose", 99, MEETING_DAY,
         ["The owner must be an active supervisor or psychologist of the patient's clinic."]),
        ("Review dose", 21, None, ["Choose a due date."]),
        ("Review dose", 21, MEETING_DAY - timedelta(days=1),
         ["The due date 2026-11-01 is in the past for this decision: choose 2026-11-02 or "
          "later."]),
        ("", None, None,
         ["Write what was decided.", "Choose who will do it.", "Choose a due date."]),
    ],
)
def test_a_bad_decision_says_every_problem(what: str, owner: int | None, due: date | None,
                                           problems: list[str]) -> None:
    with pytest.raises(ActionItemError) as raised:
        check_action_item(what, owner, due, owner_ids=OWNERS, not_before=MEETING_DAY)
    assert list(raised.value.problems) == problems
    assert str(raised.value) == " ".join(problems)
    assert isinstance(raised.value, ValueError)


def test_earliest_due_is_today_or_a_later_meeting_day() -> None:
    assert earliest_due(MEETING_DAY) == MEETING_DAY
    assert earliest_due(MEETING_DAY, MEETING_DAY - timedelta(days=7)) == MEETING_DAY
    assert earliest_due(MEETING_DAY, MEETING_DAY + timedelta(days=2)) == date(2026, 11, 4)


def test_due_status_and_words() -> None:
    assert due_status(date(2026, 11, 1), MEETING_DAY) is DueStatus.OVERDUE
    assert due_status(MEETING_DAY, MEETING_DAY) is DueStatus.DUE_TODAY
    assert due_status(date(2026, 11, 3), MEETING_DAY) is DueStatus.UPCOMING
    assert due_text(date(2026, 11, 1), MEETING_DAY) == "overdue since 2026-11-01"
    assert due_text(MEETING_DAY, MEETING_DAY) == "due today"
    assert due_text(date(2026, 11, 9), MEETING_DAY) == "due 2026-11-09"


@pytest.mark.parametrize(
    ("role", "user_id", "owner_id", "allowed"),
    [
        (Role.SUPERVISOR, 1, 2, True),  # a supervisor marks any item done
        (Role.PSYCHOLOGIST, 2, 2, True),  # the owner marks an own item done
        (Role.PSYCHOLOGIST, 1, 2, False),
        (Role.CASE_TEAM, 3, 3, False),  # the case team reads only
        (Role.ADMIN, 4, 4, False),
    ],
)
def test_who_may_mark_an_action_done(role: Role, user_id: int, owner_id: int,
                                     allowed: bool) -> None:
    assert may_complete_action(role, user_id=user_id, owner_id=owner_id) is allowed


def test_only_clinical_staff_record_decisions() -> None:
    assert {role for role in Role if may_record_decisions(role)} == {Role.SUPERVISOR,
                                                                    Role.PSYCHOLOGIST}


# -- dates as the reader reads them (issue 9) ----------------------------------------------------
# 2 November 2026 is 11 Aban 1405; the formatter is what a Solar Hijri Persian page passes.

def jalali_persian(day: date) -> str:
    return format_date(day, Calendar.JALALI, "fa")


def test_the_agenda_keeps_its_dates_and_writes_them_as_the_reader_reads_them() -> None:
    positive = Reason(ReasonCode.UNEXPECTED_POSITIVE_7D, Tier.HIGH,
                      "Unexpected positive screen on 2026-10-28", date(2026, 10, 28),
                      day=date(2026, 10, 28))
    agenda = agenda_candidates(
        [item(1, "P-1", positive)], [signals(1, "P-1", Phase.MAINTENANCE, ready=True)],
        [DueAction(1, "P-1", date(2026, 10, 30))], on=MEETING_DAY)
    [entry] = agenda
    assert entry.follow_up_due == date(2026, 10, 30)
    assert entry.step_down_from is Phase.MAINTENANCE
    assert entry.details == ("Unexpected positive screen on 2026-10-28",
                             "ready to step down from maintenance", "action due 2026-10-30")
    assert agenda_details(entry, jalali_persian) == (
        "Unexpected positive screen on ۱۴۰۵/۰۸/۰۶", "ready to step down from maintenance",
        "action due ۱۴۰۵/۰۸/۰۸")


def test_due_words_and_a_refused_due_date_in_the_readers_calendar() -> None:
    assert due_text(date(2026, 11, 1), MEETING_DAY, jalali_persian) == "overdue since ۱۴۰۵/۰۸/۱۰"
    assert due_text(MEETING_DAY, MEETING_DAY, jalali_persian) == "due today"
    assert due_text(date(2026, 11, 9), MEETING_DAY, jalali_persian) == "due ۱۴۰۵/۰۸/۱۸"
    with pytest.raises(ActionItemError) as raised:
        check_action_item("Review dose", 21, date(2026, 11, 1), owner_ids=OWNERS,
                          not_before=MEETING_DAY, shown=jalali_persian)
    assert raised.value.problems == (
        "The due date ۱۴۰۵/۰۸/۱۰ is in the past for this decision: choose ۱۴۰۵/۰۸/۱۱ or "
        "later.",)
