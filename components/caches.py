"""One call for every cache a write to patients or families makes stale (STYLE: a write clears
the caches it stales): the roster, the patient record's reads and picker, the outreach worklist
with its navigation badge, the case meeting's proposed agenda and the Overview's figures."""

from __future__ import annotations

from components import meeting_views, outreach_data, overview_data, patient_data


def clear_patient_caches() -> None:
    patient_data.roster.clear()
    patient_data.record.clear()
    patient_data.record_choices.clear()
    outreach_data.worklist_items.clear()
    outreach_data.urgent_count.clear()
    meeting_views.proposed_agenda.clear()
    meeting_views.clinic_patient_choices.clear()
    overview_data.overview.clear()
