"""Outreach thresholds read from ``HAMRAH_OUTREACH_<FIELD>`` variables, defaults and errors.

A production start without a cookie key is covered where a person meets it: the ``hamrah`` command
(``tests/test_cli.py``) and the dashboard's start-up (``tests/pages/test_start_up.py``).
"""

from __future__ import annotations

import pytest

from domain.outreach import OutreachThresholds
from settings import SettingsError, load_settings, outreach_thresholds


def test_defaults_without_outreach_variables() -> None:
    thresholds = load_settings({}).outreach
    assert thresholds == OutreachThresholds() == outreach_thresholds({"HAMRAH_ENV": "test"})
    assert (thresholds.overdose_risk_missed_days, thresholds.post_discharge_days,
            thresholds.disengaged_days, thresholds.low_adherence_below) == (3, 14, 30, 0.8)


def test_overrides_replace_only_the_named_fields() -> None:
    thresholds = load_settings({"HAMRAH_OUTREACH_DISENGAGED_DAYS": "21",
                                "HAMRAH_OUTREACH_LOW_ADHERENCE_BELOW": "0.75"}).outreach
    assert thresholds.disengaged_days == 21 and isinstance(thresholds.disengaged_days, int)
    assert thresholds.low_adherence_below == 0.75
    assert thresholds == OutreachThresholds(disengaged_days=21, low_adherence_below=0.75)


def test_an_empty_value_keeps_the_default() -> None:
    assert outreach_thresholds({"HAMRAH_OUTREACH_DISENGAGED_DAYS": ""}).disengaged_days == 30


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HAMRAH_OUTREACH_DISENGAGED_DAYS", "2.5",
         "HAMRAH_OUTREACH_DISENGAGED_DAYS='2.5' must be a whole number of days or items"),
        ("HAMRAH_OUTREACH_DISENGAGED_DAYS", "thirty",
         "HAMRAH_OUTREACH_DISENGAGED_DAYS='thirty' is not a number"),
        ("HAMRAH_OUTREACH_POST_DISCHARGE_DAYS", "-1",
         "HAMRAH_OUTREACH_POST_DISCHARGE_DAYS='-1' must not be negative"),
        ("HAMRAH_OUTREACH_POST_DISCHARGE_DAYS", "0",
         "outreach settings: post_discharge_days must be at least 1"),
        ("HAMRAH_OUTREACH_LOW_ADHERENCE_BELOW", "1.5",
         "outreach settings: low_adherence_below is a share between 0 and 1 (0.8 = 80 %), "
         "got 1.5"),
    ],
)
def test_a_wrong_value_names_the_variable_and_the_fix(name: str, value: str,
                                                      message: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({name: value})
    assert str(error.value) == message


def test_an_unknown_outreach_variable_lists_the_known_ones() -> None:
    with pytest.raises(SettingsError) as error:
        outreach_thresholds({"HAMRAH_OUTREACH_FOO": "1"})
    message = str(error.value)
    assert message.startswith("HAMRAH_OUTREACH_FOO is not a setting; the outreach settings are ")
    assert "HAMRAH_OUTREACH_DISENGAGED_DAYS" in message
    assert "HAMRAH_OUTREACH_LOW_ADHERENCE_BELOW" in message
