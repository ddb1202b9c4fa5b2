"""A reminder to a Persian-reading family goes out in Persian, to an English one in English,
in the same worker cycle (the texts come from the i18n catalogs, by the member's language)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from data_access.engine import session_factory
from settings.channels import TelegramSettings
from tests.fakes.telegram_api import FakeTelegramApi
from tests.worker.conftest import Clock, SmtpServer, family, member, worker_settings
from worker.main import Worker

SLOT = datetime(2026, 3, 6, 18, 0)  # the default check-in slot of ISO week 2026-W10

PERSIAN_TELEGRAM_CHECKIN = (
    "سلام از درمانگاه شما. این هفته اوضاع در خانه چطور است؟\n\n"
    "دوست داریم بدانیم شما و خانواده‌تان چطورید. برای یک گزارش کوتاه (پنج سؤال) /report "
    "را بفرستید، یا اگر سؤالی دارید همین‌جا بنویسید.\n\n"
    "در شرایط اضطراری ابتدا با اورژانس ۱۱۵ تماس بگیرید."
)
PERSIAN_EMAIL_START = "سلام از درمانگاه شما. این هفته اوضاع در خانه چطور است؟"
ENGLISH_TELEGRAM_START = "Hello from your clinic. How are things at home this week?"


def test_each_family_gets_the_weekly_checkin_in_its_own_language(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        member(session, home, "M-FA-TG", channel="telegram", language="fa", chat_id="3003")
        member(session, home, "M-EN-TG", channel="telegram", language="en", chat_id="3004")
        member(session, home, "M-FA-MAIL", language="fa", email="madar@example.org")
    with FakeTelegramApi() as telegram:
        bot = TelegramSettings(api_base=telegram.base_url, bot_token=telegram.token)
        worker = Worker(worker_settings(smtp_server, telegram=bot), sessions,
                        now_fn=Clock(SLOT + timedelta(minutes=5)))

        line = worker.cycle()

        assert line.startswith("sent 3, ")
        assert telegram.texts("3003") == [PERSIAN_TELEGRAM_CHECKIN]
        [english] = telegram.texts("3004")
        assert english.startswith(ENGLISH_TELEGRAM_START)
        # The message's own button is labelled in the member's language too.
        [persian_message] = telegram.sent("3003")
        [button] = persian_message["reply_markup"]["inline_keyboard"][0]
        assert button["text"] == "سؤال دارم"
    [mail] = smtp_server.mailbox.to("madar@example.org")
    assert mail.email["Subject"] == "یادآوری از درمانگاه"
    body = mail.email.get_body()
    assert body is not None
    text = body.get_content().replace("\r\n", "\n").strip()
    assert text.startswith(PERSIAN_EMAIL_START)
    assert "در پاسخ به همین ایمیل چند خط بنویسید" in text
