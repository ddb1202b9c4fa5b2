"""Drawing what an assignment did: who got the module, and who was skipped and why.

Skipped members are always listed with their reason (consent, language, already assigned…):
nobody is dropped in silence.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.dates import date_columns_as_text, dates_as_shown
from components.state import SignedInUser
from data_access.assignments import AssignmentOutcome, ProgressRow
from domain.text import t


def outcome_report(outcome: AssignmentOutcome, *, key: str) -> None:
    if outcome.assigned:
        st.success(t("Assigned to {n} family member(s); each gets one message.",
                     n=len(outcome.assigned)))
    else:
        st.warning(t("Nobody could be assigned this module."))
    if outcome.skipped:
        st.warning(t("{n} family member(s) skipped:", n=len(outcome.skipped)))
        st.dataframe(
            pd.DataFrame([{"patient": s.patient_code, "member": s.member_code,
                           "reason": s.reason} for s in outcome.skipped],
                         columns=["patient", "member", "reason"]),
            hide_index=True, width="stretch", key=f"{key}_skipped",
            column_config={"patient": st.column_config.TextColumn(t("Patient")),
                           "member": st.column_config.TextColumn(t("Member")),
                           "reason": st.column_config.TextColumn(t("Why skipped"))},
        )


def progress_frame(rows: list[ProgressRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"member": r.member_code, "module": r.module_title, "status": str(r.status),
          "overdue": r.overdue, "due": r.due_on, "assigned": r.assigned_at, "sent": r.sent_at,
          "delivered": r.delivered_at, "opened": r.opened_at, "completed": r.completed_at}
         for r in rows],
        columns=["member", "module", "status", "overdue", "due", "assigned", "sent",
                 "delivered", "opened", "completed"],
    )


def progress_table(rows: list[ProgressRow], *, key: str, user: SignedInUser) -> None:
    """Each assignment's way to the family, with overdue ones first and marked; its days in
    the user's calendar."""
    ordered = sorted(rows, key=lambda r: (not r.overdue, r.member_code, r.assigned_at))
    stamp = "YYYY-MM-DD"
    columns = {
        "member": st.column_config.TextColumn(t("Member")),
        "module": st.column_config.TextColumn(t("Module"), width="medium"),
        "status": st.column_config.TextColumn(t("Status")),
        "overdue": st.column_config.CheckboxColumn(t("Overdue")),
        "due": st.column_config.DateColumn(t("Due")),
        "assigned": st.column_config.DatetimeColumn(t("Assigned"), format=stamp),
        "sent": st.column_config.DatetimeColumn(t("Sent"), format=stamp),
        "delivered": st.column_config.DatetimeColumn(t("Delivered"), format=stamp),
        "opened": st.column_config.DatetimeColumn(t("Opened"), format=stamp),
        "completed": st.column_config.DatetimeColumn(t("Completed"), format=stamp),
    }
    st.dataframe(
        dates_as_shown(progress_frame(ordered), user, column_config=columns), hide_index=True,
        width="stretch", key=key, column_config=date_columns_as_text(columns, user),
    )
