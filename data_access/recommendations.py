"""The inputs of ``domain.tailoring.recommend`` read from the database, for one patient.

A handful of queries per patient (profile, flags, recent taper end, members' assignments, the
library in the members' languages) whatever the library's size; the ranking itself is pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import (
    Assignment,
    Clinic,
    ContentModule,
    Patient,
    PhaseChange,
    SupportMember,
)
from data_access.outreach import OPEN_ASSIGNMENT_STATUSES
from data_access.signals import patient_signal_list
from domain.content_tags import TagError, parse_tags
from domain.tailoring import (
    MemberProfile,
    ModuleCandidate,
    PatientProfile,
    Recommendation,
    recommend,
)
from domain.vocabulary import DeliveryStatus, Medication, Phase

# The end of a taper counts as recent for this many days (highest overdose risk; CLINICAL.md).
TAPER_ENDED_RECENT_DAYS = 30


class RecommendationError(ValueError):
    """The patient or member asked for is not there; the message says which."""


@dataclass(frozen=True)
class MemberRecommendations:
    member_id: int
    member_code: str
    relation: str
    language: str
    recommendations: list[Recommendation]


def _substances(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in re.split(r"[;,]", text or "") if part.strip())


def patient_profile(session: Session, *, patient_id: int, clinic_ids: list[int],
                    as_of: date) -> PatientProfile:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.clinic_id not in clinic_ids:
        raise RecommendationError(f"no patient with id {patient_id} in these clinics")
    signals = patient_signal_list(session, clinic_ids=[patient.clinic_id], as_of=as_of,
                                  patient_ids=[patient_id], include_discharged=True)
    flags = frozenset(str(flag) for s in signals for flag in s.flags)
    taper_end = session.scalar(
        select(func.max(PhaseChange.changed_on))
        .where(PhaseChange.patient_id == patient_id, PhaseChange.changed_on <= as_of,
               PhaseChange.from_phase == Phase.TAPER.value,
               PhaseChange.to_phase == Phase.AFTERCARE.value)
    )
    recent = taper_end is not None and taper_end >= as_of - timedelta(days=TAPER_ENDED_RECENT_DAYS)
    return PatientProfile(
        sex=patient.sex, primary_substance=patient.primary_substance.lower(),
        co_used_substances=_substances(patient.co_used_substances),
        medication=Medication(patient.medication), dose_mg=patient.dose_mg,
        phase=Phase(patient.phase), living_situation=patient.living_situation,
        flags=flags, taper_ended_recently=recent and patient.phase == Phase.AFTERCARE.value,
    )


def member_profiles(session: Session, *, patient_id: int,
                    member_id: int | None = None) -> list[tuple[str, MemberProfile]]:
    """(member code, profile) of the patient's active members, or of one member."""
    query = select(SupportMember).where(SupportMember.patient_id == patient_id,
                                        SupportMember.active.is_(True))
    if member_id is not None:
        query = query.where(SupportMember.id == member_id)
    members = list(session.scalars(query.order_by(SupportMember.code)))
    if member_id is not None and not members:
        raise RecommendationError(f"no active family member with id {member_id} for this patient")
    rows = session.execute(
        select(Assignment.member_id, Assignment.module_id, Assignment.status)
        .where(Assignment.member_id.in_([m.id for m in members]))
    ).all()
    completed: dict[int, set[int]] = defaultdict(set)
    pending: dict[int, set[int]] = defaultdict(set)
    for member, module, status in rows:
        if status == DeliveryStatus.COMPLETED.value:
            completed[member].add(module)
        elif status in OPEN_ASSIGNMENT_STATUSES:
            pending[member].add(module)
    return [
        (m.code, MemberProfile(member_id=m.id, relation=m.relation, language=m.language,
                               completed_module_ids=frozenset(completed[m.id]),
                               pending_module_ids=frozenset(pending[m.id])))
        for m in members
    ]


def module_candidates(session: Session, *, languages: set[str]) -> list[ModuleCandidate]:
    """The library's current modules in these languages; a module with broken tags is left out
    (the library page shows the problem) rather than recommended to everyone."""
    rows = session.scalars(
        select(ContentModule).where(ContentModule.retired.is_(False),
                                    ContentModule.language.in_(sorted(languages)))
    )
    candidates = []
    for module in rows:
        try:
            tags = parse_tags(module.tags or {})
        except TagError:
            continue
        candidates.append(ModuleCandidate(
            module_id=module.id, code=module.code, title=module.title, kind=module.kind,
            language=module.language, retired=module.retired, tags=tags,
        ))
    return candidates


def recommendations_for_patient(
    session: Session, *, patient_id: int, clinic_ids: list[int], as_of: date,
    member_id: int | None = None, limit: int | None = 5,
) -> list[MemberRecommendations]:
    """The ranked modules for each active member of the patient (or one member)."""
    profile = patient_profile(session, patient_id=patient_id, clinic_ids=clinic_ids,
                              as_of=as_of)
    members = member_profiles(session, patient_id=patient_id, member_id=member_id)
    candidates = module_candidates(session, languages={m.language for _, m in members})
    return [
        MemberRecommendations(member_id=member.member_id, member_code=code,
                              relation=member.relation, language=member.language,
                              recommendations=recommend(profile, member, candidates, limit))
        for code, member in members
    ]


RECOMMENDATION_FIELDS = ("member_code", "relation", "language", "rank", "module_code", "title",
                         "score", "reasons")
"""The columns of ``hamrah content recommend``: one row per member and recommended module."""


def recommendation_records(
    session: Session, *, clinic_code: str, patient_code: str, as_of: date,
    member_code: str | None = None, limit: int | None = 5,
) -> list[dict[str, object]]:
    """The ranking of one patient found by its codes, as flat records (best first per member)."""
    found = session.execute(
        select(Patient.id, Patient.clinic_id).join(Clinic, Clinic.id == Patient.clinic_id)
        .where(Clinic.code == clinic_code, Patient.code == patient_code)
    ).one_or_none()
    if found is None:
        raise RecommendationError(f"no patient {patient_code!r} in clinic {clinic_code!r}")
    patient_id, clinic_id = found
    member_id = None
    if member_code is not None:
        member_id = session.scalar(select(SupportMember.id).where(
            SupportMember.clinic_id == clinic_id, SupportMember.code == member_code,
            SupportMember.patient_id == patient_id))
        if member_id is None:
            raise RecommendationError(
                f"no family member {member_code!r} of patient {patient_code!r}")
    ranked = recommendations_for_patient(session, patient_id=patient_id,
                                         clinic_ids=[clinic_id], as_of=as_of,
                                         member_id=member_id, limit=limit)
    return [
        {"member_code": member.member_code, "relation": member.relation,
         "language": member.language, "rank": rank, "module_code": rec.code,
         "title": rec.title, "score": rec.score, "reasons": list(rec.reasons)}
        for member in ranked
        for rank, rec in enumerate(member.recommendations, start=1)
    ]
