"""One patient's record: header, dose and screen history, phases, members and family activity.

Every read checks that the patient belongs to one of the caller's clinics; a patient of another
clinic is "not found", never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import (
    Clinic,
    ConditionReport,
    Consent,
    DoseEvent,
    EngagementEvent,
    FamilyQuestion,
    OutreachAttempt,
    Patient,
    PhaseChange,
    StaffUser,
    SupportMember,
    UrineScreen,
)
from domain.consent import consent_is_active
from domain.dose_calendar import DoseRow
from domain.vocabulary import AuditAction, Phase


@dataclass(frozen=True)
class PatientHeader:
    id: int
    code: str
    clinic_code: str
    clinic_id: int
    first_name: str
    last_name: str
    sex: str
    birth_year: int
    medication: str
    dose_mg: float
    phase: Phase
    phase_since: date
    admission_date: date
    discharged_on: date | None
    primary_substance: str
    co_used_substances: str | None
    living_situation: str | None
    employment: str | None
    oud_criteria_count: int | None
    psychologist: str | None
    hbv_status: str | None
    hcv_status: str | None
    hiv_status: str | None


class PatientNotFound(LookupError):
    """No such patient in the caller's clinics."""


def patient_header(session: Session, *, patient_id: int,
                   clinic_ids: Sequence[int]) -> PatientHeader:
    row = session.execute(
        select(Patient, Clinic.code, StaffUser.username)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .outerjoin(StaffUser, StaffUser.id == Patient.psychologist_id)
        .where(Patient.id == patient_id, Patient.clinic_id.in_(list(clinic_ids)))
    ).one_or_none()
    if row is None:
        raise PatientNotFound(patient_id)
    p, clinic_code, psychologist = row
    return PatientHeader(
        id=p.id, code=p.code, clinic_code=clinic_code, clinic_id=p.clinic_id,
        first_name=p.first_name, last_name=p.last_name, sex=p.sex, birth_year=p.birth_year,
        medication=p.medication, dose_mg=p.dose_mg, phase=Phase(p.phase),
        phase_since=p.phase_since, admission_date=p.admission_date,
        discharged_on=p.discharged_on, primary_substance=p.primary_substance,
        co_used_substances=p.co_used_substances, living_situation=p.living_situation,
        employment=p.employment, oud_criteria_count=p.oud_criteria_count,
        psychologist=psychologist, hbv_status=p.hbv_status, hcv_status=p.hcv_status,
        hiv_status=p.hiv_status,
    )


def patient_choices(session: Session, *, clinic_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, "CODE · name") of every patient of the clinics, for a record picker."""
    rows = session.connection().execute(  # Core: columns, 10,000 rows at network scale
        select(Patient.id, Patient.code, Patient.first_name, Patient.last_name)
        .where(Patient.clinic_id.in_(list(clinic_ids)))
        .order_by(Patient.code)
    )
    return [(pid, f"{code} · {first} {last}") for pid, code, first, last in rows]


def dose_rows(session: Session, *, patient_id: int, start: date, end: date) -> list[DoseRow]:
    rows = session.execute(
        select(DoseEvent.dose_date, DoseEvent.status, DoseEvent.kind, DoseEvent.dose_mg)
        .where(DoseEvent.patient_id == patient_id, DoseEvent.dose_date >= start,
               DoseEvent.dose_date <= end)
        .order_by(DoseEvent.dose_date)
    )
    return [DoseRow(r[0], r[1], r[2], r[3]) for r in rows]


def screen_frame(session: Session, *, patient_id: int, start: date, end: date) -> pd.DataFrame:
    rows = session.execute(
        select(UrineScreen.screen_date, UrineScreen.substance, UrineScreen.result,
               UrineScreen.expected)
        .where(UrineScreen.patient_id == patient_id, UrineScreen.screen_date >= start,
               UrineScreen.screen_date <= end)
        .order_by(UrineScreen.screen_date, UrineScreen.substance)
    ).all()
    frame = pd.DataFrame(rows, columns=["date", "substance", "result", "expected"])
    frame["unexpected_positive"] = (frame["result"] == "positive") & ~frame["expected"].astype(bool)
    return frame


def phase_history_frame(session: Session, *, patient_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(PhaseChange.changed_on, PhaseChange.from_phase, PhaseChange.to_phase,
               PhaseChange.reason, PhaseChange.override_reason, PhaseChange.unmet_criteria,
               StaffUser.username)
        .outerjoin(StaffUser, StaffUser.id == PhaseChange.by_user_id)
        .where(PhaseChange.patient_id == patient_id)
        .order_by(PhaseChange.changed_on, PhaseChange.id)
    ).all()
    return pd.DataFrame(rows, columns=["date", "from_phase", "to_phase", "reason",
                                       "override_reason", "unmet_criteria", "by"])


@dataclass(frozen=True)
class MemberView:
    id: int
    code: str
    name: str
    relation: str
    channel: str
    language: str
    phone: str | None
    email: str | None
    consent_scope: str | None
    consent_active: bool
    consent_until: date | None


def members(session: Session, *, patient_id: int, as_of: date) -> list[MemberView]:
    """Each member with the latest consent (active if any consent is active on as_of)."""
    rows = session.execute(
        select(SupportMember, Consent)
        .outerjoin(Consent, Consent.member_id == SupportMember.id)
        .where(SupportMember.patient_id == patient_id)
        .order_by(SupportMember.code, Consent.signed_on)
    ).all()
    views: dict[int, MemberView] = {}
    for member, consent in rows:
        active = consent is not None and consent_is_active(
            consent.signed_on, consent.expires_on, consent.revoked_on, as_of)
        previous = views.get(member.id)
        if previous is not None and previous.consent_active and not active:
            continue
        views[member.id] = MemberView(
            id=member.id, code=member.code, name=f"{member.first_name} {member.last_name}",
            relation=member.relation, channel=member.channel, language=member.language,
            phone=member.phone, email=member.email,
            consent_scope=consent.scope if consent else None, consent_active=active,
            consent_until=(consent.revoked_on or consent.expires_on) if consent else None,
        )
    return list(views.values())


def engagement_frame(session: Session, *, patient_id: int, start: date,
                     end: date) -> pd.DataFrame:
    rows = session.execute(
        select(EngagementEvent.occurred_at, SupportMember.code, EngagementEvent.kind)
        .join(SupportMember, SupportMember.id == EngagementEvent.member_id)
        .where(SupportMember.patient_id == patient_id,
               EngagementEvent.occurred_at >= datetime.combine(start, time.min),
               EngagementEvent.occurred_at <= datetime.combine(end, time.max))
        .order_by(EngagementEvent.occurred_at)
    ).all()
    return pd.DataFrame(rows, columns=["when", "member", "kind"])


def family_activity(session: Session, *, patient_id: int) -> dict[str, pd.DataFrame]:
    """Questions, condition reports and outreach attempts of one patient (assignments are in
    ``data_access.assignments.member_progress``)."""
    questions = session.execute(
        select(FamilyQuestion.asked_at, SupportMember.code, FamilyQuestion.body,
               FamilyQuestion.due_at, FamilyQuestion.answered_at)
        .join(SupportMember, SupportMember.id == FamilyQuestion.member_id)
        .where(FamilyQuestion.patient_id == patient_id)
        .order_by(FamilyQuestion.asked_at.desc())
    ).all()
    acknowledger = aliased(StaffUser)
    reports = session.execute(
        select(ConditionReport.reported_at, SupportMember.code, ConditionReport.severity,
               ConditionReport.emergency, ConditionReport.physical, ConditionReport.mental,
               ConditionReport.acknowledged_at, acknowledger.username)
        .join(SupportMember, SupportMember.id == ConditionReport.member_id)
        .outerjoin(acknowledger, acknowledger.id == ConditionReport.acknowledged_by_id)
        .where(ConditionReport.patient_id == patient_id)
        .order_by(ConditionReport.reported_at.desc())
    ).all()
    outreach = session.execute(
        select(OutreachAttempt.attempted_at, OutreachAttempt.channel, OutreachAttempt.outcome,
               OutreachAttempt.note, OutreachAttempt.follow_up_on)
        .where(OutreachAttempt.patient_id == patient_id)
        .order_by(OutreachAttempt.attempted_at.desc())
    ).all()
    return {
        "questions": pd.DataFrame(questions, columns=["asked", "member", "question", "due",
                                                      "answered"]),
        "reports": pd.DataFrame(reports, columns=["reported", "member", "severity", "emergency",
                                                  "physical", "mental", "acknowledged", "by"]),
        "outreach": pd.DataFrame(outreach, columns=["when", "channel", "outcome", "note",
                                                    "follow_up"]),
    }


def record_view(session: Session, *, patient_id: int, actor: str, redacted: bool) -> None:
    """Every view of a record is audited (45 CFR 164.312(b))."""
    record_audit(session, actor=actor, action=AuditAction.VIEW, entity="patient",
                 entity_id=patient_id,
                 summary="viewed record" + (" (contact details redacted)" if redacted else ""))


def change_phase(
    session: Session,
    *,
    patient_id: int,
    clinic_ids: Sequence[int],
    to_phase: Phase,
    on: date,
    reason: str,
    override_reason: str | None,
    unmet_criteria: str | None,
    by_user_id: int | None,
    actor: str,
) -> None:
    """Append to the phase history and move the patient; audited. Discharge ends the episode,
    readmission starts a new one on ``on``."""
    patient = session.scalar(select(Patient).where(
        Patient.id == patient_id, Patient.clinic_id.in_(list(clinic_ids))))
    if patient is None:
        raise PatientNotFound(patient_id)
    from_phase = patient.phase
    session.add(PhaseChange(
        patient_id=patient_id, from_phase=from_phase, to_phase=to_phase.value, changed_on=on,
        reason=reason.strip(), override_reason=(override_reason or "").strip() or None,
        unmet_criteria=unmet_criteria or None, by_user_id=by_user_id, created_at=utc_now(),
    ))
    if to_phase is Phase.DISCHARGED:
        patient.discharged_on = on
    elif from_phase == Phase.DISCHARGED.value:
        patient.discharged_on = None
        patient.admission_date = on
    patient.phase = to_phase.value
    patient.phase_since = on
    patient.updated_at = utc_now()
    summary = f"phase {from_phase} -> {to_phase.value}"
    if override_reason:
        summary += " (override of unmet readiness)"
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="patient",
                 entity_id=patient_id, summary=summary)
    session.flush()
