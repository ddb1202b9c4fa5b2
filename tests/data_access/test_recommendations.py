"""Recommendations read from the database: profile, language, completed and pending modules."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from data_access.models import Assignment, ContentModule, Patient, PhaseChange, SupportMember
from data_access.recommendations import (
    RecommendationError,
    patient_profile,
    recommendations_for_patient,
)
from tests import builders

AS_OF = date(2026, 11, 2)
NOON = datetime(2026, 11, 1, 12, 0)


def module(session: Session, code: str, language: str, tags: dict[str, object],
           retired: bool = False) -> int:
    row = ContentModule(code=code, title=f"Title {code}", kind="text", language=language,
                        tags=tags, retired=retired, created_at=NOON, updated_at=NOON)
    session.add(row)
    session.flush()
    return row.id


def test_ranking_for_each_member_of_an_induction_patient(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", phase="induction",
                               admission=date(2026, 10, 20))
        mother = builders.member(session, clinic_id, pid, "M-FA")
        session.get_one(SupportMember, mother).language = "fa"
        spouse = builders.member(session, clinic_id, pid, "M-EN")
        session.get_one(SupportMember, spouse).relation = "spouse"
        mat_fa = module(session, "what-is-mat-fa", "fa",
                        {"topics": ["what_is_mat"], "phases": ["induction"]})
        module(session, "what-is-mat-en", "en",
               {"topics": ["what_is_mat"], "phases": ["induction"]})
        module(session, "self-care-fa", "fa", {"topics": ["self_care_for_families"]})
        module(session, "old-fa", "fa", {"topics": ["what_is_mat"]}, retired=True)
        module(session, "broken-fa", "fa", {"phases": ["tapper"]})
        done = module(session, "communication-fa", "fa", {"topics": ["communication"]})
        waiting = module(session, "naloxone-fa", "fa", {"topics": ["overdose_and_naloxone"]})
        module(session, "for-spouses-en", "en",
               {"topics": ["communication"], "relations": ["spouse"]})
        for module_id, status in ((done, "completed"), (waiting, "sent")):
            session.add(Assignment(module_id=module_id, member_id=mother, assigned_at=NOON,
                                   status=status))
    ranked = recommendations_for_patient(session, patient_id=pid, clinic_ids=[clinic_id],
                                         as_of=AS_OF)
    by_member = {r.member_code: [rec.code for rec in r.recommendations] for r in ranked}
    # Persian only for the mother; completed, pending, retired and broken modules left out.
    assert by_member["M-FA"] == ["what-is-mat-fa", "self-care-fa"]
    assert by_member["M-EN"] == ["what-is-mat-en", "for-spouses-en"]
    first = next(r for r in ranked if r.member_code == "M-FA").recommendations[0]
    assert first.module_id == mat_fa
    assert "matches phase: induction" in first.reasons and first.reasons[-1] == "in Persian"
    only = recommendations_for_patient(session, patient_id=pid, clinic_ids=[clinic_id],
                                       as_of=AS_OF, member_id=spouse, limit=1)
    assert [(r.member_code, len(r.recommendations)) for r in only] == [("M-EN", 1)]


def test_profile_reads_flags_taper_end_and_substances(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        pid = builders.patient(session, clinic_id, "P1", phase="aftercare",
                               admission=date(2026, 1, 5), dose_mg=40.0)
        row = session.get_one(Patient, pid)
        row.co_used_substances = "Methamphetamine; alcohol"
        row.living_situation = "alone"
        session.add(PhaseChange(patient_id=pid, from_phase="taper", to_phase="aftercare",
                                changed_on=date(2026, 10, 20), reason="taper done",
                                created_at=NOON))
    profile = patient_profile(session, patient_id=pid, clinic_ids=[clinic_id], as_of=AS_OF)
    assert profile.taper_ended_recently is True
    assert profile.co_used_substances == ("methamphetamine", "alcohol")
    # No dose was ever taken: the streak counts from admission, so tolerance is at risk.
    assert "overdose_risk_tolerance" in profile.flags
    later = patient_profile(session, patient_id=pid, clinic_ids=[clinic_id],
                            as_of=date(2026, 12, 31))
    assert later.taper_ended_recently is False
    with pytest.raises(RecommendationError, match="no patient"):
        patient_profile(session, patient_id=pid, clinic_ids=[clinic_id + 1], as_of=AS_OF)
