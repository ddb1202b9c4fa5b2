"""The disclosure guard: clinical details only for consents that cover progress information."""

from __future__ import annotations

import pytest

from domain.message_guard import disclosure_problem
from domain.vocabulary import ConsentScope

EDUCATION = ConsentScope.EDUCATION


@pytest.mark.parametrize(("text", "kind"), [
    ("Reza now takes 80 mg every morning.", "a dose"),
    ("His methadone was raised to 95mg.", "a dose"),
    ("Please keep the 2.5 ml bottle in the fridge.", "a dose"),
    ("His dose is now 60.", "a dose"),
    ("دوز متادون رضا ۸۰ میلی‌گرم است.", "a dose"),
    ("روزانه ۸۰ ميلي گرم مصرف می‌کند.", "a dose"),  # Arabic yeh, a space instead of a ZWNJ
    ("His urine test was positive for morphine.", "a screen or test result"),
    ("The last screen came back negative.", "a screen or test result"),
    ("She tested positive last week.", "a screen or test result"),
    ("We have his lab results.", "a screen or test result"),
    ("جواب آزمایش ادرار او مثبت بود.", "a screen or test result"),
    ("تست اعتیاد منفی شد.", "a screen or test result"),
    ("He is HIV-positive.", "a diagnosis"),
    ("Treatment for his hepatitis C starts soon.", "a diagnosis"),
    ("HCV treatment is going well.", "a diagnosis"),
    ("He was diagnosed with depression.", "a diagnosis"),
    ("He has AIDS.", "a diagnosis"),
    ("او به هپاتیت مبتلا است.", "a diagnosis"),
    ("نتیجه‌ی اچ‌آی‌وی را به شما می‌گوییم.", "a diagnosis"),
    ("He has a history of overdose.", "an overdose history"),
    ("After his previous overdose, keep naloxone at home.", "an overdose history"),
    ("او سابقه‌ی اوردوز دارد.", "an overdose history"),
])
def test_clinical_details_are_refused_when_the_consent_covers_education_only(
        text: str, kind: str) -> None:
    problem = disclosure_problem(text, EDUCATION)
    assert problem is not None
    assert problem.startswith(f"the text mentions {kind} (")
    assert "(education) does not cover" in problem
    assert "\n" not in problem


@pytest.mark.parametrize("text", [
    "A new reading for families: how to support someone in treatment.",
    "Learn to recognise an overdose and how to use naloxone.",
    "Give naloxone 4 mg nasal spray, then call the emergency number.",
    "The family session is on 12 March at 17:00, room 3.",
    "Hearing aids and other aids are welcome in the group room.",
    "یادآوری: جلسه‌ی خانواده‌ها پنجشنبه ساعت ۱۷ برگزار می‌شود.",
    "نشانه‌های اوردوز را بشناسید و نالوکسان را در خانه نگه دارید.",
    "اسپری نالوکسان ۴ میلی‌گرم را در بینی بزنید و با اورژانس تماس بگیرید.",
])
def test_general_education_passes(text: str) -> None:
    assert disclosure_problem(text, EDUCATION) is None


@pytest.mark.parametrize("scope", [ConsentScope.EDUCATION_PROGRESS, ConsentScope.ALL, "all"])
def test_a_consent_that_covers_progress_allows_clinical_details(
        scope: ConsentScope | str) -> None:
    assert disclosure_problem("His dose is 80 mg and the urine screen was negative.",
                              scope) is None
    assert disclosure_problem("دوز او ۸۰ میلی‌گرم است و آزمایش ادرار منفی بود.", scope) is None


def test_the_reason_quotes_what_was_found() -> None:
    problem = disclosure_problem("Good news!\nHe takes 80  mg now.", EDUCATION)
    assert problem == ("the text mentions a dose ('80 mg'), which the member's consent "
                       "(education) does not cover: write it without patient details")
