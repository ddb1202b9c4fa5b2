"""The single translation hook for texts the domain produces (criteria, reasons, labels).

Domain texts are written in plain English and passed through :func:`t`. The translator lives in a
``ContextVar`` rather than in module state, so that one user's language never leaks into another
user's request on a shared Streamlit server; the default translator returns the text unchanged.

Beside the translator, the context holds the language whose digits the *values* filled into a
message are shown in: a Persian page reads "۱۲ بیمار", not "12 بیمار" (issue 9). Only numbers and
dates are localised, never strings (a patient code, a username or a file name stays as typed),
and never the template (the catalog writes its own numbers). Installing a translator resets the
digits to ASCII unless the caller asks otherwise, so texts built for a family (the bot, the
reminders: Telegram recognises ASCII phone numbers and codes) keep ASCII values even inside a
Persian page's run; a PDF asks for its reader's digits (``documents.pdf_layout``).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal

from domain.digits import localise_digits


def _identity(message: str) -> str:
    return message


_translator: ContextVar[Callable[[str], str]] = ContextVar("_translator", default=_identity)
_digits_language: ContextVar[str] = ContextVar("_digits_language", default="en")


def _is_localised(value: object) -> bool:
    """Numbers and dates are shown in the reader's digits; a ``bool`` is no number to read."""
    return isinstance(value, int | float | Decimal | date) and not isinstance(value, bool)


class _LocalisingFormatter(string.Formatter):
    """``str.format`` that writes the digits of numbers and dates in the context's language."""

    def format_field(self, value: object, format_spec: str) -> str:
        shown = super().format_field(value, format_spec)
        return localise_digits(shown, _digits_language.get()) if _is_localised(value) else shown


_FORMATTER = _LocalisingFormatter()


def t(message: str, /, **values: object) -> str:
    """Translate ``message``, then fill its ``{placeholders}`` from ``values``.

    Translation happens before formatting so that translators see the template, not a text with
    numbers already baked in; a literal brace is therefore written ``{{`` or ``}}``. Numbers and
    dates among ``values`` take the digits of the context's language (see the module docstring).
    """
    template = _translator.get()(message)
    if _digits_language.get() == "en" or not values:
        return template.format(**values)
    return _FORMATTER.vformat(template, (), values)


def in_local_digits(text: str) -> str:
    """``text`` with the digits of the context's language: for numbers a page shows outside a
    message, such as a metric's value."""
    return localise_digits(text, _digits_language.get())


@contextmanager
def use_translator(translator: Callable[[str], str], *,
                   digits_language: str = "en") -> Iterator[None]:
    """Translate domain texts with ``translator`` inside the ``with`` block only, filling in
    numbers and dates with the digits of ``digits_language`` (ASCII unless it is Persian)."""
    token = _translator.set(translator)
    digits_token = _digits_language.set(digits_language)
    try:
        yield
    finally:
        _digits_language.reset(digits_token)
        _translator.reset(token)
