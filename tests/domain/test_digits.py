"""Persian and Arabic-Indic digits in, ASCII stored; Persian digits out for Persian readers."""

from __future__ import annotations

import pytest

from domain.digits import localise_digits, to_ascii_digits, to_ascii_number, to_persian_digits


@pytest.mark.parametrize(("typed", "read"), [
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian (U+06F0..)
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Arabic-Indic (U+0660..)
    ("AB-۲۳٤ cd", "AB-234 cd"),  # mixed forms in one code; letters and dashes untouched
    ("۱۴۰۳/۱۲/۳۰", "1403/12/30"),
    ("plain ASCII 42", "plain ASCII 42"),
    ("بدون رقم", "بدون رقم"),
])
def test_typed_digits_read_as_ascii(typed: str, read: str) -> None:
    assert to_ascii_digits(typed) == read


def test_a_number_keeps_its_persian_decimal_point_but_not_a_thousands_separator() -> None:
    assert to_ascii_number("۸۲٫۵") == "82.5"
    assert float(to_ascii_number("٦٠")) == 60.0
    assert to_ascii_number("۱٬۲۰۰") == "1٬200"  # stays an error for float(), as "1,200" does
    assert to_ascii_digits("۸۲٫۵") == "82٫5"  # digits only: separators are for numbers


@pytest.mark.parametrize(("text", "shown"), [
    ("2026-11-02", "۲۰۲۶-۱۱-۰۲"),
    ("82.5 mg", "۸۲٫۵ mg"),
    ("1,200 doses", "۱٬۲۰۰ doses"),
    ("18:00", "۱۸:۰۰"),
    ("step 3. Then", "step ۳. Then"),  # a full stop after a number is not a decimal point
    ("a, 4", "a, ۴"),
])
def test_persian_display_digits(text: str, shown: str) -> None:
    assert to_persian_digits(text) == shown


def test_display_digits_follow_the_readers_language() -> None:
    assert localise_digits("90 days", "fa") == "۹۰ days"
    assert localise_digits("90 days", "en") == "90 days"
    assert to_ascii_digits(localise_digits("1405/08/11", "fa")) == "1405/08/11"
