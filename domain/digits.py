"""Digits as people in Iran type and read them: Persian (۰-۹) and Arabic-Indic (٠-٩) forms.

A phone keyboard set to Persian types Persian digits, and an older Arabic layout or a file saved
by Excel may hold Arabic-Indic ones, so everything a person or a file gives the system (a dose,
an invite code, a date) is read through :func:`to_ascii_digits` before it is parsed; storage
and the code only ever see ASCII. The other direction is for display: a Persian page shows
numbers in Persian digits (:func:`localise_digits`), as a Persian reader expects.
"""

from __future__ import annotations

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9 (Extended Arabic-Indic)
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
ASCII_DIGITS = "0123456789"
PERSIAN_DECIMAL_SEPARATOR = "٫"  # U+066B, the Persian (and Arabic) decimal point
PERSIAN_THOUSANDS_SEPARATOR = "٬"  # U+066C

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_NUMBER_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS
                                 + PERSIAN_DECIMAL_SEPARATOR, ASCII_DIGITS * 2 + ".")
_TO_PERSIAN = str.maketrans(ASCII_DIGITS, PERSIAN_DIGITS)
_PERSIAN_SEPARATORS = {".": PERSIAN_DECIMAL_SEPARATOR, ",": PERSIAN_THOUSANDS_SEPARATOR}


def to_ascii_digits(text: str) -> str:
    """``text`` with Persian and Arabic-Indic digits as ASCII ones; nothing else changes
    (``"AB-۲۳٤"`` reads ``"AB-234"``)."""
    return text if text.isascii() else text.translate(_TO_ASCII)


def to_ascii_number(text: str) -> str:
    """A number as typed, ready for ``float``: ASCII digits, and the Persian decimal separator
    as a point (``"۸۲٫۵"`` reads ``"82.5"``). A thousands separator is not removed: ``1,200``
    and ``۱٬۲۰۰`` stay errors, as a dose is never written that way."""
    return text if text.isascii() else text.translate(_NUMBER_TO_ASCII)


def to_persian_digits(text: str) -> str:
    """``text`` with ASCII digits as Persian ones, and a point or comma *between two digits*
    as the Persian decimal or thousands separator (``"82.5 mg"`` reads ``"۸۲٫۵ mg"``); other
    points and commas, and slashes, dashes and colons of dates and times, stay as they are."""
    characters = list(text)
    for index, char in enumerate(characters):
        if (char in _PERSIAN_SEPARATORS and 0 < index < len(characters) - 1
                and text[index - 1].isascii() and text[index - 1].isdigit()
                and text[index + 1].isascii() and text[index + 1].isdigit()):
            characters[index] = _PERSIAN_SEPARATORS[char]
    return "".join(characters).translate(_TO_PERSIAN)


def localise_digits(text: str, language: str) -> str:
    """``text`` with the digits a reader of ``language`` expects: Persian digits for ``"fa"``,
    unchanged otherwise."""
    return to_persian_digits(text) if language == "fa" else text
