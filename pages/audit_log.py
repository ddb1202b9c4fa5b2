"""Audit log (admin): the latest entries and a check that the hash chain is intact."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.auth import require_page
from components.dates import date_columns_as_text, dates_as_shown
from components.resources import current_database
from data_access.audit import recent_audit, record_audit, verify_audit_chain
from domain.text import t
from domain.vocabulary import AuditAction

user = require_page("audit_log")
db = current_database()
st.title(t("Audit log"))

if st.button(t("Verify the chain")):
    with db.sessions() as session:
        result = verify_audit_chain(session)
    if result.broken is None:
        st.success(t("The audit chain is intact: {n} entries.", n=result.entries))
    else:
        st.error(t("The audit chain is broken at entry {seq}: {reason}",
                   seq=result.broken.seq, reason=result.broken.reason))

with db.sessions() as session, session.begin():
    rows = recent_audit(session, limit=500)
    record_audit(session, actor=user.username, action=AuditAction.VIEW, entity="audit_log",
                 summary="viewed the latest 500 entries")
entries = pd.DataFrame(rows)
if not entries.empty:
    # recent_audit gives ISO text to the second: as moments, they show in the user's calendar.
    entries["at"] = pd.to_datetime(entries["at"])
columns = {"at": st.column_config.DatetimeColumn("at", format="YYYY-MM-DD HH:mm:ss")}
st.dataframe(dates_as_shown(entries, user, column_config=columns), hide_index=True,
             width="stretch", column_config=date_columns_as_text(columns, user))
