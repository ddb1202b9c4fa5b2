"""Kaplan–Meier time in treatment: steps, ties, Greenwood's variance and the log-log interval."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from domain.survival import SurvivalPoint, kaplan_meier, median_survival, survival_at

E, C = True, False  # the episode ended / was censored (still in treatment at the cut-off)
Z95 = 1.959963984540054

# Nine episodes, days in treatment:   6  6  6* 7  10* 13 16 22* 23   (* censored)
TEXTBOOK = [(6, E), (6, E), (6, C), (7, E), (10, C), (13, E), (16, E), (22, C), (23, E)]
# day  at risk  ended  censored  S(t) = product of (1 - ended / at risk)
#  0     9        0       0      1
#  6     9        2       1      1 * (1 - 2/9)             = 7/9    ~ 0.7778
#  7     6        1       0      7/9 * (1 - 1/6)           = 35/54  ~ 0.6481
# 10     5        0       1      35/54 (a censoring is no step)
# 13     4        1       0      35/54 * (1 - 1/4)         = 35/72  ~ 0.4861
# 16     3        1       0      35/72 * (1 - 1/3)         = 35/108 ~ 0.3241
# 22     2        0       1      35/108
# 23     1        1       0      35/108 * (1 - 1/1)        = 0
# At day 6 the censored episode is still at risk (endings before censorings): 9, not 8.
# Greenwood's sum of d / (n (n - d)):
#  6: 2/(9*7) = 2/63;  7: 2/63 + 1/(6*5) = 41/630;  13: + 1/(4*3);  16: + 1/(3*2);  23: n = d.
GREENWOOD_SUM = {
    0: Fraction(0),
    6: Fraction(2, 63),
    7: Fraction(41, 630),
    10: Fraction(41, 630),
    13: Fraction(41, 630) + Fraction(1, 12),
    16: Fraction(41, 630) + Fraction(1, 12) + Fraction(1, 6),
    22: Fraction(41, 630) + Fraction(1, 12) + Fraction(1, 6),
}
SURVIVAL = {
    0: Fraction(1), 6: Fraction(7, 9), 7: Fraction(35, 54), 10: Fraction(35, 54),
    13: Fraction(35, 72), 16: Fraction(35, 108), 22: Fraction(35, 108), 23: Fraction(0),
}


def steps(curve: list[SurvivalPoint]) -> list[tuple[int, int, int, int]]:
    return [(p.day, p.at_risk, p.events, p.censored) for p in curve]


def test_textbook_example_step_by_step() -> None:
    curve = kaplan_meier(TEXTBOOK)
    assert steps(curve) == [
        (0, 9, 0, 0), (6, 9, 2, 1), (7, 6, 1, 0), (10, 5, 0, 1), (13, 4, 1, 0),
        (16, 3, 1, 0), (22, 2, 0, 1), (23, 1, 1, 0),
    ]
    for point in curve:
        assert point.survival == pytest.approx(float(SURVIVAL[point.day]))


def test_textbook_greenwood_variance() -> None:
    # Var S(t) = S(t)^2 * sum; e.g. day 6: (7/9)^2 * 2/63 = 98/5103 ~ 0.01920.
    curve = kaplan_meier(TEXTBOOK)
    assert curve[1].variance == pytest.approx(98 / 5103)
    for point in curve[:-1]:
        expected = SURVIVAL[point.day] ** 2 * GREENWOOD_SUM[point.day]
        assert point.variance == pytest.approx(float(expected))
    # At day 23 the last episode ends: S = 0, Greenwood's term 1 / (1 * 0) is undefined.
    assert curve[-1].variance is None
    assert curve[-1].lower is None and curve[-1].upper is None


def test_textbook_log_log_interval() -> None:
    # Day 6: se of log(-log S) = sqrt(2/63) / |log(7/9)| = 0.17817 / 0.25131 ~ 0.70897;
    # exp(1.96 * 0.70897) ~ 4.0133: lower = (7/9)^4.0133 ~ 0.3648, upper = (7/9)^(1/4.0133)
    # ~ 0.9393.
    point = kaplan_meier(TEXTBOOK)[1]
    se = math.sqrt(2 / 63) / abs(math.log(7 / 9))
    assert point.lower == pytest.approx((7 / 9) ** math.exp(Z95 * se))
    assert point.upper == pytest.approx((7 / 9) ** math.exp(-Z95 * se))
    assert point.lower == pytest.approx(0.3648, abs=1e-4)
    assert point.upper == pytest.approx(0.9393, abs=1e-4)


def test_textbook_median_and_survival_between_steps() -> None:
    curve = kaplan_meier(TEXTBOOK)
    # S(7) = 0.648 > 0.5, S(13) = 0.486 <= 0.5: the median is day 13.
    assert median_survival(curve) == 13
    assert survival_at(curve, 0) == 1.0
    assert survival_at(curve, 5) == 1.0  # before the first step
    assert survival_at(curve, 6) == pytest.approx(7 / 9)  # the step day itself is after it
    assert survival_at(curve, 12) == pytest.approx(35 / 54)  # flat from day 7 to day 12
    assert survival_at(curve, 22) == pytest.approx(35 / 108)
    assert survival_at(curve, 400) == 0.0  # beyond the last point: last value held


def test_freireich_6mp_arm_matches_published_values() -> None:
    # The 6-MP arm of Freireich et al. (1963), the classic Kaplan–Meier example (e.g. Kleinbaum
    # and Klein, Survival Analysis, ch. 2); the survival, standard error and log-log interval
    # as R's survfit(conf.type = "log-log") prints them, to 3 decimals.
    data = [(6, E)] * 3 + [
        (6, C), (7, E), (9, C), (10, E), (10, C), (11, C), (13, E), (16, E), (17, C), (19, C),
        (20, C), (22, E), (23, E), (25, C), (32, C), (32, C), (34, C), (35, C),
    ]
    published = {  # day: (at risk, survival, std err, lower, upper)
        6: (21, 0.857, 0.0764, 0.620, 0.952),
        7: (17, 0.807, 0.0869, 0.563, 0.923),
        10: (15, 0.753, 0.0963, 0.503, 0.889),
        13: (12, 0.690, 0.1068, 0.432, 0.849),
        16: (11, 0.627, 0.1141, 0.368, 0.805),
        22: (7, 0.538, 0.1282, 0.268, 0.747),
        23: (6, 0.448, 0.1346, 0.188, 0.680),
    }
    curve = kaplan_meier(data)
    by_day = {p.day: p for p in curve if p.events}
    assert sorted(by_day) == sorted(published)
    for day, (at_risk, survival, std_err, lower, upper) in published.items():
        point = by_day[day]
        assert point.at_risk == at_risk
        assert point.survival == pytest.approx(survival, abs=5e-4)
        assert point.variance is not None
        assert math.sqrt(point.variance) == pytest.approx(std_err, abs=5e-5)
        assert point.lower == pytest.approx(lower, abs=5e-4)
        assert point.upper == pytest.approx(upper, abs=5e-4)
    assert median_survival(curve) == 23


def test_ties_end_before_censoring() -> None:
    # Day 5: one ending, two censored; all three were at risk: S = 1 - 1/4 = 3/4. Had the
    # censored left first, it would wrongly be 1 - 1/2.
    curve = kaplan_meier([(5, C), (5, E), (5, C), (8, E)])
    assert steps(curve) == [(0, 4, 0, 0), (5, 4, 1, 2), (8, 1, 1, 0)]
    assert [p.survival for p in curve] == [1.0, 0.75, 0.0]


def test_all_censored_stays_at_one() -> None:
    curve = kaplan_meier([(3, C), (10, C), (10, C)])
    assert [p.survival for p in curve] == [1.0, 1.0, 1.0]
    assert [(p.variance, p.lower, p.upper) for p in curve] == [(0.0, 1.0, 1.0)] * 3
    assert median_survival(curve) is None


def test_all_events() -> None:
    # Four endings on days 1..4: S = 3/4, 2/4, 1/4, 0; the median is day 2 (S = 0.5).
    curve = kaplan_meier([(4, E), (2, E), (1, E), (3, E)])
    assert [p.survival for p in curve] == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert [p.at_risk for p in curve] == [4, 4, 3, 2, 1]
    assert median_survival(curve) == 2


def test_empty_input_gives_the_start_only() -> None:
    curve = kaplan_meier([])
    assert curve == [SurvivalPoint(0, 1.0, 0, 0, 0, 0.0, 1.0, 1.0)]
    assert median_survival(curve) is None
    assert survival_at(curve, 30) == 1.0


def test_ending_on_day_zero_is_a_second_point_at_day_zero() -> None:
    # Discharged on the admission day: the start point stays (0, 1.0), then S(0) = 1/2.
    curve = kaplan_meier([(0, E), (5, C)])
    assert [(p.day, p.survival) for p in curve] == [(0, 1.0), (0, 0.5), (5, 0.5)]
    assert survival_at(curve, 0) == 0.5


def test_intervals_stay_within_zero_and_one() -> None:
    data = [(d, d % 3 != 0) for d in range(1, 40)] + [(2, E), (2, E), (2, E)]
    for point in kaplan_meier(data):
        if point.lower is None or point.upper is None:
            assert point.survival == 0.0
            continue
        assert 0.0 <= point.lower <= point.survival <= point.upper <= 1.0


def test_a_lower_confidence_gives_a_narrower_interval() -> None:
    wide = kaplan_meier(TEXTBOOK)[2]
    narrow = kaplan_meier(TEXTBOOK, confidence=0.80)[2]
    assert wide.lower is not None and wide.upper is not None
    assert narrow.lower is not None and narrow.upper is not None
    assert wide.lower < narrow.lower < narrow.survival < narrow.upper < wide.upper


@pytest.mark.parametrize(
    ("observations", "message"),
    [
        ([(5, E), (-1, E)], "observation 2: duration_days must not be negative, got -1"),
        ([(2.5, E)], "observation 1: duration_days must be a whole number of days"),
        ([(True, E)], "observation 1: duration_days must be a whole number of days"),
        ([(3, 1)], r"observation 1: event must be True \(ended\) or False \(censored\)"),
        ([(3, E, "x")], r"observation 1: expected \(duration_days, event\)"),
        ([3], r"observation 1: expected \(duration_days, event\)"),
    ],
)
def test_bad_observations_are_refused_by_position(
    observations: list[tuple[int, bool]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(observations)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95, -0.5])
def test_bad_confidence_is_refused(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        kaplan_meier(TEXTBOOK, confidence=confidence)


def test_survival_at_refuses_a_negative_day_and_an_empty_curve() -> None:
    with pytest.raises(ValueError, match="whole number of days from 0"):
        survival_at(kaplan_meier(TEXTBOOK), -1)
    with pytest.raises(ValueError, match="curve is empty"):
        survival_at([], 3)
