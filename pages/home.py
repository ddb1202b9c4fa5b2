"""Home: the day's figures for the clinics the user works in."""

from __future__ import annotations

import streamlit as st

from components.action_items import open_actions_section
from components.auth import require_page
from components.figures import Figure, figure_row
from components.resources import current_database
from components.state import take_notice
from components.view_audit import audit_view
from components.worker_panel import worker_panel
from data_access.clock import today
from data_access.home_figures import home_figures
from data_access.meetings import open_action_items
from data_access.staff import locked_accounts
from domain.access import may_record_decisions
from domain.text import t
from domain.vocabulary import Role

user = require_page("home")
st.title(t("Welcome, {name}", name=user.display_name))
st.caption(t("Clinics: {clinics}", clinics=", ".join(user.clinic_codes) or "—"))

with current_database().sessions() as session:
    figures = home_figures(session, clinic_ids=user.clinic_ids, as_of=today())
    mine = (home_figures(session, clinic_ids=user.clinic_ids, as_of=today(),
                         psychologist_id=user.id)
            if user.role is Role.PSYCHOLOGIST else None)
    locked = locked_accounts(session) if user.role is Role.ADMIN else None
    # Action items are owned by the roles that record decisions (domain.access).
    my_actions = (open_action_items(session, clinic_ids=user.clinic_ids, owner_id=user.id)
                  if may_record_decisions(user.role) else None)

notice = take_notice()
if notice:
    st.success(notice)
if my_actions is not None:
    st.subheader(t("My open actions ({n})", n=len(my_actions)))
    if my_actions:
        audit_view(user, entity="action_items", entity_id=f"owner {user.id}",
                   summary=f"{len(my_actions)} open actions listed")
    open_actions_section(my_actions, user=user, today=today(), key_prefix="home_actions",
                         show_owner=False)

if mine is not None:
    st.subheader(t("My patients"))
    figure_row(
        [
            Figure(t("Active patients"), mine.active_patients),
            Figure(t("Families with active consent"), mine.families_with_consent),
            Figure(t("Questions awaiting an answer"), mine.questions_awaiting_answer),
            Figure(t("Reports awaiting acknowledgement"), mine.reports_awaiting_acknowledgement),
        ],
        key_prefix="home_mine",
    )
    st.subheader(t("All my clinics"))
figure_row(
    [
        Figure(t("Active patients"), figures.active_patients,
               t("Patients in treatment, not discharged.")),
        Figure(t("Families with active consent"), figures.families_with_consent,
               t("Support members whose patient's consent is signed, unexpired and unrevoked.")),
        Figure(t("Questions awaiting an answer"), figures.questions_awaiting_answer),
        Figure(t("Reports awaiting acknowledgement"), figures.reports_awaiting_acknowledgement),
    ],
    key_prefix="home",
)
if figures.emergencies_awaiting_acknowledgement:
    st.error(t("{n} emergency report(s) from families are not yet acknowledged.",
               n=figures.emergencies_awaiting_acknowledgement))
elif figures.needs_attention():
    st.warning(t("Families are waiting: answer their questions and acknowledge their reports."))
else:
    st.success(t("No family is waiting for an answer."))
if locked:
    st.warning(t("Locked staff accounts: {names}. Unlock them on the Staff users page if the "
                 "owner asks.", names=", ".join(locked)))
if user.role is Role.ADMIN:
    worker_panel(user)
