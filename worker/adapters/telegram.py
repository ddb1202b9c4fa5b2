"""Telegram through the Bot API: outbox messages out, updates in (for ``worker.intake``).

Plain HTTPS with the standard library (``urllib.request`` and JSON, multipart for files), so the
worker needs no extra dependency and a test can point ``api_base`` at a loopback server that
speaks the same protocol (``tests/fakes/telegram_api.py``). Every call goes to
``{api_base}/bot{token}/{method}``; the token is never written into an error message or a log.

Errors follow :class:`worker.adapters.base.SendError`: rate limits (429), server errors (5xx),
network errors and a rejected token (401/404, a setting to fix, after which the waiting messages
should still go) are transient; any other refusal (400 bad request, 403 the member blocked the
bot, 413 file too large) is permanent, because sending the same request again cannot succeed.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from domain.text import t
from i18n.catalog import translating
from settings.channels import TelegramSettings
from worker.adapters.base import OutgoingMessage, SendError

CHANNEL = "telegram"
MAX_TEXT_CHARS = 4096  # Bot API limit of a message text
MAX_CAPTION_CHARS = 1024  # Bot API limit of a file's caption
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Bot API limit of a file a bot uploads
DONE_PREFIX = "done:"
ASK = "ask"
ELLIPSIS = "…"


class TelegramError(SendError):
    """A failed Bot API call; ``status`` is the HTTP status (None for a network error) and
    ``retry_after`` the seconds Telegram asked to wait after a 429."""

    def __init__(self, message: str, *, permanent: bool, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status
        self.retry_after = retry_after


def _is_permanent(status: int) -> bool:
    if status == 429 or status >= 500:
        return False
    # 401/404 mean the token or the API base is wrong: a setting, not the message, is at fault.
    return status not in (401, 404)


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def message_text(body: str, link: str | None, limit: int = MAX_TEXT_CHARS) -> str:
    """The body and, on its own line, the module's link; a long body is shortened, never the
    link."""
    if not link:
        return _clipped(body, limit)
    tail = f"\n\n{link}"
    return _clipped(body, max(limit - len(tail), 0)) + tail


def inline_keyboard(language: str, assignment_id: int | None) -> dict[str, Any]:
    """"Done" (for an assignment) and "I have a question", labelled in the member's language
    from the project's catalogs (``i18n/locales``), like every text the bot sends."""
    with translating(language):
        done, ask = t("Done"), t("I have a question")
    buttons: list[dict[str, str]] = []
    if assignment_id is not None:
        buttons.append({"text": done, "callback_data": f"{DONE_PREFIX}{assignment_id}"})
    buttons.append({"text": ask, "callback_data": ASK})
    return {"inline_keyboard": [buttons]}


def assignment_of_markup(markup: object) -> int | None:
    """The assignment id carried by a message's "Done" button, if it has one.

    Telegram repeats a message's inline keyboard in callbacks and in replies to it, so the
    intake learns which assignment a member reacted to without storing Telegram message ids.
    """
    if not isinstance(markup, dict):
        return None
    for row in markup.get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            data = button.get("callback_data") if isinstance(button, dict) else None
            if isinstance(data, str) and data.startswith(DONE_PREFIX):
                number = data[len(DONE_PREFIX):]
                if number.isascii() and number.isdigit():
                    return int(number)
    return None


def _multipart(fields: Mapping[str, str], file_field: str, path: Path,
               content_type: str) -> tuple[bytes, str]:
    boundary = f"hamrah-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            .encode() + value.encode() + b"\r\n"
        )
    filename = path.name.replace('"', "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + path.read_bytes() + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class TelegramAdapter:
    """Deliver outbox messages to linked Telegram chats; also the calls the intake needs."""

    channel = CHANNEL

    def __init__(self, settings: TelegramSettings, *, timeout_seconds: float = 30.0) -> None:
        self._settings = settings
        self._timeout = timeout_seconds

    # -- the channel interface -------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> str:
        """Send one outbox message; return Telegram's message id."""
        markup = inline_keyboard(message.language, message.assignment_id)
        if message.media_path is not None:
            result = self._send_file(message, markup)
        else:
            result = self.call("sendMessage", {
                "chat_id": message.address,
                "text": message_text(message.body, message.link),
                "reply_markup": markup,
            })
        return _message_id(result)

    def _send_file(self, message: OutgoingMessage, markup: dict[str, Any]) -> Any:
        path = message.media_path
        assert path is not None
        try:
            size = path.stat().st_size
        except OSError:
            raise TelegramError(f"the module's file {path.name} is missing",
                                permanent=True) from None
        if size > MAX_UPLOAD_BYTES:
            raise TelegramError(
                f"the module's file is {size / 1024 / 1024:.0f} MB; a Telegram bot may upload "
                f"at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB (send a link instead)",
                permanent=True)
        content_type = message.media_type or "application/octet-stream"
        method, field = (("sendAudio", "audio") if content_type.startswith("audio/")
                         else ("sendDocument", "document"))
        fields = {
            "chat_id": message.address,
            "caption": message_text(message.body, message.link, MAX_CAPTION_CHARS),
            "reply_markup": json.dumps(markup, ensure_ascii=False),
        }
        body, header = _multipart(fields, field, path, content_type)
        return self._post(method, body, header, self._timeout)

    # -- calls the intake uses -------------------------------------------------------------

    def get_updates(self, offset: int | None, timeout: int = 0) -> list[dict[str, Any]]:
        """Updates after ``offset`` (which also confirms the earlier ones to Telegram); with a
        ``timeout`` Telegram holds the request up to that many seconds until one arrives."""
        payload: dict[str, Any] = {"timeout": timeout,
                                   "allowed_updates": ["message", "callback_query"]}
        if offset is not None:
            payload["offset"] = offset
        result = self.call("getUpdates", payload, wait_seconds=timeout)
        if not isinstance(result, list):
            raise TelegramError("getUpdates did not return a list", permanent=False)
        return [update for update in result if isinstance(update, dict)]

    def answer_callback_query(self, callback_query_id: str, text: str = "") -> None:
        """Stop the button's spinner; ``text`` shows briefly on the member's screen."""
        payload: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            payload["text"] = _clipped(text, 200)
        self.call("answerCallbackQuery", payload)

    def send_text(self, chat_id: str, text: str, *, choices: Sequence[str] = (),
                  remove_choices: bool = False) -> str:
        """A plain reply; ``choices`` become a one-time keyboard whose buttons type their text."""
        payload: dict[str, Any] = {"chat_id": chat_id, "text": message_text(text, None)}
        if choices:
            payload["reply_markup"] = {
                "keyboard": [[{"text": choice} for choice in choices]],
                "one_time_keyboard": True, "resize_keyboard": True,
            }
        elif remove_choices:
            payload["reply_markup"] = {"remove_keyboard": True}
        return _message_id(self.call("sendMessage", payload))

    # -- HTTP --------------------------------------------------------------------------------

    def call(self, method: str, payload: Mapping[str, Any], *, wait_seconds: float = 0) -> Any:
        """One Bot API method with a JSON body; returns its ``result``."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        return self._post(method, body, "application/json", self._timeout + wait_seconds)

    def _post(self, method: str, body: bytes, content_type: str, timeout: float) -> Any:
        url = f"{self._settings.api_base}/bot{self._settings.bot_token}/{method}"
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                reply = _json(response.read())
        except urllib.error.HTTPError as error:
            raise _http_error(method, error) from None
        except OSError as error:  # URLError, a refused connection, a timeout
            reason = getattr(error, "reason", error)
            raise TelegramError(f"{method}: network error ({reason})", permanent=False) from None
        if not reply.get("ok"):
            raise TelegramError(f"{method}: {reply.get('description') or 'refused'}",
                                permanent=False)
        return reply.get("result")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _http_error(method: str, error: urllib.error.HTTPError) -> TelegramError:
    try:
        reply = _json(error.read())
    except OSError:
        reply = {}
    description = reply.get("description") or error.reason or "error"
    parameters = reply.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    status = int(error.code)
    return TelegramError(
        f"{method}: HTTP {status} {description}", permanent=_is_permanent(status), status=status,
        retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
    )


def _message_id(result: Any) -> str:
    # The call succeeded, so the message went out: never turn a missing id into a retry.
    if isinstance(result, dict) and "message_id" in result:
        return str(result["message_id"])
    return ""

