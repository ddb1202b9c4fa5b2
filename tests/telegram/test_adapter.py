"""The Telegram adapter against the loopback Bot API: texts, buttons, files and error mapping."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from settings.channels import TelegramSettings
from tests.fakes.telegram_api import FakeTelegramApi
from worker.adapters.base import ChannelAdapter, OutgoingMessage, SendError
from worker.adapters.telegram import (
    MAX_CAPTION_CHARS,
    TelegramAdapter,
    TelegramError,
    assignment_of_markup,
    inline_keyboard,
)

CHAT = "5001"


def outgoing(**changes: object) -> OutgoingMessage:
    values: dict[str, object] = {
        "message_id": 1, "idempotency_key": "assignment:41", "kind": "assignment",
        "body": "Understanding methadone (synthetic module)", "language": "en",
        "address": CHAT, "assignment_id": 41, "link": "https://example.org/modules/41",
    }
    values.update(changes)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def buttons(request_fields: dict[str, object]) -> list[tuple[str, str]]:
    markup = request_fields["reply_markup"]
    assert isinstance(markup, dict)
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def test_the_adapter_is_a_channel_adapter(adapter: TelegramAdapter) -> None:
    channel: ChannelAdapter = adapter
    assert channel.channel == "telegram"


def test_text_goes_with_the_link_and_done_and_question_buttons(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    message_id = adapter.send(outgoing())

    [request] = telegram_api.calls("sendMessage")
    assert request.fields["chat_id"] == CHAT
    assert request.fields["text"] == ("Understanding methadone (synthetic module)\n\n"
                                      "https://example.org/modules/41")
    assert buttons(request.fields) == [("Done", "done:41"), ("I have a question", "ask")]
    [sent] = telegram_api.sent(CHAT)
    assert message_id == str(sent["message_id"])
    assert assignment_of_markup(sent["reply_markup"]) == 41


def test_buttons_are_in_the_members_language_and_done_only_for_an_assignment(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    adapter.send(outgoing(language="fa"))
    adapter.send(outgoing(kind="answer", assignment_id=None, link=None, body="پاسخ درمانگاه"))

    first, second = telegram_api.calls("sendMessage")
    assert buttons(first.fields) == [("انجام شد", "done:41"), ("سؤال دارم", "ask")]
    assert buttons(second.fields) == [("I have a question", "ask")]
    assert second.fields["text"] == "پاسخ درمانگاه"


def test_a_long_text_is_shortened_but_keeps_its_link(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    adapter.send(outgoing(body="x" * 5000))

    text = telegram_api.calls("sendMessage")[0].fields["text"]
    assert isinstance(text, str)
    assert len(text) == 4096
    assert text.endswith("…\n\nhttps://example.org/modules/41")


def test_an_audio_file_goes_as_audio_with_the_caption(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi, tmp_path: Path) -> None:
    audio = tmp_path / "lesson-1.mp3"
    audio.write_bytes(b"ID3 synthetic audio bytes")

    adapter.send(outgoing(link=None, media_path=audio, media_type="audio/mpeg"))

    [request] = telegram_api.calls("sendAudio")
    assert request.content_type.startswith("multipart/form-data")
    assert request.fields["caption"] == "Understanding methadone (synthetic module)"
    assert request.files["audio"].filename == "lesson-1.mp3"
    assert request.files["audio"].content_type == "audio/mpeg"
    assert request.files["audio"].data == b"ID3 synthetic audio bytes"
    assert buttons(request.fields) == [("Done", "done:41"), ("I have a question", "ask")]
    assert telegram_api.calls("sendMessage") == []


def test_any_other_file_goes_as_a_document_with_a_caption_in_limits(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi, tmp_path: Path) -> None:
    leaflet = tmp_path / "naloxone.pdf"
    leaflet.write_bytes(b"%PDF-1.4 synthetic")

    adapter.send(outgoing(body="y" * 2000, media_path=leaflet, media_type="application/pdf"))

    [request] = telegram_api.calls("sendDocument")
    assert request.files["document"].data == b"%PDF-1.4 synthetic"
    caption = request.fields["caption"]
    assert isinstance(caption, str)
    assert len(caption) == MAX_CAPTION_CHARS
    assert caption.endswith("https://example.org/modules/41")


def test_a_missing_file_is_a_permanent_error(adapter: TelegramAdapter, tmp_path: Path) -> None:
    with pytest.raises(SendError) as raised:
        adapter.send(outgoing(media_path=tmp_path / "gone.mp3", media_type="audio/mpeg"))
    assert raised.value.permanent


@pytest.mark.parametrize(("status", "permanent"), [(429, False), (500, False), (502, False),
                                                   (403, True), (400, True)])
def test_http_errors_map_to_transient_or_permanent(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi, status: int,
        permanent: bool) -> None:
    telegram_api.fail_next(1, status, retry_after=7 if status == 429 else None)

    with pytest.raises(TelegramError) as raised:
        adapter.send(outgoing())

    assert raised.value.permanent is permanent
    assert raised.value.status == status
    if status == 429:
        assert raised.value.retry_after == 7
    assert telegram_api.token not in str(raised.value)
    adapter.send(outgoing())  # the failure was for one call only
    assert len(telegram_api.sent(CHAT)) == 1


def test_a_member_who_blocked_the_bot_is_a_permanent_error(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    telegram_api.block_chat(CHAT)

    with pytest.raises(SendError) as raised:
        adapter.send(outgoing())

    assert raised.value.permanent
    assert "blocked" in str(raised.value)


def test_a_wrong_token_waits_for_the_setting_to_be_fixed(
        telegram_api: FakeTelegramApi) -> None:
    wrong = TelegramAdapter(TelegramSettings(api_base=telegram_api.base_url,
                                             bot_token="999:wrong-token"))
    with pytest.raises(TelegramError) as raised:
        wrong.send(outgoing())
    assert raised.value.status == 401
    assert not raised.value.permanent
    assert "wrong-token" not in str(raised.value)


def test_a_network_error_is_transient() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    offline = TelegramAdapter(TelegramSettings(api_base=f"http://127.0.0.1:{port}",
                                               bot_token="1:x"), timeout_seconds=2)
    with pytest.raises(SendError) as raised:
        offline.send(outgoing())
    assert not raised.value.permanent


def test_updates_are_served_after_the_offset_and_confirmed(
        adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    first = telegram_api.member_says(7001, "hello")
    second = telegram_api.member_says(7001, "again")

    assert [u["update_id"] for u in adapter.get_updates(None)] == [first, second]
    assert [u["update_id"] for u in adapter.get_updates(first + 1)] == [second]
    assert adapter.get_updates(second + 1) == []
    assert telegram_api.pending_updates() == 0


def test_intake_helpers(adapter: TelegramAdapter, telegram_api: FakeTelegramApi) -> None:
    adapter.answer_callback_query("9000001", "Thank you!")
    adapter.send_text("7001", "Is it an emergency?", choices=["Yes", "No"])
    adapter.send_text("7001", "Thank you", remove_choices=True)

    [answer] = telegram_api.calls("answerCallbackQuery")
    assert answer.fields == {"callback_query_id": "9000001", "text": "Thank you!"}
    choices, plain = telegram_api.calls("sendMessage")
    assert choices.fields["reply_markup"]["keyboard"] == [[{"text": "Yes"}, {"text": "No"}]]
    assert plain.fields["reply_markup"] == {"remove_keyboard": True}


@pytest.mark.parametrize(("language", "done", "ask"), [
    ("en", "Done", "I have a question"),
    ("fa", "انجام شد", "سؤال دارم"),
    ("de", "Done", "I have a question"),  # no catalog: English
])
def test_the_buttons_come_from_the_catalogs(language: str, done: str, ask: str) -> None:
    assert inline_keyboard(language, 41) == {"inline_keyboard": [[
        {"text": done, "callback_data": "done:41"}, {"text": ask, "callback_data": "ask"}]]}
