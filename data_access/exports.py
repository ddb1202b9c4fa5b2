"""CSV exports in the four import formats: what ``data_access.importers`` reads, written back.

Each export streams its rows from the database in batches (``yield_per``) straight into the CSV
writer, in the column order of ``domain.import_rules.FORMATS``, so an exported file imports into
another database unchanged. Every export is audited (an export of patient data is a disclosure).

Members carry their latest consent (by signed date); earlier consents stay out of the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from data_access.audit import record_audit
from data_access.models import (
    Clinic,
    Consent,
    DoseEvent,
    Patient,
    StaffUser,
    SupportMember,
    UrineScreen,
)
from domain.import_rules import FORMATS, ImportKind
from domain.vocabulary import AuditAction

EXPORT_BATCH = 5_000
SAMPLE_FILE_NAMES: dict[ImportKind, str] = {kind: f"{kind.value}.csv" for kind in ImportKind}


def _cell(value: Any) -> str:
    """The text of one cell as the importers read it back: ISO dates, 'true'/'false', 80 or 2.5."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _patients() -> Select[*tuple[Any, ...]]:
    return (
        select(Patient.code, Clinic.code, Patient.first_name, Patient.last_name, Patient.sex,
               Patient.birth_year, Patient.admission_date, Patient.medication, Patient.dose_mg,
               Patient.phase, Patient.phase_since, Patient.primary_substance,
               StaffUser.username, Patient.living_situation, Patient.employment)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .outerjoin(StaffUser, StaffUser.id == Patient.psychologist_id)
        .order_by(Clinic.code, Patient.code)
    )


def _doses() -> Select[*tuple[Any, ...]]:
    return (
        select(Patient.code, Clinic.code, DoseEvent.dose_date, DoseEvent.status,
               DoseEvent.dose_mg, DoseEvent.kind)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .order_by(Clinic.code, Patient.code, DoseEvent.dose_date)
    )


def _screens() -> Select[*tuple[Any, ...]]:
    return (
        select(Patient.code, Clinic.code, UrineScreen.screen_date, UrineScreen.substance,
               UrineScreen.result, UrineScreen.expected)
        .join(Patient, Patient.id == UrineScreen.patient_id)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .order_by(Clinic.code, Patient.code, UrineScreen.screen_date, UrineScreen.substance)
    )


def _members() -> Select[*tuple[Any, ...]]:
    latest = aliased(Consent)
    latest_id = (
        select(latest.id)
        .where(latest.member_id == SupportMember.id)
        .order_by(latest.signed_on.desc(), latest.id.desc())
        .limit(1)
        .correlate(SupportMember)
        .scalar_subquery()
    )
    return (
        select(SupportMember.code, Patient.code, Clinic.code, SupportMember.relation,
               SupportMember.first_name, SupportMember.last_name, SupportMember.phone,
               SupportMember.email, SupportMember.channel, SupportMember.language,
               SupportMember.active, Consent.signed_on, Consent.expires_on, Consent.revoked_on,
               Consent.scope)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .join(Clinic, Clinic.id == SupportMember.clinic_id)
        .outerjoin(Consent, Consent.id == latest_id)
        .order_by(Clinic.code, SupportMember.code)
    )


# Each query selects its columns in the order of FORMATS[kind].columns.
_QUERIES = {
    ImportKind.PATIENTS: (_patients, Patient.clinic_id),
    ImportKind.DOSES: (_doses, Patient.clinic_id),
    ImportKind.SCREENS: (_screens, Patient.clinic_id),
    ImportKind.MEMBERS: (_members, SupportMember.clinic_id),
}


def export_rows(session: Session, kind: ImportKind, *,
                clinic_ids: Sequence[int] | None = None) -> Iterator[list[str]]:
    """The data rows of one format as cells, streamed; ``clinic_ids`` limits them (default all)."""
    build, clinic_column = _QUERIES[kind]
    query = build()
    if clinic_ids is not None:
        query = query.where(clinic_column.in_(list(clinic_ids)))
    for row in session.execute(query.execution_options(yield_per=EXPORT_BATCH)):
        yield [_cell(value) for value in row]


def export_file(session: Session, kind: ImportKind, out: TextIO, *, actor: str,
                clinic_ids: Sequence[int] | None = None, name: str = "") -> int:
    """Write the header and every row of ``kind`` to ``out``; audited; return the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FORMATS[kind].columns)
    count = 0
    for cells in export_rows(session, kind, clinic_ids=clinic_ids):
        writer.writerow(cells)
        count += 1
    record_audit(session, actor=actor, action=AuditAction.EXPORT, entity="import_format",
                 entity_id=kind.value, summary=f"{count} {kind.value} rows to {name or 'CSV'}")
    return count


def export_samples(session: Session, directory: Path, *, actor: str,
                   clinic_ids: Sequence[int] | None = None) -> dict[ImportKind, int]:
    """One file of each format in ``directory`` (created if missing); rows per format.

    The files are patients.csv, members.csv, doses.csv and screens.csv; patients must be
    imported first, the others refer to them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[ImportKind, int] = {}
    for kind in (ImportKind.PATIENTS, ImportKind.MEMBERS, ImportKind.DOSES, ImportKind.SCREENS):
        path = directory / SAMPLE_FILE_NAMES[kind]
        with path.open("w", encoding="utf-8", newline="") as out:
            counts[kind] = export_file(session, kind, out, actor=actor, clinic_ids=clinic_ids,
                                       name=str(path))
    return counts
