"""Sign-in, re-login cookie, idle logoff and page guards, hardened around streamlit-authenticator.

streamlit-authenticator supplies the re-login cookie (its ``CookieModel``: a signed JWT written
through extra-streamlit-components). Its login widget checks passwords in memory and cannot lock
accounts kept in a database, so Hamrah draws its own form and adds what patient data needs
(docs/security.md): the same bcrypt work and delay for unknown and known users, a soft lockout,
idle logoff, and a per-user ``session_version`` that logout, password change and unlock raise,
so cookies and live sessions issued before are refused on the next run.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import extra_streamlit_components as stx
import jwt
import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit_authenticator.models import CookieModel

from components import state
from data_access.audit import record_audit
from data_access.clock import utc_now
from data_access.database import Database
from data_access.staff import (
    LoginResult,
    StaffInfo,
    check_login,
    current_session_version,
    find_user,
    revoke_sessions,
)
from domain.access import can_view, idle_expired
from domain.accounts import is_locked
from domain.text import t
from domain.vocabulary import AuditAction
from settings import Settings

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"


class VersionedCookie(CookieModel):  # type: ignore[misc]  # the library is untyped
    """The library's cookie, carrying the user's session version so the server can revoke it."""

    def __init__(self, settings: Settings) -> None:
        # The library's constructor draws its cookie component at once. That component reruns
        # the app when it mounts, and a rerun that cancels the sign-in run loses the sign-in:
        # so the component is drawn only when a cookie is written or deleted (reads use
        # ``st.context.cookies``).
        self.cookie_name = settings.cookie_name
        self.cookie_key = settings.cookie_key
        self.cookie_expiry_days = settings.cookie_expiry_days
        self.token = None
        self.exp_date = None
        self.session_version = 0

    @functools.cached_property
    def cookie_manager(self) -> Any:
        return stx.CookieManager()

    def _token_encode(self) -> str:
        return jwt.encode(
            {"username": st.session_state["username"], "sv": self.session_version,
             "exp_date": self.exp_date},
            self.cookie_key,
            algorithm="HS256",
        )

    def write(self, user: state.SignedInUser) -> None:
        """Draw the cookie component with the same token and expiry on each pending run: with
        unchanged arguments it writes once and does not rerun the app again."""
        st.session_state["username"] = user.username
        self.session_version = user.session_version
        value = state.cookie_value()
        if value is None:
            self.exp_date = self._set_exp_date()
            value = (self._token_encode(),
                     datetime.now() + timedelta(days=self.cookie_expiry_days))
            state.set_cookie_value(*value)
        token, expires_at = value
        self.cookie_manager.set(self.cookie_name, token, expires_at=expires_at)

    def delete_cookie(self) -> None:
        """The library's version prints a KeyError when its copy of the browser's cookies is
        still empty (its first run); the deletion is drawn all the same."""
        try:
            self.cookie_manager.delete(self.cookie_name)
        except KeyError:
            pass

    def read(self) -> dict[str, Any] | None:
        """The cookie's verified claims; None when absent, forged, expired or not ours."""
        raw = st.context.cookies.get(self.cookie_name)
        if not isinstance(raw, str):
            return None
        try:
            claims = jwt.decode(raw, self.cookie_key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if not isinstance(claims, dict) or "sv" not in claims or "username" not in claims:
            return None
        expires = claims.get("exp_date")
        if not isinstance(expires, int | float) or expires < time.time():
            return None
        return claims


def _signed_in(info: StaffInfo) -> state.SignedInUser:
    return state.SignedInUser(
        id=info.id, username=info.username, display_name=info.display_name, role=info.role,
        language=info.language, calendar=info.calendar, session_version=info.session_version,
        clinic_ids=info.clinic_ids, clinic_codes=info.clinic_codes,
    )


def _end_session(db: Database, user: state.SignedInUser, action: AuditAction, notice: str,
                 cookie: VersionedCookie, *, summary: str) -> None:
    """``notice`` is shown to the user in their language; ``summary`` goes to the audit log,
    which stays in English whatever the user reads."""
    with db.sessions() as session, session.begin():
        revoke_sessions(session, username=user.username)
        record_audit(session, actor=user.username, action=action, entity="staff_user",
                     entity_id=user.id, summary=summary)
    state.set_cookie_pending(False)
    state.set_cookie_delete_pending(True)
    state.set_signed_in(None)
    state.set_last_activity(None)
    state.set_notice(notice)


def authenticate(db: Database, settings: Settings, cookie: VersionedCookie,
                 now: datetime | None = None) -> state.SignedInUser | None:
    """The signed-in user for this run, after the revocation and idle checks; None to log in."""
    now = now or utc_now()
    user = state.signed_in_user()
    if user is not None:
        with db.sessions() as session:
            version = current_session_version(session, user.username)
        if version != user.session_version:
            state.set_signed_in(None)
            state.set_notice(t("Your session has ended (signed out elsewhere, or your password "
                               "or access changed). Please sign in again."))
            return None
        last = state.last_activity()
        timeout = timedelta(minutes=settings.idle_timeout_minutes)
        if last is not None and idle_expired(last, now, timeout):
            _end_session(db, user, AuditAction.IDLE_LOGOFF,
                         t("Signed out after {minutes:g} minutes without activity.",
                           minutes=settings.idle_timeout_minutes), cookie,
                         summary=f"Signed out after {settings.idle_timeout_minutes:g} minutes "
                                 "without activity.")
            return None
        state.set_last_activity(now)
        return user
    token = cookie.read()
    if token is None:
        return None
    with db.sessions() as session, session.begin():
        info = find_user(session, str(token["username"]))
        if (info is None or not info.active or is_locked(info.locked_until, now)
                or info.session_version != token["sv"]):
            return None
        record_audit(session, actor=info.username, action=AuditAction.LOGIN,
                     entity="staff_user", entity_id=info.id, summary="re-login cookie")
    user = _signed_in(info)
    state.set_signed_in(user)
    state.set_last_activity(now)
    return user


def login_form(db: Database, settings: Settings, cookie: VersionedCookie) -> \
        state.SignedInUser | None:
    """Draw the sign-in form; return the user when this run signed one in."""
    notice_slot = st.empty()  # above the form, filled once we know whether it was submitted
    with st.form("login"):
        st.subheader(t("Sign in to Hamrah"))
        username = st.text_input(t("Username"), key="login_username")
        password = st.text_input(t("Password"), type="password", key="login_password",
                                 max_chars=settings.max_password_length)
        submitted = st.form_submit_button(t("Sign in"), type="primary")
    notice = state.sign_in_notice()
    if not submitted:
        if notice:
            notice_slot.info(notice)
        return None
    state.take_notice()
    with db.sessions() as session, session.begin():
        attempt = check_login(
            session, username=username.strip(), password=password,
            max_failed=settings.max_failed_logins,
            lockout=timedelta(minutes=settings.lockout_minutes),
        )
    if attempt.result is not LoginResult.OK or attempt.user is None:
        time.sleep(settings.failed_login_delay_seconds)
        st.error(t("Sign-in failed: check the username and password. After {n} failed "
                   "attempts an account is locked for {minutes:g} minutes.",
                   n=settings.max_failed_logins, minutes=settings.lockout_minutes))
        return None
    user = _signed_in(attempt.user)
    state.set_signed_in(user)
    state.set_last_activity(utc_now())
    state.set_cookie_delete_pending(False)
    state.set_cookie_pending(True)
    return user


def write_pending_cookie(user: state.SignedInUser, cookie: VersionedCookie) -> None:
    """Write the re-login cookie on the first signed-in runs: a rerun right after the first one
    (the cookie manager's own) could remove the component before the browser wrote it."""
    if state.cookie_pending():
        cookie.write(user)
        state.count_cookie_write()


def delete_pending_cookie(cookie: VersionedCookie) -> None:
    """Delete the re-login cookie on the first runs after sign-out, for the reason the write is
    repeated: the deletion drawn in a single run was lost to the component's rerun now and then,
    and the browser kept a (revoked) cookie."""
    if state.cookie_delete_pending():
        cookie.delete_cookie()
        state.count_cookie_delete()


def logout(db: Database, user: state.SignedInUser, cookie: VersionedCookie) -> None:
    _end_session(db, user, AuditAction.LOGOUT, t("You have signed out."), cookie,
                 summary="You have signed out.")


def require_page(page_key: str) -> state.SignedInUser:
    """Every page checks the role again: a page opened by URL is not trusted to be permitted.

    Nobody signed in: the page was run without ``app.py``. That happens to the first visitor after
    a server start, while Streamlit still treats ``pages/`` as its legacy page folder. Send the
    visitor to ``app.py``, which shows the sign-in and switches the server to ``st.navigation``.
    """
    user = state.signed_in_user()
    if user is None:
        try:
            st.switch_page(str(APP_SCRIPT))
        except StreamlitAPIException:  # under st.navigation app.py is not a page: refuse
            pass
    if user is None or not can_view(user.role, page_key):
        st.error(t("Not permitted: your role cannot open this page."))
        st.stop()
    return user
