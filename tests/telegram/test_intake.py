"""The Telegram intake end to end: the loopback Bot API, ``poll_once`` and a real database
(SQLite and PostgreSQL), checked by what the family sees and what the clinic's records hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from data_access.assignments import assign_module
from data_access.condition_reports import open_emergency_count
from data_access.engine import session_factory
from data_access.intake import (
    OFFSET_KEY,
    UNKNOWN_CHATS_KEY,
    CheckIn,
    UseSign,
    check_in_severity,
    read_offset,
    save_conversation,
    unknown_chat_count,
)
from data_access.invites import create_invite
from data_access.models import (
    Assignment,
    ChatSession,
    Clinic,
    ConditionReport,
    ContentModule,
    EngagementEvent,
    FamilyQuestion,
    InviteCode,
    SupportMember,
    WorkerState,
)
from domain.deadlines import MONDAY_TO_FRIDAY, AnswerDeadline, answer_due_at
from settings import Settings
from settings.channels import ChannelSettings
from tests import builders
from tests.fakes.telegram_api import FakeTelegramApi
from tests.telegram.conftest import CLINIC_PHONE
from worker.adapters.base import OutgoingMessage
from worker.adapters.telegram import TelegramAdapter
from worker.intake import IntakeResult, poll_once

NOW = datetime(2026, 11, 23, 10, 0)  # a Monday
CHAT = 5001
OTHER_CHAT = 5002


@dataclass(frozen=True)
class Family:
    clinic_id: int
    patient_id: int
    member_id: int


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def add_family(factory: sessionmaker[Session], code: str = "M1", *, chat: int | None = CHAT,
               language: str = "en", clinic_code: str = "TST") -> Family:
    with factory() as session, session.begin():
        existing = session.scalar(select(Clinic.id).limit(1))
        clinic_id = existing or builders.clinic(session, clinic_code)
        patient_id = builders.patient(session, clinic_id, f"P-{code}")
        member_id = builders.member(session, clinic_id, patient_id, code)
        builders.consent(session, member_id, patient_id, signed=date(2026, 1, 1))
        member = session.get_one(SupportMember, member_id)
        member.language = language
        member.first_name = "Maryam"
        member.telegram_chat_id = None if chat is None else str(chat)
        return Family(clinic_id, patient_id, member_id)


def poll(factory: sessionmaker[Session], settings: Settings,
         now: datetime = NOW) -> IntakeResult:
    return poll_once(factory, settings, lambda: now, sleep=lambda _seconds: None)


def count(factory: sessionmaker[Session], model: type[Any], *conditions: Any) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def last_text(api: FakeTelegramApi, chat: int = CHAT) -> str:
    return api.texts(chat)[-1]


def assigned_message(factory: sessionmaker[Session], family: Family,
                     adapter: TelegramAdapter, api: FakeTelegramApi,
                     chat: int = CHAT) -> tuple[int, dict[str, Any]]:
    """An assignment made by the app's own function, and its message as the member got it."""
    with factory() as session, session.begin():
        module = ContentModule(code=f"MOD-{family.member_id}", title="Living with methadone",
                               kind="link", language="en", location="https://example.org/m1",
                               tags={}, created_at=NOW, updated_at=NOW)
        session.add(module)
        session.flush()
        outcome = assign_module(session, module_id=module.id, member_ids=[family.member_id],
                                due_on=None, note=None, actor="psy.test", by_user_id=None,
                                today=NOW.date(), now=NOW)
        [row] = outcome.assigned
        session.get_one(Assignment, row.assignment_id).status = "sent"
    adapter.send(OutgoingMessage(message_id=1, idempotency_key=f"assignment:{row.assignment_id}",
                                 kind="assignment", body="Living with methadone", language="en",
                                 address=str(chat), assignment_id=row.assignment_id,
                                 link="https://example.org/m1"))
    return row.assignment_id, api.sent(chat)[-1]


# -- linking ---------------------------------------------------------------------------------------

def test_an_invite_link_connects_the_chat_once(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory, chat=None)
    with factory() as session, session.begin():
        code = create_invite(session, member_id=family.member_id, actor="psy.test", now=NOW)

    telegram_api.member_says(CHAT, f"/start {code}")
    telegram_api.member_says(OTHER_CHAT, f"/start {code}")
    result = poll(factory, settings, NOW + timedelta(hours=1))

    assert result.count("linked") == 1 and result.count("refused") == 1
    assert last_text(telegram_api).startswith("Welcome, Maryam!")
    assert "already been used" in last_text(telegram_api, OTHER_CHAT)
    with factory() as session:
        assert session.get_one(SupportMember, family.member_id).telegram_chat_id == str(CHAT)
        assert session.scalars(select(InviteCode.used_at)).one() == NOW + timedelta(hours=1)
        # Nothing about the stranger's chat but a count.
        assert unknown_chat_count(session) == 1
        stored = session.scalars(select(SupportMember.telegram_chat_id)).all()
        assert str(OTHER_CHAT) not in stored
        assert set(session.scalars(select(WorkerState.key))) == {OFFSET_KEY, UNKNOWN_CHATS_KEY}


def test_an_expired_invite_is_refused_politely(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory, chat=None)
    with factory() as session, session.begin():
        code = create_invite(session, member_id=family.member_id, actor="psy.test", now=NOW)

    telegram_api.member_says(CHAT, f"/start {code}")
    poll(factory, settings, NOW + timedelta(days=7, seconds=1))

    assert "has expired (codes are valid for 7 days)" in last_text(telegram_api)
    assert count(factory, SupportMember, SupportMember.telegram_chat_id.is_not(None)) == 0
    with factory() as session:
        assert unknown_chat_count(session) == 1


def test_a_persian_member_types_the_code_with_persian_digits(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory, chat=None, language="fa")
    with factory() as session, session.begin():
        code = create_invite(session, member_id=family.member_id, actor="psy.test", now=NOW)
    typed = code.lower().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    telegram_api.member_says(CHAT, f"/start {typed}", language_code="fa")
    poll(factory, settings)

    assert last_text(telegram_api).startswith("Maryam عزیز، خوش آمدید!")
    with factory() as session:
        assert session.get_one(SupportMember, family.member_id).telegram_chat_id == str(CHAT)


def test_an_unknown_chat_gets_a_pointer_and_only_a_count(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(OTHER_CHAT, "Hello, is my son at the clinic today?")
    telegram_api.member_says(OTHER_CHAT, "سلام", language_code="fa")
    telegram_api.member_presses(OTHER_CHAT, "done:1")

    result = poll(factory, settings)

    assert result.count("unknown_chat") == 3
    first, second, third = telegram_api.texts(OTHER_CHAT)
    assert "please open the invite link that your clinic gave you" in first
    assert "پیوند دعوتی" in second
    assert third == first
    assert len(telegram_api.calls("answerCallbackQuery")) == 1
    assert count(factory, FamilyQuestion) == 0
    assert count(factory, ChatSession) == 0
    with factory() as session:
        assert unknown_chat_count(session) == 3


def test_a_group_chat_is_ignored(factory: sessionmaker[Session], settings: Settings,
                                 telegram_api: FakeTelegramApi) -> None:
    telegram_api.member_says(-100123, "hello bot", chat_type="supergroup")

    result = poll(factory, settings)

    assert result.count("ignored") == 1
    assert telegram_api.sent() == []


# -- questions -------------------------------------------------------------------------------------

def test_free_text_becomes_a_question_with_the_clinics_deadline(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)
    telegram_api.member_says(CHAT, "  Can he take his dose before the exam?  ")

    result = poll(factory, settings)

    assert result.count("question") == 1
    with factory() as session:
        question = session.scalars(select(FamilyQuestion)).one()
        assert question.member_id == family.member_id
        assert question.patient_id == family.patient_id
        assert question.body == "Can he take his dose before the exam?"
        assert question.asked_at == NOW
        assert question.due_at == answer_due_at(NOW, AnswerDeadline.ONE_WORKING_DAY,
                                                MONDAY_TO_FRIDAY)
    assert last_text(telegram_api) == (
        "Thank you, your question has reached the clinic. You will get an answer here within "
        "1 working day (working days: Monday to Friday).")


def test_a_persian_question_is_acknowledged_in_persian(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory, language="fa")
    telegram_api.member_says(CHAT, "آیا می‌تواند دوز را زودتر بخورد؟", language_code="fa")

    poll(factory, settings)

    assert last_text(telegram_api) == (
        "سپاس، سؤال شما به درمانگاه رسید. پاسخ را ظرف یک روز کاری "
        "(روزهای کاری: دوشنبه تا جمعه) همین‌جا دریافت می‌کنید.")


def test_a_photo_without_text_asks_for_typed_text(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(CHAT, photo=[{"file_id": "p1", "width": 90, "height": 90}])

    poll(factory, settings)

    assert last_text(telegram_api).startswith("Sorry, I can only read typed text.")
    assert count(factory, FamilyQuestion) == 0


# -- assignments -----------------------------------------------------------------------------------

def test_done_completes_the_members_assignment(
        factory: sessionmaker[Session], settings: Settings, adapter: TelegramAdapter,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)
    assignment_id, message = assigned_message(factory, family, adapter, telegram_api)

    telegram_api.member_presses(CHAT, f"done:{assignment_id}", message=message)
    telegram_api.member_presses(CHAT, f"done:{assignment_id}", message=message)
    result = poll(factory, settings)

    assert result.count("completed") == 1
    with factory() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert (assignment.status, assignment.opened_at, assignment.completed_at) == (
            "completed", NOW, NOW)
        events = session.execute(
            select(EngagementEvent.kind, EngagementEvent.assignment_id)
            .order_by(EngagementEvent.id)).all()
    assert [tuple(e) for e in events] == [("opened", assignment_id),
                                          ("completed", assignment_id)]
    first, second = telegram_api.calls("answerCallbackQuery")
    assert first.fields["text"] == "Thank you! Marked as done."
    assert second.fields["text"] == "Already marked as done. Thank you!"


def test_done_on_someone_elses_assignment_is_refused(
        factory: sessionmaker[Session], settings: Settings, adapter: TelegramAdapter,
        telegram_api: FakeTelegramApi) -> None:
    owner = add_family(factory, "M1", chat=CHAT)
    add_family(factory, "M2", chat=OTHER_CHAT)
    assignment_id, _message = assigned_message(factory, owner, adapter, telegram_api)

    telegram_api.member_presses(OTHER_CHAT, f"done:{assignment_id}")
    result = poll(factory, settings)

    assert result.count("refused") == 1
    [answer] = telegram_api.calls("answerCallbackQuery")
    assert answer.fields["text"] == "This button is not for this chat."
    with factory() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert (assignment.status, assignment.completed_at) == ("sent", None)
    assert count(factory, EngagementEvent) == 0


def test_a_reply_or_the_question_button_counts_as_opened(
        factory: sessionmaker[Session], settings: Settings, adapter: TelegramAdapter,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)
    assignment_id, message = assigned_message(factory, family, adapter, telegram_api)

    telegram_api.member_presses(CHAT, "ask", message=message)
    telegram_api.member_says(CHAT, "Is this also for his wife?", reply_to=message)
    result = poll(factory, settings)

    assert result.count("opened") == 1 and result.count("question") == 1
    assert telegram_api.texts(CHAT)[-2] == (
        "Please type your question in a message; the clinic will answer here.")
    with factory() as session:
        assignment = session.get_one(Assignment, assignment_id)
        assert (assignment.status, assignment.opened_at) == ("opened", NOW)
        kinds = session.scalars(select(EngagementEvent.kind).order_by(EngagementEvent.id)).all()
    assert kinds == ["opened", "asked_question"]  # opened once, not again on the reply


# -- the /report check-in --------------------------------------------------------------------------

def converse(api: FakeTelegramApi, factory: sessionmaker[Session], settings: Settings,
             *answers: str) -> None:
    """Send each answer in its own poll, as a person answers after reading each question."""
    for answer in answers:
        api.member_says(CHAT, answer)
        poll(factory, settings)


def test_a_report_ending_in_an_emergency_raises_the_dashboard_banner(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)

    converse(telegram_api, factory, settings, "/report")
    assert "1/5 How is the patient's physical state today?" in last_text(telegram_api)
    keyboard = telegram_api.calls("sendMessage")[-1].fields["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "Good"}, {"text": "So-so"}, {"text": "Bad"}]]

    converse(telegram_api, factory, settings, "Very sleepy, hard to wake", "Bad")
    assert last_text(telegram_api).startswith("3/5 Any medical problem")
    keyboard = telegram_api.calls("sendMessage")[-1].fields["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "No problem"}, {"text": "Not urgent"},
                         {"text": "Doctor soon"}]]
    converse(telegram_api, factory, settings, "Doctor soon", "Not sure")
    assert last_text(telegram_api) == "5/5 Is this an emergency right now?"
    with factory() as session:
        step = session.get_one(ChatSession, str(CHAT))
        assert (step.step, step.answers) == ("emergency", {
            "physical": "Very sleepy, hard to wake", "mood": "Bad", "medical": "Doctor soon",
            "doctor_soon": True, "use": "unsure"})

    converse(telegram_api, factory, settings, "Yes")

    reply = last_text(telegram_api)
    assert "Call the emergency number 115 now" in reply
    assert "naloxone" in reply
    assert reply.endswith(f"Clinic phone: {CLINIC_PHONE}")
    assert telegram_api.calls("sendMessage")[-1].fields["reply_markup"] == {
        "remove_keyboard": True}
    with factory() as session:
        report = session.scalars(select(ConditionReport)).one()
        assert (report.member_id, report.patient_id) == (family.member_id, family.patient_id)
        assert (report.physical, report.mental, report.medical) == (
            "Very sleepy, hard to wake", "Bad", "Doctor soon")
        assert report.signs_of_use is None
        assert (report.emergency, report.severity, report.acknowledged_at) == (
            True, "high", None)
        assert open_emergency_count(session, clinic_ids=[family.clinic_id]) == 1
        assert session.scalars(select(EngagementEvent.kind)).all() == ["reported"]
        assert session.get(ChatSession, str(CHAT)) is None


def test_a_calm_report_is_low_and_a_worried_one_moderate(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)

    converse(telegram_api, factory, settings, "/report", "Good", "Good", "No problem", "No",
             "No")
    converse(telegram_api, factory, settings, "/report", "Good", "افسرده و ناراحت",
             "Not urgent", "no", "no")

    assert last_text(telegram_api) == "Thank you. Your report has been sent to the clinic."
    with factory() as session:
        rows = session.execute(select(ConditionReport.medical, ConditionReport.severity)
                               .order_by(ConditionReport.id)).all()
        assert [tuple(row) for row in rows] == [("No problem", "low"), ("Not urgent", "moderate")]
        assert open_emergency_count(session, clinic_ids=[family.clinic_id]) == 0


def test_a_patient_who_needs_a_doctor_soon_is_a_moderate_report_not_an_emergency(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)

    converse(telegram_api, factory, settings, "/report", "Good", "Good", " needs a  DOCTOR ",
             "No", "No")
    converse(telegram_api, factory, settings, "/report", "Good", "Good",
             "A cough since Monday, he takes his antibiotics", "No", "No")

    assert last_text(telegram_api) == "Thank you. Your report has been sent to the clinic."
    with factory() as session:
        rows = session.execute(
            select(ConditionReport.medical, ConditionReport.severity, ConditionReport.emergency)
            .order_by(ConditionReport.id)).all()
        assert [tuple(row) for row in rows] == [
            ("needs a  DOCTOR", "moderate", False),  # trimmed, as typed
            ("A cough since Monday, he takes his antibiotics", "low", False)]
        assert open_emergency_count(session, clinic_ids=[family.clinic_id]) == 0


def test_a_check_in_begun_before_the_medical_question_still_ends_in_a_report(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory)
    with factory() as session, session.begin():  # as the previous version left it
        save_conversation(session, chat_id=str(CHAT), member_id=family.member_id, step="use",
                          answers={"physical": "Good", "mood": "Good"}, now=NOW)

    converse(telegram_api, factory, settings, "No", "No")

    with factory() as session:
        report = session.scalars(select(ConditionReport)).one()
        assert (report.physical, report.medical, report.severity) == ("Good", None, "low")


def test_a_report_re_asks_unclear_answers_and_can_be_cancelled(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)

    converse(telegram_api, factory, settings, "/report", "ok", "calm", "none", "perhaps")
    assert last_text(telegram_api) == (
        "Please answer with one of the buttons.\n\n"
        "4/5 Have you seen any sign of drug or alcohol use?")
    converse(telegram_api, factory, settings, "/cancel")

    assert last_text(telegram_api) == "The check-in was cancelled; nothing was sent."
    assert count(factory, ChatSession) == 0
    assert count(factory, ConditionReport) == 0
    converse(telegram_api, factory, settings, "yes")  # no check-in now: a question
    assert count(factory, FamilyQuestion) == 1


def test_a_persian_report_in_persian_words(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory, language="fa")

    converse(telegram_api, factory, settings, "/report")
    keyboard = telegram_api.calls("sendMessage")[-1].fields["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "خوب"}, {"text": "متوسط"}, {"text": "بد"}]]
    converse(telegram_api, factory, settings, "خوب", "متوسط", "مشکلی نیست", "بله", "نه")

    assert last_text(telegram_api) == "سپاس. گزارش شما برای درمانگاه فرستاده شد."
    with factory() as session:
        report = session.scalars(select(ConditionReport)).one()
        assert report.medical == "مشکلی نیست"
        assert (report.signs_of_use, report.severity, report.emergency) == (True, "high", False)


def test_an_old_unfinished_report_does_not_swallow_a_question(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    converse(telegram_api, factory, settings, "/report")

    telegram_api.member_says(CHAT, "When is the next family session?")
    poll(factory, settings, NOW + timedelta(hours=3))

    assert count(factory, FamilyQuestion) == 1
    assert count(factory, ChatSession) == 0


@pytest.mark.parametrize(("medical", "needs_doctor_soon", "severity"), [
    ("", False, "low"),
    ("No problem", False, "low"),
    ("", True, "moderate"),  # the "Doctor soon" choice, whatever its words
    ("Fever since yesterday", False, "moderate"),
    ("عفونت زخم پا", False, "moderate"),
    ("A seizure this morning", False, "high"),
])
def test_the_medical_answer_counts_towards_the_severity(
        medical: str, needs_doctor_soon: bool, severity: str) -> None:
    calm = CheckIn(physical="Good", mood="Good", signs_of_use=UseSign.NO, emergency=False,
                   medical=medical, needs_doctor_soon=needs_doctor_soon)
    assert check_in_severity(calm) == severity


# -- the offset and failures -----------------------------------------------------------------------

def test_the_offset_is_stored_so_a_second_poll_does_not_repeat(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(CHAT, "First question")
    last = telegram_api.member_says(CHAT, "Second question")

    assert poll(factory, settings).count("question") == 2
    again = poll(factory, settings)

    assert again.updates == 0
    assert count(factory, FamilyQuestion) == 2
    with factory() as session:
        assert read_offset(session) == last + 1
    assert telegram_api.confirmed_below == last + 1
    assert telegram_api.calls("getUpdates")[-1].fields["offset"] == last + 1


def test_a_crash_mid_batch_never_records_an_update_twice(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    for number in range(1, 4):
        telegram_api.member_says(CHAT, f"Question {number}")
    calls = 0

    def crashing_clock() -> datetime:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise SystemExit("worker killed")
        return NOW

    with pytest.raises(SystemExit):
        poll_once(factory, settings, crashing_clock, sleep=lambda _seconds: None)
    assert count(factory, FamilyQuestion) == 2

    result = poll(factory, settings)

    assert result.updates == 1
    with factory() as session:
        bodies = session.scalars(select(FamilyQuestion.body).order_by(FamilyQuestion.id)).all()
    assert bodies == ["Question 1", "Question 2", "Question 3"]


def test_an_update_that_cannot_be_handled_is_skipped_with_an_apology(
        factory: sessionmaker[Session], settings: Settings, telegram_api: FakeTelegramApi,
        caplog: pytest.LogCaptureFixture) -> None:
    family = add_family(factory)
    with factory() as session, session.begin():
        session.get_one(Clinic, family.clinic_id).working_days = "funday"  # a broken setting
    telegram_api.member_says(CHAT, "Private words that must not reach the log")
    telegram_api.member_presses(CHAT, "ask")

    result = poll(factory, settings)

    assert result.count("failed") == 1 and result.updates == 2
    first, second = telegram_api.texts(CHAT)
    assert first == "Sorry, something went wrong. Please try again in a few minutes."
    assert second.startswith("Please type your question")
    assert count(factory, FamilyQuestion) == 0
    assert "could not be handled (ValueError)" in caplog.text
    assert "Private words" not in caplog.text
    assert poll(factory, settings).updates == 0


def test_a_failed_get_updates_leaves_the_updates_for_the_next_poll(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(CHAT, "Are visits allowed on Friday?")
    telegram_api.fail_next(1, 502, method="getUpdates")

    failed = poll(factory, settings)
    assert failed.error is not None and "502" in failed.error
    assert count(factory, FamilyQuestion) == 0

    assert poll(factory, settings).count("question") == 1


def test_a_rate_limited_reply_is_sent_after_waiting(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(CHAT, "Is the clinic open on holidays?")
    telegram_api.fail_next(1, 429, retry_after=3, method="sendMessage")
    waits: list[float] = []

    result = poll_once(factory, settings, lambda: NOW, sleep=waits.append)

    assert waits == [3.0]
    assert result.reply_failures == 0
    assert last_text(telegram_api).startswith("Thank you, your question has reached")


def test_a_reply_that_cannot_be_sent_is_counted_and_the_question_kept(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.block_chat(CHAT)
    telegram_api.member_says(CHAT, "Can I call the psychologist?")

    result = poll(factory, settings)

    assert result.reply_failures == 1
    assert count(factory, FamilyQuestion) == 1


def test_without_a_bot_token_the_intake_is_off(factory: sessionmaker[Session],
                                               telegram_api: FakeTelegramApi) -> None:
    telegram_api.member_says(CHAT, "hello")

    result = poll_once(factory, Settings(database_url="sqlite://", channels=ChannelSettings()),
                       lambda: NOW)

    assert not result.enabled
    assert telegram_api.calls() == []
