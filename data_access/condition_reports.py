"""Families' reports on the patient's condition, and the acknowledgement of emergencies.

An emergency report stays open, and the banner on every staff page stays up, until someone
records what was done; the acknowledgement is written once and audited (ASTM E2147).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import Clinic, ConditionReport, Patient, StaffUser, SupportMember
from domain.vocabulary import AuditAction

MIN_ACTION_CHARS = 5


class ReportError(ValueError):
    """A report or acknowledgement that cannot be saved; the message says what to change."""


@dataclass(frozen=True)
class ReportView:
    id: int
    patient_id: int
    patient_code: str
    clinic_code: str
    member_code: str
    relation: str
    reported_at: datetime
    physical: str | None
    mental: str | None
    medical: str | None
    signs_of_use: bool | None
    severity: str
    emergency: bool
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    action_taken: str | None


def open_emergency_count(session: Session, *, clinic_ids: Sequence[int]) -> int:
    """Unacknowledged emergency reports: the banner's number, one indexed count."""
    return int(session.scalar(
        select(func.count()).select_from(ConditionReport)
        .join(Patient, Patient.id == ConditionReport.patient_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), ConditionReport.emergency.is_(True),
               ConditionReport.acknowledged_at.is_(None))
    ) or 0)


def condition_reports(session: Session, *, clinic_ids: Sequence[int], now: datetime,
                      days: int = 30, patient_id: int | None = None) -> list[ReportView]:
    """Open emergencies first (oldest first), then the other reports of the last ``days``
    (newest first)."""
    staff = aliased(StaffUser)
    conditions = [Patient.clinic_id.in_(list(clinic_ids)),
                  or_(ConditionReport.reported_at >= now - timedelta(days=days),
                      (ConditionReport.emergency.is_(True)
                       & ConditionReport.acknowledged_at.is_(None)))]
    if patient_id is not None:
        conditions.append(ConditionReport.patient_id == patient_id)
    open_emergency = ConditionReport.emergency.is_(True) & ConditionReport.acknowledged_at.is_(None)
    rows = session.execute(
        select(ConditionReport, Patient.code, Clinic.code, SupportMember.code,
               SupportMember.relation, staff.display_name, open_emergency.label("open"))
        .join(Patient, Patient.id == ConditionReport.patient_id)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .join(SupportMember, SupportMember.id == ConditionReport.member_id)
        .outerjoin(staff, staff.id == ConditionReport.acknowledged_by_id)
        .where(*conditions)
    ).all()
    views = [
        ReportView(
            id=report.id, patient_id=report.patient_id, patient_code=patient_code,
            clinic_code=clinic_code, member_code=member_code, relation=relation,
            reported_at=report.reported_at, physical=report.physical, mental=report.mental,
            medical=report.medical, signs_of_use=report.signs_of_use, severity=report.severity,
            emergency=report.emergency, acknowledged_at=report.acknowledged_at,
            acknowledged_by=acknowledged_by, action_taken=report.action_taken,
        )
        for report, patient_code, clinic_code, member_code, relation, acknowledged_by, _ in rows
    ]
    emergencies = sorted((v for v in views if is_open_emergency(v)), key=lambda v: v.reported_at)
    others = sorted((v for v in views if not is_open_emergency(v)),
                    key=lambda v: v.reported_at, reverse=True)
    return emergencies + others


def is_open_emergency(report: ReportView) -> bool:
    return report.emergency and report.acknowledged_at is None


def acknowledge_report(session: Session, *, report_id: int, action_taken: str, staff_id: int | None,
                       actor: str, now: datetime | None = None) -> None:
    """Record who saw the report and what was done; refused twice or without an action."""
    action = action_taken.strip()
    if len(action) < MIN_ACTION_CHARS:
        raise ReportError("Write what was done (at least a few words) before acknowledging")
    report = session.get(ConditionReport, report_id)
    if report is None:
        raise ReportError(f"No condition report with id {report_id}")
    if report.acknowledged_at is not None:
        raise ReportError(
            f"This report was already acknowledged at {report.acknowledged_at:%Y-%m-%d %H:%M}"
        )
    report.acknowledged_at = now or utc_now()
    report.acknowledged_by_id = staff_id
    report.action_taken = action
    kind = "emergency report" if report.emergency else "report"
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="condition_report",
                 entity_id=report_id, summary=f"{kind} acknowledged: {action[:200]}")


@dataclass(frozen=True)
class OpenEmergency:
    report_id: int
    patient_id: int
    patient_code: str
    reported_at: datetime


def open_emergencies(session: Session, *, clinic_ids: Sequence[int],
                     limit: int = 20) -> list[OpenEmergency]:
    """The oldest unacknowledged emergency reports, for the banner on every staff page."""
    rows = session.execute(
        select(ConditionReport.id, Patient.id, Patient.code, ConditionReport.reported_at)
        .join(Patient, Patient.id == ConditionReport.patient_id)
        .where(Patient.clinic_id.in_(list(clinic_ids)), ConditionReport.emergency.is_(True),
               ConditionReport.acknowledged_at.is_(None))
        .order_by(ConditionReport.reported_at, ConditionReport.id)
        .limit(limit)
    ).all()
    return [OpenEmergency(row[0], row[1], row[2], row[3]) for row in rows]
