"""The family-channel worker as admins see it: last heartbeat and the outbox backlog.

The dashboard never depends on the worker: this only reads what the worker last wrote. The
heartbeat is shown in the admin's calendar and digits, in UTC as the worker writes it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.dates import shown_moment
from components.figures import Figure, figure_row
from components.resources import current_database
from components.state import SignedInUser
from data_access.clock import utc_now
from data_access.worker_status import worker_status
from domain.digits import localise_digits
from domain.text import t

# Three missed cycles at the default 10-second rhythm, with room for a slow cycle.
STALE_AFTER_SECONDS = 120


def worker_panel(user: SignedInUser) -> None:
    with current_database().sessions() as session:
        status = worker_status(session, now=utc_now())
    st.subheader(t("Family channel"))
    if status.last_beat is None:
        st.warning(t("The worker has never run: messages to families wait in the outbox. "
                     "Start it with `hamrah worker` (make run starts it)."))
    elif status.is_stale(STALE_AFTER_SECONDS):
        st.error(t("The worker's last heartbeat was {time} UTC: it seems to be down, and "
                   "messages to families wait.", time=shown_moment(status.last_beat, user)))
    else:
        st.success(t("The worker is running (last heartbeat {time} UTC).",
                     time=localise_digits(f"{status.last_beat:%H:%M:%S}", user.language)))
    oldest = status.oldest_queued_seconds
    figure_row([
        Figure(t("Waiting to be sent"), status.queued,
               t("Oldest waiting: {hours:.1f} h", hours=oldest / 3600) if oldest else ""),
        Figure(t("Failed"), status.failed, t("Gave up after retries, or refused")),
        Figure(t("Blocked: no consent"), status.blocked),
        Figure(t("To give by phone"), status.by_phone,
               t("Phone-call families: calls on the outreach worklist")),
    ], key_prefix="worker_panel")
    if status.backlog:
        st.dataframe(pd.DataFrame([{"status": b.status, "channel": b.channel, "messages": b.count}
                                   for b in status.backlog],
                                  columns=["status", "channel", "messages"]),
                     hide_index=True, width="content", key="worker_backlog")
