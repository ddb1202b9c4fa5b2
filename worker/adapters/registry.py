"""Which channel adapters a worker runs with, from settings.

A channel without its settings (or without its module) has no adapter: its messages wait in the
outbox, shown as backlog, instead of failing. Adapters other than e-mail are imported only when
switched on, so the worker runs before a channel's module exists or when its library is missing.
To add a channel (WhatsApp Business, an SMS gateway), write ``worker/adapters/<name>.py`` with a
class that satisfies :class:`~worker.adapters.base.ChannelAdapter` and add it here.
"""

from __future__ import annotations

import importlib
from typing import cast

from settings import Settings
from worker.adapters.base import ChannelAdapter
from worker.adapters.email import EmailAdapter

TELEGRAM_MODULE = "worker.adapters.telegram"
TELEGRAM_CLASS = "TelegramAdapter"


def _optional(module_name: str, class_name: str) -> type | None:
    """The adapter class, or None when its module is not (yet) part of this installation."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name or module_name.startswith(f"{error.name}."):
            return None
        raise  # the module exists but one of its own imports is missing: say so
    found = getattr(module, class_name, None)
    return found if isinstance(found, type) else None


def adapters_from_settings(settings: Settings) -> dict[str, ChannelAdapter]:
    """The adapters of the channels switched on in ``settings``, by channel name."""
    channels = settings.channels
    adapters: dict[str, ChannelAdapter] = {}
    if channels.smtp.enabled:
        adapters["email"] = EmailAdapter(channels.smtp)
    if channels.telegram.enabled:
        telegram = _optional(TELEGRAM_MODULE, TELEGRAM_CLASS)
        if telegram is not None:
            adapters["telegram"] = cast(ChannelAdapter, telegram(channels.telegram))
    return adapters
