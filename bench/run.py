"""``make bench``: build (or reuse) the bench databases, run every part, print one table.

    .venv/bin/python -m bench.run                                  # the whole suite
    .venv/bin/python -m bench.run --scale demo --database sqlite --runs 5 --rows 100000

For each database and scale, the parts run one after another, each in a process of its own so
that its peak memory is its own: ``bench.page_times`` (the dashboard: every page, cold and
warm), ``bench.core`` (signals, worklist, Overview alone) and ``bench.naive_worklist`` (Hamrah's
worklist against the naive one). The dose import (``bench/import_doses.py``) runs once per
database into a fresh database of its own. The table is printed and written to
``bench/results.json``, together with the rows of earlier runs at the scales and databases not
measured now (``--fresh`` drops them). A first row times fixed work (``bench.machine_speed``),
so that runs on machines of different speed can be compared. The exit status is 1 when a part
could not run at all; a missed target is reported in the table, not by the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.datasets import (
    BACKENDS,
    BENCH_AS_OF,
    DATA_DIR,
    DATABASE_PREFIX,
    DEFAULT_POSTGRES_URL,
    PROJECT_ROOT,
    SCALES,
    drop_postgres_database,
    pin_clock,
    pinned_environment,
    prepare_database,
    recreate_postgres_database,
)
from bench.machine_speed import machine_speed_row
from bench.report import (
    DASHBOARD_MEMORY,
    IMPORT_1M,
    Row,
    format_table,
    merge_rows,
    read_part,
    read_rows,
    results_document,
    write_json,
)
from cli.progress import ProgressBar
from data_access.clock import PINNED_NOW_VARIABLE

PARTS = ("pages", "core", "worklist", "import")
PART_MODULES = {"pages": "bench.page_times", "core": "bench.core",
                "worklist": "bench.naive_worklist"}
MEMORY_ROWS = {"pages": "peak memory: dashboard (pages process)",
               "core": "peak memory: core process",
               "worklist": "peak memory: naive worklist process"}
MIN_RUNS = 5  # issue #8: median and p95 over at least 5 runs
TARGET_IMPORT_ROWS = 1_000_000
IMPORT_DATABASE = f"{DATABASE_PREFIX}_import"
RESULTS = Path(__file__).resolve().parent / "results.json"
LOG_DIR = DATA_DIR / "logs"


def _choices(text: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [item.strip() for item in text.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{what} {', '.join(unknown) or '(none)'}: use one or more of {', '.join(allowed)}")
    return list(dict.fromkeys(chosen))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo,network",
                        type=lambda text: _choices(text, list(SCALES), "scale"),
                        help="demo (300 patients x 365 days), network (10,000 x 1095), or both")
    parser.add_argument("--database", default="sqlite,postgresql",
                        type=lambda text: _choices(text, BACKENDS, "database"))
    parser.add_argument("--parts", default=",".join(PARTS),
                        type=lambda text: _choices(text, PARTS, "part"))
    parser.add_argument("--runs", type=int, default=MIN_RUNS,
                        help=f"runs per measurement (the issue asks for at least {MIN_RUNS})")
    parser.add_argument("--rows", type=int, default=TARGET_IMPORT_ROWS,
                        help="dose rows to import (the target is for 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true",
                        help="build the bench databases again even when a built one exists")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("HAMRAH_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="a PostgreSQL server's maintenance URL; the bench creates its own "
                             f"databases there ({DATABASE_PREFIX}_*) and touches nothing else")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--fresh", action="store_true",
                        help="write only this run's rows, not those of earlier runs")
    return parser


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_logged(command: list[str], env: dict[str, str], log: Path) -> bool:
    """Run one part; its output goes to ``log`` (Streamlit's warnings would drown the table).
    On failure the last lines are shown."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, check=False)
    if finished.returncode == 0:
        return True
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    say(f"  failed (exit {finished.returncode}); the end of {log}:")
    for line in tail:
        say(f"    {line}")
    return False


def failed_row(part: str, scale: str, database: str, log: Path) -> Row:
    return Row(part=part, what=f"{part}: did not run", scale=scale, database=database,
               unit="s", samples=(), valid=False, note=f"the part failed; see {log}")


def run_part(part: str, url: str, scale: str, database: str, runs: int,
             folder: Path) -> list[Row]:
    """One part in its own process: its rows, and a row for its peak memory."""
    out = folder / f"{part}-{scale}-{database}.json"
    log = LOG_DIR / f"{part}-{scale}-{database}.log"
    command = [sys.executable, "-m", PART_MODULES[part], "--url", url, "--scale", scale,
               "--database", database, "--runs", str(runs), "--out", str(out)]
    started = time.perf_counter()
    say(f"{part} ({scale}, {database}, {runs} runs)…")
    if not run_logged(command, pinned_environment(url), log):
        return [failed_row(part, scale, database, log)]
    rows, peak = read_part(out)
    say(f"  done in {time.perf_counter() - started:.0f} s")
    memory = Row(part="memory", what=MEMORY_ROWS[part], scale=scale, database=database,
                 unit="MB", samples=(peak,),
                 target=DASHBOARD_MEMORY if part == "pages" else None)
    return [*rows, memory]


def run_import(database: str, rows: int, postgres_url: str, folder: Path) -> list[Row]:
    """``bench/import_doses.py`` into a fresh database: a temporary SQLite file, or the
    bench's own import database on PostgreSQL (dropped afterwards)."""
    out = folder / f"import-{database}.json"
    log = LOG_DIR / f"import-{database}.log"
    command = [sys.executable, str(PROJECT_ROOT / "bench" / "import_doses.py"),
               "--rows", str(rows), "--json", str(out)]
    if database == "postgresql":
        command += ["--database", recreate_postgres_database(postgres_url, IMPORT_DATABASE)]
    scale = f"{rows:,} rows"
    say(f"import ({rows:,} dose rows, {database})…")
    try:
        # The import dates its rows by the real calendar (as ``hamrah import`` does): no pin.
        env = {k: v for k, v in os.environ.items() if k != PINNED_NOW_VARIABLE}
        ok = run_logged(command, env, log)
    finally:
        if database == "postgresql":
            drop_postgres_database(postgres_url, IMPORT_DATABASE)
    if not ok:
        return [failed_row("import", scale, database, log)]
    figures = json.loads(out.read_text(encoding="utf-8"))
    full = rows >= TARGET_IMPORT_ROWS
    note = (f"{figures['rows_per_second']:,.0f} rows/s, "
            f"validation {figures['validate_seconds']:.1f} s")
    if not full:
        note += f"; fewer rows than the target's {TARGET_IMPORT_ROWS:,}: for information"
    return [
        Row(part="import", what="import of dose rows", scale=scale, database=database,
            unit="s", samples=(float(figures["seconds"]),), target=IMPORT_1M,
            binding=full and database == "sqlite", note=note),
        Row(part="memory", what="peak memory: import process", scale=scale, database=database,
            unit="MB", samples=(float(figures["peak_rss_mb"]),), binding=False),
    ]


def _earlier_load_options(path: Path) -> dict[str, Any]:
    """The ``options.load`` of the results file: `make bench-load` describes its rows there."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    earlier = document.get("options") if isinstance(document, dict) else None
    load = earlier.get("load") if isinstance(earlier, dict) else None
    return {"load": load} if load is not None else {}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.runs < 1 or args.rows < 1:
        build_parser().error("--runs and --rows must be at least 1")
    pin_clock()
    options = {"scales": args.scale, "databases": args.database, "parts": args.parts,
               "runs": args.runs, "rows": args.rows, "seed": args.seed,
               "as_of": BENCH_AS_OF.isoformat(),
               "scale_sizes": {name: {"patients": s.patients, "days": s.days}
                               for name, s in SCALES.items()}}
    if args.runs < MIN_RUNS:
        say(f"note: {args.runs} runs, fewer than the issue's {MIN_RUNS}: a trial, not a result")
    # First, while the machine is quiet: the yardstick of this run's figures.
    rows: list[Row] = [machine_speed_row(max(args.runs, MIN_RUNS))]
    timed_parts = [part for part in args.parts if part in PART_MODULES]
    with tempfile.TemporaryDirectory(prefix="hamrah-bench-") as folder:
        for database in args.database:
            for name in args.scale if timed_parts else []:
                scale = SCALES[name]
                say(f"database for {name} scale ({scale.patients:,} patients x {scale.days} "
                    f"days, seed {args.seed}) on {database}…")
                started = time.perf_counter()
                url, built = prepare_database(database, scale, args.seed,
                                              postgres_url=args.postgres_url,
                                              rebuild=args.rebuild, progress=ProgressBar())
                say(f"  {'built' if built else 'reused'} in {time.perf_counter() - started:.0f} s")
                for part in timed_parts:
                    rows += run_part(part, url, name, database, args.runs, Path(folder))
            if "import" in args.parts:
                rows += run_import(database, args.rows, args.postgres_url, Path(folder))
    earlier = [] if args.fresh else read_rows(args.out)
    shown = merge_rows(earlier, rows)
    print(format_table(shown))
    if len(shown) > len(rows):
        say(f"{len(shown) - len(rows)} rows carried over from earlier runs (their measured_at "
            f"is in {args.out}; --fresh leaves them out)")
    options["trial"] = args.runs < MIN_RUNS
    if not args.fresh:  # `make bench-load` describes its rows under options.load: keep that
        options = {**_earlier_load_options(args.out), **options}
    write_json(args.out, results_document(shown, options, PROJECT_ROOT))
    say(f"written to {args.out}")
    return 1 if any(row.what.endswith("did not run") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
