"""The page registry turned into ``st.Page`` objects for one role: ``app.py`` and the smoke test
share it, so a page cannot be reachable in one and missing from the other."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from domain.access import PAGES_BY_KEY, PageAccess, pages_for
from domain.text import t
from domain.vocabulary import Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def page_file(page: PageAccess) -> Path:
    return PROJECT_ROOT / page.path


def navigation_for(role: Role) -> dict[str, list[StreamlitPage]]:
    sections: dict[str, list[StreamlitPage]] = {}
    for page in pages_for(role):
        sections.setdefault(t(page.section), []).append(
            st.Page(page_file(page), title=t(page.title), icon=page.icon,
                    url_path=page.key, default=page.key == "home")
        )
    return sections


def go_to(page_key: str) -> None:
    """Switch to a registry page by key (absolute path: independent of the entry script)."""
    st.switch_page(page_file(PAGES_BY_KEY[page_key]))
