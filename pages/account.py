"""My account: one's language and calendar, and one's password (a change of password ends every
other session of the account)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components.auth import require_page
from components.resources import app_settings, current_database
from components.state import set_notice, set_signed_in, take_notice
from data_access.passwords import password_matches
from data_access.staff import (
    PasswordPolicy,
    StaffError,
    change_password,
    password_hash_of,
    set_preferences,
)
from domain.calendars import Calendar
from domain.text import t
from i18n.catalog import LANGUAGE_NAMES, LANGUAGES, interface_language

CALENDAR_NAMES = {Calendar.GREGORIAN: "Gregorian", Calendar.JALALI: "Solar Hijri"}

user = require_page("account")
settings = app_settings()
st.title(t("My account"))
st.write(t("Username: {username} · role: {role}", username=user.username, role=user.role.value))
notice = take_notice()
if notice:
    st.success(notice)

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

with st.form("preferences"):
    st.subheader(t("Language and calendar"))
    language = st.selectbox(t("Language"), LANGUAGES, index=LANGUAGES.index(user.language)
                            if user.language in LANGUAGES else 0,
                            format_func=lambda code: LANGUAGE_NAMES.get(code, code),
                            key="account_language")
    calendar = st.selectbox(t("Calendar"), list(Calendar),
                            index=list(Calendar).index(user.calendar),
                            format_func=lambda choice: t(CALENDAR_NAMES[choice]),
                            key="account_calendar",
                            help=t("Dates are shown and typed in this calendar; they are "
                                   "stored in the Gregorian calendar either way."))
    saved = st.form_submit_button(t("Save preferences"))

if saved:
    with current_database().sessions() as session, session.begin():
        stored = set_preferences(session, user_id=user.id, language=language or user.language,
                                 calendar=calendar or user.calendar, actor=user.username)
    # In effect at once: the next run (and every page after it) reads the new settings.
    set_signed_in(replace(user, language=stored.language, calendar=stored.calendar))
    with interface_language(stored.language):
        set_notice(t("Preferences saved."))
    st.rerun()
