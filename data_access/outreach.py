"""The outreach worklist's facts, computed in grouped SQL, and the outreach attempts log.

``outreach_facts`` reuses ``patient_facts`` (without retention, which no outreach rule reads)
and the adherence and missed-dose rules of ``domain.signals``, and adds one grouped query per
family table (phase changes, consented members with their consents and engagement, reports,
questions, assignments, attempts, messages): the query count does not grow with the number of
patients. The page, ``hamrah outreach`` and exports all call :func:`outreach_worklist`, so they
list the same items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.consents import active_consent_clause
from data_access.models import (
    Assignment,
    ConditionReport,
    Consent,
    EngagementEvent,
    FamilyQuestion,
    OutboxMessage,
    OutreachAttempt,
    Patient,
    PhaseChange,
    StaffUser,
    SupportMember,
)
from data_access.parallel_reads import read_beside
from data_access.signals import (
    last_taken_column,
    patient_conditions,
    patient_facts,
    taken_dose_exists,
)
from domain.missed_doses import missed_dose_streak
from domain.outreach import (
    DEFAULT_OUTREACH_THRESHOLDS,
    OutreachFacts,
    OutreachThresholds,
    PatientUrgency,
    Tier,
    WorklistItem,
    urgent_count,
    worklist,
)
from domain.signals import (
    PatientFacts,
    current_missed_streak,
    shown_adherence,
    window_adherence,
)
from domain.text import t
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.vocabulary import AuditAction, Channel, DeliveryStatus, OutreachOutcome, Phase

OPEN_ASSIGNMENT_STATUSES = (
    DeliveryStatus.QUEUED.value, DeliveryStatus.SENT.value,
    DeliveryStatus.DELIVERED.value, DeliveryStatus.OPENED.value,
)
"""Assignments the family still has to complete; cancelled, blocked or failed ones are not due."""


class OutreachInputError(ValueError):
    """An outreach attempt that cannot be logged; the message says what to change."""


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _day(moment: datetime | date | None) -> date | None:
    if moment is None:
        return None
    return moment.date() if isinstance(moment, datetime) else moment


def _taper_end_clauses(as_of: date) -> list[ColumnElement[bool]]:
    return [PhaseChange.changed_on <= as_of, PhaseChange.from_phase == Phase.TAPER.value,
            PhaseChange.to_phase == Phase.AFTERCARE.value]


def _taper_ends(session: Session, conditions: list[ColumnElement[bool]], as_of: date,
                since: date | None = None) -> dict[int, date]:
    """The last end of taper on or before as_of per patient, read on (to_phase, changed_on);
    ``since``: only the ends from that day on (the badge reads those of the urgent rule)."""
    clauses = _taper_end_clauses(as_of)
    if since is not None:
        clauses.append(PhaseChange.changed_on >= since)
    rows = session.connection().execute(
        select(PhaseChange.patient_id, func.max(PhaseChange.changed_on))
        .join(Patient, Patient.id == PhaseChange.patient_id)
        .where(*conditions, *clauses)
        .group_by(PhaseChange.patient_id)
    )
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class _ConsentedFamily:
    """A patient's members with an active consent on as_of (active members only)."""

    member_codes: tuple[str, ...] = ()
    earliest_signed_on: date | None = None
    next_expiry: date | None = None
    last_engagement_at: datetime | None = None


_NO_CONSENTED_FAMILY = _ConsentedFamily()


def _consented_families(session: Session, conditions: list[ColumnElement[bool]],
                        as_of: date) -> dict[int, _ConsentedFamily]:
    """Per patient: the consented members' codes, the earliest signing and the earliest expiry
    among their active consents, and their latest engagement on or before as_of.

    One statement, a row per consented member: the latest engagement is one backward seek on
    (member_id, occurred_at) per member, not a read of every event of the members.
    """
    last_engagement = (
        select(func.max(EngagementEvent.occurred_at))
        .where(EngagementEvent.member_id == SupportMember.id,
               EngagementEvent.occurred_at < _start_of(as_of + timedelta(days=1)))
        .scalar_subquery()
    )
    rows = session.connection().execute(
        select(SupportMember.patient_id, SupportMember.code, func.min(Consent.signed_on),
               func.min(Consent.expires_on), last_engagement)
        .join(Consent, Consent.member_id == SupportMember.id)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(*conditions, SupportMember.active.is_(True), active_consent_clause(as_of))
        .group_by(SupportMember.patient_id, SupportMember.id, SupportMember.code)
        .order_by(SupportMember.patient_id, SupportMember.code)
    )
    # One pass over the members, in plain lists: grouping them with itertools and a generator
    # per column was a tenth of a second of the first Outreach run at network scale.
    codes: dict[int, list[str]] = {}
    signed: dict[int, date] = {}
    expiry: dict[int, date] = {}
    engaged: dict[int, datetime] = {}
    for patient_id, code, signed_on, expires_on, engaged_at in rows:
        if patient_id in codes:
            codes[patient_id].append(code)
            signed[patient_id] = min(signed[patient_id], signed_on)
        else:
            codes[patient_id] = [code]
            signed[patient_id] = signed_on
        if expires_on is not None and (patient_id not in expiry
                                       or expires_on < expiry[patient_id]):
            expiry[patient_id] = expires_on
        if engaged_at is not None and (patient_id not in engaged
                                       or engaged_at > engaged[patient_id]):
            engaged[patient_id] = engaged_at
    return {patient_id: _ConsentedFamily(member_codes=tuple(member_codes),
                                         earliest_signed_on=signed[patient_id],
                                         next_expiry=expiry.get(patient_id),
                                         last_engagement_at=engaged.get(patient_id))
            for patient_id, member_codes in codes.items()}


def _open_emergency_clauses(as_of: date) -> list[ColumnElement[bool]]:
    """Emergency reports made by the end of as_of and not acknowledged by then."""
    end = _start_of(as_of + timedelta(days=1))
    return [ConditionReport.emergency.is_(True), ConditionReport.reported_at < end,
            or_(ConditionReport.acknowledged_at.is_(None), ConditionReport.acknowledged_at >= end)]


def _open_emergencies(session: Session, conditions: list[ColumnElement[bool]],
                      as_of: date) -> dict[int, tuple[int, datetime]]:
    rows = session.connection().execute(
        select(ConditionReport.patient_id, func.count(), func.min(ConditionReport.reported_at))
        .join(Patient, Patient.id == ConditionReport.patient_id)
        .where(*conditions, *_open_emergency_clauses(as_of))
        .group_by(ConditionReport.patient_id)
    )
    return {row[0]: (int(row[1]), row[2]) for row in rows}


def _overdue_questions(session: Session, conditions: list[ColumnElement[bool]],
                       as_of: date) -> dict[int, tuple[int, datetime]]:
    """Questions whose deadline (the exclusive end of their last day) passed before as_of began
    and that were still unanswered then."""
    start = _start_of(as_of)
    # The patients as a list: joined, SQLite reads the unanswered questions of every clinic
    # once per patient.
    patients = select(Patient.id).where(*conditions)
    rows = session.connection().execute(
        select(FamilyQuestion.patient_id, func.count(), func.min(FamilyQuestion.due_at))
        .where(FamilyQuestion.patient_id.in_(patients), FamilyQuestion.due_at <= start,
               or_(FamilyQuestion.answered_at.is_(None), FamilyQuestion.answered_at >= start))
        .group_by(FamilyQuestion.patient_id)
    )
    return {row[0]: (int(row[1]), row[2]) for row in rows}


def _overdue_assignments(session: Session, conditions: list[ColumnElement[bool]],
                         as_of: date) -> dict[int, int]:
    """Open assignments past their due day, per patient (0 for a family with none).

    Counted per member through (member_id, status): read by status and due day instead, every
    open overdue assignment of the network is joined back to its member and its patient, about
    three times slower on SQLite at network scale.
    """
    overdue_of_member = (
        select(func.count())
        .where(Assignment.member_id == SupportMember.id, Assignment.due_on < as_of,
               Assignment.status.in_(OPEN_ASSIGNMENT_STATUSES))
        .scalar_subquery()
    )
    members = (
        select(SupportMember.patient_id.label("patient_id"), overdue_of_member.label("overdue"))
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(*conditions)
        .subquery()
    )
    rows = session.connection().execute(
        select(members.c.patient_id, func.sum(members.c.overdue)).group_by(members.c.patient_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def _phone_messages(session: Session, conditions: list[ColumnElement[bool]],
                    as_of: date) -> dict[int, int]:
    """Messages for phone-call members (never sent by the worker) created after the patient's
    latest outreach attempt: the attempt is the call that gave them."""
    last_attempt = (
        select(func.max(OutreachAttempt.attempted_at))
        .where(OutreachAttempt.patient_id == Patient.id)
        .scalar_subquery()
    )
    rows = session.connection().execute(
        select(SupportMember.patient_id, func.count())
        .select_from(OutboxMessage)
        .join(SupportMember, SupportMember.id == OutboxMessage.member_id)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(*conditions, SupportMember.channel == Channel.PHONE_CALL.value,
               OutboxMessage.status.in_([DeliveryStatus.QUEUED.value,
                                         DeliveryStatus.FAILED.value]),
               OutboxMessage.created_at < _start_of(as_of + timedelta(days=1)),
               or_(last_attempt.is_(None), OutboxMessage.created_at > last_attempt))
        .group_by(SupportMember.patient_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def _latest_attempts(session: Session, conditions: list[ColumnElement[bool]],
                     as_of: date) -> dict[int, tuple[datetime, date | None, str | None]]:
    """The latest attempt on or before as_of per patient: when, its follow-up date, its tier."""
    ranked = (
        select(
            OutreachAttempt.patient_id.label("patient_id"),
            OutreachAttempt.attempted_at.label("attempted_at"),
            OutreachAttempt.follow_up_on.label("follow_up_on"),
            OutreachAttempt.tier.label("tier"),
            func.row_number().over(
                partition_by=OutreachAttempt.patient_id,
                order_by=(OutreachAttempt.attempted_at.desc(), OutreachAttempt.id.desc()),
            ).label("rank"),
        )
        .join(Patient, Patient.id == OutreachAttempt.patient_id)
        .where(*conditions,
               OutreachAttempt.attempted_at < _start_of(as_of + timedelta(days=1)))
        .subquery()
    )
    rows = session.connection().execute(
        select(ranked.c.patient_id, ranked.c.attempted_at, ranked.c.follow_up_on, ranked.c.tier)
        .where(ranked.c.rank == 1)
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def worklist_patient_facts(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    patient_ids: Sequence[int] | None = None,
    clinical: ClinicalThresholds = DEFAULT_THRESHOLDS,
    outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> list[PatientFacts]:
    """The clinical facts the worklist starts from: every active patient and those discharged
    in the last ``post_discharge_days``, without retention (no outreach rule reads it, and its
    gaps are the costliest aggregate)."""
    since = as_of - timedelta(days=outreach.post_discharge_days)
    return patient_facts(session, clinic_ids=clinic_ids, as_of=as_of, patient_ids=patient_ids,
                         discharged_since=since, thresholds=clinical, with_retention=False)


@dataclass(frozen=True)
class _FamilyTables:
    """The worklist's per-patient aggregates of the tables around a patient: phase changes,
    reports, questions, assignments, attempts and messages, and the psychologist."""

    psychologists: dict[int, int | None]
    taper_ends: dict[int, date]
    emergencies: dict[int, tuple[int, datetime]]
    questions: dict[int, tuple[int, datetime]]
    assignments: dict[int, int]
    attempts: dict[int, tuple[datetime, date | None, str | None]]
    phone: dict[int, int]


def _family_tables(session: Session, conditions: list[ColumnElement[bool]],
                   as_of: date) -> _FamilyTables:
    return _FamilyTables(
        psychologists={row[0]: row[1] for row in session.connection().execute(
            select(Patient.id, Patient.psychologist_id).where(*conditions))},
        taper_ends=_taper_ends(session, conditions, as_of),
        emergencies=_open_emergencies(session, conditions, as_of),
        questions=_overdue_questions(session, conditions, as_of),
        assignments=_overdue_assignments(session, conditions, as_of),
        attempts=_latest_attempts(session, conditions, as_of),
        phone=_phone_messages(session, conditions, as_of),
    )


def outreach_facts(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    patient_ids: Sequence[int] | None = None,
    clinical: ClinicalThresholds = DEFAULT_THRESHOLDS,
    outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
    clinical_facts: Sequence[PatientFacts] | None = None,
    sessions: sessionmaker[Session] | None = None,
) -> list[OutreachFacts]:
    """The outreach facts of every active patient and of those discharged in the last
    ``post_discharge_days`` (their families stay on the worklist for that time).

    ``clinical_facts``: those patients' :func:`worklist_patient_facts`, when the caller has
    read them already for other signals (the meeting agenda), so they are not read twice.
    ``sessions``: where to open a second connection, on which the tables around the patients
    and the consented families are aggregated while the clinical facts are read on ``session``
    (``data_access.parallel_reads``); without it, one read after the other. The families are
    read beside the tables because on ``session`` they made that side the longer one: the
    worklist took 0.51 s against 0.47 s on SQLite and 0.55 s against 0.48 s on PostgreSQL at
    network scale, although the clinical facts then count their consented members again, in a
    statement of their own (0.02-0.03 s)."""
    since = as_of - timedelta(days=outreach.post_discharge_days)
    conditions = patient_conditions(clinic_ids, as_of, patient_ids, discharged_since=since)

    def around(beside: Session) -> tuple[_FamilyTables, dict[int, _ConsentedFamily]]:
        return (_family_tables(beside, conditions, as_of),
                _consented_families(beside, conditions, as_of))

    with read_beside(around, session, sessions) as tables_read:
        if clinical_facts is None:
            clinical_facts = worklist_patient_facts(
                session, clinic_ids=clinic_ids, as_of=as_of, patient_ids=patient_ids,
                clinical=clinical, outreach=outreach)
        tables, families = tables_read()
    facts = []
    for fact in clinical_facts:
        pid = fact.patient_id
        family = families.get(pid, _NO_CONSENTED_FAMILY)
        emergency_count, oldest_emergency = tables.emergencies.get(pid, (0, None))
        question_count, oldest_due = tables.questions.get(pid, (0, None))
        attempt_at, follow_up, attempt_tier = tables.attempts.get(pid, (None, None, None))
        phase = fact.phase
        facts.append(OutreachFacts(
            patient_id=pid,
            patient_code=fact.patient_code,
            clinic_code=fact.clinic_code,
            phase=phase,
            missed_streak=current_missed_streak(fact, as_of),
            adherence_28d=shown_adherence(window_adherence(fact, as_of, clinical)),
            discharged_on=fact.discharged_on,
            taper_ended_on=tables.taper_ends.get(pid),
            taper_started_on=fact.phase_since if phase == Phase.TAPER else None,
            last_unexpected_positive_on=fact.last_unexpected_positive_on,
            last_engagement_at=_day(family.last_engagement_at),
            earliest_active_consent_on=family.earliest_signed_on,
            consented_members=len(family.member_codes),
            open_emergency_reports=emergency_count,
            oldest_emergency_at=_day(oldest_emergency),
            overdue_questions=question_count,
            # due_at is the exclusive end of the last day to answer: that day is the deadline.
            oldest_overdue_question_due=None if oldest_due is None
            else oldest_due.date() - timedelta(days=1),
            overdue_assignments=tables.assignments.get(pid, 0),
            next_consent_expiry=family.next_expiry,
            last_contact_on=_day(attempt_at),
            snoozed_until=follow_up,
            snoozed_tier=None if attempt_tier is None else Tier(attempt_tier),
            member_codes=family.member_codes,
            psychologist_id=tables.psychologists.get(pid),
            phone_messages_waiting=tables.phone.get(pid, 0),
        ))
    return facts


def _urgent_candidate_clause(as_of: date, outreach: OutreachThresholds) -> ColumnElement[bool]:
    """The patients whom an urgent rule of ``domain.outreach.urgent_reasons`` can pick: a
    superset, and the rules still decide. Each part is a necessary condition of one rule, with
    its threshold: discharged, or off taper, in the last ``post_discharge_days``; an open
    emergency report; no dose taken in the last ``overdose_risk_missed_days`` (a missed streak
    that long cannot have a taken dose in it). The reports and phase changes are lists read
    once (a few hundred rows), not a seek per patient; only the doses are sought per patient.
    ``tests/data_access/test_urgent_count.py`` checks the count against the worklist's urgent
    items."""
    since = as_of - timedelta(days=outreach.post_discharge_days)
    streak_start = as_of - timedelta(days=outreach.overdose_risk_missed_days - 1)
    emergency = Patient.id.in_(select(ConditionReport.patient_id)
                               .where(*_open_emergency_clauses(as_of)))
    taper_end = Patient.id.in_(select(PhaseChange.patient_id)
                               .where(*_taper_end_clauses(as_of), PhaseChange.changed_on >= since))
    return or_(Patient.discharged_on >= since, emergency, taper_end,
               ~taken_dose_exists(streak_start, as_of))


def _urgency_columns(as_of: date) -> list[ScalarSelect[Any]]:
    """Per patient of the outer query, what the urgent rules read beside the doses: the open
    emergency reports (how many, the oldest) and the follow-up and tier of the latest attempt.
    Correlated: each is a seek of the outer patient's rows, run for the candidates only (about
    1,200 of 10,000), where grouped reads over an IN list of them cost as much again as the
    candidates' statement."""
    emergencies = (select(func.count())
                   .where(ConditionReport.patient_id == Patient.id,
                          *_open_emergency_clauses(as_of)).scalar_subquery())
    oldest_emergency = (select(func.min(ConditionReport.reported_at))
                        .where(ConditionReport.patient_id == Patient.id,
                               *_open_emergency_clauses(as_of)).scalar_subquery())

    def latest_attempt(column: Any) -> ScalarSelect[Any]:
        return (select(column)
                .where(OutreachAttempt.patient_id == Patient.id,
                       OutreachAttempt.attempted_at < _start_of(as_of + timedelta(days=1)))
                .order_by(OutreachAttempt.attempted_at.desc(), OutreachAttempt.id.desc())
                .limit(1).scalar_subquery())

    return [emergencies, oldest_emergency, latest_attempt(OutreachAttempt.follow_up_on),
            latest_attempt(OutreachAttempt.tier)]


def urgent_patient_count(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
) -> int:
    """How many items of :func:`outreach_worklist` are urgent, for the navigation's badge.

    Reads only what the urgent rules read (``domain.outreach.UrgencyFacts``): the last taken
    dose, discharge and end of taper, open emergency reports and the latest attempt. The
    worklist's other aggregates (adherence windows, families, questions, assignments) are most
    of its cost, and every page draws the badge.

    And only for the patients who can be urgent (:func:`_urgent_candidate_clause`), about one
    in eight, in one statement: reading and judging all 10,000 of a network took a fifth of a
    second of every page's first run.
    """
    since = as_of - timedelta(days=outreach.post_discharge_days)
    rows = session.connection().execute(
        select(Patient.id, Patient.phase, Patient.admission_date, Patient.discharged_on,
               last_taken_column(as_of), *_urgency_columns(as_of))
        .where(*patient_conditions(clinic_ids, as_of, discharged_since=since),
               _urgent_candidate_clause(as_of, outreach))
    ).all()
    # The ends of taper of the urgent rule's days (a few dozen rows) in a statement of their
    # own: as a correlated column of the candidates' one, SQLite planned them on the same index
    # for every candidate, ten times slower.
    taper_ends = _taper_ends(session, [Patient.clinic_id.in_(list(clinic_ids))], as_of,
                             since=since)
    urgencies = []
    for (pid, phase, admission, discharged_on, last_taken, emergency_count, oldest_emergency,
         follow_up, attempt_tier) in rows:
        urgencies.append(PatientUrgency(
            patient_id=pid, phase=Phase(phase),
            missed_streak=missed_dose_streak(last_taken, as_of, admission,
                                             discharged_on=discharged_on),
            discharged_on=discharged_on, taper_ended_on=taper_ends.get(pid),
            open_emergency_reports=int(emergency_count),
            oldest_emergency_at=_day(oldest_emergency),
            snoozed_until=follow_up,
            snoozed_tier=None if attempt_tier is None else Tier(attempt_tier),
        ))
    return urgent_count(urgencies, as_of, outreach)


def outreach_worklist(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    clinical: ClinicalThresholds = DEFAULT_THRESHOLDS,
    outreach: OutreachThresholds = DEFAULT_OUTREACH_THRESHOLDS,
    sessions: sessionmaker[Session] | None = None,
) -> list[WorklistItem]:
    """The sorted worklist of ``clinic_ids`` on ``as_of``: urgent first, then by score.
    ``sessions`` as in :func:`outreach_facts`."""
    facts = outreach_facts(session, clinic_ids=clinic_ids, as_of=as_of, clinical=clinical,
                           outreach=outreach, sessions=sessions)
    return worklist(facts, as_of, outreach)


@dataclass(frozen=True)
class MemberContact:
    """How to reach one consented member; only the outreach roles see these details."""

    member_id: int
    code: str
    relation: str
    name: str
    channel: str
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class WorklistContext:
    """What the page shows beside each item: names and the members' contact details."""

    patient_name: str
    psychologist: str | None
    members: tuple[MemberContact, ...]


def worklist_context(session: Session, items: Sequence[WorklistItem],
                     as_of: date) -> dict[int, WorklistContext]:
    """Names and contacts of the listed patients, in two queries whatever the list's length."""
    ids = [item.patient_id for item in items]
    if not ids:
        return {}
    patients = session.connection().execute(
        select(Patient.id, Patient.first_name, Patient.last_name, StaffUser.display_name)
        .outerjoin(StaffUser, StaffUser.id == Patient.psychologist_id)
        .where(Patient.id.in_(ids))
    ).all()
    # Each listed member's consents are sought by member: a list of every active consent of
    # the network, as ``IN (subquery)``, read the whole consent table on SQLite.
    consented = (select(Consent.id)
                 .where(Consent.member_id == SupportMember.id, active_consent_clause(as_of))
                 .exists())
    rows = session.connection().execute(
        select(SupportMember.patient_id, SupportMember.id, SupportMember.code,
               SupportMember.relation, SupportMember.first_name, SupportMember.last_name,
               SupportMember.channel, SupportMember.phone, SupportMember.email)
        .where(SupportMember.patient_id.in_(ids), SupportMember.active.is_(True), consented)
        .order_by(SupportMember.patient_id, SupportMember.code)
    ).all()
    contacts: dict[int, list[MemberContact]] = defaultdict(list)
    for row in rows:
        contacts[row[0]].append(MemberContact(
            member_id=row[1], code=row[2], relation=row[3], name=f"{row[4]} {row[5]}",
            channel=row[6], phone=row[7], email=row[8],
        ))
    return {
        pid: WorklistContext(patient_name=f"{first} {last}", psychologist=psychologist,
                             members=tuple(contacts.get(pid, [])))
        for pid, first, last, psychologist in patients
    }


def log_attempt(
    session: Session,
    *,
    patient_id: int,
    member_id: int | None,
    channel: Channel | str,
    outcome: OutreachOutcome | str,
    note: str | None,
    follow_up_on: date | None,
    tier: Tier | None,
    actor: str,
    by_user_id: int | None = None,
    today: date | None = None,
    shown: Callable[[date], str] = date.isoformat,
) -> OutreachAttempt:
    """Record one attempt to reach a family, checked first and audited in the same transaction.

    A follow-up date snoozes the patient's item until then, unless a reason of a higher tier
    than ``tier`` (the item's tier now) appears.
    """
    if str(channel) not in {c.value for c in Channel}:
        raise OutreachInputError(t("Unknown channel '{value}'", value=channel))
    if str(outcome) not in {o.value for o in OutreachOutcome}:
        raise OutreachInputError(t("Unknown outcome '{value}'", value=outcome))
    channel_value, outcome_value = Channel(channel).value, OutreachOutcome(outcome).value
    now = utc_now()
    today = today or now.date()
    if follow_up_on is not None and follow_up_on <= today:
        raise OutreachInputError(t("The follow-up date {day} must be after today ({today})",
                                   day=shown(follow_up_on), today=shown(today)))
    if session.get(Patient, patient_id) is None:
        raise OutreachInputError(t("No patient with id {id}", id=patient_id))
    if member_id is not None:
        member = session.get(SupportMember, member_id)
        if member is None or member.patient_id != patient_id:
            raise OutreachInputError(t("That family member does not belong to this patient"))
    attempt = OutreachAttempt(
        patient_id=patient_id, member_id=member_id, by_user_id=by_user_id, attempted_at=now,
        channel=channel_value, outcome=outcome_value, note=(note or "").strip() or None,
        follow_up_on=follow_up_on, tier=None if tier is None else Tier(tier).value,
    )
    session.add(attempt)
    session.flush()
    follow = "" if follow_up_on is None else f", follow up {follow_up_on.isoformat()}"
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="outreach_attempt",
                 entity_id=str(attempt.id),
                 summary=f"patient {patient_id}: {channel_value}, {outcome_value}{follow}")
    return attempt


def attempt_history(session: Session, patient_id: int, limit: int = 20) -> list[OutreachAttempt]:
    """The patient's latest attempts, newest first."""
    return list(session.scalars(
        select(OutreachAttempt).where(OutreachAttempt.patient_id == patient_id)
        .order_by(OutreachAttempt.attempted_at.desc(), OutreachAttempt.id.desc()).limit(limit)
    ))

