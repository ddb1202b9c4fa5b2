"""Timing and memory helpers shared by the benchmark parts: the clock, the statistics, the RSS."""

from __future__ import annotations

import math
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[float, T]:
    """Seconds of wall-clock time one call took, and what it returned."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 95.0)


def percentile(values: Sequence[float], percent: float) -> float:
    """Linear interpolation between the two nearest ranks (numpy's default method), so that a
    p95 over five runs lies between the two slowest instead of being always the slowest."""
    if not values:
        raise ValueError("a percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * percent / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB (ru_maxrss is KiB on Linux,
    bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
