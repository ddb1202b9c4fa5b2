"""Per-patient aggregates for the clinical rules, computed in SQL: no dose row reaches Python.

Three statements feed ``domain.signals.PatientFacts``: the patients, each with correlated
subqueries on their doses (taken days in the adherence window, the last taken dose, the taken days
of the retention horizons as bit masks), then screens and consented members, grouped. The same
facts serve the roster, the record, ``hamrah signals`` and the outreach rules. All are read
through the session's connection (SQLAlchemy Core): their rows are columns, and
``Session.execute`` would pass each through the ORM's loading as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    ScalarSelect,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.models import Clinic, Consent, DoseEvent, Patient, SupportMember, UrineScreen
from data_access.taken_days import mask_of_chunks, taken_day_masks
from domain.retention import horizon_bounds, longest_gap_of_mask
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

# The members of the stored values, looked up rather than called (``Phase(value)``) for each of
# a network's 10,000 patients: an enum's call is several times slower than a dictionary's
# lookup. The tables' CHECK constraints hold only these values.
_MEDICATIONS = {medication.value: medication for medication in Medication}
_PHASES = {phase.value: phase for phase in Phase}


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


def _taken_doses_of_outer_patient() -> list[ColumnElement[bool]]:
    """Taken doses of the outer query's patient (a correlated subquery's conditions)."""
    return [DoseEvent.patient_id == Patient.id, DoseEvent.status == DoseStatus.TAKEN.value]


def _dose_columns(as_of: date, window_days: int) -> list[ScalarSelect[Any]]:
    """Per patient: taken days in the adherence window, and the last taken dose on or before as_of.

    Correlated subqueries: each is a seek on (patient_id, status, dose_date) reading at most the
    window's rows (the last dose: one index entry), where a grouped join would read and sort
    every patient's rows.
    """
    window_start, _ = window_bounds(as_of, window_days)
    taken_in_window = (
        select(func.count())
        .where(*_taken_doses_of_outer_patient(),
               DoseEvent.dose_date >= window_start, DoseEvent.dose_date <= as_of,
               DoseEvent.dose_date >= Patient.admission_date,
               or_(Patient.discharged_on.is_(None), DoseEvent.dose_date < Patient.discharged_on))
        .scalar_subquery()
    )
    return [taken_in_window, last_taken_column(as_of)]


def last_taken_column(as_of: date) -> ScalarSelect[Any]:
    """The outer query's patient's last taken dose on or before as_of: one index entry read."""
    return (
        select(func.max(DoseEvent.dose_date))
        .where(*_taken_doses_of_outer_patient(), DoseEvent.dose_date <= as_of)
        .scalar_subquery()
    )


def taken_dose_exists(first: date, last: date) -> Exists:
    """Whether the outer query's patient took a dose from ``first`` through ``last``: one seek
    on (patient_id, status, dose_date)."""
    return (
        select(DoseEvent.id)
        .where(*_taken_doses_of_outer_patient(), DoseEvent.dose_date >= first,
               DoseEvent.dose_date <= last)
        .exists()
    )


def _gaps_by_horizon(admission: date, as_of: date, horizons: Sequence[int],
                     chunks: Sequence[Any]) -> dict[int, int]:
    """The longest gap of each retention horizon that ends on or before as_of."""
    mask = mask_of_chunks(chunks)
    gaps = {}
    for horizon in horizons:
        _, last = horizon_bounds(admission, horizon)
        if last <= as_of:
            gaps[horizon] = longest_gap_of_mask(mask, horizon)
    return gaps


def _screen_aggregates(session: Session, conditions: list[ColumnElement[bool]],
                       as_of: date) -> dict[int, tuple[date | None, date | None]]:
    """Per patient: the latest unexpected positive screen of the look-back, any substance and an
    opioid, in one grouped statement. As two correlated columns of the facts statement instead,
    it was as fast on SQLite and a fifth slower on PostgreSQL, whose subplans ran 20,000 times
    (0.79 s against 0.64 s for the facts at network scale)."""
    unexpected = and_(UrineScreen.result == ScreenResult.POSITIVE.value,
                      UrineScreen.expected.is_(False))
    opioid = UrineScreen.substance.in_(sorted(OPIOID_SCREEN_SUBSTANCES))
    rows = session.connection().execute(
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
    rows = session.connection().execute(
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
    with_retention: bool = True,
) -> list[PatientFacts]:
    """The aggregates of every (active) patient of ``clinic_ids`` admitted on or before as_of.

    ``with_retention=False`` leaves ``longest_gap_by_horizon`` empty and says so
    (``retention_read``), for callers that read no retention (the outreach rules, the roster,
    the meeting agenda).
    """
    conditions = patient_conditions(clinic_ids, as_of, patient_ids, include_discharged,
                                    discharged_since)
    horizons = thresholds.retention_horizons_days if with_retention else ()
    # Gaps for patients admitted at least the shortest horizon ago: their first horizon is over
    # (``domain.retention.retention_status`` answers from the day after its last day).
    first_complete = as_of - timedelta(days=min(horizons, default=0))
    masks = (taken_day_masks(Patient.id, Patient.admission_date, max(horizons))
             if horizons else [])
    patients = session.connection().execute(
        select(Patient.id, Patient.code, Clinic.code, Patient.medication, Patient.dose_mg,
               Patient.phase, Patient.phase_since, Patient.admission_date, Patient.discharged_on,
               *_dose_columns(as_of, thresholds.adherence_window_days), *masks)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(*conditions)
        .order_by(Clinic.code, Patient.code)
    ).all()
    screens = _screen_aggregates(session, conditions, as_of)
    consented = consented_member_counts(session, conditions, as_of)
    facts = []
    for row in patients:
        admission = row[7]
        last_positive, last_opioid = screens.get(row[0], (None, None))
        facts.append(PatientFacts(
            patient_id=row[0], patient_code=row[1], clinic_code=row[2],
            medication=_MEDICATIONS[row[3]], dose_mg=row[4], phase=_PHASES[row[5]],
            phase_since=row[6], admission_date=admission, discharged_on=row[8],
            taken_days_in_window=int(row[9]), last_taken_on=row[10],
            longest_gap_by_horizon=(
                _gaps_by_horizon(admission, as_of, horizons, row[11:])
                if horizons and admission <= first_complete else {}
            ),
            last_unexpected_positive_on=last_positive,
            last_unexpected_opioid_positive_on=last_opioid,
            consented_members=consented.get(row[0], 0),
            retention_read=with_retention,
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
    with_retention: bool = True,
) -> list[PatientSignals]:
    """The signals of every patient of :func:`patient_facts`. ``with_retention=False`` for a
    screen that shows no retention (the roster): ``retained_90`` and
    ``retained_180`` are then None, and the costliest aggregate, the horizons' taken days (a
    third of a second of 0.55 at network scale on SQLite), is not read."""
    facts = patient_facts(session, clinic_ids=clinic_ids, as_of=as_of, patient_ids=patient_ids,
                          include_discharged=include_discharged,
                          discharged_since=discharged_since, thresholds=thresholds,
                          with_retention=with_retention)
    return [patient_signals(fact, as_of, thresholds) for fact in facts]


def all_clinic_ids(session: Session, codes: Sequence[str] | None = None) -> list[int]:
    query = select(Clinic.id).order_by(Clinic.code)
    if codes:
        query = query.where(Clinic.code.in_(list(codes)))
    return list(session.scalars(query))

