"""Staff users (admin): who has access, who is locked out, add a user, change a role, unlock."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.auth import require_page
from components.resources import app_settings, current_database
from data_access.clinics import list_clinics
from data_access.clock import utc_now
from data_access.staff import (
    PasswordPolicy,
    StaffError,
    add_user,
    list_users,
    set_role,
    unlock_user,
)
from domain.accounts import is_locked
from domain.text import t
from domain.vocabulary import Role, values
from i18n.catalog import LANGUAGE_NAMES, LANGUAGES

user = require_page("users")
settings = app_settings()
db = current_database()
st.title(t("Staff users"))

with db.sessions() as session:
    users = list_users(session)
    clinics = list_clinics(session)
now = utc_now()
st.dataframe(
    pd.DataFrame(
        [
            {
                t("Username"): u.username,
                t("Name"): u.display_name,
                t("Role"): u.role.value,
                t("Clinics"): ", ".join(u.clinic_codes),
                t("Locked"): is_locked(u.locked_until, now),
                t("Failed sign-ins"): u.failed_logins,
            }
            for u in users
        ]
    ),
    hide_index=True,
    width="stretch",
)

locked = [u.username for u in users if is_locked(u.locked_until, now)]
unlock_column, role_column = st.columns(2)
with unlock_column, st.form("unlock"):
    st.subheader(t("Unlock"))
    to_unlock = st.selectbox(t("Locked account"), locked, index=None,
                             placeholder=t("No account is locked") if not locked else None)
    if st.form_submit_button(t("Unlock")) and to_unlock:
        with db.sessions() as session, session.begin():
            unlock_user(session, username=to_unlock, actor=user.username)
        st.success(t("{username} can sign in again.", username=to_unlock))

with role_column, st.form("role"):
    st.subheader(t("Change role"))
    target = st.selectbox(t("User"), [u.username for u in users], index=None)
    new_role = st.selectbox(t("New role"), values(Role))
    if st.form_submit_button(t("Change role")) and target:
        with db.sessions() as session, session.begin():
            set_role(session, username=target, role=Role(new_role), actor=user.username)
        st.success(t("{username} is now {role}; their open sessions have ended.",
                     username=target, role=new_role))

with st.form("add_user", clear_on_submit=True):
    st.subheader(t("Add a user"))
    username = st.text_input(t("Username"))
    display_name = st.text_input(t("Name"))
    role = st.selectbox(t("Role"), values(Role), index=1)
    chosen = st.multiselect(t("Clinics"), [c.code for c in clinics])
    language = st.selectbox(t("Language"), LANGUAGES,
                            format_func=lambda code: LANGUAGE_NAMES.get(code, code))
    password = st.text_input(t("Initial password"), type="password",
                             help=t("At least {n} characters.", n=settings.min_password_length))
    if st.form_submit_button(t("Add user")):
        try:
            with db.sessions() as session, session.begin():
                added = add_user(session, username=username, password=password, role=Role(role),
                                 clinic_codes=chosen, actor=user.username,
                                 display_name=display_name or None, language=language,
                                 policy=PasswordPolicy(settings.min_password_length,
                                                       settings.max_password_length))
        except StaffError as error:
            st.error(str(error))
        else:
            st.success(t("Added {username}.", username=added.username))
