"""Assign content to a cohort: choose patients by phase, medication, flag or psychologist, and
send one module to all their family members who may receive it.

Members without an active consent (42 CFR 2.31), who read another language or already have the
module are listed as skipped with the reason, never dropped in silence.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components.assignment_views import outcome_report
from components.auth import require_page
from components.caches import clear_patient_caches
from components.dates import date_field, shown_date
from components.resources import current_database
from data_access.assignments import AssignmentError, assign_module, cohort_members
from data_access.clock import today
from data_access.content import list_modules
from data_access.questions import answering_staff
from domain.signals import Flag
from domain.text import t
from domain.vocabulary import Medication, Phase, values

user = require_page("assign_content")
as_of = today()
st.title(t("Assign content to a cohort"))

with current_database().sessions() as session:
    staff = dict(s for cid in user.clinic_ids for s in answering_staff(session, cid))
    modules = list_modules(session)

phase_column, medication_column, flag_column, psychologist_column = st.columns(4)
phases = phase_column.multiselect(t("Phase"), [p for p in values(Phase) if p != "discharged"],
                                  key="cohort_phases")
medications = medication_column.multiselect(t("Medication"), values(Medication),
                                            key="cohort_medications")
flags = flag_column.multiselect(t("Flag"), values(Flag), key="cohort_flags")
psychologists = psychologist_column.multiselect(t("Psychologist"), list(staff),
                                                format_func=lambda sid: staff[sid],
                                                key="cohort_psychologists")
with st.spinner(t("Finding the cohort…")), current_database().sessions() as session:
    cohort = cohort_members(session, clinic_ids=user.clinic_ids, as_of=as_of, phases=phases,
                            medications=medications, flags=flags,
                            psychologist_ids=psychologists)
patients = {member.patient_id for member in cohort}
st.caption(t("{patients} patient(s), {members} family member(s) in the cohort",
             patients=len(patients), members=len(cohort)))
with st.expander(t("Who is in the cohort")):
    st.dataframe(pd.DataFrame([{"patient": m.patient_code, "member": m.member_code,
                                "relation": m.relation, "language": m.language}
                               for m in cohort], columns=["patient", "member", "relation",
                                                          "language"]),
                 hide_index=True, width="stretch", key="cohort_members")

choices = {m.id: f"{m.code} · {m.title} ({m.language})" for m in modules}
with st.form("cohort_assign"):
    module_id = st.selectbox(t("Module"), list(choices), format_func=lambda mid: choices[mid],
                             index=None, placeholder=t("Choose a module"), key="cohort_module")
    due_on = date_field(t("Due on"), as_of + timedelta(days=14), min_value=as_of,
                        key="cohort_due", user=user)
    note = st.text_area(t("Personal note (optional)"), max_chars=1000, key="cohort_note")
    submitted = st.form_submit_button(t("Assign to the cohort"), type="primary")
if submitted:
    if due_on.refused:
        st.error(t("Nothing was assigned: correct the due date and assign again."))
    elif module_id is None:
        st.error(t("Choose a module first."))
    elif not cohort:
        st.error(t("The cohort is empty: change the filters."))
    else:
        try:
            with st.spinner(t("Assigning to {n} family member(s)…", n=len(cohort))), \
                    current_database().sessions() as session, session.begin():
                outcome = assign_module(
                    session, module_id=module_id, member_ids=[m.member_id for m in cohort],
                    due_on=due_on.day, note=note, actor=user.username, by_user_id=user.id,
                    today=as_of, clinic_ids=user.clinic_ids,
                    shown=lambda day: shown_date(day, user))
        except AssignmentError as error:
            st.error(str(error))
        else:
            clear_patient_caches()
            outcome_report(outcome, key="cohort_outcome")
