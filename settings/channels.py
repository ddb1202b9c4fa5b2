"""Settings of the family channel: the worker's rhythm, Telegram, SMTP, reminders.

Secrets (the bot token, the SMTP password) come from the environment only. A channel without
its settings is switched off: its messages wait in the outbox (the dashboard shows the backlog)
instead of failing, so a clinic can configure it later without losing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class ChannelSettingsError(ValueError):
    """A channel setting is wrong; the message names it."""


IMPLICIT_TLS_PORT = 465
"""The SMTPS port: a server there speaks TLS from the first byte (RFC 8314)."""


@dataclass(frozen=True)
class TelegramSettings:
    api_base: str = "https://api.telegram.org"
    bot_token: str = ""
    bot_username: str = "HamrahClinicBot"
    per_minute: int = 20

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token)


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    starttls: bool = True
    implicit_tls: bool = False  # TLS from the first byte (SMTPS); by default on port 465
    username: str = ""
    password: str = ""
    sender: str = "hamrah@localhost"
    per_minute: int = 30

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class ChannelSettings:
    poll_seconds: float = 10.0
    max_attempts: int = 5
    backoff_seconds: float = 60.0
    # A message claimed this long ago and never recorded was interrupted: never sent again.
    claim_timeout_seconds: float = 300.0
    invite_days: int = 7
    weekly_checkin: str = "fri 18:00"  # day and time (UTC) of the weekly check-in prompt
    clinic_phone: str = ""
    # The dashboard's public address: module links go through it so an opening is recorded
    # (``domain.open_links``); empty sends the module's own link, and "opened" comes from Telegram.
    public_url: str = ""
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ChannelSettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ChannelSettingsError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ChannelSettingsError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ChannelSettingsError(f"{name}={raw!r} must be more than 0")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ChannelSettingsError(f"{name}={raw!r}: use true or false")


def load_channel_settings(env: Mapping[str, str]) -> ChannelSettings:
    """``HAMRAH_WORKER_*``, ``HAMRAH_TELEGRAM_*``, ``HAMRAH_SMTP_*`` and reminder settings."""
    return ChannelSettings(
        poll_seconds=_float(env, "HAMRAH_WORKER_POLL_SECONDS", 10.0),
        max_attempts=_int(env, "HAMRAH_WORKER_MAX_ATTEMPTS", 5),
        backoff_seconds=_float(env, "HAMRAH_WORKER_BACKOFF_SECONDS", 60.0),
        claim_timeout_seconds=_float(env, "HAMRAH_WORKER_CLAIM_TIMEOUT_SECONDS", 300.0),
        invite_days=_int(env, "HAMRAH_INVITE_DAYS", 7),
        weekly_checkin=env.get("HAMRAH_WEEKLY_CHECKIN", "").strip() or "fri 18:00",
        clinic_phone=env.get("HAMRAH_CLINIC_PHONE", "").strip(),
        public_url=env.get("HAMRAH_PUBLIC_URL", "").strip().rstrip("/"),
        telegram=TelegramSettings(
            api_base=(env.get("HAMRAH_TELEGRAM_API_BASE", "").strip()
                      or "https://api.telegram.org").rstrip("/"),
            bot_token=env.get("HAMRAH_TELEGRAM_BOT_TOKEN", "").strip(),
            bot_username=env.get("HAMRAH_TELEGRAM_BOT_USERNAME", "").strip()
            or "HamrahClinicBot",
            per_minute=_int(env, "HAMRAH_TELEGRAM_PER_MINUTE", 20),
        ),
        smtp=SmtpSettings(
            host=env.get("HAMRAH_SMTP_HOST", "").strip(),
            port=_int(env, "HAMRAH_SMTP_PORT", 587),
            starttls=_flag(env, "HAMRAH_SMTP_STARTTLS", True),
            implicit_tls=_flag(env, "HAMRAH_SMTP_IMPLICIT_TLS",
                               _int(env, "HAMRAH_SMTP_PORT", 587) == IMPLICIT_TLS_PORT),
            username=env.get("HAMRAH_SMTP_USERNAME", "").strip(),
            password=env.get("HAMRAH_SMTP_PASSWORD", ""),
            sender=env.get("HAMRAH_SMTP_FROM", "").strip() or "hamrah@localhost",
            per_minute=_int(env, "HAMRAH_SMTP_PER_MINUTE", 30),
        ),
    )
