"""Family outreach rules: reasons, tiers, score, snooze and the sorted worklist."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from domain.calendars import Calendar, format_date
from domain.outreach import (
    REASON_TIERS,
    OutreachFacts,
    OutreachThresholds,
    Reason,
    ReasonCode,
    Tier,
    WorklistItem,
    filter_worklist,
    outreach_reasons,
    reason_text,
    suggested_action,
    worklist,
    worklist_as_shown,
    worklist_item,
)
from domain.text import use_translator
from domain.vocabulary import Phase

AS_OF = date(2026, 5, 31)


def days_ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


# A patient with nothing to act on: engaged family, good adherence, no open items.
QUIET = OutreachFacts(
    patient_id=1,
    patient_code="P-0001",
    clinic_code="TEH-1",
    phase=Phase.MAINTENANCE,
    missed_streak=0,
    adherence_28d=0.95,
    discharged_on=None,
    taper_ended_on=None,
    taper_started_on=None,
    last_unexpected_positive_on=None,
    last_engagement_at=days_ago(2),
    earliest_active_consent_on=days_ago(400),
    consented_members=2,
    open_emergency_reports=0,
    oldest_emergency_at=None,
    overdue_questions=0,
    oldest_overdue_question_due=None,
    overdue_assignments=0,
    next_consent_expiry=days_ago(-200),
    last_contact_on=days_ago(10),
    snoozed_until=None,
    snoozed_tier=None,
)


def facts(**changes: object) -> OutreachFacts:
    return QUIET._replace(**changes)


def codes(**changes: object) -> list[ReasonCode]:
    return [r.code for r in outreach_reasons(facts(**changes), AS_OF)]


def test_quiet_patient_has_no_reason_and_no_item() -> None:
    assert outreach_reasons(QUIET, AS_OF) == []
    assert worklist_item(QUIET, AS_OF) is None


# --- urgent -------------------------------------------------------------------------------


def test_emergency_report() -> None:
    reasons = outreach_reasons(facts(open_emergency_reports=1, oldest_emergency_at=days_ago(1)),
                               AS_OF)
    assert [(r.code, r.tier, r.since) for r in reasons] == [
        (ReasonCode.EMERGENCY_REPORT, Tier.URGENT, days_ago(1))
    ]
    assert reasons[0].text


@pytest.mark.parametrize(("streak", "listed"), [(2, False), (3, True), (9, True)])
def test_overdose_risk_from_missed_streak(streak: int, listed: bool) -> None:
    assert (ReasonCode.OVERDOSE_RISK_TOLERANCE in codes(missed_streak=streak)) is listed


def test_overdose_risk_dates_from_the_first_missed_day() -> None:
    (reason,) = outreach_reasons(facts(missed_streak=3), AS_OF)
    assert reason.tier == Tier.URGENT
    assert reason.since == days_ago(2)


@pytest.mark.parametrize(("days", "listed"), [(0, True), (14, True), (15, False)])
def test_recent_discharge(days: int, listed: bool) -> None:
    discharged = facts(phase=Phase.DISCHARGED, discharged_on=days_ago(days))
    item = worklist_item(discharged, AS_OF)
    assert (item is not None) is listed
    if item is not None:
        assert item.tier == Tier.URGENT
        assert item.reasons[0].code == ReasonCode.RECENT_DISCHARGE_OR_TAPER_END


def test_discharged_long_ago_never_listed_whatever_the_reasons() -> None:
    long_ago = facts(
        phase=Phase.DISCHARGED,
        discharged_on=days_ago(60),
        consented_members=0,
        open_emergency_reports=2,
        overdue_questions=3,
    )
    assert outreach_reasons(long_ago, AS_OF) == []
    assert worklist_item(long_ago, AS_OF) is None
    assert worklist([long_ago], AS_OF) == []
    assert worklist_item(facts(phase=Phase.DISCHARGED, consented_members=0), AS_OF) is None


def test_discharge_planned_after_as_of_is_not_a_discharge() -> None:
    assert codes(discharged_on=days_ago(-3)) == []


@pytest.mark.parametrize(("days", "listed"), [(14, True), (15, False)])
def test_taper_end(days: int, listed: bool) -> None:
    ended = facts(phase=Phase.AFTERCARE, taper_ended_on=days_ago(days))
    assert (codes_of(ended) == [ReasonCode.RECENT_DISCHARGE_OR_TAPER_END]) is listed


def codes_of(patient: OutreachFacts) -> list[ReasonCode]:
    return [r.code for r in outreach_reasons(patient, AS_OF)]


# --- high ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "listed"), [(0, True), (6, True), (7, False)])
def test_unexpected_positive_in_the_last_7_days(days: int, listed: bool) -> None:
    found = codes(last_unexpected_positive_on=days_ago(days))
    assert (found == [ReasonCode.UNEXPECTED_POSITIVE_7D]) is listed


@pytest.mark.parametrize(("quiet_days", "listed"), [(13, False), (14, True)])
def test_taper_family_disengaged(quiet_days: int, listed: bool) -> None:
    taper = facts(
        phase=Phase.TAPER, taper_started_on=days_ago(20), last_engagement_at=days_ago(quiet_days)
    )
    reasons = outreach_reasons(taper, AS_OF)
    assert ([r.code for r in reasons] == [ReasonCode.TAPER_FAMILY_DISENGAGED]) is listed
    if listed:
        assert reasons[0].tier == Tier.HIGH


def test_taper_disengagement_needs_a_recent_taper() -> None:
    old_taper = facts(
        phase=Phase.TAPER, taper_started_on=days_ago(31), last_engagement_at=days_ago(20)
    )
    assert codes_of(old_taper) == []
    recent = old_taper._replace(taper_started_on=days_ago(30))
    assert codes_of(recent) == [ReasonCode.TAPER_FAMILY_DISENGAGED]


def test_question_overdue() -> None:
    found = outreach_reasons(
        facts(overdue_questions=2, oldest_overdue_question_due=days_ago(4)), AS_OF
    )
    assert [(r.code, r.tier, r.since) for r in found] == [
        (ReasonCode.QUESTION_OVERDUE, Tier.HIGH, days_ago(4))
    ]


@pytest.mark.parametrize(("adherence", "listed"), [(0.79, True), (0.80, False), (None, False)])
def test_low_adherence(adherence: float | None, listed: bool) -> None:
    assert (codes(adherence_28d=adherence) == [ReasonCode.LOW_ADHERENCE]) is listed


# --- routine ------------------------------------------------------------------------------


@pytest.mark.parametrize(("quiet_days", "listed"), [(29, False), (30, True)])
def test_family_disengaged_30_days(quiet_days: int, listed: bool) -> None:
    found = codes(last_engagement_at=days_ago(quiet_days))
    assert (found == [ReasonCode.FAMILY_DISENGAGED_30D]) is listed


def test_disengagement_counts_from_a_recent_consent() -> None:
    # Engaged 60 days ago under an earlier consent; the current consent began 10 days ago.
    recent_consent = facts(last_engagement_at=days_ago(60), earliest_active_consent_on=days_ago(10))
    assert codes_of(recent_consent) == []
    # Never engaged: counted from the consent start.
    assert codes(last_engagement_at=None, earliest_active_consent_on=days_ago(29)) == []
    assert codes(last_engagement_at=None, earliest_active_consent_on=days_ago(30)) == [
        ReasonCode.FAMILY_DISENGAGED_30D
    ]


@pytest.mark.parametrize(("overdue", "listed"), [(1, False), (2, True)])
def test_assignments_overdue(overdue: int, listed: bool) -> None:
    assert (codes(overdue_assignments=overdue) == [ReasonCode.ASSIGNMENTS_OVERDUE]) is listed


def test_recruit_support_when_no_member_has_consent() -> None:
    assert codes(consented_members=0, last_engagement_at=None, next_consent_expiry=None) == [
        ReasonCode.RECRUIT_SUPPORT
    ]


@pytest.mark.parametrize(("days_left", "listed"), [(0, True), (14, True), (15, False)])
def test_consent_expiring(days_left: int, listed: bool) -> None:
    found = codes(next_consent_expiry=days_ago(-days_left))
    assert (found == [ReasonCode.CONSENT_EXPIRING]) is listed


# --- tiers, score, ordering ---------------------------------------------------------------


def test_item_tier_is_the_highest_reason_and_reasons_are_listed_highest_first() -> None:
    item = worklist_item(facts(overdue_assignments=3, adherence_28d=0.5, missed_streak=4), AS_OF)
    assert item is not None
    assert item.tier == Tier.URGENT
    assert [r.code for r in item.reasons] == [
        ReasonCode.OVERDOSE_RISK_TOLERANCE,
        ReasonCode.LOW_ADHERENCE,
        ReasonCode.ASSIGNMENTS_OVERDUE,
    ]
    assert [r.tier for r in item.reasons] == [Tier.URGENT, Tier.HIGH, Tier.ROUTINE]


def test_score_counts_reasons_then_age_of_the_oldest_issue() -> None:
    one_old = worklist_item(
        facts(overdue_questions=1, oldest_overdue_question_due=days_ago(40)), AS_OF
    )
    two_new = worklist_item(facts(adherence_28d=0.5, last_unexpected_positive_on=AS_OF), AS_OF)
    capped = worklist_item(
        facts(overdue_questions=1, oldest_overdue_question_due=days_ago(5000)), AS_OF
    )
    assert one_old is not None and two_new is not None and capped is not None
    assert one_old.score == 1040
    assert two_new.score == 2000
    assert capped.score == 1999  # the age never outweighs one more reason


def question(code: str, due_days_ago: int) -> OutreachFacts:
    return facts(
        patient_code=code, overdue_questions=1, oldest_overdue_question_due=days_ago(due_days_ago)
    )


def test_worklist_sorted_by_tier_then_score_then_code() -> None:
    routine = facts(patient_code="P-A", overdue_assignments=2)
    high_old = question(code="P-B", due_days_ago=9)
    high_new = question(code="P-C", due_days_ago=1)
    high_tie = question(code="P-0", due_days_ago=1)
    urgent = facts(patient_code="P-Z", missed_streak=3)
    many_high = facts(patient_code="P-D", adherence_28d=0.1, overdue_questions=1)
    items = worklist([routine, high_new, QUIET, high_old, urgent, many_high, high_tie], AS_OF)
    assert [i.patient_code for i in items] == ["P-Z", "P-D", "P-B", "P-0", "P-C", "P-A"]


# --- snooze -------------------------------------------------------------------------------


def test_snooze_hides_the_item_until_the_follow_up_date() -> None:
    snoozed = facts(overdue_assignments=2, snoozed_until=days_ago(-3), snoozed_tier=Tier.ROUTINE)
    assert worklist_item(snoozed, AS_OF) is None
    assert worklist_item(snoozed, days_ago(-3)) is not None  # due on the follow-up date
    past = snoozed._replace(snoozed_until=AS_OF)
    assert worklist_item(past, AS_OF) is not None


def test_snooze_overridden_by_a_higher_tier_only() -> None:
    high = facts(adherence_28d=0.5, snoozed_until=days_ago(-5), snoozed_tier=Tier.HIGH)
    assert worklist_item(high, AS_OF) is None  # same tier: still snoozed
    with_question = high._replace(overdue_questions=1)
    assert worklist_item(with_question, AS_OF) is None  # more high reasons: still snoozed
    urgent = high._replace(missed_streak=3)
    item = worklist_item(urgent, AS_OF)
    assert item is not None and item.tier == Tier.URGENT
    assert item.snoozed_until == days_ago(-5)


def test_snooze_of_a_routine_item_overridden_by_high() -> None:
    base = facts(overdue_assignments=2, snoozed_until=days_ago(-5), snoozed_tier=Tier.ROUTINE)
    assert worklist_item(base, AS_OF) is None
    assert worklist_item(base._replace(adherence_28d=0.5), AS_OF) is not None


def test_urgent_snooze_is_never_overridden() -> None:
    urgent = facts(missed_streak=5, snoozed_until=days_ago(-1), snoozed_tier=Tier.URGENT)
    assert worklist_item(urgent, AS_OF) is None


# --- records, actions, thresholds, translation --------------------------------------------


def test_as_record_is_json_ready() -> None:
    item = worklist_item(facts(missed_streak=3, overdue_assignments=2,
                               member_codes=("M-1", "M-2")), AS_OF)
    assert item is not None
    record = item.as_record()
    assert set(record) == {
        "patient_code", "clinic_code", "member_codes", "tier", "score", "reasons",
        "last_contact", "snoozed_until",
    }
    assert record["member_codes"] == ["M-1", "M-2"]
    assert record["tier"] == "urgent"
    assert record["last_contact"] == days_ago(10).isoformat()
    assert record["snoozed_until"] is None
    reasons = record["reasons"]
    assert isinstance(reasons, list)
    assert [set(r) for r in reasons] == [{"code", "text"}, {"code", "text"}]
    assert reasons[0]["code"] == "overdose_risk_tolerance"
    json.dumps(record)


def test_suggested_action_follows_the_highest_reason() -> None:
    urgent = worklist_item(facts(missed_streak=3, overdue_assignments=2), AS_OF)
    assert urgent is not None
    assert suggested_action(urgent) == "Call the family today: naloxone and emergency plan"
    for code in ReasonCode:
        reason = Reason(code, REASON_TIERS[code], "text", None)
        item = WorklistItem(1, "P", "C", reason.tier, 1000, (reason,), None, None)
        assert suggested_action(item)


def test_every_reason_has_an_action_and_translated_text() -> None:
    everything = facts(
        open_emergency_reports=1,
        missed_streak=3,
        taper_ended_on=days_ago(2),
        last_unexpected_positive_on=AS_OF,
        overdue_questions=1,
        adherence_28d=0.5,
        overdue_assignments=2,
        next_consent_expiry=days_ago(-1),
        last_engagement_at=days_ago(90),
    )
    with use_translator(lambda message: "X " + message):
        item = worklist_item(everything, AS_OF)
        assert item is not None
        assert all(r.text.startswith("X ") for r in item.reasons)
        assert suggested_action(item).startswith("X ")
    assert len(item.reasons) == 9


@pytest.mark.parametrize(
    "changes",
    [
        {"post_discharge_days": 0},
        {"overdue_assignments_min": 0},
        {"low_adherence_below": 1.5},
        {"low_adherence_below": float("nan")},
        {"consent_expiry_warning_days": -1},
    ],
)
def test_thresholds_refuse_nonsense(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        OutreachThresholds(**changes)  # type: ignore[arg-type]


def test_thresholds_are_configurable() -> None:
    strict = OutreachThresholds(overdose_risk_missed_days=2, low_adherence_below=0.9)
    found = [r.code for r in outreach_reasons(facts(missed_streak=2, adherence_28d=0.85), AS_OF,
                                              strict)]
    assert found == [ReasonCode.OVERDOSE_RISK_TOLERANCE, ReasonCode.LOW_ADHERENCE]


def test_messages_for_a_phone_family_are_a_routine_call_to_make() -> None:
    item = worklist_item(facts(phone_messages_waiting=2), AS_OF)
    assert item is not None and item.tier == Tier.ROUTINE
    assert [(str(r.code), r.text) for r in item.reasons] == [
        ("phone_messages_waiting",
         "2 message(s) for a family that takes phone calls: give them on a call")]
    assert suggested_action(item) == "Call the family and give them the messages waiting"


def test_filter_keeps_order_and_combines_tier_reason_and_psychologist() -> None:
    urgent = worklist_item(facts(patient_code="U", missed_streak=3, psychologist_id=7), AS_OF)
    high = worklist_item(facts(patient_code="H", adherence_28d=0.5, psychologist_id=8), AS_OF)
    routine = worklist_item(facts(patient_code="R", overdue_assignments=2, psychologist_id=7),
                            AS_OF)
    assert urgent and high and routine
    items = [urgent, high, routine]
    assert filter_worklist(items) == items
    assert filter_worklist(items, tiers=[Tier.URGENT, Tier.ROUTINE]) == [urgent, routine]
    assert filter_worklist(items, reasons=[ReasonCode.LOW_ADHERENCE]) == [high]
    assert filter_worklist(items, psychologist_id=7) == [urgent, routine]
    assert filter_worklist(items, tiers=[Tier.HIGH], psychologist_id=7) == []


# --- dates as the reader reads them (issue 9) ---------------------------------------------------
# 31 May 2026 is 10 Khordad 1405 (1 Khordad is 22 May).


def test_dated_reasons_keep_their_date_and_a_screen_writes_it_in_the_readers_calendar() -> None:
    item = worklist_item(facts(last_unexpected_positive_on=days_ago(2),
                               next_consent_expiry=days_ago(-5)), AS_OF)
    assert item is not None
    assert [(r.code, r.text, r.day) for r in item.reasons] == [
        (ReasonCode.UNEXPECTED_POSITIVE_7D, "Unexpected positive screen on 2026-05-29",
         date(2026, 5, 29)),
        (ReasonCode.CONSENT_EXPIRING, "A family consent expires on 2026-06-05",
         date(2026, 6, 5)),
    ]

    def jalali_persian(day: date) -> str:
        return format_date(day, Calendar.JALALI, "fa")

    [shown] = worklist_as_shown([item], jalali_persian)
    assert [reason_text(r, jalali_persian) for r in item.reasons] == [
        r.text for r in shown.reasons] == [
        "Unexpected positive screen on ۱۴۰۵/۰۳/۰۸", "A family consent expires on ۱۴۰۵/۰۳/۱۵"]
    assert shown.reasons[0].since == date(2026, 5, 29)  # only the words change
    # The export and the CLI keep writing ISO dates from the items themselves.
    assert item.as_flat_record()["reasons"] == (
        "unexpected_positive_7d: Unexpected positive screen on 2026-05-29 | "
        "consent_expiring: A family consent expires on 2026-06-05")


def test_a_reason_without_a_date_keeps_its_words() -> None:
    adherence = outreach_reasons(facts(adherence_28d=0.5), AS_OF)[0]
    assert adherence.day is None
    assert reason_text(adherence, lambda day: "never called") == adherence.text
