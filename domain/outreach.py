"""Family outreach: which patients' families to reach, how urgently, and why.

The data layer computes a few aggregates per patient (:class:`OutreachFacts`); these functions
turn them into reasons, each with a stable code, a tier and a sentence a supervisor understands,
and into a sorted worklist. The highest overdose risk comes after missed doses (lost tolerance),
at the end of a taper and after discharge (CLINICAL.md: Derbyshire Healthcare NHS Foundation
Trust, 2019; Australian National Guidelines for MAT): those reasons are urgent.

Day counts: "N days since" a date is ``(as_of - date).days``. Rules about a period after an event
(discharge, end of taper, start of taper) include the day N after it: a discharge 14 days ago is
still within the 14 days, 15 days ago is not. The unexpected-positive window is the N days ending
on and including ``as_of`` (``domain.treatment_time.window_bounds``), as in ``domain.signals``.
Dates after ``as_of`` never count as past events.

A reason's text names its date in ISO (the CLI, the exports); the reason keeps the date
(``Reason.day``) so that a screen writes it as its reader reads dates (:func:`reason_text`,
:func:`worklist_as_shown`): the worklist is computed once and shared by every reader of a clinic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from domain.text import t
from domain.treatment_time import window_bounds
from domain.vocabulary import Phase


class Tier(StrEnum):
    """How soon a family should be reached: urgent > high > routine."""

    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"


_TIER_RANK = {Tier.ROUTINE: 0, Tier.HIGH: 1, Tier.URGENT: 2}


def tier_rank(tier: Tier) -> int:
    """A number that orders tiers: routine 0 < high 1 < urgent 2."""
    return _TIER_RANK[tier]


class ReasonCode(StrEnum):
    """Stable codes of the outreach reasons, in the order reasons are listed within a tier."""

    EMERGENCY_REPORT = "emergency_report"
    OVERDOSE_RISK_TOLERANCE = "overdose_risk_tolerance"
    RECENT_DISCHARGE_OR_TAPER_END = "recent_discharge_or_taper_end"
    UNEXPECTED_POSITIVE_7D = "unexpected_positive_7d"
    TAPER_FAMILY_DISENGAGED = "taper_family_disengaged"
    QUESTION_OVERDUE = "question_overdue"
    LOW_ADHERENCE = "low_adherence"
    FAMILY_DISENGAGED_30D = "family_disengaged_30d"
    ASSIGNMENTS_OVERDUE = "assignments_overdue"
    RECRUIT_SUPPORT = "recruit_support"
    CONSENT_EXPIRING = "consent_expiring"
    PHONE_MESSAGES_WAITING = "phone_messages_waiting"


REASON_TIERS: dict[ReasonCode, Tier] = {
    ReasonCode.EMERGENCY_REPORT: Tier.URGENT,
    ReasonCode.OVERDOSE_RISK_TOLERANCE: Tier.URGENT,
    ReasonCode.RECENT_DISCHARGE_OR_TAPER_END: Tier.URGENT,
    ReasonCode.UNEXPECTED_POSITIVE_7D: Tier.HIGH,
    ReasonCode.TAPER_FAMILY_DISENGAGED: Tier.HIGH,
    ReasonCode.QUESTION_OVERDUE: Tier.HIGH,
    ReasonCode.LOW_ADHERENCE: Tier.HIGH,
    ReasonCode.FAMILY_DISENGAGED_30D: Tier.ROUTINE,
    ReasonCode.ASSIGNMENTS_OVERDUE: Tier.ROUTINE,
    ReasonCode.RECRUIT_SUPPORT: Tier.ROUTINE,
    ReasonCode.CONSENT_EXPIRING: Tier.ROUTINE,
    ReasonCode.PHONE_MESSAGES_WAITING: Tier.ROUTINE,
}
"""The tier of each reason; fixed by design, not a setting."""

_CODE_ORDER = {code: index for index, code in enumerate(ReasonCode)}
_REASON_ORDER = {code: (-_TIER_RANK[REASON_TIERS[code]], _CODE_ORDER[code]) for code in ReasonCode}
"""Where a reason goes in an item: highest tier first, then in the order of the codes."""


@dataclass(frozen=True)
class OutreachThresholds:
    """Every number an outreach rule depends on; the settings layer may override each one."""

    # Urgent: tolerance falls after this many missed days (as ClinicalThresholds).
    overdose_risk_missed_days: int = 3
    # Urgent: days after a discharge, or after a taper -> aftercare change, of highest risk.
    post_discharge_days: int = 14
    # High: an unexpected positive screen in the days ending on as_of.
    unexpected_positive_days: int = 7
    # High: a taper started this recently, and no family engagement for this many days.
    taper_recent_days: int = 30
    taper_disengaged_days: int = 14
    # High: 28-day adherence below this share (0.8 = 80 %).
    low_adherence_below: float = 0.80
    # Routine: no engagement from any consented member for this many days.
    disengaged_days: int = 30
    # Routine: at least this many overdue assignments.
    overdue_assignments_min: int = 2
    # Routine: a consent expiring within this many days from as_of.
    consent_expiry_warning_days: int = 14

    def __post_init__(self) -> None:
        for name in (
            "overdose_risk_missed_days",
            "post_discharge_days",
            "unexpected_positive_days",
            "taper_recent_days",
            "taper_disengaged_days",
            "disengaged_days",
            "overdue_assignments_min",
        ):
            _require(getattr(self, name) >= 1, f"{name} must be at least 1")
        _require(
            self.consent_expiry_warning_days >= 0,
            "consent_expiry_warning_days must not be negative",
        )
        share = self.low_adherence_below
        _require(
            math.isfinite(share) and 0.0 <= share <= 1.0,
            f"low_adherence_below is a share between 0 and 1 (0.8 = 80 %), got {share}",
        )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


DEFAULT_OUTREACH_THRESHOLDS = OutreachThresholds()
"""The default outreach thresholds; immutable, so safe to share as a default argument."""


class OutreachFacts(NamedTuple):
    """What the data layer computes per patient for one ``as_of`` day.

    - ``missed_streak`` / ``adherence_28d``: as in ``domain.signals.PatientSignals``.
    - ``taper_ended_on``: the date of the latest taper -> aftercare change.
    - ``taper_started_on``: the start of the current taper (None when not in taper).
    - ``last_engagement_at``: the latest engagement of any member with an active consent.
    - ``earliest_active_consent_on``: when the current consented period began.
    - ``consented_members``: members with an active consent on as_of.
    - ``open_emergency_reports`` / ``oldest_emergency_at``: unacknowledged emergency reports.
    - ``overdue_questions`` / ``oldest_overdue_question_due``: family questions unanswered past
      their deadline, and the earliest such deadline.
    - ``next_consent_expiry``: the earliest expiry among active consents.
    - ``snoozed_until`` / ``snoozed_tier``: follow-up date of the latest outreach attempt and the
      highest tier the item had when it was logged.
    - ``member_codes``: the members who may be contacted about the patient (active, with an
      active consent); empty means the patient is the one to ask (42 CFR 2.31).
    - ``psychologist_id``: the patient's psychologist, for the worklist's filter.
    - ``phone_messages_waiting``: outbox messages for members who take phone calls (the worker
      never sends those) created after the latest outreach attempt: a call to make.
    """

    patient_id: int
    patient_code: str
    clinic_code: str
    phase: Phase
    missed_streak: int
    adherence_28d: float | None
    discharged_on: date | None
    taper_ended_on: date | None
    taper_started_on: date | None
    last_unexpected_positive_on: date | None
    last_engagement_at: date | None
    earliest_active_consent_on: date | None
    consented_members: int
    open_emergency_reports: int
    oldest_emergency_at: date | None
    overdue_questions: int
    oldest_overdue_question_due: date | None
    overdue_assignments: int
    next_consent_expiry: date | None
    last_contact_on: date | None
    snoozed_until: date | None
    snoozed_tier: Tier | None
    member_codes: tuple[str, ...] = ()
    psychologist_id: int | None = None
    phone_messages_waiting: int = 0


class Reason(NamedTuple):
    """One reason to reach a family: stable code, tier, translated sentence, since when, and
    the date the sentence names (``day``: the screen's date, the consent's expiry), if any."""

    code: ReasonCode
    tier: Tier
    text: str
    since: date | None
    day: date | None = None


def _positive_text(day: date, shown: Callable[[date], str]) -> str:
    return t("Unexpected positive screen on {day}", day=shown(day))


def _expiry_text(day: date, shown: Callable[[date], str]) -> str:
    return t("A family consent expires on {day}", day=shown(day))


_DATED_TEXTS: dict[ReasonCode, Callable[[date, Callable[[date], str]], str]] = {
    ReasonCode.UNEXPECTED_POSITIVE_7D: _positive_text,
    ReasonCode.CONSENT_EXPIRING: _expiry_text,
}
"""The sentences of the reasons that name a date (``Reason.day``), by code."""


def reason_text(reason: Reason, shown: Callable[[date], str] = date.isoformat) -> str:
    """The reason's sentence with its date written by ``shown`` (a page passes
    ``components.dates.shown_date`` for its reader); its own text when it names no date."""
    write = _DATED_TEXTS.get(reason.code)
    if write is None or reason.day is None:
        return reason.text
    return write(reason.day, shown)


class WorklistItem(NamedTuple):
    """One patient on the outreach worklist, with every current reason (highest tier first)."""

    patient_id: int
    patient_code: str
    clinic_code: str
    tier: Tier
    score: int
    reasons: tuple[Reason, ...]
    last_contact_on: date | None
    snoozed_until: date | None
    member_codes: tuple[str, ...] = ()
    psychologist_id: int | None = None

    def as_record(self) -> dict[str, object]:
        """A JSON-ready row: plain strings, numbers and None; dates in ISO format."""
        return {
            "patient_code": self.patient_code,
            "clinic_code": self.clinic_code,
            "member_codes": list(self.member_codes),
            "tier": str(self.tier),
            "score": self.score,
            "reasons": [{"code": str(r.code), "text": r.text} for r in self.reasons],
            "last_contact": _iso(self.last_contact_on),
            "snoozed_until": _iso(self.snoozed_until),
        }


    def as_flat_record(self) -> dict[str, object]:
        """One CSV row: member codes joined with ";", reasons as "code: text" joined with " | "
        (a ";" may occur in a reason's text). Shared by ``hamrah outreach`` and the page's
        export, so the two files are the same."""
        record = self.as_record()
        record["member_codes"] = ";".join(self.member_codes)
        record["reasons"] = " | ".join(f"{r.code}: {r.text}" for r in self.reasons)
        return record


WORKLIST_FIELDS = ("patient_code", "clinic_code", "member_codes", "tier", "score", "reasons",
                   "last_contact", "snoozed_until")
"""The columns of the worklist's JSON objects and CSV rows, in order."""

SCORE_PER_REASON = 1000
SCORE_MAX_AGE_DAYS = SCORE_PER_REASON - 1
"""Score = reasons * 1000 + age in days of the oldest dated issue, capped at 999 days.

The cap keeps the number of reasons dominant: within a tier, an item with more reasons always
comes first, and among items with as many reasons the one whose oldest issue is older comes first.
Reasons without a date (low adherence, overdue assignments, ...) add no age.
"""


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _days_since(day: date | None, as_of: date) -> int | None:
    """Days from ``day`` to ``as_of``; None when there is no date or it is after ``as_of``."""
    if day is None or day > as_of:
        return None
    return (as_of - day).days


def _within_after(day: date | None, as_of: date, days: int) -> bool:
    since = _days_since(day, as_of)
    return since is not None and since <= days


def is_discharged(facts: UrgencyFacts, as_of: date) -> bool:
    """Out of treatment on ``as_of``: discharged on or before it, or in phase discharged."""
    if facts.discharged_on is not None:
        return facts.discharged_on <= as_of
    return facts.phase == Phase.DISCHARGED


def _reason(code: ReasonCode, text: str, since: date | None, day: date | None = None) -> Reason:
    return Reason(code=code, tier=REASON_TIERS[code], text=text, since=since, day=day)


def _engagement_reference(facts: OutreachFacts) -> date | None:
    """The day family disengagement is counted from: the latest engagement, or the start of the
    current consented period when that is later (a family cannot engage before consenting)."""
    days = [d for d in (facts.last_engagement_at, facts.earliest_active_consent_on) if d]
    return max(days, default=None)


class UrgencyFacts(Protocol):
    """What the urgent rules read: a part of :class:`OutreachFacts`, which has all of it.

    The navigation's count of urgent items is read in this shape alone (``PatientUrgency``),
    on every page: the other facts (adherence, families, questions, assignments) cost most of
    the worklist and cannot make an item urgent or stop it from being so.
    """

    @property
    def phase(self) -> Phase: ...
    @property
    def missed_streak(self) -> int: ...
    @property
    def discharged_on(self) -> date | None: ...
    @property
    def taper_ended_on(self) -> date | None: ...
    @property
    def open_emergency_reports(self) -> int: ...
    @property
    def oldest_emergency_at(self) -> date | None: ...
    @property
    def snoozed_until(self) -> date | None: ...
    @property
    def snoozed_tier(self) -> Tier | None: ...


@dataclass(frozen=True)
class PatientUrgency:
    """The urgent rules' facts of one patient (:class:`UrgencyFacts`), as the data layer reads
    them for the navigation's count; the fields mean what :class:`OutreachFacts`' do."""

    patient_id: int
    phase: Phase
    missed_streak: int
    discharged_on: date | None
    taper_ended_on: date | None
    open_emergency_reports: int
    oldest_emergency_at: date | None
    snoozed_until: date | None
    snoozed_tier: Tier | None


def _off_the_worklist(facts: UrgencyFacts, as_of: date, thresholds: OutreachThresholds) -> bool:
    """Discharged more than ``post_discharge_days`` before ``as_of`` (or in phase discharged
    without a date): the family is no longer on the worklist."""
    return is_discharged(facts, as_of) and not _within_after(
        facts.discharged_on, as_of, thresholds.post_discharge_days)


def urgent_reasons(
    facts: UrgencyFacts,
    as_of: date,
    thresholds: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> list[Reason]:
    """The urgent reasons of :func:`outreach_reasons`, in its order (they come first there)."""
    if _off_the_worklist(facts, as_of, thresholds):
        return []
    reasons: list[Reason] = []
    if facts.open_emergency_reports > 0:
        reasons.append(_reason(
            ReasonCode.EMERGENCY_REPORT,
            t("{count} unacknowledged emergency report(s) from the family",
              count=facts.open_emergency_reports),
            facts.oldest_emergency_at,
        ))
    if facts.missed_streak >= thresholds.overdose_risk_missed_days:
        first_missed = as_of - timedelta(days=facts.missed_streak - 1)
        reasons.append(_reason(
            ReasonCode.OVERDOSE_RISK_TOLERANCE,
            t("Missed doses {days} days in a row: tolerance may have fallen, risk of overdose",
              days=facts.missed_streak),
            first_missed,
        ))
    post = thresholds.post_discharge_days
    if _within_after(facts.discharged_on, as_of, post):
        reasons.append(_reason(
            ReasonCode.RECENT_DISCHARGE_OR_TAPER_END,
            t("Discharged {days} day(s) ago: tolerance lost, highest risk of overdose",
              days=_days_since(facts.discharged_on, as_of)),
            facts.discharged_on,
        ))
    elif _within_after(facts.taper_ended_on, as_of, post):
        reasons.append(_reason(
            ReasonCode.RECENT_DISCHARGE_OR_TAPER_END,
            t("Taper ended {days} day(s) ago: tolerance lost, highest risk of overdose",
              days=_days_since(facts.taper_ended_on, as_of)),
            facts.taper_ended_on,
        ))
    return reasons


def outreach_reasons(
    facts: OutreachFacts,
    as_of: date,
    thresholds: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> list[Reason]:
    """Every current reason to reach this patient's family, highest tier first.

    A patient discharged more than ``post_discharge_days`` before ``as_of`` (or in phase
    discharged without a date) has no reasons: their family is no longer on the worklist.
    """
    if _off_the_worklist(facts, as_of, thresholds):
        return []
    reasons = urgent_reasons(facts, as_of, thresholds)

    # --- high ---
    positive = facts.last_unexpected_positive_on
    first_day, _ = window_bounds(as_of, thresholds.unexpected_positive_days)
    if positive is not None and first_day <= positive <= as_of:
        reasons.append(_reason(ReasonCode.UNEXPECTED_POSITIVE_7D,
                               _positive_text(positive, date.isoformat), positive, day=positive))
    reference = _engagement_reference(facts)
    quiet_days = _days_since(reference, as_of)
    if (
        facts.phase == Phase.TAPER
        and facts.consented_members > 0
        and _within_after(facts.taper_started_on, as_of, thresholds.taper_recent_days)
        and (quiet_days is None or quiet_days >= thresholds.taper_disengaged_days)
    ):
        reasons.append(_reason(
            ReasonCode.TAPER_FAMILY_DISENGAGED,
            t("Taper started recently and the family has not engaged for {days} days or more",
              days=thresholds.taper_disengaged_days),
            reference,
        ))
    if facts.overdue_questions > 0:
        reasons.append(_reason(
            ReasonCode.QUESTION_OVERDUE,
            t("{count} family question(s) unanswered past the deadline",
              count=facts.overdue_questions),
            facts.oldest_overdue_question_due,
        ))
    adherence = facts.adherence_28d
    if adherence is not None and adherence < thresholds.low_adherence_below:
        reasons.append(_reason(
            ReasonCode.LOW_ADHERENCE,
            t("Took doses on {percent}% of days in the last 28 days",
              percent=round(adherence * 100)),
            None,
        ))

    # --- routine ---
    if facts.consented_members > 0 and (
        quiet_days is None or quiet_days >= thresholds.disengaged_days
    ):
        reasons.append(_reason(
            ReasonCode.FAMILY_DISENGAGED_30D,
            t("No engagement from the family for {days} days or more",
              days=thresholds.disengaged_days),
            reference,
        ))
    if facts.overdue_assignments >= thresholds.overdue_assignments_min:
        reasons.append(_reason(
            ReasonCode.ASSIGNMENTS_OVERDUE,
            t("{count} family assignments overdue", count=facts.overdue_assignments),
            None,
        ))
    if facts.consented_members == 0:
        reasons.append(_reason(
            ReasonCode.RECRUIT_SUPPORT,
            t("No family member with an active consent: invite one to support treatment"),
            None,
        ))
    expiry = facts.next_consent_expiry
    if expiry is not None and 0 <= (expiry - as_of).days <= thresholds.consent_expiry_warning_days:
        reasons.append(_reason(ReasonCode.CONSENT_EXPIRING,
                               _expiry_text(expiry, date.isoformat), None, day=expiry))

    if facts.phone_messages_waiting > 0:
        reasons.append(_reason(
            ReasonCode.PHONE_MESSAGES_WAITING,
            t("{count} message(s) for a family that takes phone calls: give them on a call",
              count=facts.phone_messages_waiting),
            None,
        ))

    if len(reasons) > 1:
        reasons.sort(key=lambda reason: _REASON_ORDER[reason.code])
    return reasons


def outreach_score(reasons: Iterable[Reason], as_of: date) -> int:
    """Order within a tier: reasons * 1000 + age of the oldest dated issue (0-999 days).
    One plain pass: the worklist scores every patient of a network."""
    count = oldest = 0
    for reason in reasons:
        count += 1
        since = reason.since
        if since is not None and since <= as_of and (as_of - since).days > oldest:
            oldest = (as_of - since).days
    return count * SCORE_PER_REASON + min(oldest, SCORE_MAX_AGE_DAYS)


def _is_snoozed(facts: UrgencyFacts, as_of: date, tier: Tier) -> bool:
    # An attempt logged without a tier counts as routine: any high or urgent reason overrides.
    if facts.snoozed_until is None or as_of >= facts.snoozed_until:
        return False
    snoozed_rank = tier_rank(facts.snoozed_tier or Tier.ROUTINE)
    return tier_rank(tier) <= snoozed_rank


def worklist_item(
    facts: OutreachFacts,
    as_of: date,
    thresholds: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> WorklistItem | None:
    """The worklist entry of one patient, or None when there is no reason, the patient was
    discharged long ago, or a logged attempt snoozes the item and no higher tier has appeared.

    The item's tier is the tier of its highest reason.
    """
    reasons = outreach_reasons(facts, as_of, thresholds)
    if not reasons:
        return None
    tier = reasons[0].tier  # the highest: the reasons come highest tier first
    if _is_snoozed(facts, as_of, tier):
        return None
    return WorklistItem(
        patient_id=facts.patient_id,
        patient_code=facts.patient_code,
        clinic_code=facts.clinic_code,
        tier=tier,
        score=outreach_score(reasons, as_of),
        reasons=tuple(reasons),
        last_contact_on=facts.last_contact_on,
        snoozed_until=facts.snoozed_until,
        member_codes=facts.member_codes,
        psychologist_id=facts.psychologist_id,
    )


def worklist(
    facts_list: Iterable[OutreachFacts],
    as_of: date,
    thresholds: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> list[WorklistItem]:
    """Every listed patient, urgent first, then by score (highest first), then patient code."""
    items = [worklist_item(facts, as_of, thresholds) for facts in facts_list]
    listed = [item for item in items if item is not None]
    listed.sort(key=lambda item: (-tier_rank(item.tier), -item.score, item.patient_code))
    return listed


def urgent_count(
    facts_list: Iterable[UrgencyFacts],
    as_of: date,
    thresholds: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> int:
    """How many items of :func:`worklist` are urgent, from the urgent rules' facts alone.

    An item is urgent when it has an urgent reason, whatever its other reasons; a follow-up
    snoozes it only if it was logged at the urgent tier (:func:`worklist_item`).
    """
    return sum(1 for facts in facts_list
               if urgent_reasons(facts, as_of, thresholds)
               and not _is_snoozed(facts, as_of, Tier.URGENT))


def worklist_as_shown(items: Iterable[WorklistItem],
                      shown: Callable[[date], str]) -> list[WorklistItem]:
    """The items with each reason's sentence naming its date as ``shown`` writes it, for a
    screen; the items themselves (ISO) are what the exports write, as the CLI does."""
    return [item._replace(reasons=tuple(reason._replace(text=reason_text(reason, shown))
                                        for reason in item.reasons))
            for item in items]


def filter_worklist(
    items: Iterable[WorklistItem],
    *,
    tiers: Iterable[Tier] = (),
    reasons: Iterable[ReasonCode] = (),
    psychologist_id: int | None = None,
) -> list[WorklistItem]:
    """The items a supervisor asked to see: any of ``tiers``, with any of ``reasons``, of one
    psychologist's patients; an empty filter keeps everything. The order is kept."""
    wanted_tiers, wanted_reasons = set(tiers), set(reasons)
    return [
        item for item in items
        if (not wanted_tiers or item.tier in wanted_tiers)
        and (not wanted_reasons or wanted_reasons & {r.code for r in item.reasons})
        and (psychologist_id is None or item.psychologist_id == psychologist_id)
    ]


@dataclass(frozen=True)
class TierGroup:
    """One tier's table on the Outreach page: the items it draws (most pressing first) and how
    many the tier holds."""

    tier: Tier
    items: tuple[WorklistItem, ...]
    total: int

    @property
    def cut(self) -> bool:
        return len(self.items) < self.total


def tier_count(items: Iterable[WorklistItem], tier: Tier) -> int:
    """How many of the worklist's items are of ``tier`` (the page's caption: "3 urgent")."""
    return sum(1 for item in items if item.tier == tier)


def tier_groups(items: Iterable[WorklistItem], rows_per_tier: int) -> list[TierGroup]:
    """The worklist by tier, urgent first, each tier cut to its ``rows_per_tier`` highest
    scores, except the urgent tier, which is never cut: every urgent family is on the screen.

    At network scale a tier holds thousands of families, more than anyone calls in a day and
    more than a table can draw at once; the filters narrow it and the export holds it all.
    """
    by_tier: dict[Tier, list[WorklistItem]] = {tier: [] for tier in Tier}
    for item in items:
        by_tier[item.tier].append(item)
    return [TierGroup(tier=tier,
                      items=tuple(group if tier == Tier.URGENT else group[:rows_per_tier]),
                      total=len(group))
            for tier, group in by_tier.items() if group]


_ACTIONS: dict[ReasonCode, str] = {
    ReasonCode.EMERGENCY_REPORT: "Call the family now and answer the emergency report",
    ReasonCode.OVERDOSE_RISK_TOLERANCE: "Call the family today: naloxone and emergency plan",
    ReasonCode.RECENT_DISCHARGE_OR_TAPER_END: (
        "Call the family today: lost tolerance, naloxone and emergency plan"
    ),
    ReasonCode.UNEXPECTED_POSITIVE_7D: "Contact the family this week about the recent screen",
    ReasonCode.TAPER_FAMILY_DISENGAGED: "Contact the family this week to support the taper",
    ReasonCode.QUESTION_OVERDUE: "Answer the family's overdue question",
    ReasonCode.LOW_ADHERENCE: "Contact the family this week about missed doses",
    ReasonCode.FAMILY_DISENGAGED_30D: "Send the family a check-in message",
    ReasonCode.ASSIGNMENTS_OVERDUE: "Remind the family of their overdue assignments",
    ReasonCode.RECRUIT_SUPPORT: "Ask the patient to invite a family member and sign a consent",
    ReasonCode.CONSENT_EXPIRING: "Ask the patient to renew the family consent",
    ReasonCode.PHONE_MESSAGES_WAITING: "Call the family and give them the messages waiting",
}


def suggested_action(item: WorklistItem) -> str:
    """What to do first, in words, from the item's highest reason."""
    if not item.reasons:
        return t("No action needed")
    return t(_ACTIONS[item.reasons[0].code])
