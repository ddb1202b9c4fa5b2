"""The record's family-education section: progress, tailored recommendations per member, one-
click assignment, and recording a consent revocation (which cancels pending assignments).

Only roles that may assign content see the controls; everyone who sees the record sees progress.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.assignment_views import outcome_report, progress_table
from components.caches import clear_patient_caches
from components.dates import date_field, shown_date
from components.figures import Figure, figure_row
from components.resources import app_settings, current_database
from components.state import SignedInUser, set_notice
from data_access.assignments import (
    AssignmentError,
    assign_module,
    member_progress,
    patient_progress_summary,
    revoke_consent,
)
from data_access.clock import utc_now
from data_access.consents import active_consents
from data_access.invites import InviteError, create_invite, deep_link
from data_access.recommendations import recommendations_for_patient
from domain.access import may_assign_content
from domain.tailoring import reason_summary
from domain.text import t


def family_content_section(user: SignedInUser, patient_id: int, as_of: date) -> None:
    st.subheader(t("Family education"))
    with current_database().sessions() as session:
        progress = member_progress(session, patient_id=patient_id, today=as_of)
        summary = patient_progress_summary(session, patient_ids=[patient_id],
                                           today=as_of)[patient_id]
    if progress:
        figure_row([
            Figure(t("Assigned"), summary.assigned), Figure(t("Sent"), summary.sent),
            Figure(t("Delivered"), summary.delivered), Figure(t("Opened"), summary.opened),
            Figure(t("Completed"), summary.completed), Figure(t("Overdue"), summary.overdue),
        ], key_prefix="record_family_progress")
        progress_table(progress, key="record_progress", user=user)
    else:
        st.caption(t("No module assigned yet."))
    if not may_assign_content(user.role):
        return
    _recommend_and_assign(user, patient_id, as_of)
    _telegram_invite(user, patient_id, as_of)
    _revocation(user, patient_id, as_of)


def _recommend_and_assign(user: SignedInUser, patient_id: int, as_of: date) -> None:
    with current_database().sessions() as session:
        ranked = recommendations_for_patient(session, patient_id=patient_id,
                                             clinic_ids=list(user.clinic_ids), as_of=as_of,
                                             limit=5)
    if not ranked:
        st.info(t("No active family member: invite one before assigning content."))
        return
    members = {r.member_id: r for r in ranked}
    member_id = st.selectbox(
        t("Recommendations for"), list(members), key="record_recommend_member",
        format_func=lambda mid: f"{members[mid].member_code} ({members[mid].relation}, "
                                f"{members[mid].language})")
    chosen = members[member_id or next(iter(members))]
    if not chosen.recommendations:
        st.info(t("Nothing left to recommend in this member's language."))
        return
    st.dataframe(
        pd.DataFrame([{"rank": n, "module": rec.title, "code": rec.code,
                       "why": reason_summary(rec)}
                      for n, rec in enumerate(chosen.recommendations, start=1)],
                     columns=["rank", "module", "code", "why"]),
        hide_index=True, width="stretch", key="record_recommendations",
        column_config={"rank": st.column_config.NumberColumn("#"),
                       "module": st.column_config.TextColumn(t("Module")),
                       "code": st.column_config.TextColumn(t("Code")),
                       "why": st.column_config.TextColumn(t("Why"), width="large")})
    titles = {rec.module_id: f"{rec.title} ({rec.code})" for rec in chosen.recommendations}
    with st.form(f"record_assign_{chosen.member_id}"):
        module_id = st.selectbox(t("Module to assign"), list(titles),
                                 format_func=lambda mid: titles[mid], key="record_assign_module")
        due_on = date_field(t("Due on"), as_of + timedelta(days=14), min_value=as_of,
                            key="record_assign_due", user=user)
        note = st.text_area(t("Personal note (optional)"), max_chars=1000,
                            key="record_assign_note")
        submitted = st.form_submit_button(t("Assign"), type="primary")
    if submitted and due_on.refused:
        st.error(t("Nothing was assigned: correct the due date and assign again."))
    elif submitted and module_id is not None:
        try:
            with current_database().sessions() as session, session.begin():
                outcome = assign_module(session, module_id=module_id,
                                        member_ids=[chosen.member_id], due_on=due_on.day,
                                        note=note, actor=user.username, by_user_id=user.id,
                                        today=as_of, clinic_ids=user.clinic_ids,
                                        shown=lambda day: shown_date(day, user))
        except AssignmentError as error:
            st.error(str(error))
        else:
            clear_patient_caches()
            outcome_report(outcome, key="record_assign_outcome")


def _telegram_invite(user: SignedInUser, patient_id: int, as_of: date) -> None:
    """A one-time code the clinic gives a member to link a Telegram chat (7 days, single use)."""
    with current_database().sessions() as session:
        consents = active_consents(session, patient_id=patient_id, on=as_of)
    members = {c.member_id: c.member_code for c in consents}
    if not members:
        return
    with st.expander(t("Link a family member's Telegram")):
        member_id = st.selectbox(t("Family member"), list(members),
                                 format_func=lambda mid: members[mid], key="invite_member")
        if st.button(t("Create invite code"), key="invite_create") and member_id is not None:
            settings = app_settings()
            try:
                with current_database().sessions() as session, session.begin():
                    code = create_invite(session, member_id=member_id, actor=user.username,
                                         now=utc_now(), days=settings.channels.invite_days)
            except InviteError as error:
                st.error(str(error))
                return
            st.success(t("Give this code to {member}. It works once, for {days} days; earlier "
                         "codes stop working.", member=members[member_id],
                         days=settings.channels.invite_days))
            st.code(code, language=None)
            st.code(deep_link(settings.channels.telegram.bot_username, code), language=None)


def _revocation(user: SignedInUser, patient_id: int, as_of: date) -> None:
    with current_database().sessions() as session:
        consents = active_consents(session, patient_id=patient_id, on=as_of)
    if not consents:
        return
    with st.expander(t("Record a consent revocation")):
        st.caption(t("The patient may revoke a consent at any time (42 CFR 2.31). The member's "
                     "pending assignments are cancelled and their queued messages held back."))
        labels = {c.consent_id: f"{c.member_code} · {c.scope} · "
                                f"{t('signed')} {shown_date(c.signed_on, user)}"
                  for c in consents}
        with st.form("record_revoke"):
            consent_id = st.selectbox(t("Consent"), list(labels),
                                      format_func=lambda cid: labels[cid], key="revoke_consent")
            revoked_on = date_field(t("Revoked on"), as_of, max_value=as_of, key="revoke_on",
                                    user=user).day
            submitted = st.form_submit_button(t("Record revocation"))
        if submitted and consent_id is not None and revoked_on is not None:
            try:
                with current_database().sessions() as session, session.begin():
                    cancelled = revoke_consent(session, consent_id=consent_id,
                                               revoked_on=revoked_on, actor=user.username,
                                               today=as_of,
                                               shown=lambda day: shown_date(day, user))
            except AssignmentError as error:
                st.error(str(error))
            else:
                clear_patient_caches()
                set_notice(t("Consent revoked; {n} pending assignment(s) cancelled.",
                             n=cancelled))
                st.rerun()
