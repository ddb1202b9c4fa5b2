"""The urgent count and the tier tables: views of the worklist that the pages draw."""

from __future__ import annotations

import dataclasses

from domain.outreach import (
    PatientUrgency,
    Tier,
    tier_count,
    tier_groups,
    urgent_count,
    urgent_reasons,
    worklist,
)
from domain.vocabulary import Phase
from tests.domain.test_outreach import AS_OF, days_ago, facts

VARIANTS = {
    "quiet": facts(),
    "missed 3": facts(missed_streak=3),
    "missed 2": facts(missed_streak=2),
    "emergency and low adherence": facts(open_emergency_reports=1,
                                         oldest_emergency_at=days_ago(1), adherence_28d=0.4),
    "discharged 10 days ago": facts(phase=Phase.DISCHARGED, discharged_on=days_ago(10)),
    "discharged 20 days ago, an emergency": facts(
        phase=Phase.DISCHARGED, discharged_on=days_ago(20), open_emergency_reports=1),
    "taper ended 5 days ago": facts(phase=Phase.AFTERCARE, taper_ended_on=days_ago(5)),
    "high only": facts(adherence_28d=0.5, overdue_questions=1),
    "snoozed at urgent": facts(missed_streak=5, snoozed_until=days_ago(-2),
                               snoozed_tier=Tier.URGENT),
    "snoozed at high": facts(missed_streak=5, snoozed_until=days_ago(-2), snoozed_tier=Tier.HIGH),
    "snooze over": facts(missed_streak=5, snoozed_until=AS_OF, snoozed_tier=Tier.URGENT),
}
URGENT = {"missed 3", "emergency and low adherence", "discharged 10 days ago",
          "taper ended 5 days ago", "snoozed at high", "snooze over"}


def urgency(name: str) -> PatientUrgency:
    """The variant in the shape the data layer reads for the badge (urgent facts only)."""
    full = VARIANTS[name]
    return PatientUrgency(**{field.name: getattr(full, field.name)
                             for field in dataclasses.fields(PatientUrgency)})


def test_urgent_count_is_the_number_of_urgent_worklist_items() -> None:
    items = worklist(VARIANTS.values(), AS_OF)
    urgent_ids = [item for item in items if item.tier == Tier.URGENT]
    assert len(urgent_ids) == len(URGENT)
    assert urgent_count(VARIANTS.values(), AS_OF) == len(URGENT)
    assert urgent_count([urgency(name) for name in VARIANTS], AS_OF) == len(URGENT)
    for name in VARIANTS:
        assert urgent_count([urgency(name)], AS_OF) == (1 if name in URGENT else 0), name


def test_urgent_reasons_open_the_full_list() -> None:
    full = VARIANTS["emergency and low adherence"]
    assert [r.code for r in urgent_reasons(urgency("emergency and low adherence"), AS_OF)] == [
        "emergency_report"]
    assert [str(r.code) for r in worklist([full], AS_OF)[0].reasons][:1] == ["emergency_report"]


def test_tier_groups_cut_every_tier_but_urgent() -> None:
    many = [facts(patient_id=n, patient_code=f"P-{n:04d}", missed_streak=3 if n < 5 else 0,
                  adherence_28d=0.5 if n < 12 else 0.95,
                  overdue_assignments=2)
            for n in range(20)]
    groups = tier_groups(worklist(many, AS_OF), rows_per_tier=3)
    assert [(g.tier, len(g.items), g.total, g.cut) for g in groups] == [
        (Tier.URGENT, 5, 5, False), (Tier.HIGH, 3, 7, True), (Tier.ROUTINE, 3, 8, True)]
    # The drawn rows are the tier's first (highest score, then code).
    assert [i.patient_code for i in groups[1].items] == ["P-0005", "P-0006", "P-0007"]
    assert tier_groups([], rows_per_tier=3) == []
    assert [tier_count(worklist(many, AS_OF), tier) for tier in Tier] == [5, 7, 8]
