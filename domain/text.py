"""The single translation hook for texts the domain produces (criteria, reasons, labels).

Domain texts are written in plain English and passed through :func:`t`. The translator lives in a
``ContextVar`` rather than in module state, so that one user's language never leaks into another
user's request on a shared Streamlit server; the default translator returns the text unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


def _identity(message: str) -> str:
    return message


_translator: ContextVar[Callable[[str], str]] = ContextVar("_translator", default=_identity)


def t(message: str, /, **values: object) -> str:
    """Translate ``message``, then fill its ``{placeholders}`` from ``values``.

    Translation happens before formatting so that translators see the template, not a text with
    numbers already baked in; a literal brace is therefore written ``{{`` or ``}}``.
    """
    return _translator.get()(message).format(**values)


@contextmanager
def use_translator(translator: Callable[[str], str]) -> Iterator[None]:
    """Translate domain texts with ``translator`` inside the ``with`` block only."""
    token = _translator.set(translator)
    try:
        yield
    finally:
        _translator.reset(token)
