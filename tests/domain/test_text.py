"""The translation hook: identity by default, per-context translator, format after translation."""

from __future__ import annotations

import contextvars

from domain.text import t, use_translator

GERMAN = {"{days} days": "{days} Tage", "none": "keine"}


def test_identity_by_default() -> None:
    assert t("{days} days", days=3) == "3 days"
    assert t("none") == "none"


def test_translation_happens_before_formatting() -> None:
    seen: list[str] = []

    def translate(message: str) -> str:
        seen.append(message)
        return GERMAN.get(message, message)

    with use_translator(translate):
        assert t("{days} days", days=90) == "90 Tage"
    assert seen == ["{days} days"]
    assert t("{days} days", days=90) == "90 days"  # restored after the block


def test_translator_does_not_leak_into_another_context() -> None:
    other = contextvars.copy_context()
    with use_translator(lambda message: GERMAN.get(message, message)):
        assert t("none") == "keine"
        assert other.run(t, "none") == "none"
