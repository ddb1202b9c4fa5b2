"""A loopback HTTP server that speaks the part of the Telegram Bot API Hamrah's worker uses.

``sendMessage``, ``sendDocument``, ``sendAudio``, ``getUpdates`` (with ``offset``: updates below
it are confirmed and dropped, as Telegram does) and ``answerCallbackQuery`` at
``{base_url}/bot{token}/{method}``, with JSON, form or multipart bodies. Every request is
recorded (method, fields, uploaded files) for assertions; the server can be told to fail the
next calls with a status (429 with ``retry_after``, 500, 403 ...) or to answer 403 for a chat
that "blocked the bot". A wrong token gets 401 and an unknown method 404, as from Telegram.

Use it as a context manager, or through the ``telegram_api`` fixture of
``tests/telegram/conftest.py``::

    with FakeTelegramApi() as api:
        settings = TelegramSettings(api_base=api.base_url, bot_token=api.token)
        api.member_says(1001, "/start ABCDEFGHJK")
        ...
        assert api.sent(chat_id=1001)[-1]["text"].startswith("Welcome")
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-fake-token"
BOT_ID = 123456
BOT_USERNAME = "HamrahTestBot"
MAX_WAIT_SECONDS = 2.0  # a long poll on the fake returns after at most this long


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ApiRequest:
    """One call as the server received it; ``fields`` hold decoded JSON values (a multipart
    ``reply_markup`` is decoded too, as Telegram decodes it)."""

    method: str
    fields: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    content_type: str = ""


@dataclass(frozen=True)
class _Failure:
    status: int
    description: str
    retry_after: int | None
    method: str | None


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _chat_id(value: Any) -> int | str:
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith("@"):
        return text
    raise ApiError(400, "Bad Request: chat not found")


def _markup(value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON "
                                "object") from None
    if not isinstance(value, dict):
        raise ApiError(400, "Bad Request: reply markup must be an object")
    return value


class FakeTelegramApi:
    """The fake Bot API server; ``start()`` it (or use ``with``) before use."""

    def __init__(self, token: str = TOKEN, bot_username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_username = bot_username
        self.requests: list[ApiRequest] = []
        self._lock = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = itertools.count(700_000_001)
        self._next_message_id = itertools.count(1)
        self._next_callback_id = itertools.count(9_000_001)
        self._messages: list[dict[str, Any]] = []
        self._failures: deque[_Failure] = deque()
        self._blocked: set[int | str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.confirmed_below = 0  # the highest offset a getUpdates call has confirmed

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegramApi:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-telegram-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTelegramApi:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake Telegram API first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- what the tests arrange ----------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500, *, description: str | None = None,
                  retry_after: int | None = None, method: str | None = None) -> None:
        """Answer the next ``count`` calls (of ``method``, or any) with ``status``."""
        text = description or {
            429: "Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request",
        }.get(status, "Internal Server Error")
        with self._lock:
            for _ in range(count):
                self._failures.append(
                    _Failure(status, text.format(retry_after=retry_after), retry_after, method))

    def block_chat(self, chat_id: int | str) -> None:
        """Sends to this chat get 403, as when the member blocked the bot."""
        with self._lock:
            self._blocked.add(_chat_id(chat_id))

    def queue_update(self, update: dict[str, Any]) -> int:
        """Serve ``update`` (``update_id`` is added) to the next ``getUpdates``."""
        with self._lock:
            update_id = next(self._next_update_id)
            self._updates.append({"update_id": update_id, **update})
            self._lock.notify_all()
        return update_id

    def member_says(self, chat_id: int, text: str | None = None, *, language_code: str = "en",
                    reply_to: dict[str, Any] | None = None, chat_type: str = "private",
                    **extra: Any) -> int:
        """A message from a person in a private chat (``extra``: photo, caption, voice...)."""
        message: dict[str, Any] = {
            "message_id": next(self._next_message_id), "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test",
                     "language_code": language_code},
            **extra,
        }
        if text is not None:
            message["text"] = text
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return self.queue_update({"message": message})

    def member_presses(self, chat_id: int, data: str, *, message: dict[str, Any] | None = None,
                       language_code: str = "en") -> int:
        """A button press (callback query) on ``message`` (by default a bare bot message)."""
        shown = message or {"message_id": next(self._next_message_id), "date": int(time.time()),
                            "chat": {"id": chat_id, "type": "private"}}
        return self.queue_update({"callback_query": {
            "id": str(next(self._next_callback_id)),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test",
                     "language_code": language_code},
            "message": shown, "chat_instance": f"ci-{chat_id}", "data": data,
        }})

    # -- what the tests check ------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiRequest]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (as Telegram stores them), oldest first."""
        with self._lock:
            wanted = None if chat_id is None else _chat_id(chat_id)
            return [m for m in self._messages if wanted is None or m["chat"]["id"] == wanted]

    def texts(self, chat_id: int | str) -> list[str]:
        """The text or caption of each message sent to ``chat_id``."""
        return [m.get("text") or m.get("caption") or "" for m in self.sent(chat_id)]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # -- the API -------------------------------------------------------------------------------

    def _handle(self, method: str, request: ApiRequest) -> Any:
        with self._lock:
            self.requests.append(request)
            for failure in list(self._failures):
                if failure.method in (None, method):
                    self._failures.remove(failure)
                    raise ApiError(failure.status, failure.description, failure.retry_after)
        if method == "getUpdates":
            return self._get_updates(request.fields)
        if method == "sendMessage":
            return self._send_message(request.fields)
        if method in ("sendAudio", "sendDocument"):
            return self._send_file(method, request)
        if method == "answerCallbackQuery":
            if not request.fields.get("callback_query_id"):
                raise ApiError(400, "Bad Request: query is too old and response timeout "
                                    "expired or query ID is invalid")
            return True
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Hamrah",
                    "username": self.bot_username}
        raise ApiError(404, "Not Found")

    def _get_updates(self, fields: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(fields.get("offset") or 0)
        limit = int(fields.get("limit") or 100)
        wait = min(float(fields.get("timeout") or 0), MAX_WAIT_SECONDS)
        deadline = time.monotonic() + wait
        with self._lock:
            if offset:
                # Telegram forgets every update below the offset once it is asked for it.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_below = max(self.confirmed_below, offset)
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            return [dict(u) for u in self._updates[:limit]]

    def _stored(self, chat_id: int | str, content: dict[str, Any],
                markup: dict[str, Any] | None) -> dict[str, Any]:
        with self._lock:
            if chat_id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            message: dict[str, Any] = {
                "message_id": next(self._next_message_id), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Hamrah",
                         "username": self.bot_username},
                **content,
            }
            if markup is not None and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # Telegram keeps only inline keyboards
            self._messages.append(message)
            return message

    def _send_message(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "chat_id" not in fields:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _chat_id(fields["chat_id"])
        text = str(fields.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._stored(chat_id, {"text": text}, _markup(fields.get("reply_markup")))

    def _send_file(self, method: str, request: ApiRequest) -> dict[str, Any]:
        kind = "audio" if method == "sendAudio" else "document"
        fields = request.fields
        if "chat_id" not in fields:
            raise ApiError(400, "Bad Request: chat_id is empty")
        upload = request.files.get(kind)
        if upload is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        caption = str(fields.get("caption") or "")
        if len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: dict[str, Any] = {kind: {
            "file_id": f"file-{len(self._messages) + 1}", "file_name": upload.filename,
            "mime_type": upload.content_type, "file_size": len(upload.data),
        }}
        if caption:
            content["caption"] = caption
        return self._stored(_chat_id(fields["chat_id"]), content,
                            _markup(fields.get("reply_markup")))


def _parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if kind == "application/json":
        try:
            parsed = json.loads(body.decode("utf-8"))
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON") from None
        if not isinstance(parsed, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        return parsed, {}
    if kind == "application/x-www-form-urlencoded":
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        return dict(pairs), {}
    if kind == "multipart/form-data":
        document = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        fields: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        for part in document.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(data, bytes):
                continue
            filename = part.get_filename()
            if filename is not None:
                files[name] = UploadedFile(filename, part.get_content_type(), data)
            else:
                fields[name] = data.decode("utf-8")
        if "reply_markup" in fields:
            fields["reply_markup"] = _markup(fields["reply_markup"])
        return fields, files
    raise ApiError(400, f"Bad Request: unsupported content type {kind}")


def _handler_for(api: FakeTelegramApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            self._serve(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length))

        def _serve(self, body: bytes) -> None:
            url = urllib.parse.urlsplit(self.path)
            prefix, _, method = url.path.lstrip("/").partition("/")
            try:
                if prefix != f"bot{api.token}":
                    raise ApiError(401, "Unauthorized")
                content_type = self.headers.get("Content-Type") or ""
                fields, files = _parse_body(content_type, body)
                query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
                request = ApiRequest(method, {**query, **fields}, files, content_type)
                result = api._handle(method, request)
                self._reply(200, {"ok": True, "result": result})
            except ApiError as error:
                reply: dict[str, Any] = {"ok": False, "error_code": error.status,
                                         "description": error.description}
                if error.retry_after is not None:
                    reply["parameters"] = {"retry_after": error.retry_after}
                self._reply(error.status, reply)

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
