"""Patient record: essentials, doses, screens, phases, readiness, family, and phase change."""

from __future__ import annotations

import streamlit as st

from components import patient_charts, patient_data, patient_views
from components.action_items import open_actions_section
from components.auth import require_page
from components.caches import clear_patient_caches
from components.dates import dates_as_shown, shown_date
from components.export_buttons import patient_summary_button
from components.family_content import family_content_section
from components.manual_entry import manual_entry
from components.resources import app_settings, current_database
from components.state import selected_patient, set_notice, set_selected_patient, take_notice
from data_access.clock import today
from data_access.meetings import open_action_items
from data_access.patient_record import (
    PatientNotFound,
    change_phase,
    record_view,
)
from domain.access import may_change_phase, may_enter_records, sees_contact_details
from domain.dose_calendar import dose_calendar
from domain.phase_change import check_phase_change, direction_text, unmet_summary
from domain.phases import next_phases, phase_direction
from domain.readiness import criteria_as_shown
from domain.text import t

user = require_page("patient_record")
settings = app_settings()
db = current_database()
as_of = today()

choices = dict(patient_data.record_choices(user.clinic_ids, settings.database_url))
current = selected_patient()
options: list[int] = list(choices)
position: int | None = options.index(current) if current in choices else None
picked = st.selectbox(t("Patient"), options, format_func=lambda pid: choices[pid],
                      index=position, placeholder=t("Choose a patient"), key="record_pick")
if picked is None:
    st.title(t("Patient record"))
    st.info(t("Choose a patient, or open one from the Patients page."))
    st.stop()
if picked != current:
    set_selected_patient(picked)

show_contact = sees_contact_details(user.role)
try:
    reads = patient_data.record(user.clinic_ids, picked, as_of, user.role.value, settings,
                                settings.database_url)
except PatientNotFound:
    st.error(t("No such patient in your clinics."))
    st.stop()
# Audited on every open, outside the cache; open actions are read live, since the buttons that
# close them (here and at the case meeting) do not clear the record's cache.
with db.sessions() as session, session.begin():
    record_view(session, patient_id=picked, actor=user.username, redacted=not show_contact)
    actions = open_action_items(session, clinic_ids=user.clinic_ids, patient_id=picked)
header, signals, start = reads.header, reads.signals, reads.doses_since
doses, screens, history = reads.doses, reads.screens, reads.history
family, engagement, activity = reads.family, reads.engagement, reads.activity

notice = take_notice()
if notice:
    st.success(notice)
patient_views.patient_header(header, signals, user=user, key_prefix="record")
patient_summary_button(picked, user, key_prefix="record", patient_code=header.code, as_of=as_of)
if signals is not None:
    patient_views.flags_list(signals)

st.subheader(t("Doses, last 180 days"))
days = dose_calendar(doses, start, as_of, header.admission_date, header.discharged_on)
st.altair_chart(patient_charts.dose_calendar_chart(days, first_weekday=reads.first_weekday,
                                                   calendar=user.calendar,
                                                   language=user.language),
                width="stretch")
if any(day.dose_mg is not None for day in days):
    st.altair_chart(patient_charts.dose_trend_chart(days, calendar=user.calendar,
                                                    language=user.language), width="stretch")

st.subheader(t("Urine screens, last 12 months"))
if screens.empty:
    st.info(t("No screen in the last 12 months."))
else:
    st.altair_chart(patient_charts.screen_timeline_chart(screens, calendar=user.calendar,
                                                         language=user.language),
                    width="stretch")

st.subheader(t("Treatment phases"))
if not history.empty:
    st.altair_chart(patient_charts.phase_timeline_chart(history, as_of, calendar=user.calendar,
                                                        language=user.language),
                    width="stretch")
    st.dataframe(dates_as_shown(history, user), hide_index=True, width="stretch",
                 key="record_history")

readiness_column, take_home_column = st.columns([3, 1])
with readiness_column:
    st.subheader(t("Step-down readiness"))
    if signals is not None:
        patient_views.readiness_checklist(
            criteria_as_shown(signals.readiness, lambda day: shown_date(day, user)),
            key_prefix="record")
with take_home_column:
    st.subheader(t("Take-home"))
    tier = signals.take_home_max_doses if signals is not None else None
    st.metric(t("Most take-home doses allowed"), "—" if tier is None else tier,
              help=t("US 42 CFR 8.12(i) (2024) tiers by days in treatment: information for "
                     "the prescriber, never a decision."))

st.subheader(t("Open actions ({n})", n=len(actions)))
open_actions_section(actions, user=user, today=as_of, key_prefix="record_actions",
                     show_patient=False)

st.subheader(t("Support members"))
patient_views.members_table(family, show_contact=show_contact, key_prefix="record", user=user)
if not engagement.empty:
    st.altair_chart(patient_charts.engagement_timeline_chart(engagement, calendar=user.calendar,
                                                             language=user.language),
                    width="stretch")
family_content_section(user, picked, as_of)
for title, key in ((t("Questions"), "questions"),
                   (t("Condition reports"), "reports"), (t("Outreach"), "outreach")):
    frame = activity[key]
    with st.expander(f"{title} ({len(frame)})"):
        st.dataframe(dates_as_shown(frame, user), hide_index=True, width="stretch",
                     key=f"record_{key}")

if may_enter_records(user.role):
    with st.expander(t("Add or correct a record")):
        if manual_entry(db, patient_code=header.code, clinic_code=header.clinic_code,
                        actor=user.username, today=as_of, key_prefix="manual", user=user):
            clear_patient_caches()

if may_change_phase(user.role) and signals is not None:
    st.subheader(t("Change phase"))
    target = st.selectbox(t("Next phase"), next_phases(header.phase), key="phase_target",
                          format_func=lambda p: f"{p.value} — "
                          f"{direction_text(phase_direction(header.phase, p))}")
    reason = st.text_area(t("Reason"), key="phase_reason")
    check = check_phase_change(header.phase, target, reason, "", signals.readiness)
    override = ""
    if check.needs_override:
        st.warning(t("Not all step-down criteria are met: {unmet}", unmet=unmet_summary(
            criteria_as_shown(check.unmet, lambda day: shown_date(day, user)))))
        override = st.text_area(t("Override reason (recorded with the unmet criteria)"),
                                key="phase_override")
    if st.button(t("Record phase change"), key="phase_submit", type="primary"):
        check = check_phase_change(header.phase, target, reason, override,
                                   signals.readiness)
        if not check.allowed:
            for problem in check.problems:
                st.error(problem)
        else:
            with db.sessions() as session, session.begin():
                change_phase(session, patient_id=picked, clinic_ids=user.clinic_ids,
                             to_phase=target, on=as_of, reason=reason,
                             override_reason=override or None,
                             unmet_criteria=unmet_summary(check.unmet) or None,
                             by_user_id=user.id, actor=user.username)
            clear_patient_caches()
            set_notice(t("Phase changed to {phase}.", phase=target.value))
            st.rerun()
