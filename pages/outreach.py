"""Outreach: which families to reach now, in what order and why; log each attempt in two clicks.

Select a row (one click), fill in the outcome and press "Log attempt" (two). The worklist, the
CLI and the export all come from ``data_access.outreach.outreach_worklist``.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from components import outreach_data, patient_data
from components.auth import require_page
from components.caches import clear_patient_caches
from components.dates import date_field, dates_as_shown, shown_date
from components.export_buttons import table_download_buttons
from components.navigation import go_to
from components.outreach_views import TABLE_ROWS_PER_TIER, export_frame, worklist_table
from components.picker import synced_pick
from components.resources import app_settings, current_database
from components.state import set_notice, set_selected_patient, take_notice
from components.view_audit import audit_view
from data_access.clock import today
from data_access.outreach import OutreachInputError, attempt_history, log_attempt
from domain.outreach import (
    REASON_TIERS,
    ReasonCode,
    Tier,
    WorklistItem,
    filter_worklist,
    tier_count,
    tier_groups,
    worklist_as_shown,
)
from domain.text import t
from domain.vocabulary import Channel, OutreachOutcome, values

user = require_page("outreach")
settings = app_settings()
as_of = today()
st.title(t("Outreach"))
notice = take_notice()
if notice:
    st.success(notice)

with st.spinner(t("Finding the families to reach…")):
    worklist = outreach_data.worklist_items(user.clinic_ids, as_of, user.language, settings,
                                            settings.database_url)

TIER_TITLES = {Tier.URGENT: t("Urgent: today"), Tier.HIGH: t("High: this week"),
               Tier.ROUTINE: t("Routine")}
tier_column, reason_column, psychologist_column = st.columns(3)
tiers = tier_column.multiselect(t("Tier"), list(Tier), format_func=str, key="outreach_tier")
reasons = reason_column.multiselect(t("Reason"), list(ReasonCode), format_func=str,
                                    key="outreach_reason")
psychologists = patient_data.psychologists(user.clinic_ids, settings.database_url)
names = {p.id: p.name for p in psychologists}
psychologist_id = psychologist_column.selectbox(
    t("Psychologist"), [None, *names],
    format_func=lambda pid: t("All") if pid is None else names[pid], key="outreach_psychologist")
items = filter_worklist(worklist, tiers=tiers, reasons=reasons,
                        psychologist_id=psychologist_id)
audit_view(user, entity="outreach_worklist", entity_id=as_of.isoformat(),
           summary=f"{len(worklist)} items, clinics {', '.join(user.clinic_codes)}")
st.caption(t("{shown} of {total} families to reach · {urgent} urgent · as of {date}",
             shown=len(items), total=len(worklist), urgent=tier_count(worklist, Tier.URGENT),
             date=shown_date(as_of, user)))
if not worklist:
    st.success(t("No family needs a call today."))

table_pick: int | None = None
groups = tier_groups(items, rows_per_tier=TABLE_ROWS_PER_TIER)
contexts = outreach_data.worklist_contexts([item for group in groups for item in group.items],
                                           as_of, user.role, settings.database_url)
by_patient: dict[int, WorklistItem] = {}
for group in groups:
    # What the screen shows: reasons naming their dates as the user reads them (the export
    # is ISO).
    drawn = worklist_as_shown(group.items, lambda day: shown_date(day, user))
    by_patient |= {item.patient_id: item for item in drawn}
    st.subheader(f"{TIER_TITLES[group.tier]} ({group.total})")
    if group.cut:
        st.caption(t("The {rows} most pressing of {total}: filter by reason or psychologist "
                     "for the others; the export holds them all.",
                     rows=len(group.items), total=group.total))
    picked = worklist_table(drawn, contexts, key=f"outreach_{group.tier.value}", user=user)
    if picked is not None and table_pick is None:
        table_pick = picked

# Built when a button is clicked: thousands of rows at network scale.
table_download_buttons(lambda: export_frame(items),
                       file_stem=f"hamrah-outreach-{as_of.isoformat()}", rows=len(items),
                       sheet_name="Outreach", user=user, entity="outreach_worklist",
                       entity_id=as_of.isoformat(), key_prefix="outreach_export",
                       disabled=not items)

st.divider()
choices = {item.patient_id: f"{item.patient_code} · {item.tier} · {item.reasons[0].text}"
           for item in by_patient.values()}
chosen = synced_pick(t("Log an attempt for"), choices, table_pick, key="outreach_pick")
if chosen is None:
    st.info(t("Select a row to log a call or message."))
    st.stop()
selected = by_patient[chosen]
audit_view(user, entity="patient", entity_id=selected.patient_id,
           summary="viewed outreach item with family contact details")

context = contexts.get(selected.patient_id)
st.subheader(t("Log an attempt for {patient}", patient=selected.patient_code))
st.caption(" · ".join(f"{r.text} ({REASON_TIERS[r.code]})" for r in selected.reasons))
members = list(context.members) if context else []
member_labels = {None: t("The patient")} | {m.member_id: f"{m.code} ({m.relation}) {m.name}"
                                            for m in members}
with st.form("log_attempt", clear_on_submit=True):
    member_id = st.selectbox(t("Who"), list(member_labels), index=1 if members else 0,
                             format_func=lambda mid: member_labels[mid], key="attempt_member")
    default_channel = members[0].channel if members else Channel.PHONE_CALL.value
    channel = st.selectbox(t("Channel"), values(Channel),
                           index=values(Channel).index(default_channel), key="attempt_channel")
    outcome = st.radio(t("Outcome"), values(OutreachOutcome), horizontal=True,
                       key="attempt_outcome")
    note = st.text_area(t("Note"), key="attempt_note", max_chars=2000)
    follow_up = date_field(t("Follow up on (hides the item until then)"), None,
                           min_value=as_of + timedelta(days=1), key="attempt_follow_up",
                           user=user)
    submitted = st.form_submit_button(t("Log attempt"), type="primary")
if submitted and follow_up.refused:
    st.error(t("Nothing was logged: correct the follow-up date and log the attempt again."))
elif submitted:
    try:
        with current_database().sessions() as session, session.begin():
            log_attempt(session, patient_id=selected.patient_id, member_id=member_id,
                        channel=channel, outcome=outcome, note=note, follow_up_on=follow_up.day,
                        tier=selected.tier, actor=user.username, by_user_id=user.id, today=as_of,
                        shown=lambda day: shown_date(day, user))
    except OutreachInputError as error:
        st.error(str(error))
    else:
        clear_patient_caches()
        set_notice(t("Attempt logged for {patient}.", patient=selected.patient_code))
        st.rerun()

with current_database().sessions() as session:
    history = attempt_history(session, selected.patient_id, limit=5)
if history:
    st.caption(t("Latest attempts"))
    st.dataframe(
        dates_as_shown(pd.DataFrame(
            [{"at": a.attempted_at, "channel": a.channel, "outcome": a.outcome,
              "note": a.note or "", "follow_up": a.follow_up_on} for a in history]), user),
        hide_index=True, width="stretch",
    )
if st.button(t("Open the record of {patient}", patient=selected.patient_code),
             key="outreach_open_record"):
    set_selected_patient(selected.patient_id)
    go_to("patient_record")
