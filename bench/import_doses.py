"""Benchmark: import N synthetic dose rows for a synthetic clinic through ``import_file``.

    .venv/bin/python bench/import_doses.py            # 1,000,000 rows on a temporary SQLite file
    .venv/bin/python bench/import_doses.py --rows 200000 --database postgresql+psycopg://...

The clinic, its patients (one per ``--days`` rows) and the CSV file are generated first and not
timed; then the file is imported in one transaction, as ``hamrah import doses`` does, and the
rows per second and the seconds of each stage are printed (and written to ``--json`` for
``make bench``, which runs this script as its import row). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from data_access.clinics import add_clinic
from data_access.engine import make_engine, session_factory
from data_access.importers import import_file
from data_access.models import DoseEvent, Patient
from data_access.schema import upgrade_to_head

BENCH_CLINIC = "BENCH"


def write_csv(path: Path, patients: int, days: int, rows: int, today: date,
              seed: int) -> None:
    rng = random.Random(seed)
    first_day = today - timedelta(days=days - 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["patient_code", "clinic_code", "date", "status", "dose_mg", "kind"])
        written = 0
        for number in range(1, patients + 1):
            code = f"B-{number:06d}"
            dose = str(rng.choice((40, 60, 80, 100, 120)))
            day = first_day
            for _ in range(min(days, rows - written)):
                if rng.random() < 0.05:
                    writer.writerow([code, BENCH_CLINIC, day.isoformat(), "missed", "", ""])
                else:
                    kind = "take_home" if rng.random() < 0.2 else "observed"
                    writer.writerow([code, BENCH_CLINIC, day.isoformat(), "taken", dose, kind])
                day += timedelta(days=1)
            written += min(days, rows - written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="dose days per patient")
    parser.add_argument("--database", default=None,
                        help="an empty, migratable database URL (default: a temporary SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reimport", action="store_true",
                        help="import the same file a second time (every row unchanged)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the measured figures to this JSON file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hamrah-bench-") as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        patients = math.ceil(args.rows / args.days)
        today = date.today()
        sessions = session_factory(engine)
        with sessions() as session, session.begin():
            clinic_id = add_clinic(session, code=BENCH_CLINIC, name="Benchmark (synthetic)",
                                   actor="bench").id
            now = datetime.now()
            admission = today - timedelta(days=args.days)
            session.execute(insert(Patient), [
                {"clinic_id": clinic_id, "code": f"B-{n:06d}", "first_name": "Bench",
                 "last_name": f"Demo-{n}", "sex": "M", "birth_year": 1980,
                 "primary_substance": "heroin", "medication": "methadone", "dose_mg": 80.0,
                 "admission_date": admission, "phase": "maintenance", "phase_since": admission,
                 "created_at": now, "updated_at": now}
                for n in range(1, patients + 1)])
        csv_path = Path(folder) / "doses.csv"
        started = time.perf_counter()
        write_csv(csv_path, patients, args.days, args.rows, today, args.seed)
        print(f"generated {args.rows:,} rows for {patients:,} patients "
              f"({csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")

        stages: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            stages[stage] = time.perf_counter() - started

        started = time.perf_counter()
        with sessions() as session, session.begin():
            result = import_file(session, "doses", csv_path, dry_run=False, actor="bench",
                                 today=today, progress=progress)
        seconds = time.perf_counter() - started
        if result.errors:
            raise SystemExit(f"the import failed: {result.errors[0]}")
        with sessions() as session:
            stored = session.scalar(select(func.count()).select_from(DoseEvent))
        validate = stages.get("validate", 0.0)
        first_import = seconds
        print(f"imported: {result.summary()} ({stored:,} dose rows stored)")
        print(f"validate {validate:.1f} s, write and commit {seconds - validate:.1f} s")
        print(f"total {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s "
              f"on {engine.url.get_backend_name()}")
        if args.reimport:
            started = time.perf_counter()
            with sessions() as session, session.begin():
                again = import_file(session, "doses", csv_path, dry_run=False, actor="bench",
                                    today=today)
            seconds = time.perf_counter() - started
            print(f"re-import: {again.summary()} in {seconds:.1f} s, "
                  f"{args.rows / seconds:,.0f} rows/s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:,.0f} MB")
        if args.json is not None:
            args.json.write_text(json.dumps({
                "rows": args.rows, "stored": stored, "seconds": first_import,
                "validate_seconds": validate, "rows_per_second": args.rows / first_import,
                "backend": engine.url.get_backend_name(), "peak_rss_mb": peak,
            }, indent=2) + "\n", encoding="utf-8")
        engine.dispose()


if __name__ == "__main__":
    main()
