"""The navigation's urgent count, read from the urgent rules' facts alone, agrees with the
worklist's urgent items on hand-made tables and on a generated demo network."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from data_access.demo import build_demo
from data_access.models import OutreachAttempt, Patient, PhaseChange
from data_access.outreach import outreach_worklist, urgent_patient_count
from domain.outreach import Tier
from tests import builders
from tests.data_access.test_outreach import (
    ADMITTED,
    AS_OF,
    NOON,
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


def test_urgent_count_is_the_worklists_urgent_items(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        steady_patient(session, clinic_id, "P00-QUIET")
        missed = builders.patient(session, clinic_id, "P01-MISSED", admission=ADMITTED)
        add_doses(session, missed, days(ADMITTED, AS_OF - timedelta(days=3)))
        engaged_family(session, clinic_id, missed, "M-01")
        two_missed = builders.patient(session, clinic_id, "P02-TWO", admission=ADMITTED)
        add_doses(session, two_missed, days(ADMITTED, AS_OF - timedelta(days=2)))
        for code, ago in (("P03-DISCH10", 10), ("P04-DISCH20", 20)):
            pid = steady_patient(session, clinic_id, code, phase="discharged")
            session.get_one(Patient, pid).discharged_on = AS_OF - timedelta(days=ago)
        ended = steady_patient(session, clinic_id, "P05-TAPEREND", phase="aftercare")
        session.add(PhaseChange(patient_id=ended, from_phase="taper", to_phase="aftercare",
                                changed_on=AS_OF - timedelta(days=5), reason="taper done",
                                created_at=NOON))
        emergency = steady_patient(session, clinic_id, "P06-EMERG")
        member = builders.member(session, clinic_id, emergency, "M-06B")
        builders.report(session, member, emergency, emergency=True)
        acknowledged = steady_patient(session, clinic_id, "P07-ACKED")
        member = builders.member(session, clinic_id, acknowledged, "M-07B")
        builders.report(session, member, acknowledged, emergency=True, acknowledged=True)
        # Snoozed at the urgent tier: off the list; snoozed at high: the urgent reason overrides.
        for code, tier in (("P08-SNOOZED", "urgent"), ("P09-OVERRIDE", "high")):
            pid = builders.patient(session, clinic_id, code, admission=ADMITTED)
            add_doses(session, pid, days(ADMITTED, AS_OF - timedelta(days=4)))
            attempt(session, pid, tier)
    expected = {"P01-MISSED", "P03-DISCH10", "P05-TAPEREND", "P06-EMERG", "P09-OVERRIDE"}
    assert urgent_codes(session, [clinic_id]) == expected
    assert urgent_patient_count(session, clinic_ids=[clinic_id], as_of=AS_OF) == len(expected)
    assert urgent_patient_count(session, clinic_ids=[clinic_id + 1], as_of=AS_OF) == 0


def test_urgent_count_agrees_on_a_demo_network(session: Session) -> None:
    with session.begin():
        build_demo(session, patients=60, days=120, seed=3, as_of=AS_OF)
    clinic_ids = [int(row[0]) for row in session.execute(
        Patient.__table__.select().with_only_columns(Patient.clinic_id).distinct())]
    urgent = urgent_codes(session, clinic_ids)
    assert urgent  # the generated network has families to call today
    assert urgent_patient_count(session, clinic_ids=clinic_ids, as_of=AS_OF) == len(urgent)
