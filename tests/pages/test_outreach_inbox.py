"""Outreach and Inbox as clinic staff use them: log an attempt, answer a question, acknowledge
an emergency and see its banner go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from components import outreach_data
from data_access.clock import utc_now
from data_access.database import Database
from data_access.models import (
    Answer,
    AuditLog,
    Clinic,
    ConditionReport,
    DoseEvent,
    EngagementEvent,
    FamilyQuestion,
    OutboxMessage,
    OutreachAttempt,
    Patient,
    StaffUser,
)
from data_access.questions import answer_question, ask_question
from domain.deadlines import MONDAY_TO_FRIDAY, AnswerDeadline, answer_due_at
from domain.outreach import Tier
from domain.vocabulary import Role
from i18n.catalog import interface_language
from settings import load_settings
from tests import builders
from tests.pages.conftest import open_page, texts
from tests.pages.test_persian_dates import chart_data
from tests.pinned_clock import PINNED_TODAY

AS_OF = PINNED_TODAY
QUESTION_AGE_DAYS = 4


@pytest.mark.parametrize("today", [AS_OF + timedelta(days=n) for n in range(7)],
                         ids=lambda day: day.strftime("%a"))
def test_the_fixture_question_is_overdue_on_every_weekday(today: date) -> None:
    """The page tests run on any day: the families' question must be past the clinic's default
    deadline (one working day, Monday to Friday) whatever today's weekday is."""
    asked = datetime.combine(today, datetime.min.time()) - timedelta(days=QUESTION_AGE_DAYS)
    due_at = answer_due_at(asked, AnswerDeadline.ONE_WORKING_DAY, MONDAY_TO_FRIDAY)
    assert due_at <= datetime.combine(today, datetime.min.time())  # overdue as today begins


@pytest.fixture
def families(database: Database) -> dict[str, int]:
    """Every family engaged yesterday. URGENT missed the last 4 days; ASKING's mother asked a
    question 4 days ago (overdue), and so did a stranger without consent; SICK's family sent an
    emergency report.

    Four days, not three: one working day from a Friday is the end of Monday, so a question
    asked 3 days before a Monday is not yet overdue; 4 days ago is overdue whatever the weekday
    (``test_the_fixture_question_is_overdue_on_every_weekday``)."""
    with database.sessions() as session, session.begin():
        clinic_id = session.scalar(select(Patient.clinic_id)) or 1
        admitted = AS_OF - timedelta(days=120)
        ids = {code: builders.patient(session, clinic_id, code, admission=admitted)
               for code in ("URGENT", "ASKING", "SICK")}
        rows = []
        for code, pid in ids.items():
            last = AS_OF - timedelta(days=4) if code == "URGENT" else AS_OF
            rows += [{"patient_id": pid, "dose_date": admitted + timedelta(days=n),
                      "status": "taken", "dose_mg": 80.0, "kind": "observed"}
                     for n in range((last - admitted).days + 1)]
        session.execute(insert(DoseEvent), rows)
        members = {}
        for code, pid in ids.items():
            members[code] = builders.member(session, clinic_id, pid, f"FAM-{code}")
            builders.consent(session, members[code], pid, signed=admitted)
            session.add(EngagementEvent(member_id=members[code], kind="opened",
                                        occurred_at=utc_now() - timedelta(days=1)))
        stranger = builders.member(session, clinic_id, ids["ASKING"], "FAM-NOCONSENT")
        asked = utc_now() - timedelta(days=QUESTION_AGE_DAYS)
        ids["question"] = ask_question(session, member_id=members["ASKING"],
                                       body="Can he drive after his dose?", asked_at=asked,
                                       actor="test").id
        ids["general"] = ask_question(session, member_id=stranger, body="What is methadone?",
                                      asked_at=asked, actor="test").id
        report = ConditionReport(member_id=members["SICK"], patient_id=ids["SICK"],
                                 reported_at=utc_now() - timedelta(minutes=30),
                                 physical="Very drowsy, slow breathing", severity="high",
                                 emergency=True)
        session.add(report)
        session.flush()
        ids["report"] = report.id
    return ids


def test_outreach_groups_by_tier_and_logs_an_attempt(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/outreach.py")
    assert not at.exception, at.exception
    urgent = at.dataframe(key="outreach_urgent").value
    assert list(urgent["patient"]) == ["URGENT", "SICK"]
    assert "Missed doses 4 days in a row" in urgent["reasons"].iloc[0]
    assert "telegram: +44 7700 900001" in urgent["reach"].iloc[0]
    assert list(at.dataframe(key="outreach_high").value["patient"]) == ["ASKING"]
    # Click 1: the row (here through the picker that follows it); click 2: "Log attempt".
    at.selectbox(key="outreach_pick").set_value(families["URGENT"]).run()
    at.radio(key="attempt_outcome").set_value("no_answer")
    at.text_area(key="attempt_note").input("Rang twice, left a voicemail")
    at.date_input(key="attempt_follow_up").set_value(AS_OF + timedelta(days=2))
    at.button(key="FormSubmitter:log_attempt-Log attempt").click().run()
    assert not at.exception, at.exception
    assert "Attempt logged for URGENT." in texts(at)
    with database.sessions() as session:
        attempt = session.scalars(select(OutreachAttempt)).one()
        assert (attempt.patient_id, attempt.outcome, attempt.tier, attempt.follow_up_on,
                attempt.note) == (families["URGENT"], "no_answer", "urgent",
                                  AS_OF + timedelta(days=2), "Rang twice, left a voicemail")
        audit = session.execute(select(AuditLog.action, AuditLog.entity, AuditLog.entity_id)
                                .order_by(AuditLog.seq)).all()
        # The list once, the item with its contact details once, then the attempt.
        assert [tuple(row) for row in audit if row.entity != "staff_user"][-3:] == [
            ("view", "outreach_worklist", AS_OF.isoformat()),
            ("view", "patient", str(families["URGENT"])),
            ("create", "outreach_attempt", str(attempt.id))]
    # Snoozed until the follow-up: the item leaves the list at once.
    assert list(at.dataframe(key="outreach_urgent").value["patient"]) == ["SICK"]


def test_outreach_filters_and_refuses_a_past_follow_up(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    psychologist = _staff_id(database, "pt.psychologist")
    with database.sessions() as session, session.begin():
        session.get_one(Patient, families["SICK"]).psychologist_id = psychologist
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/outreach.py")
    at.multiselect(key="outreach_reason").set_value(["question_overdue"]).run()
    assert [f.key for f in at.dataframe] == ["outreach_high"]
    at.multiselect(key="outreach_reason").set_value([]).run()
    at.multiselect(key="outreach_tier").set_value(["urgent"]).run()
    assert [f.key for f in at.dataframe] == ["outreach_urgent"]
    assert "2 of 3 families to reach · 2 urgent" in texts(at)
    # The psychologist filter offers the clinics' psychologists by name.
    choice = at.selectbox(key="outreach_psychologist")
    assert choice.options == ["All", "Test psychologist"]
    choice.set_value(psychologist).run()
    assert list(at.dataframe(key="outreach_urgent").value["patient"]) == ["SICK"]
    assert "1 of 3 families to reach · 2 urgent" in texts(at)


def test_answer_a_question_and_the_no_consent_warning(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/inbox.py")
    assert not at.exception, at.exception
    frame = at.dataframe(key="inbox_questions").value
    assert list(frame["status"]) == ["overdue", "overdue"]
    assert set(frame["consent"]) == {"education", "none: general only"}
    at.selectbox(key="inbox_question_pick").set_value(families["general"]).run()
    assert "no active consent" in texts(at)
    at.selectbox(key="inbox_question_pick").set_value(families["question"]).run()
    assert "Consent scope: education" in texts(at)
    form = f"answer_{families['question']}"
    at.button(key=f"FormSubmitter:{form}-Send answer").click().run()
    assert "The answer is empty" in texts(at)
    at.text_area(key="inbox_answer_body").input("Not in the first weeks; ask the doctor.")
    at.button(key=f"FormSubmitter:{form}-Send answer").click().run()
    assert not at.exception, at.exception
    assert "Answer queued for delivery by telegram." in texts(at)
    with database.sessions() as session:
        answer = session.scalars(select(Answer)).one()
        assert (answer.question_id, answer.general_only) == (families["question"], False)
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.kind, message.body) == ("answer", "Not in the first weeks; ask the doctor.")
        assert session.get_one(FamilyQuestion, families["question"]).answered_at is not None
    assert list(at.dataframe(key="inbox_questions").value["patient"]) == ["ASKING"]


def test_assign_a_question_to_a_specialist(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    at = open_page(signed_in(Role.SUPERVISOR), "pages/inbox.py")
    at.selectbox(key="inbox_question_pick").set_value(families["question"]).run()
    assign = at.selectbox(key=f"inbox_assign_{families['question']}")
    assert sorted(assign.options) == ["Test psychologist", "Test supervisor"]
    assign.set_value(_staff_id(database, "pt.psychologist")).run()
    at.button(key="inbox_assign_button").click().run()
    assert "Question assigned to Test psychologist." in texts(at)
    assert list(at.dataframe(key="inbox_questions").value["assigned_to"]) == [
        "Test psychologist", ""]


def _staff_id(database: Database, username: str) -> int:
    with database.sessions() as session:
        found = session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    assert found is not None
    return found


def test_emergency_banner_until_acknowledged(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    case_team = signed_in(Role.CASE_TEAM)
    assert "Emergency report(s) from families not yet acknowledged: SICK" in texts(case_team)
    assert not _has_button(case_team, "emergency_banner_open")  # no inbox for the case team
    admin = signed_in(Role.ADMIN)
    assert "1 emergency report(s) from families wait" in texts(admin)
    assert "SICK" not in texts(admin)

    at = signed_in(Role.SUPERVISOR)
    assert "not yet acknowledged: SICK" in texts(at)
    at.button(key="emergency_banner_open").click().run()
    at = open_page(at, "pages/inbox.py")
    assert at.radio(key="inbox_tab").value == "reports"
    assert at.selectbox(key="inbox_report_pick").value == families["report"]
    form = f"acknowledge_{families['report']}"
    at.text_area(key="inbox_ack_action").input("ok")
    at.button(key=f"FormSubmitter:{form}-Acknowledge").click().run()
    assert "Write what was done" in texts(at)
    assert "not yet acknowledged: SICK" in texts(at)
    at.text_area(key="inbox_ack_action").input("Called the mother: ambulance sent")
    at.button(key=f"FormSubmitter:{form}-Acknowledge").click().run()
    assert not at.exception, at.exception
    assert "Report about SICK acknowledged." in texts(at)
    assert "not yet acknowledged" not in texts(at)
    with database.sessions() as session:
        report = session.get_one(ConditionReport, families["report"])
        assert report.action_taken == "Called the mother: ambulance sent"
        assert isinstance(report.acknowledged_at, datetime)
        summary = session.scalar(select(AuditLog.summary).order_by(AuditLog.seq.desc()).limit(1))
        assert (summary or "").startswith("emergency report acknowledged")
    assert "not yet acknowledged" not in texts(open_page(case_team, "pages/home.py"))


def _has_button(at: AppTest, key: str) -> bool:
    return any(button.key == key for button in at.button)


def test_the_worklist_contacts_are_read_as_the_readers_role_may_see_them(
        database: Database, families: dict[str, int]) -> None:
    """The items are computed once for every role of the clinic; the names and contacts
    beside them are read per run for the reader's role: the case team never gets a phone or
    an e-mail."""
    settings = load_settings()
    with database.sessions() as session:
        clinic_ids = (int(session.scalar(select(Patient.clinic_id)) or 1),)
    outreach_data.worklist_items.clear()
    items = outreach_data.worklist_items(clinic_ids, AS_OF, "en", settings,
                                         settings.database_url)
    contexts = {role: outreach_data.worklist_contexts(items, AS_OF, role,
                                                      settings.database_url)
                for role in (Role.SUPERVISOR, Role.CASE_TEAM)}
    urgent = families["URGENT"]
    supervisor_members = contexts[Role.SUPERVISOR][urgent].members
    case_team_members = contexts[Role.CASE_TEAM][urgent].members
    assert [m.phone for m in supervisor_members] == ["+44 7700 900001"]
    assert [m.email for m in supervisor_members] == ["fam-urgent@example.org"]
    assert [(m.phone, m.email) for m in case_team_members] == [(None, None)]
    assert [m.code for m in case_team_members] == ["FAM-URGENT"]
    assert set(contexts[Role.CASE_TEAM]) == {item.patient_id for item in items}


def test_the_cached_worklist_items_are_written_in_the_language_of_their_key(
        database: Database, families: dict[str, int]) -> None:
    """Whatever language the calling run reads, an entry holds its key's language: a Persian
    colleague never reads reasons cached by an English one, nor the other way round."""
    settings = load_settings()
    with database.sessions() as session:
        clinic_ids = (int(session.scalar(select(Patient.clinic_id)) or 1),)
    outreach_data.worklist_items.clear()
    with interface_language("fa"):
        english = outreach_data.worklist_items(clinic_ids, AS_OF, "en", settings,
                                               settings.database_url)
    persian = outreach_data.worklist_items(clinic_ids, AS_OF, "fa", settings,
                                           settings.database_url)
    assert [item.patient_id for item in english] == [item.patient_id for item in persian]
    english_reasons = " ".join(reason.text for item in english for reason in item.reasons)
    persian_reasons = " ".join(reason.text for item in persian for reason in item.reasons)
    assert english_reasons.isascii()
    assert any("\u0600" <= ch <= "\u06ff" for ch in persian_reasons)
    urgent = {item.patient_id for item in persian if item.tier is Tier.URGENT}
    assert urgent == {families["URGENT"], families["SICK"]}  # 4 days missed; an emergency
    assert outreach_data.urgent_count(clinic_ids, AS_OF, settings, settings.database_url) == 2


def test_answer_times_figure_and_a_supervisor_changes_the_deadline(
        signed_in: Callable[[Role], AppTest], families: dict[str, int],
        database: Database) -> None:
    """One answer within the deadline, one after it, 50 % in time; only a supervisor may change
    the clinic's promise, a wrong working week changes nothing, and the change is audited."""
    with database.sessions() as session, session.begin():
        asked = session.get_one(FamilyQuestion, families["question"]).asked_at
        answer_question(session, question_id=families["question"], body="Not in the first weeks.",
                        actor="test", staff_id=None, now=asked + timedelta(hours=1))
        answer_question(session, question_id=families["general"], body="A medicine for OUD.",
                        actor="test", staff_id=None, now=utc_now())
    at = open_page(signed_in(Role.PSYCHOLOGIST), "pages/inbox.py")
    at = at.radio(key="inbox_tab").set_value("times").run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == ["50%"]
    # The figure: this week's two questions, one answered in time, one late.
    figure = chart_data(at).set_index("key")["questions"]
    assert (figure["in_time"], figure["late"], figure["overdue"], figure["open"]) == (1, 1, 0, 0)
    assert "PGT: families get an answer within 1 working day" in texts(at)
    assert not [w for w in at.text_input if w.key == "deadline_week"]  # supervisors only

    at = open_page(signed_in(Role.SUPERVISOR), "pages/inbox.py")
    at = at.radio(key="inbox_tab").set_value("times").run()
    assert at.text_input(key="deadline_week").value == "mon,tue,wed,thu,fri"
    at.radio(key="deadline_rule").set_value(AnswerDeadline.SEVEN_DAYS)
    at.text_input(key="deadline_week").input("mon-fry")
    at.button(key="FormSubmitter:deadline_settings-Save").click().run()
    assert "unknown day 'fry'" in texts(at)
    at.radio(key="deadline_rule").set_value(AnswerDeadline.SEVEN_DAYS)
    at.text_input(key="deadline_week").input("sat-wed")
    at.button(key="FormSubmitter:deadline_settings-Save").click().run()
    assert not at.exception, at.exception
    assert "New questions to PGT are due within the new deadline." in texts(at)
    assert "PGT: families get an answer within 7 days" in texts(at)
    with database.sessions() as session:
        clinic = session.scalars(select(Clinic).where(Clinic.code == "PGT")).one()
        assert (clinic.answer_deadline, clinic.working_days) == (
            "seven_days", "sat,sun,mon,tue,wed")
        updates = session.execute(select(AuditLog.actor, AuditLog.summary)
                                  .where(AuditLog.entity == "clinic",
                                         AuditLog.action == "update")).all()
        assert [tuple(row) for row in updates] == [
            ("pt.supervisor", "answer deadline seven_days, sat,sun,mon,tue,wed")]
