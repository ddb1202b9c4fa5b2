"""The outreach worklist read from the database: each rule's facts, snooze, export audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data_access.audit import verify_audit_chain
from data_access.demo import build_demo
from data_access.models import (
    Assignment,
    AuditLog,
    ContentModule,
    EngagementEvent,
    OutboxMessage,
    OutreachAttempt,
    Patient,
    PhaseChange,
    SupportMember,
)
from data_access.outreach import (
    OutreachInputError,
    log_attempt,
    outreach_facts,
    outreach_worklist,
    urgent_patient_count,
    worklist_context,
)
from data_access.signals import all_clinic_ids, consented_member_counts, patient_conditions
from domain.outreach import OutreachThresholds, ReasonCode, Tier
from tests import builders
from tests.data_access.test_patient_signals import add_doses, add_screen, days

AS_OF = date(2026, 11, 2)
ADMITTED = date(2026, 6, 1)
NOON = datetime(2026, 11, 2, 12, 0)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


def engaged_family(session: Session, clinic_id: int, patient_id: int, code: str,
                   *, last_engaged: date = AS_OF - timedelta(days=2),
                   expires: date | None = None) -> int:
    """A member with a consent since admission who engaged on ``last_engaged``."""
    member_id = builders.member(session, clinic_id, patient_id, code)
    builders.consent(session, member_id, patient_id, signed=ADMITTED, expires=expires)
    session.execute(insert(EngagementEvent), [{"member_id": member_id, "kind": "opened",
                                               "occurred_at": at(last_engaged)}])
    return member_id


def steady_patient(session: Session, clinic_id: int, code: str, **kwargs: object) -> int:
    """Takes every dose up to as_of and has an engaged family: nothing to act on."""
    patient_id = builders.patient(session, clinic_id, code, admission=ADMITTED,
                                  **kwargs)  # type: ignore[arg-type]
    add_doses(session, patient_id, days(ADMITTED, AS_OF))
    engaged_family(session, clinic_id, patient_id, f"M-{code}")
    return patient_id


def reasons_by_patient(session: Session, clinic_id: int) -> dict[str, list[str]]:
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF)
    return {item.patient_code: [str(r.code) for r in item.reasons] for item in items}


def test_each_rule_read_from_the_tables(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        steady_patient(session, clinic_id, "P00-QUIET")
        # Urgent: the last three days missed.
        missed = builders.patient(session, clinic_id, "P01-MISSED", admission=ADMITTED)
        add_doses(session, missed, days(ADMITTED, AS_OF - timedelta(days=3)))
        engaged_family(session, clinic_id, missed, "M-01")
        # Urgent: discharged 10 days ago; another 20 days ago is off the list.
        for code, ago in (("P02-DISCH10", 10), ("P03-DISCH20", 20)):
            pid = steady_patient(session, clinic_id, code, phase="discharged")
            session.get_one(Patient, pid).discharged_on = AS_OF - timedelta(days=ago)
        # Urgent: taper -> aftercare 5 days ago.
        ended = steady_patient(session, clinic_id, "P04-TAPEREND", phase="aftercare")
        session.add(PhaseChange(patient_id=ended, from_phase="taper", to_phase="aftercare",
                                changed_on=AS_OF - timedelta(days=5), reason="taper done",
                                created_at=NOON))
        # Urgent: an unacknowledged emergency; an acknowledged one does not count.
        emergency = steady_patient(session, clinic_id, "P05-EMERG")
        member = builders.member(session, clinic_id, emergency, "M-05B")
        builders.report(session, member, emergency, emergency=True)
        builders.report(session, member, emergency, emergency=True, acknowledged=True)
        # High: unexpected positive 3 days ago; an expected one elsewhere does not count.
        positive = steady_patient(session, clinic_id, "P06-POS")
        add_screen(session, positive, AS_OF - timedelta(days=3), "heroin", "positive")
        expected = steady_patient(session, clinic_id, "P07-EXPECTED")
        add_screen(session, expected, AS_OF - timedelta(days=3), "methadone", "positive",
                   expected=True)
        # High: taper started 10 days ago, family quiet for 20 days.
        taper = builders.patient(session, clinic_id, "P08-TAPER", admission=ADMITTED,
                                 phase="taper")
        session.get_one(Patient, taper).phase_since = AS_OF - timedelta(days=10)
        add_doses(session, taper, days(ADMITTED, AS_OF))
        engaged_family(session, clinic_id, taper, "M-08", last_engaged=AS_OF - timedelta(days=20))
        # High: a question past its deadline; an answered one does not count.
        asked = steady_patient(session, clinic_id, "P09-QUESTION")
        asker = builders.member(session, clinic_id, asked, "M-09B")
        overdue = builders.question(session, asker, asked)
        builders.question(session, asker, asked, answered=True)
        # Routine: family quiet for 40 days; 2 overdue assignments; consent expiring soon.
        quiet = builders.patient(session, clinic_id, "P10-QUIETFAM", admission=ADMITTED)
        add_doses(session, quiet, days(ADMITTED, AS_OF))
        engaged_family(session, clinic_id, quiet, "M-10", last_engaged=AS_OF - timedelta(days=40))
        late = steady_patient(session, clinic_id, "P11-ASSIGN")
        module = ContentModule(code="what-is-mat", title="What MAT is", kind="text",
                               language="en", created_at=NOON, updated_at=NOON)
        session.add(module)
        session.flush()
        # Two open assignments past due; completed and cancelled ones are not due.
        for status, due in (("sent", 5), ("opened", 1), ("completed", 9),
                            ("cancelled_consent_revoked", 9)):
            session.add(Assignment(module_id=module.id, member_id=_member_of(session, late),
                                   assigned_at=NOON - timedelta(days=20), status=status,
                                   due_on=AS_OF - timedelta(days=due)))
        expiring = builders.patient(session, clinic_id, "P12-EXPIRY", admission=ADMITTED)
        add_doses(session, expiring, days(ADMITTED, AS_OF))
        engaged_family(session, clinic_id, expiring, "M-12", expires=AS_OF + timedelta(days=10))
        # Routine: nobody consented.
        alone = builders.patient(session, clinic_id, "P13-ALONE", admission=ADMITTED)
        add_doses(session, alone, days(ADMITTED, AS_OF))
    assert overdue > 0
    found = reasons_by_patient(session, clinic_id)
    assert found == {
        "P01-MISSED": ["overdose_risk_tolerance"],
        "P02-DISCH10": ["recent_discharge_or_taper_end"],
        "P04-TAPEREND": ["recent_discharge_or_taper_end"],
        "P05-EMERG": ["emergency_report"],
        "P06-POS": ["unexpected_positive_7d"],
        "P08-TAPER": ["taper_family_disengaged"],
        "P09-QUESTION": ["question_overdue"],
        "P10-QUIETFAM": ["family_disengaged_30d"],
        "P11-ASSIGN": ["assignments_overdue"],
        "P12-EXPIRY": ["consent_expiring"],
        "P13-ALONE": ["recruit_support"],
    }
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert [item.tier for item in items[:4]] == [Tier.URGENT] * 4
    assert items[4].tier != Tier.URGENT and items[-1].tier == Tier.ROUTINE
    # The navigation's count, read from the urgent rules' facts alone, agrees.
    assert urgent_patient_count(session, clinic_ids=[clinic_id], as_of=AS_OF) == 4
    by_code = {item.patient_code: item for item in items}
    assert by_code["P01-MISSED"].member_codes == ("M-01",)
    assert by_code["P13-ALONE"].member_codes == ()


def _member_of(session: Session, patient_id: int) -> int:
    code = session.scalar(select(Patient.code).where(Patient.id == patient_id))
    member_id = session.scalar(select(SupportMember.id).where(SupportMember.code == f"M-{code}"))
    assert member_id is not None
    return member_id


def test_facts_count_consents_and_engagement_as_of_the_day(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        add_doses(session, pid, days(ADMITTED, AS_OF))
        # The consent began 5 days ago and nobody engaged since: not yet 30 days quiet.
        member = builders.member(session, clinic_id, pid, "M-NEW")
        builders.consent(session, member, pid, signed=AS_OF - timedelta(days=5))
        # A revoked member's engagement does not count.
        revoked = builders.member(session, clinic_id, pid, "M-REV")
        builders.consent(session, revoked, pid, signed=ADMITTED,
                         revoked=AS_OF - timedelta(days=1))
        session.execute(insert(EngagementEvent), [{"member_id": revoked, "kind": "opened",
                                                   "occurred_at": at(AS_OF)}])
    (facts,) = outreach_facts(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert facts.consented_members == 1
    assert facts.member_codes == ("M-NEW",)
    assert facts.last_engagement_at is None
    assert facts.earliest_active_consent_on == AS_OF - timedelta(days=5)
    assert reasons_by_patient(session, clinic_id) == {}
    # 30 days after the consent began, the quiet family is listed.
    later = AS_OF + timedelta(days=25)
    session.commit()
    with session.begin():
        add_doses(session, pid, days(AS_OF + timedelta(days=1), later))
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=later)
    assert [str(r.code) for r in items[0].reasons] == ["family_disengaged_30d"]


def test_a_follow_up_snoozes_until_a_higher_tier_appears(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        add_doses(session, pid, days(ADMITTED, AS_OF))
        member = engaged_family(session, clinic_id, pid, "M-1",
                                last_engaged=AS_OF - timedelta(days=45))
        session.add(OutreachAttempt(
            patient_id=pid, member_id=member, attempted_at=at(AS_OF - timedelta(days=1)),
            channel="phone_call", outcome="no_answer", follow_up_on=AS_OF + timedelta(days=3),
            tier="routine"))
    assert reasons_by_patient(session, clinic_id) == {}
    (facts,) = outreach_facts(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert facts.last_contact_on == AS_OF - timedelta(days=1)
    assert facts.snoozed_until == AS_OF + timedelta(days=3)
    assert facts.snoozed_tier == Tier.ROUTINE
    # A positive screen (high) overrides the routine snooze.
    session.commit()
    with session.begin():
        add_screen(session, pid, AS_OF, "heroin", "positive")
    assert reasons_by_patient(session, clinic_id) == {
        "P1": ["unexpected_positive_7d", "family_disengaged_30d"],
    }
    # On the follow-up day the item is back without any override.
    day = AS_OF + timedelta(days=3)
    session.commit()
    with session.begin():
        add_doses(session, pid, days(AS_OF + timedelta(days=1), day))
    (item,) = outreach_worklist(session, clinic_ids=[clinic_id], as_of=day)
    assert item.snoozed_until == day


def test_log_attempt_checks_input_and_audits(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        other = builders.patient(session, clinic_id, "P2", admission=ADMITTED)
        member = builders.member(session, clinic_id, pid, "M-1")
        stranger = builders.member(session, clinic_id, other, "M-2")
    before = session.scalar(select(func.max(AuditLog.seq))) or 0
    session.commit()
    for kwargs, message in (
        ({"member_id": stranger}, "does not belong"),
        ({"follow_up_on": AS_OF}, "must be after today"),
        ({"outcome": "maybe"}, "Unknown outcome 'maybe'"),
        ({"channel": "pigeon"}, "Unknown channel 'pigeon'"),
    ):
        arguments: dict[str, object] = {
            "patient_id": pid, "member_id": member, "channel": "phone_call",
            "outcome": "no_answer", "note": None, "follow_up_on": None, "tier": Tier.HIGH,
            "actor": "supervisor", "today": AS_OF, **kwargs,
        }
        with pytest.raises(OutreachInputError, match=message), session.begin():
            log_attempt(session, **arguments)  # type: ignore[arg-type]
    assert session.scalar(select(func.count()).select_from(OutreachAttempt)) == 0
    session.commit()
    with session.begin():
        attempt = log_attempt(session, patient_id=pid, member_id=member, channel="telegram",
                              outcome="message_sent", note="  Sent the naloxone leaflet ",
                              follow_up_on=AS_OF + timedelta(days=2), tier=Tier.HIGH,
                              actor="supervisor", today=AS_OF)
    stored = session.get_one(OutreachAttempt, attempt.id)
    assert (stored.note, stored.tier, stored.outcome) == (
        "Sent the naloxone leaflet", "high", "message_sent")
    session.commit()
    audit = session.scalars(select(AuditLog).where(AuditLog.seq > before)
                            .order_by(AuditLog.seq)).all()
    assert [(row.action, row.entity) for row in audit] == [
        ("create", "outreach_attempt")]
    assert verify_audit_chain(session).broken is None


def test_context_lists_only_consented_members(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        engaged_family(session, clinic_id, pid, "M-YES")
        builders.member(session, clinic_id, pid, "M-NO")  # no consent: never contacted
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF)
    context = worklist_context(session, items, AS_OF)
    assert [m.code for m in context[pid].members] == ["M-YES"]
    assert context[pid].patient_name == "Test Demo-P1"
    assert ReasonCode.RECRUIT_SUPPORT not in {r.code for r in items[0].reasons}


def test_messages_for_a_phone_family_wait_until_a_call_is_logged(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        add_doses(session, pid, days(ADMITTED, AS_OF))
        caller = engaged_family(session, clinic_id, pid, "M-PHONE")
        session.get_one(SupportMember, caller).channel = "phone_call"
        for n, status in enumerate(("failed", "queued", "sent")):
            session.add(OutboxMessage(member_id=caller, kind="assignment", body="Module",
                                      idempotency_key=f"k{n}", status=status, attempts=0,
                                      created_at=at(AS_OF - timedelta(days=1))))
    assert reasons_by_patient(session, clinic_id) == {"P1": ["phone_messages_waiting"]}
    session.commit()
    with session.begin():
        log_attempt(session, patient_id=pid, member_id=caller, channel="phone_call",
                    outcome="reached", note="Read out both messages", follow_up_on=None,
                    tier=Tier.ROUTINE, actor="supervisor", today=AS_OF)
    # The attempt is stamped with the real clock: judge the day after it.
    later = datetime.now().date() + timedelta(days=1)
    with session.begin():
        add_doses(session, pid, days(AS_OF + timedelta(days=1), later))
    items = outreach_worklist(session, clinic_ids=[clinic_id], as_of=later)
    assert all(ReasonCode.PHONE_MESSAGES_WAITING not in {r.code for r in item.reasons}
               for item in items)


def test_facts_gather_every_consented_member_of_a_family(session: Session) -> None:
    """Members, consents and engagement are read in one row per consented member: the family's
    figures are the earliest signing and expiry and the latest engagement among them."""
    with session.begin():
        clinic_id = builders.clinic(session)
        module = ContentModule(code="what-is-mat", title="What MAT is", kind="text",
                               language="en", created_at=NOON, updated_at=NOON)
        session.add(module)
        pid = builders.patient(session, clinic_id, "P1", admission=ADMITTED)
        alone = builders.patient(session, clinic_id, "P2", admission=ADMITTED)
        for patient_id in (pid, alone):
            add_doses(session, patient_id, days(ADMITTED, AS_OF))
        sister = builders.member(session, clinic_id, pid, "M-B")
        builders.consent(session, sister, pid, signed=ADMITTED + timedelta(days=10),
                         expires=AS_OF + timedelta(days=40))
        mother = builders.member(session, clinic_id, pid, "M-A")
        builders.consent(session, mother, pid, signed=ADMITTED,
                         expires=AS_OF - timedelta(days=1))  # expired: not active
        builders.consent(session, mother, pid, signed=ADMITTED + timedelta(days=30))
        # An inactive member's earlier consent and later engagement do not count.
        former = builders.member(session, clinic_id, pid, "M-C")
        builders.consent(session, former, pid, signed=ADMITTED - timedelta(days=5))
        session.get_one(SupportMember, former).active = False
        session.execute(insert(EngagementEvent), [
            {"member_id": sister, "kind": "opened", "occurred_at": at(AS_OF - timedelta(days=40))},
            {"member_id": sister, "kind": "replied", "occurred_at": at(AS_OF - timedelta(days=20))},
            {"member_id": mother, "kind": "opened", "occurred_at": at(AS_OF + timedelta(days=1))},
            {"member_id": former, "kind": "opened", "occurred_at": at(AS_OF)},
        ])
        session.flush()
        for member_id, status, due in ((mother, "sent", 3), (sister, "delivered", 8),
                                       (sister, "queued", 1), (sister, "sent", -2)):
            session.add(Assignment(module_id=module.id, member_id=member_id,
                                   assigned_at=NOON - timedelta(days=20), status=status,
                                   due_on=AS_OF - timedelta(days=due)))
    family, nobody = outreach_facts(session, clinic_ids=[clinic_id], as_of=AS_OF)
    assert family.member_codes == ("M-A", "M-B")
    assert family.consented_members == 2
    assert family.earliest_active_consent_on == ADMITTED + timedelta(days=10)
    assert family.next_consent_expiry == AS_OF + timedelta(days=40)
    assert family.last_engagement_at == AS_OF - timedelta(days=20)
    assert family.overdue_assignments == 3  # the one due in 2 days is not overdue
    assert (nobody.member_codes, nobody.consented_members, nobody.earliest_active_consent_on,
            nobody.next_consent_expiry, nobody.last_engagement_at,
            nobody.overdue_assignments) == ((), 0, None, None, None, 0)


def test_low_adherence_read_from_the_doses(session: Session) -> None:
    """28-day adherence from the dose table: 22 of 28 days (79 %) is under 80 %, 23 of 28 (82 %)
    is not; both took today's dose, so no missed-dose streak; a stricter setting lists both."""
    window = days(AS_OF - timedelta(days=27), AS_OF)
    with session.begin():
        clinic_id = builders.clinic(session)
        for code, missed_count in (("P-LOW", 6), ("P-OK", 5)):
            pid = builders.patient(session, clinic_id, code, admission=ADMITTED)
            # Every 4th day missed, from the window's first day: never today, never two in a row.
            missed = set(window[0:4 * missed_count:4])
            add_doses(session, pid, [d for d in days(ADMITTED, AS_OF) if d not in missed])
            engaged_family(session, clinic_id, pid, f"M-{code}")
    assert reasons_by_patient(session, clinic_id) == {"P-LOW": ["low_adherence"]}
    low = {f.patient_code: f for f in outreach_facts(session, clinic_ids=[clinic_id],
                                                      as_of=AS_OF)}
    assert (low["P-LOW"].adherence_28d, low["P-LOW"].missed_streak) == (0.786, 0)
    assert low["P-OK"].adherence_28d == 0.821
    (item,) = [i for i in outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF)
               if i.patient_code == "P-LOW"]
    assert (item.tier, item.reasons[0].text) == (
        Tier.HIGH, "Took doses on 79% of days in the last 28 days")
    stricter = outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF,
                                 outreach=OutreachThresholds(low_adherence_below=0.85))
    assert [i.patient_code for i in stricter] == ["P-LOW", "P-OK"]


def test_the_worklist_hands_its_consented_counts_to_the_clinical_facts(
        session: Session) -> None:
    """``outreach_facts`` counts consented members from the members it reads one by one and
    gives that count to the clinical facts instead of reading it again: on a generated network
    it must equal the count the Patients page reads (``consented_member_counts``)."""
    with session.begin():
        build_demo(session, patients=60, days=120, seed=5, as_of=AS_OF)
    clinic_ids = all_clinic_ids(session)
    conditions = patient_conditions(clinic_ids, AS_OF, discharged_since=AS_OF - timedelta(
        days=OutreachThresholds().post_discharge_days))
    read_alone = consented_member_counts(session, conditions, AS_OF)
    assert read_alone and max(read_alone.values()) >= 2  # families of several members
    facts = outreach_facts(session, clinic_ids=clinic_ids, as_of=AS_OF)
    assert {f.patient_id: f.consented_members for f in facts if f.consented_members} == (
        read_alone)
