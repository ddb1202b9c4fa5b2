"""The figures of the clinic Overview page, for a chosen period and month by month.

The data layer turns the database into the plain records below (one query per kind of record);
these functions count them. Every figure is either a count, a :class:`Rate` (numerator and
denominator kept, so that "12 / 15" can be shown beside 80 % and so that an empty denominator is
``None``, never a ZeroDivisionError), or a small table (a dict with every category present).

Conventions, shared by every function:

- A :class:`Period` runs from ``start`` to ``end``, both inclusive (as
  ``domain.treatment_time.window_bounds``). :func:`last_months` gives the 12 calendar months
  ending at an as-of date (the last one cut at the as-of date) and :func:`monthly_series` maps
  any figure over them; the months are Gregorian or Solar Hijri (``domain.calendars``), as the
  reader counts them.
- Figures of a moment (active patients, phases, consent, engagement, adherence, backlog) are
  taken on one day ``on``; in a monthly series, on each month's last day (``period.end``).
- A patient is active (in treatment) on ``on`` when admitted on or before it and not discharged
  on or before it, as in ``domain.signals``; figures of a moment count active patients only,
  except the outreach backlog, which also holds recently discharged patients (the highest risk).
- Every figure can be split by psychologist with :func:`split_by_psychologist`, which attributes
  all of a patient's records to the psychologist of the patient's latest episode (the patient
  row holds only the current psychologist).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from domain.calendars import Calendar, month_start
from domain.deadlines import QuestionStatus, question_status
from domain.outreach import Tier, tier_rank
from domain.phases import PHASE_ORDER, PhaseDirection, phase_direction
from domain.retention import horizon_bounds, retention_status
from domain.survival import SurvivalPoint, kaplan_meier
from domain.thresholds import DEFAULT_THRESHOLDS
from domain.vocabulary import DeliveryStatus, Medication, Phase

T = TypeVar("T")
K = TypeVar("K")
R = TypeVar("R")


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        # datetime is a date subclass: compare its day, so 23:00 on the last day is inside.
        if isinstance(day, datetime):
            day = day.date()
        return isinstance(day, date) and self.start <= day <= self.end


def last_months(as_of: date, months: int = 12,
                calendar: Calendar = Calendar.GREGORIAN) -> list[Period]:
    """The ``months`` months of ``calendar`` ending with the month of ``as_of``, oldest first.

    Each is a whole month except the last, which runs from the first of the month to ``as_of``
    (the month so far), so that no figure counts days that have not happened yet. A Solar
    Hijri month starts on the 19th to 23rd of a Gregorian one (1 Aban 1405 is 23 October
    2026): a clinic that keeps its books by Farvardin and Aban counts admissions per such month.
    """
    if months < 1:
        raise ValueError(f"a series needs at least 1 month, got {months}")
    starts = [month_start(as_of, calendar)]
    while len(starts) < months:
        starts.append(month_start(starts[-1] - timedelta(days=1), calendar))
    starts.reverse()
    ends = [following - timedelta(days=1) for following in starts[1:]] + [as_of]
    return [Period(start, end) for start, end in zip(starts, ends, strict=True)]


def monthly_series(
    figure: Callable[[Period], T], as_of: date, months: int = 12,
    calendar: Calendar = Calendar.GREGORIAN,
) -> list[tuple[date, T]]:
    """``(month_start, figure(month))`` for each of :func:`last_months`, oldest first.

    A figure of a moment is taken on the month's last day, e.g.
    ``monthly_series(lambda month: active_patients(episodes, month.end), as_of)``.
    """
    return [(period.start, figure(period)) for period in last_months(as_of, months, calendar)]


# --- records the data layer provides -----------------------------------------------------------


@dataclass(frozen=True)
class EpisodeRecord:
    """One episode of treatment: from an admission to a discharge (None while in treatment).

    A readmission starts a new episode, so a patient may have several; the data layer builds
    them from the patient row and the phase history. ``phase`` is the episode's latest phase
    (the current one while in treatment). ``longest_gap_by_horizon`` holds, for each complete
    retention horizon, the longest run of days without a taken dose inside it, as in
    ``domain.signals.PatientFacts`` (``domain.retention.longest_gap_by_horizon``).
    """

    patient_id: int
    psychologist: str | None
    medication: Medication
    admitted_on: date
    discharged_on: date | None
    phase: Phase
    longest_gap_by_horizon: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.discharged_on is not None and self.discharged_on < self.admitted_on:
            raise ValueError(
                f"patient {self.patient_id}: discharged {self.discharged_on} before admission "
                f"{self.admitted_on}"
            )


@dataclass(frozen=True)
class PhaseMove:
    """One row of the phase history: ``from_phase`` (None on a first admission) to ``to_phase``."""

    patient_id: int
    on: date
    from_phase: Phase | None
    to_phase: Phase


@dataclass(frozen=True)
class ScreenRecord:
    """One urine screen (all substances of one patient on one day): whether any substance was
    positive without being expected (prescribed)."""

    patient_id: int
    on: date
    unexpected_positive: bool


@dataclass(frozen=True)
class FamilyRecord:
    """A patient's support members on day ``on``: members with an active consent
    (``domain.consent.consent_is_active``) and, of those, members with an engagement event in
    the 30 days ending on ``on``."""

    patient_id: int
    on: date
    consented_members: int
    engaged_members_30d: int

    def __post_init__(self) -> None:
        if not 0 <= self.engaged_members_30d <= self.consented_members:
            raise ValueError(
                f"patient {self.patient_id} on {self.on}: engaged members "
                f"({self.engaged_members_30d}) must be between 0 and the consented members "
                f"({self.consented_members})"
            )


@dataclass(frozen=True)
class AdherenceRecord:
    """A patient's adherence over the 28 days ending on ``on`` (``domain.adherence``), from 0.0
    to 1.0; None when no day was scheduled."""

    patient_id: int
    on: date
    adherence_28d: float | None


@dataclass(frozen=True)
class AssignmentRecord:
    """A module assigned to one of the patient's support members, and its current status."""

    patient_id: int
    assigned_on: date
    status: DeliveryStatus


@dataclass(frozen=True)
class QuestionRecord:
    """A family's question about a patient, its deadline and its answer (``domain.deadlines``)."""

    patient_id: int
    asked_at: datetime
    due_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True)
class OutreachItem:
    """A patient on the outreach worklist on day ``on``, at the highest tier of its reasons."""

    patient_id: int
    on: date
    tier: Tier


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator`` with both parts kept; ``value`` is None when nothing counts."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if not 0 <= self.numerator <= self.denominator:
            raise ValueError(
                f"a rate needs 0 <= numerator <= denominator, got {self.numerator} / "
                f"{self.denominator}"
            )

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


# --- splitting by psychologist ------------------------------------------------------------------


class _PatientRecord(Protocol):
    @property
    def patient_id(self) -> int: ...


P = TypeVar("P", bound=_PatientRecord)


def split_by(records: Iterable[R], key: Callable[[R], K]) -> dict[K, list[R]]:
    """The records grouped by ``key``, groups in order of first appearance, order kept within."""
    groups: dict[K, list[R]] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    return groups


def psychologist_of(episodes: Iterable[EpisodeRecord]) -> dict[int, str | None]:
    """Each patient's psychologist: the one of the patient's latest episode (by admission)."""
    latest: dict[int, EpisodeRecord] = {}
    for episode in episodes:
        known = latest.get(episode.patient_id)
        if known is None or episode.admitted_on >= known.admitted_on:
            latest[episode.patient_id] = episode
    return {patient_id: episode.psychologist for patient_id, episode in latest.items()}


def split_by_psychologist(
    records: Iterable[P], episodes: Iterable[EpisodeRecord]
) -> dict[str | None, list[P]]:
    """The records of each psychologist's patients (see :func:`psychologist_of`).

    Every psychologist of ``episodes`` is a key, in name order with None (no psychologist)
    last, even with no record, so that the splits of different record lists line up:
    ``{name: admissions(group, period) for name, group in split_by_psychologist(episodes,
    episodes).items()}``. A record of a patient without an episode is a data error.
    """
    owner = psychologist_of(episodes)
    names = sorted({name for name in owner.values() if name is not None})
    groups: dict[str | None, list[P]] = {name: [] for name in names}
    if None in owner.values():
        groups[None] = []
    for record in records:
        if record.patient_id not in owner:
            raise ValueError(
                f"{type(record).__name__} of patient {record.patient_id}, who has no episode: "
                "cannot tell the psychologist"
            )
        groups[owner[record.patient_id]].append(record)
    return groups


# --- patients and episodes ----------------------------------------------------------------------


def is_active(episode: EpisodeRecord, on: date) -> bool:
    """In treatment on ``on``: admitted on or before it, not discharged on or before it."""
    return episode.admitted_on <= on and (
        episode.discharged_on is None or episode.discharged_on > on
    )


def active_patients(episodes: Iterable[EpisodeRecord], on: date) -> int:
    """Patients in treatment on ``on`` (see :func:`is_active`); a patient counts once."""
    return len({episode.patient_id for episode in episodes if is_active(episode, on)})


def admissions(episodes: Iterable[EpisodeRecord], period: Period) -> int:
    """Episodes admitted in the period (start and end inclusive); a readmission counts."""
    return sum(1 for episode in episodes if episode.admitted_on in period)


def discharges(episodes: Iterable[EpisodeRecord], period: Period) -> int:
    """Episodes discharged in the period (start and end inclusive)."""
    return sum(
        1 for episode in episodes
        if episode.discharged_on is not None and episode.discharged_on in period
    )


# --- retention ----------------------------------------------------------------------------------


def retention_rate(
    episodes: Iterable[EpisodeRecord],
    period: Period,
    horizon_days: int,
    max_gap_days: int = DEFAULT_THRESHOLDS.retention_max_gap_days,
) -> Rate:
    """Retention over ``horizon_days`` of the episodes whose horizon completed in the period.

    ``horizon_days`` is 90 for the ASPE measure, 180 for NQF 3175 / MIPS 468 (CLINICAL.md,
    retention; ``domain.signals.ASPE_RETENTION_DAYS``, ``NQF_3175_RETENTION_DAYS``). The horizon
    covers the admission day and the ``horizon_days - 1`` days after it (``domain.retention``);
    it is complete on ``admission + horizon_days``, the first day ``retention_status`` answers.

    - Denominator: episodes whose horizon is complete on a day of the period (inclusive), i.e.
      admitted ``horizon_days`` days before a day of the period — as the measures, which count
      only episodes that started at least the horizon before the end of the period.
    - Numerator: those retained by ``domain.retention.retention_status``: not discharged within
      the horizon and no gap without a taken dose longer than ``max_gap_days`` (default 7).

    An episode discharged within its horizon needs no gap; any other needs its longest gap for
    the horizon, and a missing one is an error (it would silently count as retained or not).
    """
    if horizon_days < 1:
        raise ValueError(f"a retention horizon must be at least 1 day, got {horizon_days}")
    eligible = retained = 0
    for episode in episodes:
        complete_on = episode.admitted_on + timedelta(days=horizon_days)
        if complete_on not in period:
            continue
        eligible += 1
        gap = episode.longest_gap_by_horizon.get(horizon_days)
        if gap is None:
            _, last_day = horizon_bounds(episode.admitted_on, horizon_days)
            if episode.discharged_on is not None and episode.discharged_on <= last_day:
                continue  # discharged within the horizon: not retained, whatever the gaps
            raise ValueError(
                f"patient {episode.patient_id}, admitted {episode.admitted_on}: no longest gap "
                f"for the complete {horizon_days}-day retention horizon"
            )
        if retention_status(
            episode.admitted_on, complete_on, horizon_days, gap, episode.discharged_on,
            max_gap_days,
        ):
            retained += 1
    return Rate(retained, eligible)


def retention_curves(
    episodes: Iterable[EpisodeRecord], period: Period, as_of: date
) -> dict[Medication, list[SurvivalPoint]]:
    """Kaplan–Meier time in treatment (``domain.survival``) per medication, for the episodes
    admitted in the period (inclusive), followed up to ``as_of``.

    Duration: days from admission to discharge (an ending) or, when still in treatment on
    ``as_of`` or discharged after it, to ``as_of`` (censored). Episodes admitted after ``as_of``
    are left out. Only medications with an episode are keys, in the order of ``Medication``.
    The curve counts discharges, not the 7-day gap rule of :func:`retention_rate`.
    """
    observations: dict[Medication, list[tuple[int, bool]]] = {}
    for episode in episodes:
        if episode.admitted_on not in period or episode.admitted_on > as_of:
            continue
        if episode.discharged_on is not None and episode.discharged_on <= as_of:
            observation = ((episode.discharged_on - episode.admitted_on).days, True)
        else:
            observation = ((as_of - episode.admitted_on).days, False)
        observations.setdefault(Medication(episode.medication), []).append(observation)
    return {
        medication: kaplan_meier(observations[medication])
        for medication in Medication
        if medication in observations
    }


# --- adherence ----------------------------------------------------------------------------------


ADHERENCE_BINS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 1.0))
"""Adherence bins as shares: each includes its lower bound and excludes its upper one, except the
last, which includes 1.0. 0.8 and 0.9 are the defaults of ``OutreachThresholds.
low_adherence_below`` and ``ClinicalThresholds.step_down_min_adherence``, so a bin never mixes
patients on both sides of those rules."""


@dataclass(frozen=True)
class AdherenceBin:
    low: float
    high: float
    count: int

    @property
    def label(self) -> str:
        return f"{self.low * 100:.0f}–{self.high * 100:.0f} %"


@dataclass(frozen=True)
class AdherenceDistribution:
    """Active patients per adherence bin, and those without a value (no record, or None)."""

    bins: tuple[AdherenceBin, ...]
    without_value: int


def adherence_distribution(
    episodes: Iterable[EpisodeRecord], adherence: Iterable[AdherenceRecord], on: date
) -> AdherenceDistribution:
    """The 28-day adherence of the patients active on ``on``, in :data:`ADHERENCE_BINS`.

    Only records dated ``on`` count. An active patient without such a record, or whose value is
    None, counts in ``without_value``; a value outside 0..1 is a data error.
    """
    active = {episode.patient_id for episode in episodes if is_active(episode, on)}
    values: dict[int, float | None] = {}
    for record in adherence:
        if record.on == on and record.patient_id in active:
            value = record.adherence_28d
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"patient {record.patient_id} on {on}: adherence {value} is not a share "
                    "between 0 and 1"
                )
            values[record.patient_id] = value
    counts = [0] * len(ADHERENCE_BINS)
    for value in values.values():
        if value is not None:
            counts[_bin_index(value)] += 1
    known = sum(counts)
    return AdherenceDistribution(
        bins=tuple(
            AdherenceBin(low, high, count)
            for (low, high), count in zip(ADHERENCE_BINS, counts, strict=True)
        ),
        without_value=len(active) - known,
    )


def _bin_index(value: float) -> int:
    for index, (_, high) in enumerate(ADHERENCE_BINS[:-1]):
        if value < high:
            return index
    return len(ADHERENCE_BINS) - 1


# --- phases -------------------------------------------------------------------------------------


def phase_on(episode: EpisodeRecord, moves: Iterable[PhaseMove], on: date) -> Phase:
    """The episode's phase on ``on``: the ``to_phase`` of its patient's latest move dated from
    the admission to ``on`` (inclusive; of two moves on one day, the later in ``moves``), or
    the episode's recorded ``phase`` when it has no such move (e.g. imported without history).
    """
    return _phase_after(episode, _latest_move(episode, moves, on))


def phase_not_recorded(episode: EpisodeRecord, moves: Iterable[PhaseMove], on: date) -> bool:
    """True for a day of a discharged episode before its discharge when its history holds no
    move up to that day: a patient imported already discharged, whose phases while in
    treatment were never recorded. Its phase that day is unknown, not "discharged"."""
    return _discharged_after(episode, on) and _latest_move(episode, moves, on) is None


def _latest_move(episode: EpisodeRecord, moves: Iterable[PhaseMove], on: date) -> PhaseMove | None:
    """The episode's patient's latest move dated from the admission to ``on`` (inclusive; of
    two moves on one day, the later in ``moves``), None without one."""
    latest: PhaseMove | None = None
    for move in moves:
        if move.patient_id != episode.patient_id or not episode.admitted_on <= move.on <= on:
            continue
        if latest is None or move.on >= latest.on:
            latest = move
    return latest


def _phase_after(episode: EpisodeRecord, latest: PhaseMove | None) -> Phase:
    return episode.phase if latest is None else Phase(latest.to_phase)


def _discharged_after(episode: EpisodeRecord, on: date) -> bool:
    """A discharged episode, on a day before its discharge."""
    return (episode.phase == Phase.DISCHARGED and episode.discharged_on is not None
            and on < episode.discharged_on)


def patients_per_phase(
    episodes: Iterable[EpisodeRecord], moves: Iterable[PhaseMove], on: date
) -> dict[Phase, int]:
    """Active patients on ``on`` per phase (:func:`phase_on`), every step of ``PHASE_ORDER``
    present. Patients whose phase that day was never recorded (:func:`phase_not_recorded`)
    are in no phase, so the counts may add up to fewer than the active patients; any other
    active patient whose phase is ``discharged`` is a data error."""
    return phase_counts(episodes, split_by(moves, lambda move: move.patient_id), on)


def phase_counts(
    episodes: Iterable[EpisodeRecord], moves_by_patient: Mapping[int, Sequence[PhaseMove]],
    on: date,
) -> dict[Phase, int]:
    """:func:`patients_per_phase` with the moves already grouped by patient (in their order,
    as :func:`split_by` keeps it): each episode is matched against its own patient's moves
    only, so a network's history costs the number of moves, not episodes times moves, and a
    monthly series groups the moves once for all its months."""
    counts = dict.fromkeys(PHASE_ORDER, 0)
    for episode in episodes:
        if not is_active(episode, on):
            continue
        # phase_not_recorded and phase_on, from one pass over the patient's moves.
        latest = _latest_move(episode, moves_by_patient.get(episode.patient_id, ()), on)
        if latest is None and _discharged_after(episode, on):
            continue
        phase = _phase_after(episode, latest)
        if phase not in counts:
            raise ValueError(
                f"patient {episode.patient_id} is in treatment on {on} but its phase is {phase}"
            )
        counts[phase] += 1
    return counts


def phase_transitions(moves: Iterable[PhaseMove], period: Period) -> dict[PhaseDirection, int]:
    """Phase moves dated in the period (inclusive) by direction (``domain.phases.
    phase_direction``): ``STEP_DOWN`` towards less treatment, ``STEP_UP`` back towards more
    (care after a relapse, CLINICAL.md stepped care); admissions, discharges, readmissions and
    same-phase rows are counted under their own keys. Every direction is a key."""
    counts = dict.fromkeys(PhaseDirection, 0)
    for move in moves:
        if move.on not in period:
            continue
        try:
            direction = phase_direction(move.from_phase, move.to_phase)
        except ValueError as error:
            raise ValueError(f"patient {move.patient_id}, move on {move.on}: {error}") from None
        counts[direction] += 1
    return counts


# --- screens ------------------------------------------------------------------------------------


def unexpected_positive_rate(screens: Iterable[ScreenRecord], period: Period) -> Rate:
    """Screens with an unexpected positive / screens, both dated in the period (inclusive).

    A screen is one patient's sample on one day; it is unexpected-positive when any substance
    is positive without being prescribed. A rate of screens, not of patients: a result is
    never the only basis for discharge (CLINICAL.md, urine screens).
    """
    in_period = [screen for screen in screens if screen.on in period]
    return Rate(sum(1 for s in in_period if s.unexpected_positive), len(in_period))


# --- family -------------------------------------------------------------------------------------


def _family_of_active(
    episodes: Iterable[EpisodeRecord], family: Iterable[FamilyRecord], on: date
) -> tuple[set[int], dict[int, FamilyRecord]]:
    active = {episode.patient_id for episode in episodes if is_active(episode, on)}
    records = {r.patient_id: r for r in family if r.on == on and r.patient_id in active}
    return active, records


def consented_support_share(
    episodes: Iterable[EpisodeRecord], family: Iterable[FamilyRecord], on: date
) -> Rate:
    """Active patients on ``on`` with at least one consented support member / active patients.

    Consent per ``domain.consent.consent_is_active`` (42 CFR 2.31, CLINICAL.md); only family
    records dated ``on`` count, and an active patient without one has no consented member.
    """
    active, records = _family_of_active(episodes, family, on)
    with_support = sum(1 for record in records.values() if record.consented_members > 0)
    return Rate(with_support, len(active))


def family_engagement_rate(
    episodes: Iterable[EpisodeRecord], family: Iterable[FamilyRecord], on: date
) -> Rate:
    """Consented members engaged in the 30 days ending on ``on`` / consented members, summed
    over the patients active on ``on`` (family records dated ``on`` only). A rate of members,
    so a family of three weighs three times a family of one."""
    _, records = _family_of_active(episodes, family, on)
    return Rate(
        sum(record.engaged_members_30d for record in records.values()),
        sum(record.consented_members for record in records.values()),
    )


NOT_REACHED_STATUSES = frozenset(
    {DeliveryStatus.BLOCKED_NO_CONSENT, DeliveryStatus.CANCELLED_CONSENT_REVOKED}
)
"""Assignments that never reached a family: left out of the completion rate here and of a
module's reach in the content library (``data_access.content``)."""


def module_completion_rate(assignments: Iterable[AssignmentRecord], period: Period) -> Rate:
    """Completed / assignments that reached a family, among those assigned in the period
    (inclusive), by their current status.

    Reached means every status but ``blocked_no_consent`` and ``cancelled_consent_revoked``
    (:data:`NOT_REACHED_STATUSES`), the content library's definition, so both pages agree.
    Recent months read lower while families are still working through their modules.
    """
    reached = [
        a for a in assignments
        if a.assigned_on in period and DeliveryStatus(a.status) not in NOT_REACHED_STATUSES
    ]
    completed = sum(1 for a in reached if a.status == DeliveryStatus.COMPLETED)
    return Rate(completed, len(reached))


def answered_in_time_share(
    questions: Iterable[QuestionRecord], period: Period, now: datetime
) -> Rate:
    """Questions answered before their deadline / questions whose outcome is known, among the
    questions asked in the period (by the day of ``asked_at``, inclusive), as of ``now``.

    Status by ``domain.deadlines.question_status``: the denominator holds the questions answered
    in time, answered late, or still unanswered past their deadline (overdue); questions still
    open within their deadline are left out until they are decided. An answer after ``now`` is
    not yet given, so a past ``now`` gives the figure as it stood then.
    """
    in_time = decided = 0
    for question in questions:
        if question.asked_at not in period or question.asked_at > now:
            continue
        answered_at = question.answered_at
        if answered_at is not None and answered_at > now:
            answered_at = None
        status = question_status(question.due_at, answered_at, now)
        if status == QuestionStatus.OPEN:
            continue
        decided += 1
        in_time += status == QuestionStatus.ANSWERED_IN_TIME
    return Rate(in_time, decided)


# --- outreach -----------------------------------------------------------------------------------


def outreach_backlog(items: Iterable[OutreachItem], on: date) -> dict[Tier, int]:
    """Patients on the outreach worklist on ``on`` per tier (``domain.outreach.Tier``), urgent
    first, every tier present. Items dated another day are ignored; a patient listed twice
    counts once, at its highest tier. Discharged patients count: the weeks after discharge
    carry the highest overdose risk (CLINICAL.md)."""
    highest: dict[int, Tier] = {}
    for item in items:
        if item.on != on:
            continue
        tier = Tier(item.tier)
        known = highest.get(item.patient_id)
        if known is None or tier_rank(tier) > tier_rank(known):
            highest[item.patient_id] = tier
    counts = dict.fromkeys(sorted(Tier, key=tier_rank, reverse=True), 0)
    for tier in highest.values():
        counts[tier] += 1
    return counts
