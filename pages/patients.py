"""Patients: the roster of active patients with filters, search and a way into each record."""

from __future__ import annotations

import streamlit as st

from components import patient_data
from components.auth import require_page
from components.dates import shown_date
from components.export_buttons import table_download_buttons
from components.navigation import go_to
from components.resources import app_settings
from components.roster_table import roster_frame, roster_table
from components.state import set_selected_patient
from data_access.clock import today
from domain.digits import to_ascii_digits
from domain.roster import RosterFilter, filter_roster
from domain.signals import Flag
from domain.text import t
from domain.vocabulary import Medication, Phase, values

user = require_page("patients")
settings = app_settings()
as_of = today()
st.title(t("Patients"))

with st.spinner(t("Computing adherence and flags…")):
    rows = patient_data.roster(user.clinic_ids, as_of, user.role.value, settings,
                               settings.database_url)

psychologists = patient_data.psychologists(user.clinic_ids, settings.database_url)
search_column, phase_column, medication_column, psychologist_column, flag_column = st.columns(
    [2, 1, 1, 1, 1])
chosen = RosterFilter(
    search=to_ascii_digits(search_column.text_input(t("Search code or name"),
                                                    key="roster_search")),
    phases=phase_column.multiselect(t("Phase"), [p for p in values(Phase) if p != "discharged"],
                                    key="roster_phase"),
    medications=medication_column.multiselect(t("Medication"), values(Medication),
                                              key="roster_medication"),
    psychologists=psychologist_column.multiselect(
        t("Psychologist"), [p.username for p in psychologists], key="roster_psychologist"),
    flags=flag_column.multiselect(t("Flag"), values(Flag), key="roster_flag"),
)
shown = filter_roster(rows, chosen)
st.caption(t("{shown} of {total} active patients · as of {date}", shown=len(shown),
             total=len(rows), date=shown_date(as_of, user)))
frame = roster_frame(shown)
selected = roster_table(frame, key_prefix="patients", user=user)
# Built when a button is clicked: up to the network's 10,000 rows.
table_download_buttons(lambda: frame.drop(columns="id"), rows=len(frame),
                       file_stem=f"hamrah-patients-{as_of.isoformat()}", sheet_name="Patients",
                       user=user, entity="patient_roster", entity_id=as_of.isoformat(),
                       key_prefix="patients_export", disabled=not shown)

choices = {row.signals.patient_id: f"{row.signals.patient_code} · {row.name}" for row in shown}
options: list[int] = list(choices)
position: int | None = options.index(selected) if selected in choices else None
pick_column, open_column = st.columns([3, 1], vertical_alignment="bottom")
picked = pick_column.selectbox(t("Open the record of"), options,
                               format_func=lambda pid: choices[pid], index=position,
                               key="roster_pick", placeholder=t("Choose a patient"))
if open_column.button(t("Open record"), key="roster_open", disabled=picked is None,
                      type="primary"):
    set_selected_patient(picked)
    go_to("patient_record")
