"""Load gettext catalogs from ``i18n/locales``; a missing catalog falls back to the English text.

Pages and components translate through ``domain.text.t``; the app sets the user's translator for
the duration of each script run with :func:`interface_language` (the user's translator, and
numbers and dates in the language's digits). Code that writes to a family (the Telegram bot,
reminders) wraps the text it builds in :func:`translating` with the member's language instead,
which keeps ASCII digits in the values it fills in. The catalogs are kept by ``make catalogs``
(``i18n.catalog_files``).
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
# Each language named in itself, so that a person who cannot read the current one finds theirs.
LANGUAGE_NAMES = {"en": "English", "fa": "فارسی"}


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


def interface_language(language: str) -> AbstractContextManager[None]:
    """``with interface_language(user.language):`` the staff interface reads in that language,
    with the numbers and dates filled into its messages in the language's digits (Persian
    digits for Persian, issue 9)."""
    return use_translator(translator_for(language), digits_language=language)


def is_right_to_left(language: str) -> bool:
    return language in RTL_LANGUAGES
