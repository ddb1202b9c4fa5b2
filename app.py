"""Hamrah's entry point: page frame, sign-in gate, and navigation built from the user's role."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from components import auth, state
from components.collector import freeze_start_up_objects
from components.direction import page_direction
from components.emergency_banner import emergency_banner
from components.navigation import navigation_badges, navigation_for
from components.open_link import is_open_link, open_link_screen
from components.resources import app_settings, database
from data_access.clock import utc_now
from data_access.engine import DatabaseConfigError
from domain.text import t
from i18n.catalog import SOURCE_LANGUAGE, interface_language
from settings import SettingsError

st.set_page_config(page_title="Hamrah", page_icon=":material/diversity_1:", layout="wide")
freeze_start_up_objects()
state.init_state()

try:
    settings = app_settings()
    db = database(settings.database_url)
except (SettingsError, DatabaseConfigError) as error:
    st.error(f"Hamrah cannot start: {error}")
    st.stop()

if is_open_link():
    # A family member's module link: recorded and forwarded without any staff sign-in.
    open_link_screen(db, settings)
    st.stop()

cookie = auth.VersionedCookie(settings)
user = auth.authenticate(db, settings, cookie)

if user is not None:
    with interface_language(user.language), st.sidebar:
        st.caption(t("Signed in as {name} ({role})", name=user.display_name, role=user.role.value))
        if st.button(t("Sign out"), key="sign_out"):
            # Signed out in this same run, so the cookie's deletion is drawn in it.
            auth.logout(db, user, cookie)
            user = None


def sign_in_screen() -> None:
    page_direction(SOURCE_LANGUAGE)
    st.title("Hamrah")
    if auth.login_form(db, settings, cookie) is not None:
        st.rerun()


if user is None:
    auth.delete_pending_cookie(cookie)
    st.navigation([st.Page(sign_in_screen, title="Sign in", url_path="sign-in")],
                  position="hidden").run()
    st.stop()

auth.write_pending_cookie(user, cookie)
with interface_language(user.language):
    page = st.navigation(navigation_for(user.role, navigation_badges(user, settings)))
    page_direction(user.language)
    emergency_banner(user)
    with st.sidebar:

        @st.fragment(run_every=timedelta(seconds=30))
        def idle_watch() -> None:
            """A timer rerun is not user action: it only checks, never refreshes the clock."""
            last = state.last_activity()
            timeout = timedelta(minutes=settings.idle_timeout_minutes)
            if last is not None and utc_now() - last >= timeout:
                st.rerun(scope="app")

        idle_watch()
    page.run()
