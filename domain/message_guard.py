"""A last check of a message's text against what the member's consent lets the clinic disclose.

42 CFR 2.31 asks for a specific description of the information disclosed. A consent whose scope
does not cover ``progress`` allows education only, so a text that names a dose, a screen or test
result or a diagnosis (HIV, hepatitis, an overdose history…) must not go to that member.

This is a conservative safety net, not a guarantee: it looks for the usual English and Persian
words and patterns, so it refuses some harmless texts (an education title that names hepatitis)
and cannot catch every way of writing a clinical fact. Staff remain responsible for what they
write; the guard only stops the obvious slips before they leave the clinic. General facts about
overdose and naloxone (including a naloxone dose such as "4 mg") are education and pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.consent import scope_covers
from domain.vocabulary import ConsentScope

PROGRESS = "progress"

_ZWNJ = "\u200c"
# Arabic letters typed on an Arabic keyboard, written the Persian way; short vowels dropped.
_PERSIAN_FORMS = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc",
                                _ZWNJ: " ", "\u200f": None, "\u200e": None,
                                **{chr(code): None for code in range(0x064B, 0x0653)}})

_NUMBER = r"\d+(?:[.,\u066b/]\d+)?"  # \d matches Persian (۸۰) and Arabic-Indic digits too
_UNIT = (r"(?:mg|ml|cc|milligrams?|millilit(?:er|re)s?|"
         r"میلی\s?گرم|میلی\s?لیتر|سی\s?سی)(?![a-z])")
_NEAR = r"[^.!?\n؟]{0,40}?"  # within one sentence, a few words apart


@dataclass(frozen=True)
class _Rule:
    what: str  # the kind of information, for the reason
    pattern: re.Pattern[str]


def _rule(what: str, pattern: str) -> _Rule:
    return _Rule(what, re.compile(pattern, re.IGNORECASE))


_RULES = (
    _rule("a dose", rf"{_NUMBER}\s*{_UNIT}"),
    _rule("a dose", rf"\bdos(?:e|es|age|ing)\b{_NEAR}{_NUMBER}|{_NUMBER}\s*(?:mg\s*)?dose"),
    _rule("a dose", rf"\bدوز{_NEAR}{_NUMBER}|مقدار\s*مصرف{_NEAR}{_NUMBER}"),
    _rule("a screen or test result",
          rf"\b(?:positive|negative)\b{_NEAR}\b(?:urine|screens?|screening|tests?|tox\w*)\b"
          rf"|\b(?:urine|screens?|screening|tests?|tox\w*)\b{_NEAR}\b(?:positive|negative)\b"
          r"|\btested\s+(?:positive|negative)\b"
          r"|\b(?:positive|negative)\s+for\s+(?:opi\w+|morphine|heroin|methadone|fentanyl|"
          r"oxycodone|tramadol|codeine|buprenorphine|benzo\w*|amphetamines?|meth\w*|"
          r"cocaine|cannabis|thc|drugs?|alcohol)\b"
          r"|\b(?:urine|screen|test|lab)\s+results?\b"),
    _rule("a screen or test result",
          rf"(?:مثبت|منفی){_NEAR}(?:آزمایش|تست|ادرار|غربالگری|اعتیاد)"
          rf"|(?:آزمایش|تست|ادرار|غربالگری){_NEAR}(?:مثبت|منفی)"
          r"|(?:نتیجه|نتایج|جواب)\s*(?:ی\s*)?(?:آزمایش|تست)"),
    _rule("a diagnosis",
          r"\bhiv\b|\bhepatitis\b|\bhep\s?[abc]\b|\bhcv\b|\bhbv\b|\bhbsag\b|\btuberculosis\b"
          r"|\bdiagnos(?:ed|is|es)\b"),
    _rule("a diagnosis", r"اچ\s?آی\s?وی|ایدز|هپاتیت|مبتلا\s+به"),
    _rule("an overdose history",
          r"\boverdose\s+history\b|\bhistory\s+of\s+(?:an?\s+)?overdoses?\b|\boverdosed\b"
          r"|\b(?:had|has\s+had|survived)\s+(?:an?\s+)?overdoses?\b"
          r"|\b(?:previous|past|prior|earlier|recent|last|his|her)\s+overdoses?\b"),
    _rule("an overdose history",
          r"سابقه\s*(?:ی\s*)?(?:اوردوز|مسمومیت|بیش\s?مصرف)|(?:اوردوز|مسمومیت)\s*کرد"),
)
# AIDS in capitals only: "hearing aids" is not a diagnosis.
_AIDS = re.compile(r"\bAIDS\b")
# A naloxone dose is first-aid education, not the patient's dose.
_NALOXONE_DOSE = re.compile(rf"(?:naloxone|narcan|نالوکسان|نالوکسون){_NEAR}{_NUMBER}\s*{_UNIT}",
                            re.IGNORECASE)


def normalise(text: str) -> str:
    """Persian letters in one form, zero-width joiners as spaces, naloxone doses removed."""
    plain = text.translate(_PERSIAN_FORMS)
    return _NALOXONE_DOSE.sub(" ", plain)


def disclosure_problem(text: str, consent_scope: ConsentScope | str) -> str | None:
    """Why ``text`` may not go to a member with ``consent_scope``; None when it may.

    Only a scope that covers ``progress`` allows doses, screen or test results and diagnoses;
    for other scopes the first such mention found is named in a one-line reason.
    """
    scope = ConsentScope(consent_scope)
    if scope_covers(scope, PROGRESS):
        return None
    plain = normalise(text)
    for rule in _RULES:
        found = rule.pattern.search(plain)
        if found is not None:
            return _reason(rule.what, found.group(0), scope)
    found = _AIDS.search(plain)
    if found is not None:
        return _reason("a diagnosis", found.group(0), scope)
    return None


def _reason(what: str, words: str, scope: ConsentScope) -> str:
    shown = " ".join(words.split())
    return (f"the text mentions {what} ('{shown}'), which the member's consent "
            f"({scope.value}) does not cover: write it without patient details")
