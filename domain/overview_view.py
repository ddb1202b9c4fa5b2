"""The Overview as the page shows it: five frames counted from one load of records, and which
Overviews are worth counting ahead of the readers (``data_access.overview_snapshots``).

Counting a network's Overview takes seconds (a year of family, adherence and screen records of
10,000 patients, bench/README.md), so the worker counts the Overviews that staff open by
default and stores them; a reader then waits for a stored one, not for the count. What "by
default" means is decided here: each Overview reader's clinics (all of them, as the page opens,
and each one alone when there are several), in the reader's calendar, for every named period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from domain.calendars import Calendar
from domain.overview import Period
from domain.overview_report import (
    OverviewInputs,
    figures_by_psychologist,
    figures_frame,
    monthly_figures,
    monthly_figures_by_psychologist,
    overview_figures,
    retention_curve_frame,
)
from domain.report_periods import OVERVIEW_MONTHS, PeriodChoice, chosen_period


@dataclass(frozen=True)
class OverviewView:
    """The frames of one Overview: the chosen period (clinic, and per psychologist), the twelve
    months of the reader's calendar (clinic, and per psychologist) and the retention curves of
    the period's admissions."""

    period: pd.DataFrame
    period_by_psychologist: pd.DataFrame
    months: pd.DataFrame
    months_by_psychologist: pd.DataFrame
    curves: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames by field name, as they are stored."""
        return {"period": self.period, "period_by_psychologist": self.period_by_psychologist,
                "months": self.months, "months_by_psychologist": self.months_by_psychologist,
                "curves": self.curves}


def overview_view(inputs: OverviewInputs, period: Period, as_of: date, now: datetime,
                  max_gap_days: int, calendar: Calendar) -> OverviewView:
    """Every frame of the Overview of ``period`` from records loaded for it
    (``data_access.overview.overview_records`` with ``period.end`` among the moments)."""
    return OverviewView(
        period=figures_frame([overview_figures(inputs, period, now, max_gap_days)]),
        period_by_psychologist=figures_frame(
            figures_by_psychologist(inputs, period, now, max_gap_days)),
        months=figures_frame(monthly_figures(inputs, as_of, now, OVERVIEW_MONTHS, max_gap_days,
                                             calendar=calendar)),
        months_by_psychologist=figures_frame(monthly_figures_by_psychologist(
            inputs, as_of, now, OVERVIEW_MONTHS, max_gap_days, calendar=calendar)),
        curves=retention_curve_frame(inputs, period, as_of),
    )


@dataclass(frozen=True)
class OverviewReader:
    """What decides which Overviews a staff user opens: the clinics and the calendar."""

    clinic_ids: tuple[int, ...]
    calendar: Calendar


@dataclass(frozen=True)
class StandingOverview:
    """An Overview to count ahead: clinics and calendar, with every named period of the day."""

    clinic_ids: tuple[int, ...]
    calendar: Calendar
    periods: tuple[Period, ...]


def named_periods(as_of: date, calendar: Calendar) -> tuple[Period, ...]:
    """The periods of the page's period choices on ``as_of``, without repeats (on a month's
    first day "this month" and "last 30 days" may coincide with another choice)."""
    return tuple(dict.fromkeys(chosen_period(choice, as_of, calendar)
                               for choice in PeriodChoice))


def standing_overviews(readers: Iterable[OverviewReader], as_of: date) -> list[StandingOverview]:
    """The Overviews the readers open without choosing anything but a named period: all their
    clinics together (the page's first choice) and, for a reader of several, each clinic alone.
    Each set of clinics and calendar once, largest first, so that the Overview most readers
    open is stored first."""
    wanted: dict[tuple[tuple[int, ...], Calendar], None] = {}
    for reader in readers:
        clinics = tuple(sorted(reader.clinic_ids))
        if not clinics:
            continue
        wanted[(clinics, reader.calendar)] = None
        if len(clinics) > 1:
            for clinic in clinics:
                wanted[((clinic,), reader.calendar)] = None
    ordered = sorted(wanted, key=lambda key: (-len(key[0]), key[0], key[1].value))
    return [StandingOverview(clinics, calendar, named_periods(as_of, calendar))
            for clinics, calendar in ordered]
