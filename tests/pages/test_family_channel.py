"""The family channel as staff see it: a family's Telegram check-in that ends in an emergency
raises the banner on the dashboard, and a stopped worker shows on Home with its failed messages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.clock import utc_now
from data_access.database import Database
from data_access.models import Clinic, ConditionReport, OutboxMessage, SupportMember
from data_access.worker_status import beat
from domain.vocabulary import Role
from settings import Settings
from settings.channels import ChannelSettings, TelegramSettings
from tests import builders
from tests.fakes.telegram_api import FakeTelegramApi
from tests.pages.conftest import open_page, texts
from tests.pinned_clock import PINNED_TODAY
from worker.intake import poll_once

CHAT = 7001


def consented_member(database: Database, patient_code: str, *,
                     chat: int | None = None) -> int:
    with database.sessions() as session, session.begin():
        clinic_id = session.scalars(select(Clinic.id)).one()
        patient_id = builders.patient(session, clinic_id, patient_code)
        member_id = builders.member(session, clinic_id, patient_id, f"FAM-{patient_code}")
        builders.consent(session, member_id, patient_id,
                         signed=PINNED_TODAY - timedelta(days=30))
        if chat is not None:
            session.get_one(SupportMember, member_id).telegram_chat_id = str(chat)
        return member_id


def test_a_telegram_report_ending_in_an_emergency_raises_the_banner(
        signed_in: Callable[[Role], AppTest], database: Database) -> None:
    consented_member(database, "TGREPORT", chat=CHAT)
    supervisor = signed_in(Role.SUPERVISOR)
    assert "not yet acknowledged" not in texts(supervisor)

    with FakeTelegramApi() as telegram:
        settings = Settings(database_url="sqlite://", channels=ChannelSettings(
            telegram=TelegramSettings(api_base=telegram.base_url, bot_token=telegram.token)))
        for answer in ("/report", "Very sleepy, hard to wake", "Bad", "Doctor soon", "Not sure",
                       "Yes"):
            telegram.member_says(CHAT, answer)
            result = poll_once(database.sessions, settings, utc_now, sleep=lambda _s: None)
            assert result.updates == 1 and result.error is None
        assert result.count("emergency") == 1
        assert "Call the emergency number 115 now" in telegram.texts(CHAT)[-1]

    with database.sessions() as session:
        report = session.scalars(select(ConditionReport)).one()
        assert (report.emergency, report.severity, report.medical) == (True, "high", "Doctor soon")
    at = open_page(supervisor, "pages/home.py")
    assert "Emergency report(s) from families not yet acknowledged: TGREPORT" in texts(at)
    assert any(button.key == "emergency_banner_open" for button in at.button)
    admin = signed_in(Role.ADMIN)
    assert "1 emergency report(s) from families wait" in texts(admin)


def test_a_stopped_worker_shows_on_home_with_its_failed_messages(
        signed_in: Callable[[Role], AppTest], database: Database) -> None:
    member_id = consented_member(database, "WORKERDOWN")
    with database.sessions() as session, session.begin():
        beat(session, now=utc_now() - timedelta(hours=1), detail="sent 0")
        session.add(OutboxMessage(member_id=member_id, kind="assignment", body="Module",
                                  idempotency_key="failed:1", status="failed", attempts=5,
                                  channel="email", last_error="SMTP message refused",
                                  created_at=utc_now() - timedelta(hours=2)))
    admin = signed_in(Role.ADMIN)  # the dashboard works with the worker down
    assert not admin.exception, admin.exception
    assert "it seems to be down, and messages to families wait" in texts(admin)
    assert next(m for m in admin.metric if m.label == "Failed").value == "1"
    assert next(m for m in admin.metric if m.label == "Waiting to be sent").value == "0"
