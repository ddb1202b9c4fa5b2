"""Values filled into a message take the reader's digits (issue 9): numbers and dates in Persian
on a Persian page, strings as typed, and ASCII again wherever a translator is installed for a
family or a PDF."""

from __future__ import annotations

from datetime import date

from domain.text import in_local_digits, t, use_translator


def _identity(message: str) -> str:
    return message


def test_numbers_and_dates_take_persian_digits_strings_do_not() -> None:
    with use_translator(_identity, digits_language="fa"):
        assert t("{n} patients", n=12) == "۱۲ patients"
        assert t("{minutes:g} minutes", minutes=15.0) == "۱۵ minutes"
        assert t("{rate:.1f} mg", rate=82.5) == "۸۲٫۵ mg"
        assert t("{n:,} rows", n=1200) == "۱٬۲۰۰ rows"
        assert t("on {day}", day=date(2026, 11, 2)) == "on ۲۰۲۶-۱۱-۰۲"
        # A code, a name or a file name is data: it stays as typed.
        assert t("{code} · {flag}", code="P-0012", flag=True) == "P-0012 · True"
        assert t("{{literal}} {n}", n=3) == "{literal} ۳"
        assert in_local_digits("42 mg") == "۴۲ mg"


def test_ascii_digits_by_default_and_for_another_translator() -> None:
    assert t("{n} patients", n=12) == "12 patients"
    with use_translator(_identity, digits_language="fa"):
        # A family's text (or a PDF) installs its own translator: ASCII values again.
        with use_translator(_identity):
            assert t("{n} patients", n=12) == "12 patients"
            assert in_local_digits("42") == "42"
        assert t("{n} patients", n=12) == "۱۲ patients"
    assert in_local_digits("42") == "42"
