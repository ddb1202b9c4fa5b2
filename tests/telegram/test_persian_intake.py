"""The bot with Persian-speaking families (SQLite and PostgreSQL): invite codes typed with
Persian or Arabic-Indic digits, and every reply in Persian from the project's catalogs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data_access.assignments import assign_module
from data_access.engine import session_factory
from data_access.intake import unknown_chat_count
from data_access.invites import create_invite
from data_access.models import Assignment, ChatSession, ContentModule, SupportMember
from settings import Settings
from tests.fakes.telegram_api import FakeTelegramApi
from tests.telegram.conftest import CLINIC_PHONE
from tests.telegram.test_intake import (
    CHAT,
    NOW,
    OTHER_CHAT,
    Family,
    add_family,
    converse,
    last_text,
    poll,
)
from worker.adapters.base import OutgoingMessage
from worker.adapters.telegram import TelegramAdapter

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def _persian_lesson(factory: sessionmaker[Session], family: Family, adapter: TelegramAdapter,
                    api: FakeTelegramApi) -> tuple[int, dict[str, Any]]:
    """A Persian module assigned by the app's own function, and its message as the member got
    it."""
    title = "زندگی با متادون"
    with factory() as session, session.begin():
        module = ContentModule(code="MOD-FA", title=title, kind="link", language="fa",
                               location="https://example.org/fa/m1", tags={}, created_at=NOW,
                               updated_at=NOW)
        session.add(module)
        session.flush()
        outcome = assign_module(session, module_id=module.id, member_ids=[family.member_id],
                                due_on=None, note=None, actor="psy.test", by_user_id=None,
                                today=NOW.date(), now=NOW)
        [row] = outcome.assigned
        session.get_one(Assignment, row.assignment_id).status = "sent"
    adapter.send(OutgoingMessage(message_id=1, idempotency_key=f"assignment:{row.assignment_id}",
                                 kind="assignment", body=title, language="fa",
                                 address=str(CHAT), assignment_id=row.assignment_id,
                                 link="https://example.org/fa/m1"))
    return row.assignment_id, api.sent(CHAT)[-1]


def _invite_with_digits(factory: sessionmaker[Session], member_id: int) -> str:
    """A fresh code that has digits in it, so typing them in another script matters."""
    for minute in range(60):
        with factory() as session, session.begin():
            code = create_invite(session, member_id=member_id, actor="psy.test",
                                 now=NOW + timedelta(minutes=minute))
        if any(char.isdigit() for char in code):
            return code
    raise AssertionError("no code with a digit in 60 tries")


def test_a_code_typed_alone_in_arabic_indic_digits_links_the_chat(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory, chat=None, language="fa")
    code = _invite_with_digits(factory, family.member_id)
    typed = f" {code[:4].lower()} - {code[4:]} ".translate(ARABIC_INDIC)

    telegram_api.member_says(CHAT, typed, language_code="fa")
    result = poll(factory, settings, NOW + timedelta(hours=2))

    assert result.count("linked") == 1
    assert last_text(telegram_api).startswith("Maryam عزیز، خوش آمدید!")
    with factory() as session:
        assert session.get_one(SupportMember, family.member_id).telegram_chat_id == str(CHAT)
        assert unknown_chat_count(session) == 0


def test_a_typed_code_that_is_not_valid_is_refused_in_the_strangers_language(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory)
    telegram_api.member_says(OTHER_CHAT, "ZZZZ-ZZZZ-۲۲", language_code="fa")
    telegram_api.member_says(OTHER_CHAT, "Hello there")  # not shaped like a code at all

    result = poll(factory, settings)

    assert (result.count("refused"), result.count("unknown_chat")) == (1, 1)
    refusal, pointer = telegram_api.texts(OTHER_CHAT)
    assert refusal.startswith("این کد دعوت معتبر نیست.")
    assert "please open the invite link that your clinic gave you" in pointer
    with factory() as session:
        assert unknown_chat_count(session) == 2


def test_a_persian_check_in_ending_in_an_emergency_is_answered_in_persian(
        factory: sessionmaker[Session], settings: Settings,
        telegram_api: FakeTelegramApi) -> None:
    add_family(factory, language="fa")

    converse(telegram_api, factory, settings, "/report")
    assert last_text(telegram_api) == (
        "یک گزارش کوتاه: پنج سؤال. اگر همین حالا کسی در خطر است، ابتدا با اورژانس ۱۱۵ "
        "تماس بگیرید. برای توقف /cancel را بفرستید.\n\n"
        "۱/۵ حال جسمی بیمار امروز چطور است؟ انتخاب کنید یا چند کلمه بنویسید.")
    converse(telegram_api, factory, settings, "خواب‌آلود است", "بد")
    assert last_text(telegram_api).startswith("۳/۵ آیا مشکل پزشکی دارد")
    keyboard = telegram_api.calls("sendMessage")[-1].fields["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "مشکلی نیست"}, {"text": "فوری نیست"},
                         {"text": "نیاز به پزشک"}]]
    converse(telegram_api, factory, settings, "نیاز به پزشک")
    converse(telegram_api, factory, settings, "شاید", "نمی‌دانم")
    assert last_text(telegram_api) == (
        "لطفاً با یکی از دکمه‌ها پاسخ دهید.\n\n۵/۵ آیا همین حالا وضعیت اضطراری است؟")
    with factory() as session:
        answers = session.get_one(ChatSession, str(CHAT)).answers
        assert (answers["medical"], answers["doctor_soon"]) == ("نیاز به پزشک", True)
    keyboard = telegram_api.calls("sendMessage")[-1].fields["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "بله"}, {"text": "نه"}]]

    converse(telegram_api, factory, settings, "بله")

    reply = last_text(telegram_api)
    assert reply.startswith("سپاس. گزارش شما برای درمانگاه فرستاده شد.\n\n"
                            "گزارش شما برای کارکنان درمانگاه اضطراری علامت خورد")
    assert "اورژانس ۱۱۵" in reply and "نالوکسان" in reply
    assert reply.endswith(f"تلفن درمانگاه: {CLINIC_PHONE}")


def test_persian_commands_and_buttons_are_answered_in_persian(
        factory: sessionmaker[Session], settings: Settings, adapter: TelegramAdapter,
        telegram_api: FakeTelegramApi) -> None:
    family = add_family(factory, language="fa")
    assignment_id, message = _persian_lesson(factory, family, adapter, telegram_api)
    buttons = message["reply_markup"]["inline_keyboard"][0]
    assert [button["text"] for button in buttons] == ["انجام شد", "سؤال دارم"]

    converse(telegram_api, factory, settings, "/cancel", "/help")
    telegram_api.member_presses(CHAT, f"done:{assignment_id}", message=message,
                                language_code="fa")
    telegram_api.member_presses(CHAT, "ask", message=message, language_code="fa")
    poll(factory, settings)

    nothing, help_text, type_it = telegram_api.texts(CHAT)[-3:]
    assert nothing == "چیزی برای لغو وجود ندارد."
    assert help_text.startswith("می‌توانید:\n") and "اورژانس ۱۱۵" in help_text
    assert type_it == "لطفاً سؤال خود را در یک پیام بنویسید؛ درمانگاه همین‌جا پاسخ می‌دهد."
    done = telegram_api.calls("answerCallbackQuery")[0]
    assert done.fields["text"] == "سپاس! به‌عنوان انجام‌شده ثبت شد."
