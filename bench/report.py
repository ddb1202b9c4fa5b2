"""The benchmark's rows, their targets, the printed table and ``bench/results.json``.

A :class:`Row` is one measured thing at one scale on one database, with the samples behind its
median and p95. Targets are the ones of issue #8; they bind at network scale on SQLite, and are
shown for information everywhere else. A missed target is printed as missed: nothing here ever
loosens one.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.timing import median, p95

RESULTS_FORMAT = 1
BINDING_SCALE = "network"
BINDING_DATABASE = "sqlite"


@dataclass(frozen=True)
class Target:
    """``statistic`` (``median`` or ``p95``) must be at most (``at_most``) or at least
    ``limit``, in the row's unit."""

    statistic: str
    limit: float
    at_most: bool = True

    def met_by(self, row: Row) -> bool | None:
        value = row.p95 if self.statistic == "p95" else row.median
        if value is None:
            return None
        return value <= self.limit if self.at_most else value >= self.limit

    def text(self, unit: str) -> str:
        sign = "≤" if self.at_most else "≥"
        prefix = "p95 " if self.statistic == "p95" else ""
        limit = f"{self.limit:g}×" if unit == "x" else f"{self.limit:g} {unit}"
        return f"{prefix}{sign} {limit}"


# The targets of issue #8 (network scale, SQLite).
PAGE_COLD = Target("p95", 1.0)
PAGE_WARM = Target("p95", 0.3)
WORKLIST_SPEED_UP = Target("median", 20.0, at_most=False)
IMPORT_1M = Target("median", 60.0)
DASHBOARD_MEMORY = Target("median", 600.0)


@dataclass(frozen=True)
class Row:
    """One line of the table. ``samples`` are the measured values (seconds, ratio or MB);
    ``valid`` is False when the measurement itself failed (a page raised, the naive worklist
    disagreed with Hamrah's): such a row never meets its target."""

    part: str
    what: str
    scale: str
    database: str
    unit: str
    samples: tuple[float, ...]
    target: Target | None = None
    valid: bool = True
    note: str = ""
    measured_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    binding: bool | None = None
    """Whether the issue's target applies here, or is shown for information only; by default,
    at network scale on SQLite."""

    def __post_init__(self) -> None:
        if self.binding is None:
            object.__setattr__(self, "binding", self.scale == BINDING_SCALE
                               and self.database == BINDING_DATABASE)

    @property
    def median(self) -> float | None:
        return median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return p95(self.samples) if len(self.samples) > 1 else None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if not self.valid:
            return False
        return self.target.met_by(self)

    def key(self) -> tuple[str, str, str]:
        return (self.what, self.scale, self.database)

    def as_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["samples"] = list(self.samples)
        record["target"] = None if self.target is None else {
            **asdict(self.target), "text": self.target.text(self.unit)}
        record.update(median=self.median, p95=self.p95, met=self.met)
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Row:
        target = record.get("target")
        return cls(
            part=record["part"], what=record["what"], scale=record["scale"],
            database=record["database"], unit=record["unit"],
            samples=tuple(float(v) for v in record["samples"]),
            target=None if target is None else Target(target["statistic"], float(target["limit"]),
                                                      bool(target["at_most"])),
            valid=bool(record.get("valid", True)), note=str(record.get("note", "")),
            measured_at=str(record.get("measured_at", "")), binding=record.get("binding"),
        )


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "x":
        return f"{value:.1f}×"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:g} {unit}"


def met_text(row: Row) -> str:
    met = row.met
    if met is None:
        return "—"
    word = "yes" if met else ("MISSED" if row.binding else "missed")
    return word if row.binding else f"{word} (info)"


COLUMNS = ("what", "scale", "database", "median", "p95", "target", "met?")


def table_cells(row: Row) -> tuple[str, ...]:
    return (row.what, row.scale, row.database, format_value(row.median, row.unit),
            format_value(row.p95, row.unit),
            "—" if row.target is None else row.target.text(row.unit), met_text(row))


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a plain-text table, followed by the notes of the rows that have one."""
    cells = [COLUMNS, *(table_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = {3, 4}

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.rjust(width) if index in numeric else value.ljust(width)
                         for index, (value, width) in enumerate(zip(values, widths, strict=True))
                         ).rstrip()

    out = [line(COLUMNS), line(["-" * width for width in widths])]
    out += [line(values) for values in cells[1:]]
    notes = [f"  {row.what} ({row.scale}, {row.database}): {row.note}"
             for row in rows if row.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def merge_rows(earlier: Iterable[Row], latest: Sequence[Row]) -> list[Row]:
    """The latest rows, plus the earlier rows not measured again now: a network run and a demo
    run made on different days still give one table (each row keeps its ``measured_at``)."""
    measured = {row.key() for row in latest}
    kept = [row for row in earlier if row.key() not in measured]
    return sorted([*kept, *latest], key=table_order)


_DATABASE_ORDER = {"sqlite": 0, "postgresql": 1}
_SCALE_ORDER = {"demo": 0, "network": 1}


def table_order(row: Row) -> tuple[int, int]:
    """SQLite before PostgreSQL, demo before network, then the imports; ``sorted`` is stable,
    so the rows of one scale keep the order in which the parts ran."""
    return _DATABASE_ORDER.get(row.database, 9), _SCALE_ORDER.get(row.scale, 8)


def git_revision(root: Path) -> dict[str, Any]:
    """The commit measured, and whether the working tree had changes on top of it."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  check=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None,
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def machine_info() -> dict[str, Any]:
    memory_mb: float | None = None
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):
        pass
    return {"platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor() or None, "cpus": os.cpu_count(),
            "memory_mb": None if memory_mb is None else round(memory_mb),
            "python": platform.python_version(), "load_average": _load_average()}


def _load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def results_document(rows: Sequence[Row], options: dict[str, Any], root: Path) -> dict[str, Any]:
    return {
        "format": RESULTS_FORMAT,
        "date": datetime.now().isoformat(timespec="seconds"),
        "git": git_revision(root),
        "machine": machine_info(),
        "options": options,
        "rows": [row.as_json() for row in rows],
    }


def read_rows(path: Path) -> list[Row]:
    """The rows of an earlier results file; none when it is missing or of another format."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(document, dict) or document.get("format") != RESULTS_FORMAT:
        return []
    return [Row.from_json(record) for record in document.get("rows", [])]


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    temporary.replace(path)


def write_part(path: Path, rows: Sequence[Row], peak_mb: float) -> None:
    """What a part's process hands back to ``bench.run``: its rows and its peak memory."""
    write_json(path, {"rows": [row.as_json() for row in rows], "peak_rss_mb": peak_mb})


def read_part(path: Path) -> tuple[list[Row], float]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [Row.from_json(r) for r in document["rows"]], float(document["peak_rss_mb"])
