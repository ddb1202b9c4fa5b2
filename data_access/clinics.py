"""Clinics: a clinic must exist before its patients can be imported."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.models import Clinic
from domain.vocabulary import AuditAction


class ClinicError(ValueError):
    """A clinic request that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class ClinicInfo:
    id: int
    code: str
    name: str


def add_clinic(session: Session, *, code: str, name: str, actor: str) -> ClinicInfo:
    code = code.strip()
    if not code or not name.strip():
        raise ClinicError("a clinic needs a code and a name")
    if session.scalar(select(Clinic.id).where(Clinic.code == code)) is not None:
        raise ClinicError(f"clinic {code!r} already exists")
    clinic = Clinic(code=code, name=name.strip(), created_at=utc_now())
    session.add(clinic)
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="clinic",
                 entity_id=clinic.id, summary=f"clinic {code}")
    return ClinicInfo(clinic.id, clinic.code, clinic.name)


def list_clinics(session: Session) -> list[ClinicInfo]:
    rows = session.execute(select(Clinic.id, Clinic.code, Clinic.name).order_by(Clinic.code))
    return [ClinicInfo(r.id, r.code, r.name) for r in rows]


def clinic_ids_by_code(session: Session, codes: list[str]) -> dict[str, int]:
    rows = session.execute(select(Clinic.code, Clinic.id).where(Clinic.code.in_(codes)))
    return {r.code: r.id for r in rows}
