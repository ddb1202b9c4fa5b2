"""Fixtures of the Telegram tests: the loopback Bot API and settings that point at it.

Other test folders can use the fake the same way: ``with FakeTelegramApi() as api:`` from
``tests.fakes.telegram_api``, or copy the three-line fixture below.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from settings import Settings
from settings.channels import ChannelSettings, TelegramSettings
from tests.fakes.telegram_api import FakeTelegramApi
from worker.adapters.telegram import TelegramAdapter

CLINIC_PHONE = "+98 21 5555 0100"


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegramApi]:
    """A started fake Bot API on a free loopback port, stopped after the test."""
    with FakeTelegramApi() as api:
        yield api


@pytest.fixture
def telegram_settings(telegram_api: FakeTelegramApi) -> TelegramSettings:
    return TelegramSettings(api_base=telegram_api.base_url, bot_token=telegram_api.token,
                            bot_username=telegram_api.bot_username)


@pytest.fixture
def settings(telegram_settings: TelegramSettings) -> Settings:
    """The worker's settings: Telegram on the fake, a clinic phone for emergency replies."""
    return Settings(database_url="sqlite://",
                    channels=ChannelSettings(telegram=telegram_settings,
                                             clinic_phone=CLINIC_PHONE))


@pytest.fixture
def adapter(telegram_settings: TelegramSettings) -> TelegramAdapter:
    return TelegramAdapter(telegram_settings, timeout_seconds=5)
