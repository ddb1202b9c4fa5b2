"""The clinic Overview as one table: every figure of ``domain.overview`` for a period, a month at a
time or per psychologist, and the flat frame that the page's charts, the CSV / Excel export and
the analysts' notebook all read.

``data_access.overview.overview_records`` loads an :class:`OverviewInputs` (the eight record lists
of ``domain.overview`` and what they cover); the functions here only count. Figures of a moment
(active patients, phases, consent, engagement, adherence, backlog) are taken on the period's last
day, so that day must be one of the moments the inputs were loaded for, and the period must start
on or after the first day whose screens, assignments and questions were loaded: a figure is never
counted from records that were not read.

Months are those of the reader's calendar (Gregorian by default, Solar Hijri for a reader who
keeps that one): the inputs are loaded for one calendar's month ends, and the months are counted
in the same calendar.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Generic, TypeVar

import pandas as pd

from domain.calendars import Calendar, month_label
from domain.outreach import Tier, WorklistItem, tier_rank
from domain.overview import (
    ADHERENCE_BINS,
    AdherenceDistribution,
    AdherenceRecord,
    AssignmentRecord,
    EpisodeRecord,
    FamilyRecord,
    OutreachItem,
    Period,
    PhaseMove,
    QuestionRecord,
    Rate,
    ScreenRecord,
    active_patients,
    adherence_distribution,
    admissions,
    answered_in_time_share,
    consented_support_share,
    discharges,
    family_engagement_rate,
    is_active,
    last_months,
    module_completion_rate,
    outreach_backlog,
    phase_counts,
    phase_transitions,
    retention_curves,
    retention_rate,
    split_by,
    split_by_psychologist,
    unexpected_positive_rate,
)
from domain.phases import PHASE_ORDER, PhaseDirection
from domain.signals import ASPE_RETENTION_DAYS, NQF_3175_RETENTION_DAYS
from domain.thresholds import DEFAULT_THRESHOLDS
from domain.vocabulary import Phase

R = TypeVar("R")

RETENTION_HORIZONS: tuple[int, ...] = (ASPE_RETENTION_DAYS, NQF_3175_RETENTION_DAYS)
"""The retention horizons of the Overview (CLINICAL.md, retention: ASPE 90 days, NQF 3175 180
days); the data layer computes each episode's longest gap for exactly these."""


@dataclass(frozen=True)
class OverviewInputs:
    """The records of one set of clinics as loaded on ``as_of``, and what they cover.

    - ``episodes`` and ``moves``: the whole history, whatever the dates.
    - ``screens``, ``assignments``, ``questions``: those dated from ``since`` to ``as_of``.
    - ``family``, ``adherence``: records of the days in ``moments`` only.
    - ``outreach``: the worklist of the days in ``backlog_moments`` (None: every moment). The
      worklist is the costly part to read, so a caller may ask for it on fewer days; the backlog
      of another day is then unknown (None), never 0.
    """

    as_of: date
    since: date
    moments: tuple[date, ...]
    episodes: tuple[EpisodeRecord, ...] = ()
    moves: tuple[PhaseMove, ...] = ()
    screens: tuple[ScreenRecord, ...] = ()
    family: tuple[FamilyRecord, ...] = ()
    adherence: tuple[AdherenceRecord, ...] = ()
    assignments: tuple[AssignmentRecord, ...] = ()
    questions: tuple[QuestionRecord, ...] = ()
    outreach: tuple[OutreachItem, ...] = ()
    backlog_moments: tuple[date, ...] | None = None

    def __post_init__(self) -> None:
        if self.since > self.as_of:
            raise ValueError(f"records since {self.since} cannot start after as_of {self.as_of}")
        late = [moment for moment in self.moments if moment > self.as_of]
        if late:
            raise ValueError(
                f"moments after as_of {self.as_of} cannot be known yet: "
                + ", ".join(moment.isoformat() for moment in late)
            )
        unknown = sorted(set(self.backlog_moments or ()) - set(self.moments))
        if unknown:
            raise ValueError(
                "backlog moments must be moments: "
                + ", ".join(moment.isoformat() for moment in unknown)
            )

    def has_backlog(self, on: date) -> bool:
        """Whether the outreach worklist of ``on`` was read."""
        moments = self.moments if self.backlog_moments is None else self.backlog_moments
        return on in moments

    @cached_property
    def _indexed(self) -> _IndexedInputs:
        """The records arranged for counting many periods, built once per inputs: the period,
        its split and the twelve months of one Overview (and a caller that asks for them month
        by month) share it."""
        return _IndexedInputs(self)

    @cached_property
    def _by_psychologist(self) -> list[tuple[str | None, OverviewInputs]]:
        """:func:`_split_inputs`, once per inputs (the period's split and the months' split
        read the same one)."""
        return _split_inputs(self)

    def check_covers(self, period: Period) -> None:
        """Refuse a period whose figures these records cannot give (see the module docstring)."""
        if period.start < self.since:
            raise ValueError(
                f"the period starts on {period.start}, but the records start on {self.since}: "
                "load them with an earlier since"
            )
        if period.end not in self.moments:
            raise ValueError(
                f"the period ends on {period.end}, which is not a loaded moment "
                f"({', '.join(moment.isoformat() for moment in self.moments)}): load the records "
                "with that day among the moments"
            )


def with_backlog(inputs: OverviewInputs, on: date,
                 items: Iterable[WorklistItem]) -> OverviewInputs:
    """``inputs`` with the outreach worklist of ``on`` added from ``items``.

    A page that already holds the worklist of a day (the navigation badge reads today's) hands
    it over instead of reading it twice. ``on`` must be a loaded moment whose worklist was not
    read (``backlog_moments`` given, without ``on``), so no day's backlog is counted twice.
    """
    if inputs.backlog_moments is None or on in inputs.backlog_moments:
        raise ValueError(f"the worklist of {on} is already among the inputs")
    added = sorted((OutreachItem(item.patient_id, on, item.tier) for item in items),
                   key=lambda item: item.patient_id)
    return replace(
        inputs,
        outreach=tuple(sorted((*inputs.outreach, *added), key=lambda item: item.on)),
        backlog_moments=tuple(sorted((*inputs.backlog_moments, on))),
    )


def with_backlog_of(inputs: OverviewInputs, on: date) -> OverviewInputs:
    """``inputs`` with the outreach worklist of ``on`` only, as if it had been the one backlog
    day read: records loaded once for several periods give each period the frames a load of its
    own would (the months show the backlog of the days read, so a day more would show too)."""
    if inputs.backlog_moments is not None and on not in inputs.backlog_moments:
        raise ValueError(f"the worklist of {on} was not read")
    return replace(inputs, outreach=tuple(item for item in inputs.outreach if item.on == on),
                   backlog_moments=(on,))


@dataclass(frozen=True)
class OverviewFigures:
    """Every Overview figure for one period; figures of a moment are taken on ``period.end``.

    ``by_psychologist`` is False for the whole clinic (``psychologist`` is then None) and True
    for one psychologist's patients (``domain.overview.split_by_psychologist``), where
    ``psychologist`` None means the patients without a psychologist. ``backlog`` is None when
    the worklist of ``period.end`` was not read (``OverviewInputs.backlog_moments``).
    """

    period: Period
    psychologist: str | None
    by_psychologist: bool
    active_patients: int
    admissions: int
    discharges: int
    retention_90: Rate
    retention_180: Rate
    unexpected_positive: Rate
    consented_support: Rate
    family_engagement: Rate
    module_completion: Rate
    answered_in_time: Rate
    phases: dict[Phase, int]
    transitions: dict[PhaseDirection, int]
    backlog: dict[Tier, int] | None
    adherence: AdherenceDistribution


class _ByDay(Generic[R]):
    """Records sorted once by their day, so that the records of a period are a slice found by
    bisection instead of a scan of all of them: twelve months of a network's screens and
    assignments are read once, not twelve times. Records of one day keep their order."""

    def __init__(self, records: Iterable[R], day: Callable[[R], date]) -> None:
        unsorted = list(records)
        days = [day(record) for record in unsorted]
        order = sorted(range(len(days)), key=days.__getitem__)
        self._days = [days[index] for index in order]
        self._records = [unsorted[index] for index in order]

    def between(self, first: date, last: date) -> list[R]:
        """The records dated from ``first`` to ``last``, both inclusive."""
        return self._records[bisect_left(self._days, first):bisect_right(self._days, last)]


class _IndexedInputs:
    """One :class:`OverviewInputs` arranged for counting many periods: the dated records by day
    (:class:`_ByDay`), the records of a moment by moment, the moves by patient, and the active
    episodes and phase counts of each moment, each built on first use and kept.

    Every figure is still counted by its ``domain.overview`` function, over the records that
    function would have kept from the whole lists (it filters them again, so the counts cannot
    differ): a period's admissions over the episodes admitted in it, a moment's figures over
    the episodes active on it. A datetime counts by its day, as ``Period`` counts it.

    It holds the record lists, not the inputs that hold it: without a reference cycle, the
    records of a network are freed as soon as the figures are counted, instead of waiting for
    the garbage collector, whose every later pass would walk them (it made reading the cached
    worklist on the next run seven times slower)."""

    def __init__(self, inputs: OverviewInputs) -> None:
        self.episodes = inputs.episodes
        self._moves = inputs.moves
        self._screens = inputs.screens
        self._family = inputs.family
        self._adherence = inputs.adherence
        self._assignments = inputs.assignments
        self._questions = inputs.questions
        self._outreach = inputs.outreach
        self._active: dict[date, list[EpisodeRecord]] = {}
        self._phases: dict[date, dict[Phase, int]] = {}

    @cached_property
    def by_admission(self) -> _ByDay[EpisodeRecord]:
        return _ByDay(self.episodes, lambda episode: episode.admitted_on)

    @cached_property
    def by_discharge(self) -> _ByDay[tuple[date, EpisodeRecord]]:
        return _ByDay(((episode.discharged_on, episode) for episode in self.episodes
                       if episode.discharged_on is not None), lambda pair: pair[0])

    @cached_property
    def moves(self) -> _ByDay[PhaseMove]:
        return _ByDay(self._moves, lambda move: move.on)

    @cached_property
    def moves_by_patient(self) -> dict[int, list[PhaseMove]]:
        return split_by(self._moves, lambda move: move.patient_id)

    @cached_property
    def screens(self) -> _ByDay[ScreenRecord]:
        return _ByDay(self._screens, lambda screen: screen.on)

    @cached_property
    def assignments(self) -> _ByDay[AssignmentRecord]:
        return _ByDay(self._assignments, lambda assignment: assignment.assigned_on)

    @cached_property
    def questions(self) -> _ByDay[QuestionRecord]:
        return _ByDay(self._questions, lambda question: question.asked_at.date())

    @cached_property
    def family_on(self) -> dict[date, list[FamilyRecord]]:
        return split_by(self._family, lambda record: record.on)

    @cached_property
    def adherence_on(self) -> dict[date, list[AdherenceRecord]]:
        return split_by(self._adherence, lambda record: record.on)

    @cached_property
    def outreach_on(self) -> dict[date, list[OutreachItem]]:
        return split_by(self._outreach, lambda item: item.on)

    def active_on(self, on: date) -> list[EpisodeRecord]:
        """The episodes active on ``on`` (``domain.overview.is_active``), in their order."""
        if on not in self._active:
            self._active[on] = [episode for episode in self.episodes
                                if is_active(episode, on)]
        return self._active[on]

    def phases_on(self, on: date) -> dict[Phase, int]:
        """``domain.overview.patients_per_phase`` on ``on`` (the period and its last month
        end on the same day)."""
        if on not in self._phases:
            self._phases[on] = phase_counts(self.active_on(on), self.moves_by_patient, on)
        return dict(self._phases[on])

    def admitted_in(self, first: date, last: date) -> list[EpisodeRecord]:
        return self.by_admission.between(first, last)

    def discharged_in(self, period: Period) -> list[EpisodeRecord]:
        return [episode for _, episode in self.by_discharge.between(period.start, period.end)]

    def completing_in(self, period: Period, horizon_days: int) -> list[EpisodeRecord]:
        """The episodes whose ``horizon_days`` complete in the period: those admitted
        ``horizon_days`` before one of its days (``domain.overview.retention_rate``)."""
        shift = timedelta(days=horizon_days)
        return self.admitted_in(period.start - shift, period.end - shift)


def _figures(
    inputs: OverviewInputs, period: Period, now: datetime, psychologist: str | None,
    by_psychologist: bool, max_gap_days: int,
) -> OverviewFigures:
    inputs.check_covers(period)
    indexed = inputs._indexed
    on = period.end
    active = indexed.active_on(on)
    family = indexed.family_on.get(on, [])
    return OverviewFigures(
        period=period,
        psychologist=psychologist,
        by_psychologist=by_psychologist,
        active_patients=active_patients(active, on),
        admissions=admissions(indexed.admitted_in(period.start, period.end), period),
        discharges=discharges(indexed.discharged_in(period), period),
        retention_90=retention_rate(indexed.completing_in(period, ASPE_RETENTION_DAYS), period,
                                    ASPE_RETENTION_DAYS, max_gap_days),
        retention_180=retention_rate(indexed.completing_in(period, NQF_3175_RETENTION_DAYS),
                                     period, NQF_3175_RETENTION_DAYS, max_gap_days),
        unexpected_positive=unexpected_positive_rate(
            indexed.screens.between(period.start, period.end), period),
        consented_support=consented_support_share(active, family, on),
        family_engagement=family_engagement_rate(active, family, on),
        module_completion=module_completion_rate(
            indexed.assignments.between(period.start, period.end), period),
        answered_in_time=answered_in_time_share(
            indexed.questions.between(period.start, period.end), period, now),
        phases=indexed.phases_on(on),
        transitions=phase_transitions(indexed.moves.between(period.start, period.end), period),
        backlog=(outreach_backlog(indexed.outreach_on.get(on, []), on)
                 if inputs.has_backlog(on) else None),
        adherence=adherence_distribution(active, indexed.adherence_on.get(on, []), on),
    )


def overview_figures(
    inputs: OverviewInputs, period: Period, now: datetime,
    max_gap_days: int = DEFAULT_THRESHOLDS.retention_max_gap_days,
) -> OverviewFigures:
    """The whole clinic's figures for ``period`` (moment figures on ``period.end``).

    ``now`` decides which questions are answered, late or still open
    (``domain.overview.answered_in_time_share``); ``max_gap_days`` is the retention gap rule
    (CLINICAL.md, retention; 7 days by default).
    """
    return _figures(inputs, period, now, None, False, max_gap_days)


def monthly_figures(
    inputs: OverviewInputs, as_of: date, now: datetime, months: int = 12,
    max_gap_days: int = DEFAULT_THRESHOLDS.retention_max_gap_days, *,
    calendar: Calendar = Calendar.GREGORIAN,
) -> list[OverviewFigures]:
    """The clinic's figures for each of ``domain.overview.last_months(as_of, months,
    calendar)``, oldest first; the inputs must be loaded with the same as_of, calendar and at
    least as many months (a Solar Hijri month ends on other days than a Gregorian one)."""
    return [
        _figures(inputs, period, now, None, False, max_gap_days)
        for period in last_months(as_of, months, calendar)
    ]


def _split_inputs(inputs: OverviewInputs) -> list[tuple[str | None, OverviewInputs]]:
    """The inputs of each psychologist's patients, in name order, the patients without a
    psychologist last: every record list split once with
    ``domain.overview.split_by_psychologist``."""
    episodes = inputs.episodes
    moves = split_by_psychologist(inputs.moves, episodes)
    screens = split_by_psychologist(inputs.screens, episodes)
    family = split_by_psychologist(inputs.family, episodes)
    adherence = split_by_psychologist(inputs.adherence, episodes)
    assignments = split_by_psychologist(inputs.assignments, episodes)
    questions = split_by_psychologist(inputs.questions, episodes)
    outreach = split_by_psychologist(inputs.outreach, episodes)
    return [
        (name, replace(
            inputs, episodes=tuple(own_episodes), moves=tuple(moves[name]),
            screens=tuple(screens[name]), family=tuple(family[name]),
            adherence=tuple(adherence[name]), assignments=tuple(assignments[name]),
            questions=tuple(questions[name]), outreach=tuple(outreach[name]),
        ))
        for name, own_episodes in split_by_psychologist(episodes, episodes).items()
    ]


def figures_by_psychologist(
    inputs: OverviewInputs, period: Period, now: datetime,
    max_gap_days: int = DEFAULT_THRESHOLDS.retention_max_gap_days,
) -> list[OverviewFigures]:
    """The figures of each psychologist's patients, in name order, the patients without a
    psychologist last.

    Every record list is split with ``domain.overview.split_by_psychologist``, so all of a
    patient's records (every episode, every move) count for the psychologist of the patient's
    latest episode; the splits' counts add up to the clinic's, rates by their parts.
    """
    return [_figures(own, period, now, name, True, max_gap_days)
            for name, own in inputs._by_psychologist]


def monthly_figures_by_psychologist(
    inputs: OverviewInputs, as_of: date, now: datetime, months: int = 12,
    max_gap_days: int = DEFAULT_THRESHOLDS.retention_max_gap_days, *,
    calendar: Calendar = Calendar.GREGORIAN,
) -> list[OverviewFigures]:
    """:func:`figures_by_psychologist` of each of ``domain.overview.last_months(as_of,
    months, calendar)``, oldest month first and the psychologists in their order within a
    month; the records are split once for all the months."""
    return [
        _figures(own, period, now, name, True, max_gap_days)
        for period in last_months(as_of, months, calendar)
        for name, own in inputs._by_psychologist
    ]


CURVE_COLUMNS = ("medication", "day", "survival", "lower", "upper", "at_risk", "events",
                 "censored")
CURVE_DTYPES = {"medication": "object", "day": "int64", "survival": "float64", "lower": "Float64",
                "upper": "Float64", "at_risk": "int64", "events": "int64", "censored": "int64"}
"""The columns of :func:`retention_curve_frame`, and their types."""


def retention_curve_frame(inputs: OverviewInputs, period: Period, as_of: date) -> pd.DataFrame:
    """The Kaplan–Meier time in treatment per medication (``domain.overview.retention_curves``)
    as a long frame: one row per step, columns ``medication, day, survival, lower, upper,
    at_risk, events, censored``; ``lower`` / ``upper`` are missing where the interval is
    undefined (the curve reached 0). Episodes are followed up to ``as_of``, which must not be
    after the inputs' own as_of (later discharges are not known)."""
    if as_of > inputs.as_of:
        raise ValueError(
            f"the curve cannot follow episodes to {as_of}: the records were loaded on "
            f"{inputs.as_of}"
        )
    rows = [
        {
            "medication": str(medication), "day": point.day, "survival": point.survival,
            "lower": point.lower, "upper": point.upper, "at_risk": point.at_risk,
            "events": point.events, "censored": point.censored,
        }
        for medication, curve in retention_curves(inputs.episodes, period, as_of).items()
        for point in curve
    ]
    frame = pd.DataFrame(rows, columns=list(CURVE_COLUMNS))
    return frame.astype(CURVE_DTYPES)


# --- the figures table --------------------------------------------------------------------------

RATE_FIGURES = ("retention_90", "retention_180", "unexpected_positive", "consented_support",
                "family_engagement", "module_completion", "answered_in_time")
"""The rate fields of :class:`OverviewFigures`; each gives three columns in the table:
``<name>_pct`` (percent, one decimal, missing when nothing counts), ``<name>_n`` (numerator)
and ``<name>_of`` (denominator)."""

BACKLOG_TIERS: tuple[Tier, ...] = tuple(sorted(Tier, key=tier_rank, reverse=True))


def adherence_column(low: float, high: float) -> str:
    """``adherence_80_90`` for the bin 80–90 %."""
    return f"adherence_{low * 100:.0f}_{high * 100:.0f}"


FIGURE_COLUMNS: tuple[str, ...] = (
    "period_start", "period_end", "psychologist", "by_psychologist",
    "active_patients", "admissions", "discharges",
    *(f"{name}_{part}" for name in RATE_FIGURES for part in ("pct", "n", "of")),
    *(f"phase_{phase.value}" for phase in PHASE_ORDER), "phase_not_recorded",
    "step_downs", "step_ups",
    *(f"backlog_{tier.value}" for tier in BACKLOG_TIERS),
    *(adherence_column(low, high) for low, high in ADHERENCE_BINS),
    "adherence_unknown",
)
"""The columns of :func:`figures_frame`, in order: the contract of the export and the notebook."""


def _percent(rate: Rate) -> float | None:
    value = rate.value
    return None if value is None else round(value * 100, 1)


def _row(figures: OverviewFigures) -> dict[str, object]:
    row: dict[str, object] = {
        "period_start": figures.period.start,
        "period_end": figures.period.end,
        "psychologist": figures.psychologist,
        "by_psychologist": figures.by_psychologist,
        "active_patients": figures.active_patients,
        "admissions": figures.admissions,
        "discharges": figures.discharges,
    }
    for name in RATE_FIGURES:
        rate: Rate = getattr(figures, name)
        row[f"{name}_pct"] = _percent(rate)
        row[f"{name}_n"] = rate.numerator
        row[f"{name}_of"] = rate.denominator
    for phase in PHASE_ORDER:
        row[f"phase_{phase.value}"] = figures.phases[phase]
    # Active patients imported already discharged, whose phases were never recorded.
    row["phase_not_recorded"] = figures.active_patients - sum(figures.phases.values())
    row["step_downs"] = figures.transitions[PhaseDirection.STEP_DOWN]
    row["step_ups"] = figures.transitions[PhaseDirection.STEP_UP]
    for tier in BACKLOG_TIERS:
        row[f"backlog_{tier.value}"] = None if figures.backlog is None else figures.backlog[tier]
    for adherence_bin in figures.adherence.bins:
        row[adherence_column(adherence_bin.low, adherence_bin.high)] = adherence_bin.count
    row["adherence_unknown"] = figures.adherence.without_value
    return row


def figures_frame(figures: Sequence[OverviewFigures]) -> pd.DataFrame:
    """One row per figure set, the columns of :data:`FIGURE_COLUMNS`.

    ``period_start`` / ``period_end`` are dates as pandas timestamps (so charts read them as
    time and CSV writes ``2026-09-30``); ``*_pct`` columns are nullable floats, missing (not 0)
    when the denominator is 0; ``backlog_*`` are nullable integers, missing when the worklist of
    the period's end was not read; other counts are integers; ``psychologist`` is None for the
    whole clinic and for the patients without a psychologist (told apart by
    ``by_psychologist``).
    """
    frame = pd.DataFrame([_row(f) for f in figures], columns=list(FIGURE_COLUMNS))
    dtypes: dict[str, str] = {}
    for column in FIGURE_COLUMNS:
        if column in ("period_start", "period_end"):
            dtypes[column] = "datetime64[ns]"
        elif column == "psychologist":
            continue
        elif column == "by_psychologist":
            dtypes[column] = "bool"
        elif column.endswith("_pct"):
            dtypes[column] = "Float64"
        elif column.startswith("backlog_"):
            dtypes[column] = "Int64"
        else:
            dtypes[column] = "int64"
    frame = frame.astype(dtypes)
    # Built as objects: pandas would infer its string type, where None becomes NaN.
    frame["psychologist"] = pd.Series([f.psychologist for f in figures], dtype="object")
    return frame



MONTH_COLUMN = "month"
"""The column :func:`with_month_labels` adds: the month as its reader names it."""


def with_month_labels(frame: pd.DataFrame, calendar: Calendar, language: str) -> pd.DataFrame:
    """A monthly :func:`figures_frame` with a ``month`` column after ``period_end``: the month
    of each ``period_start`` in the reader's calendar and language (``Aban 1405``,
    ``آبان ۱۴۰۵``, ``November 2026``; ``domain.calendars.month_label``).

    Only for a frame of :func:`monthly_figures` months of that calendar, whose ``period_start``
    is a month's first day. ``period_start`` / ``period_end`` stay ISO Gregorian dates, so an
    exported file still sorts and joins by date; the label is for the person reading it.
    """
    labelled = frame.copy()
    labels = [month_label(start.date(), calendar, language)
              for start in pd.to_datetime(labelled["period_start"])]
    labelled.insert(list(labelled.columns).index("period_end") + 1, MONTH_COLUMN,
                    pd.Series(labels, index=labelled.index, dtype="object"))
    return labelled
