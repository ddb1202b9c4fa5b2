"""Case meetings and action items in the database: the proposed agenda, a meeting, decisions,
open items by owner and patient, completion, minutes, audit, and refusals that write nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from data_access.demo import build_demo
from data_access.meetings import (
    MeetingError,
    action_owners,
    add_action_item,
    agenda_candidates,
    clinic_patients,
    close_meeting,
    complete_action_item,
    due_actions,
    meeting_agenda,
    meeting_minutes,
    open_action_items,
    recent_meetings,
    record_meeting_view,
    start_meeting,
)
from data_access.models import (
    ActionItem,
    AuditLog,
    CaseMeeting,
    CaseMeetingPatient,
    Clinic,
    Patient,
    StaffUser,
)
from data_access.outreach import outreach_worklist
from data_access.schema import alembic_config, is_up_to_date, upgrade_to_head
from data_access.signals import patient_signal_list
from data_access.staff import add_user
from domain.meetings import ActionItemError, AgendaEntry, AgendaReason, meeting_agenda_order
from domain.meetings import agenda_candidates as choose_candidates
from domain.vocabulary import Role
from tests import builders
from tests.data_access.test_patient_signals import add_doses, days

AS_OF = date(2026, 11, 2)
ADMITTED = AS_OF - timedelta(days=200)
PASSWORD = "meeting-test-password"


@dataclass(frozen=True)
class World:
    clinic: int
    other_clinic: int
    patients: dict[str, int]
    staff: dict[str, int]


def staff(session: Session, username: str, role: Role, clinic: str) -> int:
    return add_user(session, username=username, password=PASSWORD, role=role,
                    clinic_codes=[clinic], actor="test",
                    display_name=f"Test {username}").id


@pytest.fixture
def world(session: Session) -> World:
    """Clinic TST, every patient admitted 200 days ago, no family consented (a routine reason
    only, which is not a reason to meet):

    URG: last dose 4 days ago: urgent outreach (missed-dose streak 4).
    LOW: 8 days missed 20-27 days ago: 20 of 28 days taken, 71 %: high outreach.
    READY: maintenance 200 days, every dose taken: step-down due.
    FOLLOW: stabilisation for 30 days, every dose taken, an action due yesterday: follow-up.
    LATER: as FOLLOW, its action due in 5 days: not proposed.
    OTHER (clinic OTH): last dose 4 days ago, but not of clinic TST.
    """
    with session.begin():
        clinic = builders.clinic(session, "TST")
        other = builders.clinic(session, "OTH")
        people = {
            "sup": staff(session, "sup", Role.SUPERVISOR, "TST"),
            "psy": staff(session, "psy", Role.PSYCHOLOGIST, "TST"),
            "team": staff(session, "team", Role.CASE_TEAM, "TST"),
            "gone": staff(session, "gone", Role.PSYCHOLOGIST, "TST"),
            "psy_other": staff(session, "psy_other", Role.PSYCHOLOGIST, "OTH"),
        }
        session.get_one(StaffUser, people["gone"]).active = False
        patients = {}
        for code in ("URG", "LOW", "READY", "FOLLOW", "LATER"):
            phase = "stabilisation" if code in ("FOLLOW", "LATER") else "maintenance"
            patients[code] = builders.patient(session, clinic, code, admission=ADMITTED,
                                              phase=phase)
        patients["OTHER"] = builders.patient(session, other, "OTHER", admission=ADMITTED)
        gap = set(days(AS_OF - timedelta(days=27), AS_OF - timedelta(days=20)))
        add_doses(session, patients["URG"], days(ADMITTED, AS_OF - timedelta(days=4)))
        add_doses(session, patients["OTHER"], days(ADMITTED, AS_OF - timedelta(days=4)))
        add_doses(session, patients["LOW"], [d for d in days(ADMITTED, AS_OF) if d not in gap])
        for code in ("READY", "FOLLOW", "LATER"):
            add_doses(session, patients[code], days(ADMITTED, AS_OF))
        for code in ("FOLLOW", "LATER"):
            session.get_one(Patient, patients[code]).phase_since = AS_OF - timedelta(days=30)
        # Recorded three days ago, outside a meeting.
        add_action_item(session, patient_id=patients["FOLLOW"], clinic_ids=[clinic],
                        what="Ask the pharmacy about take-home doses", owner_id=people["sup"],
                        due_on=AS_OF - timedelta(days=1), today=AS_OF - timedelta(days=3),
                        created_by_id=people["sup"], actor="sup")
        add_action_item(session, patient_id=patients["LATER"], clinic_ids=[clinic],
                        what="Invite the sister to a family session", owner_id=people["psy"],
                        due_on=AS_OF + timedelta(days=5), today=AS_OF - timedelta(days=3),
                        created_by_id=people["sup"], actor="sup")
    return World(clinic=clinic, other_clinic=other, patients=patients, staff=people)


def write(session: Session) -> SessionTransaction:
    """A write transaction after reads, which began one of their own: end that one first."""
    session.commit()
    return session.begin()


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def audit_rows(session: Session) -> list[tuple[str, str, str | None, str]]:
    rows = session.execute(select(AuditLog.action, AuditLog.entity, AuditLog.entity_id,
                                  AuditLog.summary).order_by(AuditLog.seq)).all()
    return [tuple(row) for row in rows if row.entity != "staff_user"]  # type: ignore[misc]


def started(session: Session, world: World, codes: list[str]) -> int:
    """A meeting of TST on AS_OF with the proposed patients chosen among ``codes``."""
    candidates = agenda_candidates(session, clinic_id=world.clinic, on=AS_OF)
    patients = {pid: code for pid, code, _ in clinic_patients(session, clinic_id=world.clinic)}
    agenda = meeting_agenda_order(candidates, [world.patients[c] for c in codes], patients)
    with write(session):
        return start_meeting(session, clinic_id=world.clinic, clinic_ids=[world.clinic],
                             held_on=AS_OF, agenda=agenda, created_by_id=world.staff["sup"],
                             actor="sup")


def test_candidates_are_the_clinics_patients_in_agenda_order(session: Session,
                                                             world: World) -> None:
    candidates = agenda_candidates(session, clinic_id=world.clinic, on=AS_OF)
    assert [(entry.patient_code, entry.reasons) for entry in candidates] == [
        ("URG", (AgendaReason.OUTREACH_URGENT,)),
        ("LOW", (AgendaReason.OUTREACH_HIGH,)),
        ("READY", (AgendaReason.STEP_DOWN_DUE,)),
        ("FOLLOW", (AgendaReason.FOLLOW_UP_DUE,)),
    ]
    assert candidates[1].details == ("Took doses on 71% of days in the last 28 days",)
    assert candidates[3].details == ("action due 2026-11-01",)
    # Six days later LATER's action has come due too, after FOLLOW's (which is older).
    later = agenda_candidates(session, clinic_id=world.clinic, on=AS_OF + timedelta(days=6))
    assert [e.patient_code for e in later if AgendaReason.FOLLOW_UP_DUE in e.reasons] == [
        "FOLLOW", "LATER"]


def test_a_meeting_keeps_its_agenda_and_is_audited(session: Session, world: World) -> None:
    meeting_id = started(session, world, ["FOLLOW", "URG", "LATER", "READY"])
    agenda = meeting_agenda(session, meeting_id=meeting_id, clinic_ids=[world.clinic])
    assert (agenda.clinic_code, agenda.held_on, agenda.closed) == ("TST", AS_OF, False)
    assert [(p.position, p.patient_code, p.name, p.reasons) for p in agenda.patients] == [
        (0, "URG", "Test Demo-URG", (AgendaReason.OUTREACH_URGENT,)),
        (1, "READY", "Test Demo-READY", (AgendaReason.STEP_DOWN_DUE,)),
        (2, "FOLLOW", "Test Demo-FOLLOW", (AgendaReason.FOLLOW_UP_DUE,)),
        (3, "LATER", "Test Demo-LATER", ()),  # added by hand
    ]
    with write(session):
        record_meeting_view(session, meeting_id=meeting_id, patient_id=None, actor="team")
        record_meeting_view(session, meeting_id=meeting_id, patient_id=world.patients["URG"],
                            actor="team")
    assert audit_rows(session)[-3:] == [
        ("create", "case_meeting", str(meeting_id), "clinic TST, held 2026-11-02, 4 patients"),
        ("view", "case_meeting", str(meeting_id), "viewed agenda"),
        ("view", "patient", str(world.patients["URG"]), f"viewed in case meeting {meeting_id}"),
    ]
    [summary] = recent_meetings(session, clinic_ids=[world.clinic])
    assert (summary.id, summary.patients, summary.decisions, summary.closed,
            summary.created_by) == (meeting_id, 4, 0, False, "Test sup")
    assert recent_meetings(session, clinic_ids=[world.other_clinic]) == []
    with pytest.raises(MeetingError, match="No such meeting in your clinics"):
        meeting_agenda(session, meeting_id=meeting_id, clinic_ids=[world.other_clinic])


@pytest.mark.parametrize(
    ("agenda_codes", "clinic_ids", "message"),
    [
        ([], None, "Choose at least one patient to review."),
        (["URG", "OTHER"], None, "Not patients of clinic TST: OTHER."),
        (["URG"], "other", "You do not work for this clinic."),
    ],
)
def test_a_meeting_that_cannot_start_writes_nothing(session: Session, world: World,
                                                    agenda_codes: list[str],
                                                    clinic_ids: str | None,
                                                    message: str) -> None:
    before = len(audit_rows(session))
    agenda = [AgendaEntry(world.patients[code], code, ()) for code in agenda_codes]
    allowed = [world.other_clinic] if clinic_ids == "other" else [world.clinic]
    with pytest.raises(MeetingError) as raised, write(session):
        start_meeting(session, clinic_id=world.clinic, clinic_ids=allowed, held_on=AS_OF,
                      agenda=agenda, created_by_id=world.staff["sup"], actor="sup")
    assert str(raised.value) == message
    assert (count(session, CaseMeeting), count(session, CaseMeetingPatient)) == (0, 0)
    assert len(audit_rows(session)) == before


def test_decisions_show_by_owner_and_patient_until_done(session: Session, world: World) -> None:
    meeting_id = started(session, world, ["URG", "READY"])
    psy, sup, team = world.staff["psy"], world.staff["sup"], world.staff["team"]
    assert [name for _, name in action_owners(session, clinic_id=world.clinic)] == [
        "Test psy", "Test sup"]  # active supervisors and psychologists of TST only
    with write(session):
        urg_item = add_action_item(
            session, patient_id=world.patients["URG"], clinic_ids=[world.clinic],
            what="  Call the mother today: naloxone and emergency plan ", owner_id=psy,
            due_on=AS_OF + timedelta(days=7), today=AS_OF, meeting_id=meeting_id,
            created_by_id=sup, actor="sup")
        ready_item = add_action_item(
            session, patient_id=world.patients["READY"], clinic_ids=[world.clinic],
            what="Prescriber review of a taper plan", owner_id=sup, due_on=AS_OF,
            today=AS_OF, meeting_id=meeting_id, created_by_id=sup, actor="sup")
    assert audit_rows(session)[-1] == (
        "create", "action_item", str(ready_item),
        f"patient {world.patients['READY']}: owner {sup}, due 2026-11-02, "
        f"case meeting {meeting_id}")

    mine = open_action_items(session, clinic_ids=[world.clinic], owner_id=psy)
    assert [(i.patient_code, i.what, i.due_on, i.meeting_held_on) for i in mine] == [
        ("LATER", "Invite the sister to a family session", AS_OF + timedelta(days=5), None),
        ("URG", "Call the mother today: naloxone and emergency plan",
         AS_OF + timedelta(days=7), AS_OF),
    ]
    [urg] = open_action_items(session, clinic_ids=[world.clinic],
                              patient_id=world.patients["URG"])
    assert (urg.id, urg.owner_name, urg.patient_name) == (urg_item, "Test psy", "Test Demo-URG")
    assert open_action_items(session, clinic_ids=[world.other_clinic], owner_id=psy) == []

    # The case team reads only; a psychologist completes an own item, not a colleague's.
    for user_id, role in ((team, Role.CASE_TEAM), (psy, Role.PSYCHOLOGIST)):
        with pytest.raises(ActionItemError, match="Only the owner or a supervisor"), \
                write(session):
            complete_action_item(session, item_id=ready_item, clinic_ids=[world.clinic],
                                 user_id=user_id, role=role, actor="x")
    with pytest.raises(ActionItemError, match="No such action item in your clinics"), \
            write(session):
        complete_action_item(session, item_id=urg_item, clinic_ids=[world.other_clinic],
                             user_id=psy, role=Role.PSYCHOLOGIST, actor="psy")
    with write(session):
        complete_action_item(session, item_id=urg_item, clinic_ids=[world.clinic], user_id=psy,
                             role=Role.PSYCHOLOGIST, actor="psy")
        complete_action_item(session, item_id=ready_item, clinic_ids=[world.clinic],
                             user_id=sup, role=Role.SUPERVISOR, actor="sup")
    done = session.get_one(ActionItem, urg_item)
    assert done.done_at is not None and done.done_by_id == psy
    assert audit_rows(session)[-2:] == [
        ("update", "action_item", str(urg_item), f"patient {world.patients['URG']}: marked done"),
        ("update", "action_item", str(ready_item),
         f"patient {world.patients['READY']}: marked done"),
    ]
    assert [i.patient_code for i in open_action_items(session, clinic_ids=[world.clinic],
                                                      owner_id=psy)] == ["LATER"]
    with pytest.raises(ActionItemError, match="already marked done"), write(session):
        complete_action_item(session, item_id=urg_item, clinic_ids=[world.clinic], user_id=sup,
                             role=Role.SUPERVISOR, actor="sup")

    with write(session):
        add_action_item(session, patient_id=world.patients["URG"], clinic_ids=[world.clinic],
                        what="Check the family received naloxone", owner_id=sup,
                        due_on=AS_OF + timedelta(days=2), today=AS_OF, meeting_id=meeting_id,
                        created_by_id=sup, actor="sup")
        close_meeting(session, meeting_id=meeting_id, clinic_ids=[world.clinic], actor="sup")
    minutes = meeting_minutes(session, meeting_id=meeting_id, clinic_ids=[world.clinic])
    assert (minutes.clinic_code, minutes.clinic_name, minutes.held_on) == (
        "TST", "Test clinic TST (synthetic)", AS_OF)
    assert minutes.closed_at is not None
    assert [(p.patient_code, p.name, p.reasons) for p in minutes.patients] == [
        ("URG", "Test Demo-URG", ("urgent outreach: reach the family today",)),
        ("READY", "Test Demo-READY", ("step down due: every readiness criterion is met",)),
    ]
    assert [[(d.what, d.owner, d.due_on, d.done) for d in p.decisions]
            for p in minutes.patients] == [
        [("Call the mother today: naloxone and emergency plan", "Test psy",
          AS_OF + timedelta(days=7), True),
         ("Check the family received naloxone", "Test sup", AS_OF + timedelta(days=2), False)],
        [("Prescriber review of a taper plan", "Test sup", AS_OF, True)],
    ]
    [summary] = recent_meetings(session, clinic_ids=[world.clinic])
    assert (summary.decisions, summary.closed) == (3, True)
    with pytest.raises(MeetingError, match="already closed"), write(session):
        close_meeting(session, meeting_id=meeting_id, clinic_ids=[world.clinic], actor="sup")


REFUSED = [
    ({"what": "   "}, "Write what was decided."),
    ({"what": "x" * 501}, "Write the decision in at most 500 characters (it has 501)."),
    ({"owner": "team"}, "The owner must be an active supervisor or psychologist"),
    ({"owner": "gone"}, "The owner must be an active supervisor or psychologist"),
    ({"owner": "psy_other"}, "The owner must be an active supervisor or psychologist"),
    ({"due_on": AS_OF - timedelta(days=1)}, "is in the past for this decision: choose "
                                            "2026-11-02 or later."),
    ({"owner": None, "due_on": None, "what": ""},
     "Write what was decided. Choose who will do it. Choose a due date."),
    ({"patient": "LATER"}, "LATER is not on this meeting's agenda."),
    ({"patient": "OTHER"}, "No such patient in your clinics."),
    ({"meeting": "closed"}, "This meeting is closed"),  # last: it closes the meeting
]


def test_a_refused_decision_writes_nothing(session: Session, world: World) -> None:
    meeting_id = started(session, world, ["URG"])
    items, audits = count(session, ActionItem), len(audit_rows(session))
    for change, message in REFUSED:
        if change.get("meeting") == "closed":
            with write(session):
                close_meeting(session, meeting_id=meeting_id, clinic_ids=[world.clinic],
                              actor="sup")
            audits += 1
        owner = change.get("owner", "psy")
        with pytest.raises(ActionItemError, match=re.escape(message)), write(session):
            add_action_item(
                session, patient_id=world.patients[str(change.get("patient", "URG"))],
                clinic_ids=[world.clinic], what=str(change.get("what", "Review the dose")),
                owner_id=None if owner is None else world.staff[str(owner)],
                due_on=change.get("due_on", AS_OF),  # type: ignore[arg-type]
                today=AS_OF, meeting_id=meeting_id, created_by_id=world.staff["sup"],
                actor="sup")
        assert (count(session, ActionItem), len(audit_rows(session))) == (items, audits), change


@pytest.mark.parametrize("what", ["", "y" * 501])
def test_the_database_refuses_an_empty_or_overlong_decision(session: Session, world: World,
                                                            what: str) -> None:
    with pytest.raises(IntegrityError), write(session):
        session.add(ActionItem(patient_id=world.patients["URG"], what=what,
                               owner_id=world.staff["psy"], due_on=AS_OF,
                               created_at=builders.CREATED))
        session.flush()


def test_migration_0006_downgrades_and_upgrades_again(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    tables = set(inspect(engine).get_table_names())
    assert not tables & {"case_meeting", "case_meeting_patient", "action_item"}
    assert "outreach_attempt" in tables
    upgrade_to_head(engine)
    assert is_up_to_date(engine)
    assert {"case_meeting", "case_meeting_patient", "action_item"} <= set(
        inspect(engine).get_table_names())


def test_the_agenda_reads_the_clinic_once_and_proposes_what_the_separate_reads_give(
        session: Session) -> None:
    """The agenda derives the worklist and the step-down signals from one read of the clinic;
    on a generated network it proposes exactly what the worklist and the roster's signals,
    read apart, propose."""
    with session.begin():
        build_demo(session, patients=60, days=200, seed=5, as_of=AS_OF)
    for clinic_id in session.scalars(select(Clinic.id).order_by(Clinic.id)):
        apart = choose_candidates(
            outreach_worklist(session, clinic_ids=[clinic_id], as_of=AS_OF),
            patient_signal_list(session, clinic_ids=[clinic_id], as_of=AS_OF),
            due_actions(session, clinic_ids=[clinic_id]), on=AS_OF)
        assert apart  # the network has patients to discuss
        assert agenda_candidates(session, clinic_id=clinic_id, on=AS_OF) == apart
