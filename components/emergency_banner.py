"""The banner that an unacknowledged emergency report from a family raises on every staff page.

It is read on every run (one indexed query, never cached), so it goes away on the very next
run after someone acknowledges the report on the Inbox page.
"""

from __future__ import annotations

import streamlit as st

from components.dates import shown_moment
from components.navigation import go_to
from components.resources import current_database
from components.state import SignedInUser
from data_access.condition_reports import open_emergencies, open_emergency_count
from domain.access import can_view, sees_emergency_details
from domain.text import t

INBOX_TAB_KEY = "inbox_tab"


def emergency_banner(user: SignedInUser) -> None:
    with current_database().sessions() as session:
        if not sees_emergency_details(user.role):
            count = open_emergency_count(session, clinic_ids=user.clinic_ids)
            if count:
                st.error(t("{n} emergency report(s) from families wait for clinical staff to "
                           "acknowledge them.", n=count), icon=":material/emergency:")
            return
        emergencies = open_emergencies(session, clinic_ids=user.clinic_ids)
    if not emergencies:
        return
    patients = ", ".join(
        t("{patient} at {time}", patient=e.patient_code, time=shown_moment(e.reported_at, user))
        for e in emergencies
    )
    text_column, button_column = st.columns([5, 1], vertical_alignment="center")
    text_column.error(
        t("Emergency report(s) from families not yet acknowledged: {patients}",
          patients=patients),
        icon=":material/emergency:",
    )
    if can_view(user.role, "inbox") and button_column.button(
            t("Acknowledge"), key="emergency_banner_open", type="primary"):
        st.session_state[INBOX_TAB_KEY] = "reports"
        go_to("inbox")
