"""The page a family member reaches from a module link: no sign-in, nothing about the patient.

It records that the assignment was opened (a signed link: ``domain.open_links``), then sends the
browser on to the module. A forged or damaged link records nothing.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from data_access.clock import utc_now
from data_access.database import Database
from data_access.intake import open_from_link
from domain.open_links import OPEN_PARAMETER, read_open_token
from domain.text import t
from settings import Settings


def is_open_link() -> bool:
    return OPEN_PARAMETER in st.query_params


def open_link_screen(db: Database, settings: Settings) -> None:
    assignment_id = read_open_token(st.query_params.get(OPEN_PARAMETER, ""),
                                    settings.cookie_key)
    if assignment_id is None:
        st.error(t("This link is not valid. Please ask your clinic for a new one."))
        return
    with db.sessions() as session, session.begin():
        target = open_from_link(session, assignment_id=assignment_id, now=utc_now())
    if target is None:
        st.info(t("Thank you. Your clinic will send you the material in the chat."))
        return
    st.markdown(t("Opening the material from your clinic…"))
    st.link_button(t("Open it"), target, type="primary")
    components.html(f"<script>window.top.location.href = {json.dumps(target)};</script>",
                    height=0)
