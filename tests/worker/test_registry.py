"""Which adapters a worker gets from settings; Telegram is optional and imported lazily."""

from __future__ import annotations

import sys
import types

import pytest

from settings.channels import TelegramSettings
from tests.worker.conftest import SmtpServer, worker_settings
from worker.adapters.email import EmailAdapter
from worker.adapters.registry import TELEGRAM_MODULE, adapters_from_settings


class StandInTelegramAdapter:
    channel = "telegram"

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings


def test_no_channel_configured_means_no_adapter() -> None:
    assert adapters_from_settings(worker_settings()) == {}


def test_smtp_settings_switch_email_on(smtp_server: SmtpServer) -> None:
    adapters = adapters_from_settings(worker_settings(smtp_server))
    assert list(adapters) == ["email"] and isinstance(adapters["email"], EmailAdapter)


def test_telegram_is_used_when_its_module_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(TELEGRAM_MODULE)
    module.TelegramAdapter = StandInTelegramAdapter  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, TELEGRAM_MODULE, module)
    telegram = TelegramSettings(bot_token="123:synthetic")
    adapter = adapters_from_settings(worker_settings(telegram=telegram))["telegram"]
    assert isinstance(adapter, StandInTelegramAdapter) and adapter.settings == telegram


def test_telegram_without_its_module_leaves_its_messages_waiting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, TELEGRAM_MODULE, None)  # as if the module did not exist
    telegram = TelegramSettings(bot_token="123:synthetic")
    assert adapters_from_settings(worker_settings(telegram=telegram)) == {}
