"""The speed of the machine a bench run measured on, as the time of a fixed piece of work.

Issue #8's targets are for "this machine", and a virtual machine's speed is not fixed: the same
import of 1,000,000 dose rows took 31.6 s in one session and 13.5 s in the next, with the same
code. The reference work is the same in every run, so two runs' figures compare after scaling
by it (a run whose reference took twice as long ran on a machine half as fast). It is what the
pages do most: tuples made and sorted, dictionary lookups, and a grouped read in SQLite.
"""

from __future__ import annotations

import gc
import sqlite3

from bench.report import Row
from bench.timing import timed

REFERENCE_ROWS = 200_000
SPEED_ROW = "machine: reference work (fixed Python and SQLite)"


def reference_work(rows: int = REFERENCE_ROWS) -> int:
    """Fixed work, about 0.25 s on the machine of the session that wrote this; returns a
    checksum, so that no part of it can be left out."""
    records = [(number % 97, number, str(number)) for number in range(rows)]
    by_text = {text: group + number for group, number, text in records}
    records.sort(key=lambda record: (record[0], -record[1]))
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE reference (grp INTEGER, number INTEGER)")
        connection.executemany("INSERT INTO reference VALUES (?, ?)",
                               ((group, number) for group, number, _ in records))
        grouped = connection.execute(
            "SELECT grp, count(*), max(number) FROM reference GROUP BY grp").fetchall()
    finally:
        connection.close()
    counted: int = sum(count for _, count, _ in grouped)
    return len(by_text) + records[0][1] + counted


def reference_seconds() -> float:
    """One timing of the reference work, with the garbage collector out of it (as ``timeit``
    does): left on, each run found more to collect and took longer than the one before (0.27 s
    to 0.39 s over six runs), which a yardstick must not do."""
    gc.collect()
    gc.disable()
    try:
        return timed(reference_work)[0]
    finally:
        gc.enable()


def machine_speed_row(runs: int) -> Row:
    """The reference work timed ``runs`` times, as a row of the table (no target)."""
    samples = tuple(reference_seconds() for _ in range(runs))
    return Row(part="machine", what=SPEED_ROW, scale="—", database="—", unit="s",
               samples=samples, binding=False,
               note="the same work in every run: compare two runs' figures by it")
