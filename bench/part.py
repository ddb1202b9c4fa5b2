"""The command line of one bench part: each part runs in its own process, so that its peak memory
is its own, on a database ``bench.run`` has already built, with the clock pinned to the day the
database was built for."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.datasets import pinned_environment
from bench.report import Row, write_part
from bench.timing import peak_rss_mb

Measure = Callable[[str, str, str, int], list[Row]]
"""``measure(url, scale, database, runs)`` → the part's rows."""


def run_part(measure: Measure, description: str, argv: Sequence[str] | None = None) -> None:
    """Parse ``--url --scale --database --runs --out``, measure, and write the part's rows with
    the process's peak memory to ``--out`` for ``bench.run`` to merge."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", required=True, help="the bench database (already built)")
    parser.add_argument("--scale", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.update(pinned_environment(args.url, base={}))
    rows = measure(args.url, args.scale, args.database, args.runs)
    write_part(args.out, rows, peak_rss_mb())
