"""Time in treatment as a Kaplan–Meier curve: the share of episodes still in treatment N days in.

Each episode is one observation ``(duration_days, event)``: ``event`` True when the episode ended
(discharge, drop-out) after ``duration_days``, False when it was still going on at the cut-off
(censored: we only know it lasted at least that long). The estimator is the product-limit
estimator of Kaplan and Meier (1958); its variance is Greenwood's formula (1926) and the 95 %
interval is the log-log ("exponential Greenwood", Kalbfleisch and Prentice) interval, as R's
``survfit(conf.type = "log-log")`` and lifelines by default give it: unlike the plain interval
``S ± z·se``, it always stays within [0, 1].

Conventions:

- ``S(t)`` is the share of episodes still in treatment after day ``t`` (right-continuous): an
  episode that ends on day 10 counts as in treatment up to day 9 and out from day 10.
- Ties: at a day with both endings and censorings, the endings come first, so the episodes
  censored that day are still at risk of ending on it (the usual convention).
- This curve counts the end of an episode only. It does not apply the gap rule of the ASPE /
  NQF 3175 retention measures (``domain.retention``), so it can read higher than those.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True)
class SurvivalPoint:
    """One step of the curve: what happened on ``day`` and the estimate just after it.

    - ``at_risk``: episodes still in treatment and observed at the start of ``day``.
    - ``events`` / ``censored``: episodes that ended / were censored on ``day``.
    - ``survival``: the estimate of ``S(day)``.
    - ``variance``: Greenwood's variance of ``survival``; None where it is undefined (the curve
      has reached 0).
    - ``lower`` / ``upper``: the log-log confidence interval of ``survival``, within [0, 1];
      (1.0, 1.0) before the first ending and None once the curve has reached 0.
    """

    day: int
    survival: float
    at_risk: int
    events: int
    censored: int
    variance: float | None
    lower: float | None
    upper: float | None


def _validated(observations: Iterable[tuple[int, bool]]) -> list[tuple[int, bool]]:
    checked: list[tuple[int, bool]] = []
    for index, observation in enumerate(observations, start=1):
        if not isinstance(observation, tuple) or len(observation) != 2:
            raise ValueError(
                f"observation {index}: expected (duration_days, event), got {observation!r}"
            )
        duration, event = observation
        # bool is an int in Python: True as a duration is a mistake, not one day.
        if isinstance(duration, bool) or not isinstance(duration, int):
            raise ValueError(
                f"observation {index}: duration_days must be a whole number of days, "
                f"got {duration!r}"
            )
        if duration < 0:
            raise ValueError(
                f"observation {index}: duration_days must not be negative, got {duration}"
            )
        if not isinstance(event, bool):
            raise ValueError(
                f"observation {index}: event must be True (ended) or False (censored), "
                f"got {event!r}"
            )
        checked.append((duration, event))
    return checked


def kaplan_meier(
    observations: Iterable[tuple[int, bool]], confidence: float = 0.95
) -> list[SurvivalPoint]:
    """The Kaplan–Meier curve of ``(duration_days, event)`` observations, earliest day first.

    The first point is the start: day 0, survival 1.0, every episode at risk, nothing happened
    yet. Then one point per distinct day on which an episode ended or was censored; a day-0
    ending (discharged on the admission day) gives a second point at day 0. Empty input gives
    the start point only (with 0 at risk).

    ``S(t) = prod over days t_i <= t of (1 - d_i / n_i)``, with ``d_i`` endings among ``n_i`` at
    risk. Greenwood: ``Var S(t) = S(t)^2 * sum d_i / (n_i (n_i - d_i))``. Log-log interval:
    ``S(t) ** exp(±z * sqrt(sum ...) / log S(t))``, ``z`` the normal quantile of ``confidence``.
    """
    if not (isinstance(confidence, float | int) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be between 0 and 1 (0.95 = 95 %), got {confidence!r}")
    data = _validated(observations)
    z = NormalDist().inv_cdf((1.0 + confidence) / 2.0)

    counts: dict[int, list[int]] = {}  # day -> [endings, censorings]
    for duration, event in data:
        counts.setdefault(duration, [0, 0])[0 if event else 1] += 1

    at_risk = len(data)
    curve = [SurvivalPoint(0, 1.0, at_risk, 0, 0, 0.0, 1.0, 1.0)]
    survival = 1.0
    greenwood_sum = 0.0  # sum of d / (n (n - d)); infinite once the curve reaches 0
    for day in sorted(counts):
        events, censored = counts[day]
        if events:
            survival *= 1.0 - events / at_risk
            greenwood_sum = (
                math.inf if events == at_risk
                else greenwood_sum + events / (at_risk * (at_risk - events))
            )
        curve.append(SurvivalPoint(
            day, survival, at_risk, events, censored, *_spread(survival, greenwood_sum, z)
        ))
        at_risk -= events + censored
    return curve


def _spread(
    survival: float, greenwood_sum: float, z: float
) -> tuple[float | None, float | None, float | None]:
    """Greenwood's variance and the log-log interval of one estimate."""
    if survival <= 0.0 or math.isinf(greenwood_sum):
        return None, None, None
    variance = survival * survival * greenwood_sum
    if survival >= 1.0:  # no ending yet: log S = 0, nothing to spread
        return variance, 1.0, 1.0
    spread = z * math.sqrt(greenwood_sum) / math.log(survival)  # negative: log S < 0
    lower = survival ** math.exp(-spread)
    upper = survival ** math.exp(spread)
    return variance, lower, upper


def survival_at(curve: Sequence[SurvivalPoint], day: int) -> float:
    """``S(day)``: the survival of the last point on or before ``day``.

    Between steps the curve stays flat; beyond its last point the last value is held, though
    nothing was observed there (read it with the at-risk numbers in mind).
    """
    if isinstance(day, bool) or not isinstance(day, int) or day < 0:
        raise ValueError(f"day must be a whole number of days from 0, got {day!r}")
    if not curve:
        raise ValueError("the curve is empty; build it with kaplan_meier()")
    survival = curve[0].survival
    for point in curve:
        if point.day > day:
            break
        survival = point.survival
    return survival


def median_survival(curve: Sequence[SurvivalPoint]) -> int | None:
    """The first day on which the curve is at or below 0.5; None if it never gets there.

    The convention of lifelines; R's ``survival`` averages two days when the curve sits exactly
    at 0.5 over an interval, which a whole-day answer does not need.
    """
    for point in curve:
        if point.survival <= 0.5:
            return point.day
    return None
