"""Audit what a page shows (45 CFR 164.312(b)): lists once per session and day, details each time
they change, so the log records every disclosure without one entry per keystroke."""

from __future__ import annotations

import streamlit as st

from components.resources import current_database
from components.state import SignedInUser
from data_access.audit import record_audit
from data_access.clock import today
from domain.vocabulary import AuditAction

_SEEN_KEY = "hamrah_audited_views"


def audit_view(user: SignedInUser, *, entity: str, entity_id: str | int | None,
               summary: str) -> None:
    """Record one VIEW unless this user already viewed the same thing today in this session."""
    seen: set[tuple[str, str, str]] = st.session_state.setdefault(_SEEN_KEY, set())
    key = (entity, str(entity_id), today().isoformat())
    if key in seen:
        return
    with current_database().sessions() as session, session.begin():
        record_audit(session, actor=user.username, action=AuditAction.VIEW, entity=entity,
                     entity_id=None if entity_id is None else str(entity_id), summary=summary)
    seen.add(key)
