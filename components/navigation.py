"""The page registry turned into ``st.Page`` objects for one role: ``app.py`` and the smoke test
share it, so a page cannot be reachable in one and missing from the other."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components.outreach_data import urgent_count
from components.state import SignedInUser
from data_access.clock import today
from domain.access import PAGES_BY_KEY, PageAccess, can_view, pages_for
from domain.text import t
from domain.vocabulary import Role
from settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def page_file(page: PageAccess) -> Path:
    return PROJECT_ROOT / page.path


def navigation_for(role: Role,
                   badges: Mapping[str, str] | None = None) -> dict[str, list[StreamlitPage]]:
    """The role's pages by section; ``badges`` adds a short text to a title
    ("Outreach · 3 urgent")."""
    sections: dict[str, list[StreamlitPage]] = {}
    for page in pages_for(role):
        title = t(page.title)
        badge = (badges or {}).get(page.key)
        if badge:
            title = f"{title} · {badge}"
        sections.setdefault(t(page.section), []).append(
            st.Page(page_file(page), title=title, icon=page.icon,
                    url_path=page.key, default=page.key == "home")
        )
    return sections


def go_to(page_key: str) -> None:
    """Switch to a registry page by key (absolute path: independent of the entry script)."""
    st.switch_page(page_file(PAGES_BY_KEY[page_key]))


def navigation_badges(user: SignedInUser, settings: Settings) -> dict[str, str]:
    """The count of urgent outreach items beside "Outreach", for the roles that call families."""
    if not can_view(user.role, "outreach"):
        return {}
    urgent = urgent_count(user.clinic_ids, today(), settings, settings.database_url)
    return {"outreach": t("{n} urgent", n=urgent)} if urgent else {}
