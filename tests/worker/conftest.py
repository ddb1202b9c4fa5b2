"""A real SMTP server on loopback (aiosmtpd) and small synthetic families for the worker tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope
from aiosmtpd.smtp import Session as SMTPSession
from sqlalchemy.orm import Session

from data_access.assignments import assign_module
from data_access.models import ContentModule, SupportMember
from settings import Settings, default_database_url
from settings.channels import ChannelSettings, SmtpSettings
from tests import builders

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0)
SIGNED = date(2026, 1, 10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def email(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    """What the server accepted; ``replies`` are answered to DATA first (e.g. "451 ...")."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, _server: SMTPServer, _session: SMTPSession,
                          envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos),
                                      bytes(envelope.original_content or b"")))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [mail for mail in self.received if address in mail.rcpt_tos]


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, mailbox)
    finally:
        controller.stop()


def worker_settings(server: SmtpServer | None = None, **channels: Any) -> Settings:
    smtp = (SmtpSettings() if server is None else
            SmtpSettings(host=server.host, port=server.port, starttls=False,
                         sender="clinic@hamrah.test"))
    return Settings(database_url=default_database_url(),
                    channels=replace(ChannelSettings(smtp=smtp), **channels))


class Clock:
    """The worker's clock, moved by the test."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Family:
    clinic_id: int
    patient_id: int


def family(session: Session, code: str = "P-1") -> Family:
    clinic_id = builders.clinic(session)
    return Family(clinic_id, builders.patient(session, clinic_id, code))


def module(session: Session, code: str = "MOD-1", *, title: str | None = None,
           language: str = "en", location: str | None = None,
           media_type: str | None = None) -> int:
    row = ContentModule(code=code, title=title or f"Synthetic module {code}", kind="text",
                        language=language, location=location, media_type=media_type, tags={},
                        retired=False, created_at=NOW, updated_at=NOW)
    session.add(row)
    session.flush()
    return row.id


def member(session: Session, home: Family, code: str, *, channel: str = "email",
           language: str = "en", scope: str | None = "education",
           email: str | None = "", chat_id: str | None = None) -> int:
    """A member with a consent of ``scope`` (None: no consent) signed on :data:`SIGNED`."""
    member_id = builders.member(session, home.clinic_id, home.patient_id, code, channel=channel)
    row = session.get_one(SupportMember, member_id)
    row.language = language
    row.telegram_chat_id = chat_id
    if email != "":
        row.email = email
    if scope is not None:
        builders.consent(session, member_id, home.patient_id, signed=SIGNED, scope=scope)
    session.flush()
    return member_id


def assign(session: Session, module_id: int, member_ids: list[int],
           note: str | None = None) -> list[int]:
    """Assign through the app's own function; the outbox ids, in the members' order."""
    outcome = assign_module(session, module_id=module_id, member_ids=member_ids, due_on=None,
                            note=note, actor="psy.test", by_user_id=None, today=TODAY, now=NOW)
    assert not outcome.skipped, outcome.skipped
    by_member = {row.member_id: row.outbox_id for row in outcome.assigned}
    return [by_member[member_id] for member_id in member_ids]
