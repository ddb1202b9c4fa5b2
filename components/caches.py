"""One call for every cache a write to patients or families makes stale (STYLE: a write clears
the caches it stales): the roster and the outreach worklist with its navigation badge."""

from __future__ import annotations

from components import outreach_data, patient_data


def clear_patient_caches() -> None:
    patient_data.roster.clear()
    outreach_data.worklist.clear()
