"""Session-state keys and their typed accessors: no bare string keys elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from data_access.clock import utc_now
from domain.calendars import Calendar
from domain.vocabulary import Role

SIGNED_IN = "hamrah_signed_in"
LAST_ACTIVITY = "hamrah_last_activity"
NOTICE = "hamrah_notice"
COOKIE_PENDING = "hamrah_cookie_pending"


@dataclass(frozen=True)
class SignedInUser:
    id: int
    username: str
    display_name: str
    role: Role
    language: str
    session_version: int
    clinic_ids: tuple[int, ...]
    clinic_codes: tuple[str, ...]
    # The calendar dates are shown and typed in (components.dates); the user's own setting.
    calendar: Calendar = Calendar.GREGORIAN


def init_state() -> None:
    st.session_state.setdefault(SIGNED_IN, None)
    st.session_state.setdefault(LAST_ACTIVITY, None)
    st.session_state.setdefault(NOTICE, None)
    st.session_state.setdefault(COOKIE_PENDING, 0)
    # streamlit-authenticator's cookie model reads this key.
    st.session_state.setdefault("logout", None)


def signed_in_user() -> SignedInUser | None:
    user = st.session_state.get(SIGNED_IN)
    return user if isinstance(user, SignedInUser) else None


def set_signed_in(user: SignedInUser | None) -> None:
    st.session_state[SIGNED_IN] = user


def last_activity() -> datetime | None:
    value = st.session_state.get(LAST_ACTIVITY)
    return value if isinstance(value, datetime) else None


def set_last_activity(when: datetime | None) -> None:
    st.session_state[LAST_ACTIVITY] = when


def take_notice() -> str | None:
    """A one-off message for the next screen (e.g. why the user was signed out)."""
    notice = st.session_state.get(NOTICE)
    st.session_state[NOTICE] = None
    return notice if isinstance(notice, str) else None


def sign_in_notice() -> str | None:
    """Why the user is on the sign-in screen, kept until the next sign-in attempt: signing out
    deletes the cookie, and the cookie component's own rerun would otherwise wipe the message
    a moment after it appeared."""
    notice = st.session_state.get(NOTICE)
    return notice if isinstance(notice, str) else None


def set_notice(text: str) -> None:
    st.session_state[NOTICE] = text


# The cookie component writes in the browser after the run that draws it. The cookie manager's
# own rerun can remove it before it has written, so it is drawn on a few runs after sign-in.
COOKIE_WRITE_RUNS = 3


def cookie_pending() -> bool:
    return _runs_left(COOKIE_PENDING)


COOKIE_VALUE = "hamrah_cookie_value"


def set_cookie_pending(pending: bool) -> None:
    st.session_state[COOKIE_PENDING] = COOKIE_WRITE_RUNS if pending else 0
    st.session_state[COOKIE_VALUE] = None


def cookie_value() -> tuple[str, datetime] | None:
    """The token and expiry being written: the same on each run, so the component writes once."""
    value = st.session_state.get(COOKIE_VALUE)
    return value if isinstance(value, tuple) else None


def set_cookie_value(token: str, expires_at: datetime) -> None:
    st.session_state[COOKIE_VALUE] = (token, expires_at)


def count_cookie_write() -> None:
    """One more run drew the cookie component; after :data:`COOKIE_WRITE_RUNS` it stops."""
    _count_down(COOKIE_PENDING)


COOKIE_DELETE_PENDING = "hamrah_cookie_delete_pending"


def cookie_delete_pending() -> bool:
    return _runs_left(COOKIE_DELETE_PENDING)


def set_cookie_delete_pending(pending: bool) -> None:
    """Deleting races the same rerun as writing, so it too is drawn on a few runs: signing out
    starts it, and signing in again stops it before it could delete the new cookie."""
    st.session_state[COOKIE_DELETE_PENDING] = COOKIE_WRITE_RUNS if pending else 0


def count_cookie_delete() -> None:
    _count_down(COOKIE_DELETE_PENDING)


def _runs_left(key: str) -> bool:
    value = st.session_state.get(key)
    return isinstance(value, int) and value > 0


def _count_down(key: str) -> None:
    value = st.session_state.get(key)
    st.session_state[key] = max(0, (value if isinstance(value, int) else 0) - 1)


SELECTED_PATIENT = "hamrah_selected_patient"


def selected_patient() -> int | None:
    value = st.session_state.get(SELECTED_PATIENT)
    return value if isinstance(value, int) else None


def set_selected_patient(patient_id: int | None) -> None:
    st.session_state[SELECTED_PATIENT] = patient_id


OVERVIEW_COUNTED_AFTER = "hamrah_overview_counted_after"
"""When the reader last asked for the Overview to be counted again: older counts are passed by."""


def ask_for_new_count() -> None:
    st.session_state[OVERVIEW_COUNTED_AFTER] = utc_now()


def overview_counted_after() -> datetime | None:
    value = st.session_state.get(OVERVIEW_COUNTED_AFTER)
    return value if isinstance(value, datetime) else None


CASE_MEETING = "hamrah_case_meeting"
CASE_MEETING_POSITION = "hamrah_case_meeting_position"
CASE_MEETING_VIEWS = "hamrah_case_meeting_views"


def current_meeting() -> int | None:
    """The case meeting open on the meeting page, or None while choosing one."""
    value = st.session_state.get(CASE_MEETING)
    return value if isinstance(value, int) else None


def set_current_meeting(meeting_id: int | None) -> None:
    """Open a meeting (at its first patient), or leave it with None."""
    st.session_state[CASE_MEETING] = meeting_id
    st.session_state[CASE_MEETING_POSITION] = 0


def meeting_position() -> int:
    """The index of the agenda patient on screen."""
    value = st.session_state.get(CASE_MEETING_POSITION)
    return value if isinstance(value, int) else 0


def set_meeting_position(position: int) -> None:
    st.session_state[CASE_MEETING_POSITION] = position


def meeting_view_seen(meeting_id: int, patient_id: int | None) -> bool:
    """Whether this session already showed (and audited) a meeting's agenda (None) or one of
    its patients: a view is audited once, not on every rerun of the screen."""
    seen = st.session_state.get(CASE_MEETING_VIEWS)
    return isinstance(seen, set) and (meeting_id, patient_id) in seen


def mark_meeting_view_seen(meeting_id: int, patient_id: int | None) -> None:
    seen: set[tuple[int, int | None]] = st.session_state.setdefault(CASE_MEETING_VIEWS, set())
    seen.add((meeting_id, patient_id))
