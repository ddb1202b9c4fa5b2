"""Load gettext catalogs from ``i18n/locales``; a missing catalog falls back to the English text.

Pages and components translate through ``domain.text.t``; the app sets the user's translator for
the duration of each script run with ``domain.text.use_translator``.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "hamrah"
LANGUAGES = ("en", "fa")
RTL_LANGUAGES = frozenset({"fa"})


@lru_cache(maxsize=8)
def translator_for(language: str) -> Callable[[str], str]:
    """The gettext function for ``language`` (cached: catalogs are read-only and shared)."""
    translation = gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[language], fallback=True
    )
    return translation.gettext


def is_right_to_left(language: str) -> bool:
    return language in RTL_LANGUAGES
