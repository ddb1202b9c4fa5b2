"""The home page's figures for a set of clinics, each one COUNT in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.models import ConditionReport, Consent, FamilyQuestion, Patient, SupportMember
from data_access.signals import active_patient_conditions
from domain.home import HomeFigures


def home_figures(
    session: Session, *, clinic_ids: Sequence[int], as_of: date,
    psychologist_id: int | None = None,
) -> HomeFigures:
    """Active patients are those not discharged; families count members, not patients.

    With ``psychologist_id``, only that psychologist's patients count (the "my patients" row).
    """
    in_clinics: ColumnElement[bool] = Patient.clinic_id.in_(list(clinic_ids))
    active = active_patient_conditions(clinic_ids, as_of)
    if psychologist_id is not None:
        in_clinics = and_(in_clinics, Patient.psychologist_id == psychologist_id)
        active.append(Patient.psychologist_id == psychologist_id)
    active_patients = select(func.count()).select_from(Patient).where(*active)
    families = (
        select(func.count(func.distinct(SupportMember.id)))
        .select_from(SupportMember)
        .join(Consent, Consent.member_id == SupportMember.id)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .where(in_clinics, SupportMember.active.is_(True), active_consent_clause(as_of))
    )
    questions = (
        select(func.count())
        .select_from(FamilyQuestion)
        .join(Patient, Patient.id == FamilyQuestion.patient_id)
        .where(in_clinics, FamilyQuestion.answered_at.is_(None))
    )
    open_reports = (
        select(
            func.count(),
            func.coalesce(func.sum(case((ConditionReport.emergency.is_(True), 1), else_=0)), 0),
        )
        .select_from(ConditionReport)
        .join(Patient, Patient.id == ConditionReport.patient_id)
        .where(in_clinics, ConditionReport.acknowledged_at.is_(None))
    )
    reports, emergencies = session.execute(open_reports).one()
    return HomeFigures(
        active_patients=session.scalar(active_patients) or 0,
        families_with_consent=session.scalar(families) or 0,
        questions_awaiting_answer=session.scalar(questions) or 0,
        reports_awaiting_acknowledgement=int(reports),
        emergencies_awaiting_acknowledgement=int(emergencies),
    )

