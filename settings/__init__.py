"""One typed settings object, read once from the environment (and Streamlit secrets by the app).

Defaults are safe for the embedded demo; production (``HAMRAH_ENV=production``) refuses to start
without the secrets it needs, because a silent default cookie key would let anyone forge a login.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from domain.outreach import OutreachThresholds
from domain.thresholds import ClinicalThresholds
from settings.channels import ChannelSettings, ChannelSettingsError, load_channel_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "hamrah.db"
DEFAULT_MEDIA_DIR = PROJECT_ROOT / "data" / "media"
DEMO_COOKIE_KEY = "hamrah-demo-cookie-key-not-for-production"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    environment: str = "development"
    cookie_key: str = DEMO_COOKIE_KEY
    cookie_name: str = "hamrah_auth"
    cookie_expiry_days: float = 1.0
    idle_timeout_minutes: float = 15.0
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0
    failed_login_delay_seconds: float = 1.0
    min_password_length: int = 12
    max_password_length: int = 128
    media_dir: Path = DEFAULT_MEDIA_DIR
    max_media_mb: float = 200.0
    clinical: ClinicalThresholds = field(default_factory=ClinicalThresholds)
    outreach: OutreachThresholds = field(default_factory=OutreachThresholds)
    channels: ChannelSettings = field(default_factory=ChannelSettings)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value


def load_settings(
    env: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
) -> Settings:
    """Read settings from ``env`` (default ``os.environ``), with ``secrets`` as a fallback."""
    env = os.environ if env is None else env
    secrets = secrets or {}
    environment = env.get("HAMRAH_ENV", "development").strip() or "development"
    if environment not in {"development", "test", "production"}:
        raise SettingsError(
            f"HAMRAH_ENV={environment!r}: use development, test or production"
        )
    database_url = (
        env.get("HAMRAH_DATABASE_URL") or str(secrets.get("database_url", "")) or ""
    ).strip() or default_database_url()
    cookie_key = (env.get("HAMRAH_COOKIE_KEY") or str(secrets.get("cookie_key", ""))).strip()
    if not cookie_key:
        if environment == "production":
            raise SettingsError(
                "HAMRAH_COOKIE_KEY is not set: production needs a random secret of 32+ "
                "characters (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        cookie_key = DEMO_COOKIE_KEY
    elif environment == "production" and (cookie_key == DEMO_COOKIE_KEY or len(cookie_key) < 32):
        raise SettingsError("HAMRAH_COOKIE_KEY must be a random secret of 32+ characters")
    max_failed = int(_number(env, "HAMRAH_MAX_FAILED_LOGINS", 5))
    if max_failed < 1:
        raise SettingsError("HAMRAH_MAX_FAILED_LOGINS must be at least 1")
    max_media_mb = _number(env, "HAMRAH_MAX_MEDIA_MB", 200.0)
    if max_media_mb <= 0:
        raise SettingsError("HAMRAH_MAX_MEDIA_MB must be more than 0")
    try:
        channels = load_channel_settings(env)
    except ChannelSettingsError as error:
        raise SettingsError(str(error)) from None
    return Settings(
        outreach=outreach_thresholds(env),
        channels=channels,
        media_dir=Path(env.get("HAMRAH_MEDIA_DIR") or DEFAULT_MEDIA_DIR).expanduser(),
        max_media_mb=max_media_mb,
        database_url=database_url,
        environment=environment,
        cookie_key=cookie_key,
        idle_timeout_minutes=_number(env, "HAMRAH_IDLE_TIMEOUT_MINUTES", 15.0),
        max_failed_logins=max_failed,
        lockout_minutes=_number(env, "HAMRAH_LOCKOUT_MINUTES", 15.0),
        failed_login_delay_seconds=_number(env, "HAMRAH_FAILED_LOGIN_DELAY_SECONDS", 1.0),
    )


OUTREACH_ENV_PREFIX = "HAMRAH_OUTREACH_"


def outreach_thresholds(env: Mapping[str, str]) -> OutreachThresholds:
    """Outreach thresholds with overrides from ``HAMRAH_OUTREACH_<FIELD>`` variables.

    Each field of :class:`OutreachThresholds` has one variable, e.g.
    ``HAMRAH_OUTREACH_DISENGAGED_DAYS=21`` or ``HAMRAH_OUTREACH_LOW_ADHERENCE_BELOW=0.75``;
    an unknown ``HAMRAH_OUTREACH_*`` name is an error, so a typo is not silently ignored.
    """
    defaults = OutreachThresholds()
    known = {f.name: f for f in fields(OutreachThresholds)}
    changes: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(OUTREACH_ENV_PREFIX):
            continue
        key = name[len(OUTREACH_ENV_PREFIX):].lower()
        if key not in known:
            allowed = ", ".join(OUTREACH_ENV_PREFIX + k.upper() for k in known)
            raise SettingsError(f"{name} is not a setting; the outreach settings are {allowed}")
        value = _number(env, name, float(getattr(defaults, key)))
        if isinstance(getattr(defaults, key), int):
            if value != int(value):
                raise SettingsError(f"{name}={raw!r} must be a whole number of days or items")
            changes[key] = int(value)
        else:
            changes[key] = value
    try:
        return replace(defaults, **changes)
    except ValueError as error:
        raise SettingsError(f"outreach settings: {error}") from None
