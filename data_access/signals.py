"""Per-patient aggregates for the clinical rules, computed in SQL: no dose row reaches Python.

Four grouped queries (doses in the adherence window and the last taken dose; the longest gaps in
the retention horizons; screens; consented members) feed ``domain.signals.PatientFacts``. The
same facts serve the roster, the record, ``hamrah signals`` and the outreach rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.day_numbers import day_number
from data_access.models import Clinic, Consent, DoseEvent, Patient, SupportMember, UrineScreen
from domain.retention import horizon_bounds
from domain.signals import PatientFacts, PatientSignals, patient_signals
from domain.thresholds import DEFAULT_THRESHOLDS, ClinicalThresholds
from domain.treatment_time import window_bounds
from domain.vocabulary import (
    OPIOID_SCREEN_SUBSTANCES,
    DoseStatus,
    Medication,
    Phase,
    ScreenResult,
)

# Unexpected positives older than this do not change any rule (readiness looks back 60 days).
SCREEN_LOOKBACK_DAYS = 400


def active_patient_conditions(
    clinic_ids: Sequence[int], as_of: date
) -> list[ColumnElement[bool]]:
    """An active patient: in one of the clinics, admitted on or before as_of, not discharged.

    The one definition that the home figures, the roster and the signals share, so that every
    screen counts the same patients.
    """
    return [
        Patient.clinic_id.in_(list(clinic_ids)),
        Patient.admission_date <= as_of,
        Patient.phase != Phase.DISCHARGED.value,
    ]


def patient_conditions(
    clinic_ids: Sequence[int], as_of: date, patient_ids: Sequence[int] | None = None,
    include_discharged: bool = False, discharged_since: date | None = None,
) -> list[ColumnElement[bool]]:
    """The active patients, plus every discharged one (``include_discharged``) or only those
    discharged on or after ``discharged_since`` (the outreach worklist keeps them 14 days)."""
    conditions = active_patient_conditions(clinic_ids, as_of)
    if include_discharged:
        conditions.pop()
    elif discharged_since is not None:
        conditions[-1] = or_(conditions[-1], Patient.discharged_on >= discharged_since)
    if patient_ids is not None:
        conditions.append(Patient.id.in_(list(patient_ids)))
    return conditions


def _dose_aggregates(session: Session, conditions: list[ColumnElement[bool]], as_of: date,
                     window_days: int) -> dict[int, tuple[int, date | None]]:
    """Taken days in the adherence window, and the last taken dose on or before as_of."""
    window_start, _ = window_bounds(as_of, window_days)
    in_window = and_(
        DoseEvent.dose_date >= window_start,
        DoseEvent.dose_date >= Patient.admission_date,
        or_(Patient.discharged_on.is_(None), DoseEvent.dose_date < Patient.discharged_on),
    )
    window = session.execute(
        select(DoseEvent.patient_id, func.count())
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(*conditions, DoseEvent.status == DoseStatus.TAKEN.value,
               DoseEvent.dose_date <= as_of, in_window)
        .group_by(DoseEvent.patient_id)
    ).all()
    # One index seek per patient on (patient_id, status, dose_date), not a scan of all doses.
    last_taken = (
        select(func.max(DoseEvent.dose_date))
        .where(DoseEvent.patient_id == Patient.id,
               DoseEvent.status == DoseStatus.TAKEN.value, DoseEvent.dose_date <= as_of)
        .scalar_subquery()
    )
    lasts = session.execute(select(Patient.id, last_taken).where(*conditions)).all()
    taken = {row[0]: int(row[1]) for row in window}
    return {row[0]: (taken.get(row[0], 0), row[1]) for row in lasts}


def _longest_gaps(session: Session, conditions: list[ColumnElement[bool]], as_of: date,
                  horizons: Sequence[int]) -> dict[int, dict[int, int]]:
    """Longest run of days without a taken dose inside each complete retention horizon.

    SQL gives, per patient and horizon, the longest gap between consecutive taken days and the
    last taken day inside the horizon; the gap after that day to the horizon's end is added here.
    """
    longest = max(horizons)
    first_complete = min(horizons)
    dose_day = day_number(DoseEvent.dose_date)
    admission_day = day_number(Patient.admission_date)
    taken = (
        select(
            DoseEvent.patient_id.label("patient_id"),
            (dose_day - admission_day).label("offset"),
            (dose_day - func.lag(dose_day).over(partition_by=DoseEvent.patient_id,
                                                order_by=DoseEvent.dose_date)).label("step"),
        )
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(*conditions, DoseEvent.status == DoseStatus.TAKEN.value,
               DoseEvent.dose_date >= Patient.admission_date,
               dose_day - admission_day < longest,
               Patient.admission_date <= as_of - timedelta(days=first_complete))
        .subquery()
    )
    columns = []
    for horizon in horizons:
        inside = taken.c.offset < horizon
        columns += [
            # The first taken day's gap is counted from admission (offset days before it).
            func.max(case((inside, func.coalesce(taken.c.step - 1, taken.c.offset)))),
            func.max(case((inside, taken.c.offset))),
        ]
    rows = session.execute(select(taken.c.patient_id, *columns).group_by(taken.c.patient_id))
    found = {row[0]: row[1:] for row in rows}
    admissions = session.execute(
        select(Patient.id, Patient.admission_date)
        .where(*conditions, Patient.admission_date <= as_of - timedelta(days=first_complete))
    ).all()
    gaps: dict[int, dict[int, int]] = {}
    for patient_id, admission in admissions:
        values = found.get(patient_id)
        per_horizon: dict[int, int] = {}
        for index, horizon in enumerate(horizons):
            first, last = horizon_bounds(admission, horizon)
            if last > as_of:
                continue
            inner = values[2 * index] if values else None
            last_offset = values[2 * index + 1] if values else None
            if last_offset is None:
                per_horizon[horizon] = (last - first).days + 1
            else:
                per_horizon[horizon] = max(int(inner or 0), horizon - 1 - int(last_offset))
        gaps[patient_id] = per_horizon
    return gaps


def _screen_aggregates(session: Session, conditions: list[ColumnElement[bool]],
                       as_of: date) -> dict[int, tuple[date | None, date | None]]:
    unexpected = and_(UrineScreen.result == ScreenResult.POSITIVE.value,
                      UrineScreen.expected.is_(False))
    opioid = UrineScreen.substance.in_(sorted(OPIOID_SCREEN_SUBSTANCES))
    rows = session.execute(
        select(
            UrineScreen.patient_id,
            func.max(UrineScreen.screen_date),
            func.max(case((opioid, UrineScreen.screen_date))),
        )
        .join(Patient, Patient.id == UrineScreen.patient_id)
        .where(*conditions, unexpected, UrineScreen.screen_date <= as_of,
               UrineScreen.screen_date > as_of - timedelta(days=SCREEN_LOOKBACK_DAYS))
        .group_by(UrineScreen.patient_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def consented_member_counts(session: Session, conditions: list[ColumnElement[bool]],
                            as_of: date) -> dict[int, int]:
    rows = session.execute(
        select(SupportMember.patient_id, func.count(func.distinct(SupportMember.id)))
        .join(Consent, Consent.member_id == SupportMember.id)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(*conditions, SupportMember.active.is_(True), active_consent_clause(as_of))
        .group_by(SupportMember.patient_id)
    )
    return {row[0]: int(row[1]) for row in rows}


def patient_facts(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    patient_ids: Sequence[int] | None = None,
    include_discharged: bool = False,
    discharged_since: date | None = None,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> list[PatientFacts]:
    """The aggregates of every (active) patient of ``clinic_ids`` admitted on or before as_of."""
    conditions = patient_conditions(clinic_ids, as_of, patient_ids, include_discharged,
                                    discharged_since)
    patients = session.execute(
        select(Patient.id, Patient.code, Clinic.code, Patient.medication, Patient.dose_mg,
               Patient.phase, Patient.phase_since, Patient.admission_date, Patient.discharged_on)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(*conditions)
        .order_by(Clinic.code, Patient.code)
    ).all()
    doses = _dose_aggregates(session, conditions, as_of, thresholds.adherence_window_days)
    gaps = _longest_gaps(session, conditions, as_of, thresholds.retention_horizons_days)
    screens = _screen_aggregates(session, conditions, as_of)
    consented = consented_member_counts(session, conditions, as_of)
    facts = []
    for row in patients:
        taken, last_taken = doses.get(row[0], (0, None))
        last_positive, last_opioid = screens.get(row[0], (None, None))
        facts.append(PatientFacts(
            patient_id=row[0], patient_code=row[1], clinic_code=row[2],
            medication=Medication(row[3]), dose_mg=row[4], phase=Phase(row[5]),
            phase_since=row[6], admission_date=row[7], discharged_on=row[8],
            taken_days_in_window=taken, last_taken_on=last_taken,
            longest_gap_by_horizon=gaps.get(row[0], {}),
            last_unexpected_positive_on=last_positive,
            last_unexpected_opioid_positive_on=last_opioid,
            consented_members=consented.get(row[0], 0),
        ))
    return facts


def patient_signal_list(
    session: Session,
    *,
    clinic_ids: Sequence[int],
    as_of: date,
    patient_ids: Sequence[int] | None = None,
    include_discharged: bool = False,
    discharged_since: date | None = None,
    thresholds: ClinicalThresholds = DEFAULT_THRESHOLDS,
) -> list[PatientSignals]:
    facts = patient_facts(session, clinic_ids=clinic_ids, as_of=as_of, patient_ids=patient_ids,
                          include_discharged=include_discharged,
                          discharged_since=discharged_since, thresholds=thresholds)
    return [patient_signals(fact, as_of, thresholds) for fact in facts]


def all_clinic_ids(session: Session, codes: Sequence[str] | None = None) -> list[int]:
    query = select(Clinic.id).order_by(Clinic.code)
    if codes:
        query = query.where(Clinic.code.in_(list(codes)))
    return list(session.scalars(query))

