"""Open action items as a list with a "Done" button for whoever may mark each one done.

Shared by the home page (my open actions), the patient record and the case meeting. The decision
text is drawn with ``st.text`` (never parsed as Markdown or HTML); overdue and due-today items
carry a coloured badge so that they stand out. Dates are in the reader's calendar and language
(``components.dates.shown_date``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from components.dates import shown_date
from components.meeting_views import proposed_agenda
from components.resources import current_database
from components.state import SignedInUser, set_notice
from data_access.meetings import ActionItemView, MeetingError, complete_action_item
from domain.access import may_complete_action
from domain.meetings import ActionItemError, DueStatus, due_status, due_text
from domain.text import t

_BADGE_COLOURS = {DueStatus.OVERDUE: "red", DueStatus.DUE_TODAY: "orange",
                  DueStatus.UPCOMING: "gray"}


def item_heading(item: ActionItemView, today: date, *, user: SignedInUser, show_patient: bool,
                 show_owner: bool) -> str:
    """The line above an item's text: due badge, then patient, owner and meeting; dates as
    ``user`` reads them."""
    def shown(day: date) -> str:
        return shown_date(day, user)

    colour = _BADGE_COLOURS[due_status(item.due_on, today)]
    parts = [f":{colour}-badge[{due_text(item.due_on, today, shown)}]"]
    if show_patient:
        parts.append(f"**{item.patient_code}** {item.patient_name}")
    if show_owner:
        parts.append(t("owner: {name}", name=item.owner_name))
    if item.meeting_held_on is not None:
        parts.append(t("case meeting of {date}", date=shown(item.meeting_held_on)))
    return " · ".join(parts)


def action_item_list(items: Sequence[ActionItemView], *, user: SignedInUser, today: date,
                     key_prefix: str, show_patient: bool = True,
                     show_owner: bool = True) -> int | None:
    """Draw the items; return the id of the item whose "Done" was pressed in this run."""
    pressed: int | None = None
    for item in items:
        with st.container(border=True, key=f"{key_prefix}_item_{item.id}"):
            text_column, button_column = st.columns([6, 1], vertical_alignment="center")
            with text_column:
                st.markdown(item_heading(item, today, user=user, show_patient=show_patient,
                                         show_owner=show_owner))
                st.text(item.what)
            if may_complete_action(user.role, user_id=user.id, owner_id=item.owner_id) \
                    and button_column.button(t("Done"), key=f"{key_prefix}_done_{item.id}"):
                pressed = item.id
    return pressed


def open_actions_section(items: Sequence[ActionItemView], *, user: SignedInUser, today: date,
                         key_prefix: str, show_patient: bool = True,
                         show_owner: bool = True) -> None:
    """The list, and the write when "Done" is pressed: saved, audited, then the screen reruns
    with a notice (the page shows it); a refusal is shown in place."""
    if not items:
        st.caption(t("No open action."))
        return
    pressed = action_item_list(items, user=user, today=today, key_prefix=key_prefix,
                               show_patient=show_patient, show_owner=show_owner)
    if pressed is None:
        return
    done = next(item for item in items if item.id == pressed)
    try:
        with current_database().sessions() as session, session.begin():
            complete_action_item(session, item_id=pressed, clinic_ids=user.clinic_ids,
                                 user_id=user.id, role=user.role, actor=user.username)
    except (ActionItemError, MeetingError) as error:
        st.error(str(error))
        return
    proposed_agenda.clear()  # a done action is no longer a follow-up to meet about
    set_notice(t("Action for {patient} marked done.", patient=done.patient_code))
    st.rerun()
