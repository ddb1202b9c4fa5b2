"""The e-mail adapter against a real SMTP server on loopback: what arrives, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings.channels import SmtpSettings
from tests.worker.conftest import SmtpServer, free_port
from worker.adapters.base import OutgoingMessage, SendError
from worker.adapters.email import (
    MAX_ATTACHMENT_BYTES,
    EmailAdapter,
    build_email,
    message_id_for,
    subject_for,
)

PERSIAN = "سلام. مطلب تازه‌ای برای خانواده‌ها آماده است: چگونه از عزیزتان حمایت کنیم."


def outgoing(**changes: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "message_id": 7, "idempotency_key": "assignment:7", "kind": "assignment",
        "body": PERSIAN, "language": "fa", "address": "maryam@example.org",
    }
    values.update(changes)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def adapter(server: SmtpServer, **changes: object) -> EmailAdapter:
    values: dict[str, object] = {"host": server.host, "port": server.port, "starttls": False,
                                 "sender": "clinic@hamrah.test"}
    values.update(changes)
    return EmailAdapter(SmtpSettings(**values), timeout=5)  # type: ignore[arg-type]


def test_a_persian_message_arrives_with_its_recipient_message_id_and_utf8_body(
        smtp_server: SmtpServer) -> None:
    returned = adapter(smtp_server).send(outgoing(link="https://example.org/module/1"))
    [mail] = smtp_server.mailbox.received
    assert mail.rcpt_tos == ["maryam@example.org"]
    assert mail.mail_from == "clinic@hamrah.test"
    email = mail.email
    assert email["Message-ID"] == returned == "<hamrah.assignment.7@hamrah.test>"
    assert email["Subject"] == "مطلب تازه از درمانگاه"
    body = email.get_body()
    assert body is not None and body.get_content_charset() == "utf-8"
    assert body.get_content() == f"{PERSIAN}\n\nhttps://example.org/module/1\n"


def test_the_same_outbox_message_always_gets_the_same_message_id() -> None:
    assert message_id_for("answer:12", "a@b.org") == message_id_for("answer:12", "a@b.org")
    assert message_id_for("answer:12", "a@b.org") != message_id_for("answer:13", "a@b.org")


def test_a_module_file_is_attached(smtp_server: SmtpServer, tmp_path: Path) -> None:
    audio = tmp_path / "support.mp3"
    audio.write_bytes(b"ID3 synthetic audio")
    adapter(smtp_server).send(outgoing(body="Listen when you can.", language="en",
                                       media_path=audio, media_type="audio/mpeg"))
    [mail] = smtp_server.mailbox.received
    [attachment] = list(mail.email.iter_attachments())
    assert attachment.get_filename() == "support.mp3"
    assert attachment.get_content_type() == "audio/mpeg"
    assert attachment.get_content() == b"ID3 synthetic audio"


@pytest.mark.parametrize(("reply", "permanent"), [
    ("550 5.1.1 mailbox unavailable", True),
    ("451 4.3.0 try again later", False),
])
def test_a_5xx_refusal_is_permanent_and_a_4xx_one_transient(
        smtp_server: SmtpServer, reply: str, permanent: bool) -> None:
    smtp_server.mailbox.replies.append(reply)
    with pytest.raises(SendError) as raised:
        adapter(smtp_server).send(outgoing())
    assert raised.value.permanent is permanent
    assert reply.split()[0] in str(raised.value)
    assert smtp_server.mailbox.received == []


def test_a_server_that_cannot_be_reached_is_a_transient_error() -> None:
    unused = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    with pytest.raises(SendError) as raised:
        EmailAdapter(unused, timeout=2).send(outgoing())
    assert raised.value.permanent is False
    assert "cannot reach the SMTP server" in str(raised.value)


@pytest.mark.parametrize(("kind", "english", "persian"), [
    ("assignment", "New reading from your clinic", "مطلب تازه از درمانگاه"),
    ("answer", "An answer from your clinic", "پاسخ درمانگاه به پرسش شما"),
    ("general_answer", "An answer from your clinic", "پاسخ درمانگاه به پرسش شما"),
    ("reminder", "A reminder from your clinic", "یادآوری از درمانگاه"),
    ("safety", "A message from your clinic", "پیامی از درمانگاه"),
])
def test_the_subject_comes_from_the_catalogs_in_the_members_language(
        kind: str, english: str, persian: str) -> None:
    assert subject_for(kind, "en") == english
    assert subject_for(kind, "fa") == persian
    # A language without a catalog reads English.
    assert subject_for(kind, "de") == english


@pytest.mark.parametrize(("language", "note"), [
    ("en", "The file is too large for e-mail: please ask the clinic for it."),
    ("fa", "این فایل برای ایمیل بزرگ است: لطفاً آن را از درمانگاه بخواهید."),
])
def test_a_file_too_large_to_attach_is_replaced_by_a_note_in_the_members_language(
        tmp_path: Path, language: str, note: str) -> None:
    video = tmp_path / "session.mp4"
    with video.open("wb") as file:
        file.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: no 10 MB written

    email = build_email(outgoing(body="Body", language=language, media_path=video,
                                 media_type="video/mp4"), "clinic@hamrah.test")

    assert list(email.iter_attachments()) == []
    body = email.get_body()
    assert body is not None
    assert body.get_content() == f"Body\n\n{note}\n"
