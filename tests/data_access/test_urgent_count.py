"""The navigation's urgent count, read from the urgent rules' facts alone, agrees with the
worklist's urgent items on hand-made tables and on a generated demo network."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from data_access.demo import build_demo
from data_access.models import ConditionReport, OutreachAttempt, Patient, PhaseChange
from data_access.outreach import outreach_worklist, urgent_patient_count
from domain.outreach import OutreachThresholds, Tier
from tests import builders
from tests.data_access.test_outreach import (
    ADMITTED,
    AS_OF,
    at,
    engaged_family,
    steady_patient,
)
from tests.data_access.test_patient_signals import add_doses, days


def urgent_codes(session: Session, clinic_ids: list[int]) -> set[str]:
    return {item.patient_code for item in outreach_worklist(session, clinic_ids=clinic_ids,
                                                            as_of=AS_OF)
            if item.tier == Tier.URGENT}


def attempt(session: Session, patient_id: int, tier: str) -> None:
    """A call yesterday with a follow-up in three days, logged at ``tier``."""
    session.add(OutreachAttempt(
        patient_id=patient_id, attempted_at=at(AS_OF - timedelta(days=1)), channel="phone_call",
        outcome="no_answer", follow_up_on=AS_OF + timedelta(days=3), tier=tier))


def test_the_urgent_count_follows_the_snooze(session: Session) -> None:
    """Each rule's facts are read as the worklist's are (``test_outreach``); here the snooze:
    logged at the urgent tier it hides the item, logged at a lower tier it does not."""
    with session.begin():
        clinic_id = builders.clinic(session)
        steady_patient(session, clinic_id, "P00-QUIET")
        for code, tier in (("P01-SNOOZED", "urgent"), ("P02-OVERRIDE", "high"),
                           ("P03-OPEN", None)):
            pid = builders.patient(session, clinic_id, code, admission=ADMITTED)
            add_doses(session, pid, days(ADMITTED, AS_OF - timedelta(days=4)))
            engaged_family(session, clinic_id, pid, f"M-{code}")
            if tier is not None:
                attempt(session, pid, tier)
    assert urgent_codes(session, [clinic_id]) == {"P02-OVERRIDE", "P03-OPEN"}
    assert urgent_patient_count(session, clinic_ids=[clinic_id], as_of=AS_OF) == 2
    assert urgent_patient_count(session, clinic_ids=[clinic_id + 1], as_of=AS_OF) == 0


def test_urgent_count_agrees_on_a_demo_network(session: Session) -> None:
    with session.begin():
        build_demo(session, patients=60, days=120, seed=3, as_of=AS_OF)
    clinic_ids = [int(row[0]) for row in session.execute(
        Patient.__table__.select().with_only_columns(Patient.clinic_id).distinct())]
    urgent = urgent_codes(session, clinic_ids)
    assert urgent  # the generated network has families to call today
    assert urgent_patient_count(session, clinic_ids=clinic_ids, as_of=AS_OF) == len(urgent)


def test_each_urgent_rule_counts_at_its_threshold_and_not_a_day_short(session: Session) -> None:
    """The count reads only the patients who can be urgent (a SQL pre-filter per rule): at each
    rule's edge it must still agree with the worklist, which reads every patient."""
    rules = OutreachThresholds()
    streak, post = rules.overdose_risk_missed_days, rules.post_discharge_days
    with session.begin():
        clinic_id = builders.clinic(session)
        for code, last_dose_ago in (("S-AT", streak), ("S-SHORT", streak - 1)):
            pid = builders.patient(session, clinic_id, code, admission=ADMITTED)
            add_doses(session, pid, days(ADMITTED, AS_OF - timedelta(days=last_dose_ago)))
        for code, admitted_ago in (("N-AT", streak - 1), ("N-SHORT", streak - 2)):
            # Admitted lately with no dose yet: the streak counts from admission.
            builders.patient(session, clinic_id, code,
                             admission=AS_OF - timedelta(days=admitted_ago))
        for code, ago in (("D-AT", post), ("D-PAST", post + 1)):
            pid = steady_patient(session, clinic_id, code, phase="discharged")
            session.get_one(Patient, pid).discharged_on = AS_OF - timedelta(days=ago)
        for code, ago in (("T-AT", post), ("T-PAST", post + 1)):
            pid = steady_patient(session, clinic_id, code, phase="aftercare")
            session.add(PhaseChange(patient_id=pid, from_phase="taper", to_phase="aftercare",
                                    changed_on=AS_OF - timedelta(days=ago), reason="taper done",
                                    created_at=at(AS_OF)))
        for code, acknowledged in (("E-OPEN", None), ("E-LATER", at(AS_OF + timedelta(days=1))),
                                   ("E-DONE", at(AS_OF, hour=16))):
            pid = steady_patient(session, clinic_id, code)
            member_id = builders.member(session, clinic_id, pid, f"M-{code}-B")
            report_id = builders.report(session, member_id, pid, emergency=True)
            session.get_one(ConditionReport, report_id).acknowledged_at = acknowledged
    expected = {"S-AT", "N-AT", "D-AT", "T-AT", "E-OPEN", "E-LATER"}
    assert urgent_codes(session, [clinic_id]) == expected
    assert urgent_patient_count(session, clinic_ids=[clinic_id], as_of=AS_OF) == len(expected)
