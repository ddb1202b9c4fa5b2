"""My account: change one's own password (which ends every other session of the account)."""

from __future__ import annotations

import streamlit as st

from components.auth import require_page
from components.resources import app_settings, current_database
from components.state import set_signed_in
from data_access.passwords import password_matches
from data_access.staff import PasswordPolicy, StaffError, change_password, password_hash_of
from domain.text import t

user = require_page("account")
settings = app_settings()
st.title(t("My account"))
st.write(t("Username: {username} · role: {role}", username=user.username, role=user.role.value))

with st.form("change_password", clear_on_submit=True):
    st.subheader(t("Change password"))
    current = st.text_input(t("Current password"), type="password")
    new = st.text_input(t("New password"), type="password",
                        help=t("At least {n} characters.", n=settings.min_password_length))
    repeat = st.text_input(t("Repeat the new password"), type="password")
    submitted = st.form_submit_button(t("Change password"))

if submitted:
    db = current_database()
    with db.sessions() as session:
        current_ok = password_matches(current, password_hash_of(session, user.username))
    if not current_ok:
        st.error(t("The current password is wrong."))
    elif new != repeat:
        st.error(t("The two new passwords differ."))
    else:
        try:
            with db.sessions() as session, session.begin():
                change_password(session, username=user.username, new_password=new,
                                actor=user.username,
                                policy=PasswordPolicy(settings.min_password_length,
                                                      settings.max_password_length))
        except StaffError as error:
            st.error(str(error))
        else:
            set_signed_in(None)
            st.success(t("Password changed. Every session of this account has ended: "
                         "sign in again with the new password."))
