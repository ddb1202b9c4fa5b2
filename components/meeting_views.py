"""Drawing parts of the case meeting: the projector style, the agenda, the patient navigator,
the readiness checklist and open family questions in large type, and the decision form.

Frame builders (``agenda_frame``, ``meetings_frame``) and ``projector_chart`` are pure; the
patient's header, flags and members come from ``components.patient_views`` and the charts from
``components.patient_charts``, as on the record, so both screens tell the same story. The
proposed agenda is cached for a minute per clinic and day (``proposed_agenda``), as the outreach
worklist is, since each click on the first screen reruns it; its entries keep their dates as
dates, and the table writes them in the reader's calendar (``domain.meetings.agenda_details``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from components.dates import date_field, shown_date
from components.resources import database
from components.state import SignedInUser, meeting_position, set_meeting_position
from data_access.meetings import MeetingSummary, agenda_candidates, clinic_patients
from domain.meetings import MAX_WHAT_CHARS, AgendaEntry, agenda_details, reasons_text
from domain.readiness import Criterion, criteria_as_shown, is_step_down_ready
from domain.text import t
from settings import Settings

SCREEN_KEY = "meeting_screen"
"""The key of the meeting's large-type container; Streamlit gives it the class st-key-…."""

# A constant: no user data ever goes into this HTML.
PROJECTOR_CSS = f"""
<style>
.st-key-{SCREEN_KEY} h1 {{ font-size: 3.2rem; }}
.st-key-{SCREEN_KEY} h2, .st-key-{SCREEN_KEY} h3 {{ font-size: 2.3rem; }}
.st-key-{SCREEN_KEY} p, .st-key-{SCREEN_KEY} li, .st-key-{SCREEN_KEY} label,
.st-key-{SCREEN_KEY} [data-testid="stText"],
.st-key-{SCREEN_KEY} [data-testid="stCaptionContainer"],
.st-key-{SCREEN_KEY} td, .st-key-{SCREEN_KEY} th, .st-key-{SCREEN_KEY} textarea,
.st-key-{SCREEN_KEY} input {{ font-size: 1.45rem; }}
.st-key-{SCREEN_KEY} [data-testid="stMetricValue"] {{ font-size: 2.8rem; }}
.st-key-{SCREEN_KEY} [data-testid="stMetricLabel"] p {{ font-size: 1.3rem; }}
.st-key-meeting_navigator p {{ font-size: 1.6rem; font-weight: 600; }}
</style>
"""


def projector_style() -> None:
    """Larger type for the meeting screen (a constant style sheet, no data in it)."""
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


def projector_chart(chart: alt.Chart) -> alt.Chart:
    """A chart builder's chart with axis and legend text readable from the back of a room."""
    configured: alt.Chart = (
        chart.configure_axis(labelFontSize=16, titleFontSize=18)
        .configure_legend(labelFontSize=16, titleFontSize=18)
    )
    return configured


@st.cache_data(ttl=60, max_entries=32, show_spinner=False)
def proposed_agenda(clinic_id: int, on: date, language: str, _settings: Settings,
                    database_url: str) -> list[AgendaEntry]:
    """The patients proposed for a clinic's meeting on a day, as ``agenda_candidates`` finds
    them; shared by the clinic's staff who read ``language`` (the reasons are written in the
    reader's language, the language of the run that computes them) for a minute at most.
    Called only after the page's permission check (the clinic is one of the user's); a recorded
    decision or a completed action clears it, since follow-ups come from open actions."""
    with database(database_url).sessions() as session:
        return agenda_candidates(session, clinic_id=clinic_id, on=on,
                                 clinical=_settings.clinical, outreach=_settings.outreach)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def clinic_patient_choices(clinic_id: int, database_url: str) -> list[tuple[int, str, str]]:
    """(id, code, name) of every patient of one clinic, for adding patients by hand: thousands
    at network scale, read once per ten minutes or after a write to patients. Called only after
    the page's permission check (the clinic is one of the user's)."""
    with database(database_url).sessions() as session:
        return clinic_patients(session, clinic_id=clinic_id)


def agenda_frame(entries: Sequence[AgendaEntry], names: Mapping[int, str],
                 shown: Callable[[date], str] = date.isoformat) -> pd.DataFrame:
    """The proposed patients as a table: code, name, why (in words) and what lies behind it,
    its dates written by ``shown`` (the page passes its reader's ``shown_date``)."""
    return pd.DataFrame(
        [{"patient": entry.patient_code, "name": names.get(entry.patient_id, ""),
          "why": reasons_text(entry.reasons),
          "details": " · ".join(agenda_details(entry, shown))}
         for entry in entries],
        columns=["patient", "name", "why", "details"],
    )


def meetings_frame(meetings: Sequence[MeetingSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"held_on": m.held_on, "clinic": m.clinic_code, "patients": m.patients,
          "decisions": m.decisions, "status": t("closed") if m.closed else t("open"),
          "started_by": m.created_by or ""} for m in meetings],
        columns=["held_on", "clinic", "patients", "decisions", "status", "started_by"],
    )


def agenda_picker(label: str, choices: Mapping[int, str], proposed: Sequence[int], *,
                  basis: Hashable, key: str) -> list[int]:
    """A multiselect of the clinic's patients that starts from the proposed ones.

    The selection is reset to the proposal whenever ``basis`` (clinic, day, proposal) changes,
    and kept otherwise, so patients added or removed by hand survive reruns.
    """
    basis_key = f"{key}__basis"
    if key not in st.session_state or st.session_state.get(basis_key) != basis:
        st.session_state[key] = [pid for pid in proposed if pid in choices]
        st.session_state[basis_key] = basis
    chosen: list[int] = st.multiselect(label, list(choices), format_func=choices.__getitem__,
                                       key=key, placeholder=t("Choose patients"))
    return chosen


def meeting_navigator(count: int, *, key_prefix: str) -> int:
    """Previous / "n of N" / Next; return the agenda position to show.

    The buttons move the position in their callbacks, before the script reruns, so the label and
    the buttons' disabled states already describe the patient shown. Page Up and Page Down press
    them too: what a presentation clicker sends.
    """
    position = min(max(meeting_position(), 0), count - 1)
    set_meeting_position(position)
    with st.container(key="meeting_navigator"):
        back, label, forward = st.columns([1, 2, 1], vertical_alignment="center")
        back.button(t("◀ Previous"), key=f"{key_prefix}_previous", disabled=position == 0,
                    on_click=set_meeting_position, args=(position - 1,), width="stretch",
                    shortcut="PageUp")
        forward.button(t("Next ▶"), key=f"{key_prefix}_next", disabled=position >= count - 1,
                       on_click=set_meeting_position, args=(position + 1,), width="stretch",
                       shortcut="PageDown")
        label.markdown(t("Patient {n} of {total}", n=position + 1, total=count),
                       text_alignment="center")
    return position


def readiness_lines(criteria: Sequence[Criterion], *, user: SignedInUser) -> None:
    """The step-down checklist as large lines: met or not, what was found (dates in the user's
    calendar), what is required."""
    if not criteria:
        st.caption(t("No readiness data."))
        return
    if is_step_down_ready(criteria):
        st.success(t("Every step-down criterion is met."))
    for criterion in criteria_as_shown(criteria, lambda day: shown_date(day, user)):
        mark = ":green[:material/check_circle:]" if criterion.met else ":red[:material/cancel:]"
        st.markdown(f"{mark} **{criterion.code.replace('_', ' ')}**: {criterion.value} "
                    f"({t('required')}: {criterion.required})")


def open_questions(questions: pd.DataFrame, *, user: SignedInUser) -> None:
    """Family questions not yet answered, oldest first (their text drawn as plain text), when
    they were asked in the user's calendar."""
    waiting = questions[questions["answered"].isna()].sort_values("asked")
    if waiting.empty:
        st.caption(t("No family question is waiting for an answer."))
        return
    for asked, member, question in zip(waiting["asked"], waiting["member"], waiting["question"],
                                       strict=True):
        st.text(f"{shown_date(asked.date(), user)} · {member}: {question}")


def decision_form(owners: Mapping[int, str], *, not_before: date, default_due: date,
                  key: str, user: SignedInUser) -> tuple[str, int | None, date | None] | None:
    """What was decided, who does it, by when; return the three when submitted.

    ``key`` names one patient's form, so a decision typed for one patient never follows the
    chair to the next. The inputs are kept when the page refuses the decision, so nothing
    typed is lost; after a saved decision the page calls :func:`clear_decision_form`. The due
    date is asked in the user's calendar (``components.dates``); a due date typed wrong is
    refused under the field and nothing is returned.
    """
    if st.session_state.pop(f"{key}__clear", False):
        # Set before the widgets exist in this run, so the browser shows the empty form too.
        st.session_state[f"{key}_what"] = ""
        st.session_state[f"{key}_owner"] = None
    with st.form(key):
        what = st.text_area(t("Decision: what will be done"), max_chars=MAX_WHAT_CHARS,
                            key=f"{key}_what")
        owner_column, due_column = st.columns(2)
        owner = owner_column.selectbox(t("Owner"), list(owners), index=None,
                                       format_func=owners.__getitem__,
                                       placeholder=t("Choose who will do it"),
                                       key=f"{key}_owner")
        with due_column:
            due = date_field(t("Due on"), default_due, min_value=not_before, key=f"{key}_due",
                             user=user)
        submitted = st.form_submit_button(t("Record decision"), type="primary")
    if not submitted or due.refused:
        return None
    return what, owner, due.day


def clear_decision_form(key: str) -> None:
    """Empty the decision form on the next run (the one that follows a saved decision)."""
    st.session_state[f"{key}__clear"] = True
