"""The one small interface every channel implements.

A new channel (WhatsApp Business, an SMS gateway) is one module with a class that has a
``channel`` name and a ``send`` method, registered in ``worker.adapters.registry``. The worker
does everything else: consent at send time, at-most-once claims, retries with backoff, rate
limits and recording the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """What an adapter needs to deliver one outbox message to one member."""

    message_id: int
    idempotency_key: str  # unique per message; e-mail uses it as the Message-ID
    kind: str  # "assignment", "answer", "reminder", ...
    body: str  # the text, already in the member's language and checked against the consent
    language: str  # "fa" or "en"
    address: str  # the Telegram chat id or the e-mail address
    assignment_id: int | None = None  # lets Telegram add a "Done" button
    link: str | None = None  # a module's URL, sent with the text
    media_path: Path | None = None  # an uploaded module file, sent as a document or audio
    media_type: str | None = None


class SendError(Exception):
    """The channel refused or failed; ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class ChannelAdapter(Protocol):
    """Deliver one message or raise :class:`SendError`; return the channel's message id."""

    channel: str

    def send(self, message: OutgoingMessage) -> str: ...
