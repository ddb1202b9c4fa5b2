"""Load gettext catalogs from ``i18n/locales``; a missing catalog falls back to the English text.

Pages and components translate through ``domain.text.t``; the app sets the user's translator for
the duration of each script run with ``domain.text.use_translator``. Code that writes to a
family (the Telegram bot, reminders) wraps the text it builds in :func:`translating` with the
member's language instead. The catalogs are kept by ``make catalogs`` (``i18n.catalog_files``).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path

from domain.text import use_translator

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "hamrah"
LANGUAGES = ("en", "fa")
SOURCE_LANGUAGE = "en"  # the language the code's messages are written in
RTL_LANGUAGES = frozenset({"fa"})


@lru_cache(maxsize=8)
def translator_for(language: str) -> Callable[[str], str]:
    """The gettext function for ``language`` (cached: catalogs are read-only and shared)."""
    translation = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True
    )
    return translation.gettext


def translating(language: str) -> AbstractContextManager[None]:
    """``with translating(member.language):`` texts built inside go out in that language (an
    unknown language reads English)."""
    return use_translator(translator_for(language))


def is_right_to_left(language: str) -> bool:
    return language in RTL_LANGUAGES
