"""The core computations timed alone, without Streamlit: signals, the worklist, the Overview.

The same calls the pages make through their caches (``components.patient_data.roster``,
``components.outreach_data.worklist_items``, ``components.overview_data.overview``), for the
supervisor's scope (every clinic) on the bench's day. One untimed call of each first, so the
runs measure the computation and not the first read of the file from disk. Run as
``python -m bench.core`` by ``bench.run``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from bench.datasets import BENCH_AS_OF
from bench.part import run_part
from bench.report import Row
from bench.timing import timed
from data_access.clock import utc_now
from data_access.engine import make_engine, session_factory
from data_access.outreach import outreach_worklist
from data_access.overview import overview_records
from data_access.signals import all_clinic_ids, patient_signal_list
from domain.calendars import Calendar
from domain.overview import Period
from domain.overview_report import OverviewInputs
from domain.overview_view import overview_view
from domain.report_periods import OVERVIEW_MONTHS, PeriodChoice, chosen_period
from settings import Settings, load_settings


@dataclass(frozen=True)
class CoreCase:
    what: str
    run: Callable[[Session], object]


def overview_inputs(session: Session, clinic_ids: Sequence[int], settings: Settings,
                    period: Period) -> OverviewInputs:
    """The Overview's records for the page's default period (last 12 months)."""
    return overview_records(session, clinic_ids=clinic_ids, as_of=BENCH_AS_OF,
                            months=OVERVIEW_MONTHS, moments=(period.end,),
                            backlog_moments=(period.end,), clinical=settings.clinical,
                            outreach=settings.outreach)


def overview_frames(inputs: OverviewInputs, period: Period, settings: Settings) -> object:
    """Every figure the Overview shows, counted from its records (``domain.overview_view``, as
    the page and the worker count them)."""
    return overview_view(inputs, period, BENCH_AS_OF, utc_now(),
                         settings.clinical.retention_max_gap_days, Calendar.GREGORIAN)


def core_cases(clinic_ids: Sequence[int], settings: Settings,
               inputs: OverviewInputs, period: Period) -> list[CoreCase]:
    return [
        CoreCase("core: signals (patient_signal_list)",
                 lambda session: patient_signal_list(session, clinic_ids=clinic_ids,
                                                     as_of=BENCH_AS_OF,
                                                     thresholds=settings.clinical)),
        CoreCase("core: worklist (outreach_worklist)",
                 lambda session: outreach_worklist(session, clinic_ids=clinic_ids,
                                                   as_of=BENCH_AS_OF, clinical=settings.clinical,
                                                   outreach=settings.outreach)),
        CoreCase("core: overview records (overview_records)",
                 lambda session: overview_inputs(session, clinic_ids, settings, period)),
        CoreCase("core: overview figures (domain.overview_report)",
                 lambda _session: overview_frames(inputs, period, settings)),
    ]


def measure_core(database_url: str, scale: str, database: str, runs: int) -> list[Row]:
    settings = load_settings()
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    period = chosen_period(PeriodChoice.LAST_12_MONTHS, BENCH_AS_OF)
    try:
        with sessions() as session:
            clinic_ids = all_clinic_ids(session)
            inputs = overview_inputs(session, clinic_ids, settings, period)
        rows = []
        for case in core_cases(clinic_ids, settings, inputs, period):
            samples = []
            for index in range(runs + 1):
                with sessions() as session:
                    seconds, _ = timed(partial(case.run, session))
                if index:  # the first call only warms the database's pages
                    samples.append(seconds)
            rows.append(Row(part="core", what=case.what, scale=scale, database=database,
                            unit="s", samples=tuple(samples)))
        return rows
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    run_part(measure_core, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
