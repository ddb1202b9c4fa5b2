"""Step-down readiness (stepped care): all four criteria must hold; each can fail alone."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from domain.calendars import Calendar, format_date
from domain.readiness import (
    Criterion,
    CriterionCode,
    criteria_as_shown,
    is_step_down_ready,
    step_down_readiness,
)
from domain.text import use_translator
from domain.thresholds import ClinicalThresholds

AS_OF = date(2026, 10, 31)
READY = {
    "days_in_phase": 112,
    "adherence": 26 / 28,
    "last_unexpected_positive_on": None,
    "missed_streak": 0,
}


def readiness(**changes: object) -> list[Criterion]:
    facts = {**READY, **changes}
    return step_down_readiness(
        facts["days_in_phase"],  # type: ignore[arg-type]
        facts["adherence"],  # type: ignore[arg-type]
        facts["last_unexpected_positive_on"],  # type: ignore[arg-type]
        AS_OF,
        facts["missed_streak"],  # type: ignore[arg-type]
    )


def test_all_met_is_ready_and_explains_itself() -> None:
    criteria = readiness()
    assert [(c.code, c.met, c.value, c.required) for c in criteria] == [
        (CriterionCode.DAYS_IN_PHASE, True, "112 days", "at least 90 days"),
        (CriterionCode.ADHERENCE_28D, True, "92 %", "at least 90 %"),
        (
            CriterionCode.NO_UNEXPECTED_POSITIVE,
            True,
            "none in 60 days",
            "no unexpected positive screen in 60 days",
        ),
        (CriterionCode.NO_MISSED_STREAK, True, "0 days", "no missed dose now (streak 0)"),
    ]
    assert is_step_down_ready(criteria) is True
    assert [c.code for c in criteria] == [
        "days_in_phase",
        "adherence_28d",
        "no_unexpected_positive",
        "no_missed_streak",
    ]


@pytest.mark.parametrize(
    ("changes", "failing", "value"),
    [
        ({"days_in_phase": 89}, "days_in_phase", "89 days"),
        ({"adherence": 25 / 28}, "adherence_28d", "89 %"),  # 0.893 shows 89 %, not 90 %
        ({"adherence": None}, "adherence_28d", "no scheduled days"),
        (
            {"last_unexpected_positive_on": date(2026, 10, 1)},
            "no_unexpected_positive",
            "last unexpected positive 2026-10-01",
        ),
        (
            {"last_unexpected_positive_on": date(2026, 9, 2)},  # as_of - 59: first window day
            "no_unexpected_positive",
            "last unexpected positive 2026-09-02",
        ),
        ({"missed_streak": 3}, "no_missed_streak", "3 days"),
        ({"missed_streak": 1}, "no_missed_streak", "1 days"),
    ],
)
def test_each_criterion_failing_alone_blocks_step_down(
    changes: dict[str, object], failing: str, value: str
) -> None:
    criteria = readiness(**changes)
    assert [c.code for c in criteria if not c.met] == [failing]
    assert next(c.value for c in criteria if c.code == failing) == value
    assert is_step_down_ready(criteria) is False


@pytest.mark.parametrize(
    "changes",
    [
        {"days_in_phase": 90},
        {"adherence": 0.9},
        {"last_unexpected_positive_on": date(2026, 9, 1)},  # as_of - 60: just outside 60 days
    ],
)
def test_boundaries_that_still_pass(changes: dict[str, object]) -> None:
    assert is_step_down_ready(readiness(**changes)) is True


def test_old_positive_shows_its_date_but_is_met() -> None:
    criteria = readiness(last_unexpected_positive_on=date(2026, 8, 31))
    assert criteria[2].met is True
    assert criteria[2].value == "last unexpected positive 2026-08-31"
    assert readiness(last_unexpected_positive_on=AS_OF)[2].met is False


def test_no_criteria_is_not_ready() -> None:
    assert is_step_down_ready([]) is False


def test_thresholds_change_requirements() -> None:
    th = ClinicalThresholds(step_down_min_days_in_phase=180, step_down_min_adherence=0.95)
    criteria = step_down_readiness(112, 26 / 28, None, AS_OF, 0, th)
    assert [(c.met, c.required) for c in criteria[:2]] == [
        (False, "at least 180 days"),
        (False, "at least 95 %"),
    ]


def test_texts_go_through_the_translator() -> None:
    german = {"{days} days": "{days} Tage", "at least {days} days": "mindestens {days} Tage"}
    criteria = readiness()
    with use_translator(lambda message: german.get(message, message)):
        assert criteria[0].value == "112 Tage"
        assert criteria[0].required == "mindestens 90 Tage"
        assert criteria[1].required == "at least 90 %"  # untranslated text passes through


def test_texts_are_in_the_language_of_the_reader_not_of_the_computation() -> None:
    # The criteria are cached and shared: one computed under German reads in Persian digits for
    # a Persian reader, and in English for a reader without a translator.
    german = {"{days} days": "{days} Tage", "{percent} %": "{percent} Prozent"}
    with use_translator(lambda message: german.get(message, message)):
        criteria = readiness(last_unexpected_positive_on=date(2026, 10, 1))
    assert [c.value for c in criteria[:2]] == ["112 days", "92 %"]
    with use_translator(lambda message: german.get(message, message)):
        assert [c.value for c in criteria[:2]] == ["112 Tage", "92 Prozent"]
    with use_translator(lambda message: message, digits_language="fa"):
        assert criteria[0].value == "۱۱۲ days"
        assert criteria[2].required == "no unexpected positive screen in ۶۰ days"
        # The date is text written for the screen (ISO here), not a number to localise.
        assert criteria[2].value == "last unexpected positive 2026-10-01"


def test_a_screen_writes_the_last_positive_in_the_readers_calendar() -> None:
    # 31 August 2026 is 9 Shahrivar 1405 (1 Shahrivar is 23 August).
    criteria = readiness(last_unexpected_positive_on=date(2026, 8, 31), missed_streak=2)
    assert criteria[2].day == date(2026, 8, 31)
    shown = criteria_as_shown(criteria, lambda day: format_date(day, Calendar.JALALI, "en"))
    assert shown[2].value == "last unexpected positive 1405/06/09"
    assert shown[2].met is True and shown[2].required == criteria[2].required
    assert shown[:2] + shown[3:] == criteria[:2] + criteria[3:]  # no date: kept as they were
    assert criteria_as_shown(readiness(), str) == readiness()  # "none in 60 days"


def test_a_shown_criterion_keeps_the_date_as_written_in_any_language() -> None:
    criteria = readiness(last_unexpected_positive_on=date(2026, 8, 31))
    shown = criteria_as_shown(criteria, lambda day: f"{day.day}. {day.month}. {day.year}")
    german = {"last unexpected positive {date}": "letzter unerwarteter Befund {date}"}
    with use_translator(lambda message: german.get(message, message), digits_language="fa"):
        assert shown[2].value == "letzter unerwarteter Befund 31. 8. 2026"
    assert shown[2].value == "last unexpected positive 31. 8. 2026"


def test_criteria_survive_the_cache() -> None:
    # st.cache_data pickles its entries; a shown criterion carries its date as text.
    criteria = readiness(adherence=None, last_unexpected_positive_on=date(2026, 10, 1))
    shown = criteria_as_shown(criteria, lambda day: format_date(day, Calendar.JALALI, "en"))
    for criterion in (*criteria, *shown):
        restored = pickle.loads(pickle.dumps(criterion))
        assert restored == criterion and hash(restored) == hash(criterion)
        assert (restored.value, restored.required) == (criterion.value, criterion.required)
    assert shown[2].value == "last unexpected positive 1405/07/09"
    assert criteria[1].value == "no scheduled days"
