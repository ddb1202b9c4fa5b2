"""Process-wide resources: the settings and the database engine (``st.cache_resource``)."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from data_access.database import Database, open_database
from settings import Settings, load_settings


def _secrets() -> Mapping[str, object]:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: environment variables only
        return {}


def app_settings() -> Settings:
    """Read on every run (cheap) so that a changed environment in tests is honoured."""
    return load_settings(secrets=_secrets())


@st.cache_resource(max_entries=4)
def database(url: str) -> Database:
    """One engine per database URL for the whole server: engines pool their connections."""
    return open_database(url)


def current_database() -> Database:
    return database(app_settings().database_url)
