"""Sign-in, lockout, idle logoff, revocation and role limits, as a person meets them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from components.state import COOKIE_WRITE_RUNS, LAST_ACTIVITY, SIGNED_IN
from data_access.clock import utc_now
from data_access.database import Database
from data_access.models import AuditLog, StaffUser
from data_access.staff import revoke_sessions
from domain.access import PAGES, pages_for
from domain.vocabulary import AuditAction, Role
from tests.pages.conftest import (
    PASSWORD,
    PROJECT_ROOT,
    USERNAMES,
    new_app,
    open_page,
    sign_in,
    texts,
)


def audit_actions(db: Database) -> list[str]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditLog.action).order_by(AuditLog.seq)))


def cookie_methods(at: AppTest) -> list[str]:
    """What the cookie component was drawn to do in the browser in the last run."""
    calls = [json.loads(element.proto.json_args) for element in at.get("component_instance")
             if element.proto.component_name.endswith("CookieManager.cookie_manager")]
    return [call["method"] for call in calls if call["method"] != "getAll"]


def test_sign_in_shows_the_home_figures(database: Database) -> None:
    at = new_app().run()
    assert at.button(key="FormSubmitter:login-Sign in")
    at = sign_in(at, USERNAMES[Role.SUPERVISOR])
    assert "Welcome, Test supervisor" in texts(at)
    labels = [metric.label for metric in at.metric]
    assert labels == ["Active patients", "Families with active consent",
                      "Questions awaiting an answer", "Reports awaiting acknowledgement"]
    assert audit_actions(database)[-1] == AuditAction.LOGIN.value


def test_wrong_password_is_refused_without_saying_why(database: Database) -> None:
    at = sign_in(new_app().run(), USERNAMES[Role.SUPERVISOR], "not-the-password")
    unknown = sign_in(new_app().run(), "nobody-here", "not-the-password")
    assert "Sign-in failed" in texts(at)
    assert [e.value for e in at.error] == [e.value for e in unknown.error]
    assert not at.metric
    assert audit_actions(database)[-2:] == [AuditAction.LOGIN_FAILED.value] * 2


def test_five_failures_lock_the_account_until_the_lock_lifts(database: Database) -> None:
    at = new_app().run()
    for _ in range(5):
        at = sign_in(at, USERNAMES[Role.PSYCHOLOGIST], "wrong-password-guess")
    at = sign_in(at, USERNAMES[Role.PSYCHOLOGIST])  # the right password, while locked
    assert "Sign-in failed" in texts(at) and not at.metric
    assert AuditAction.LOCKOUT.value in audit_actions(database)
    # Fifteen minutes pass: move the lock's end into the past.
    with database.sessions() as session, session.begin():
        session.execute(update(StaffUser).values(locked_until=utc_now() - timedelta(seconds=1)))
    at = sign_in(at, USERNAMES[Role.PSYCHOLOGIST])
    assert "Welcome" in texts(at)


def test_idle_logoff_after_fifteen_minutes(signed_in: Callable[[Role], AppTest],
                                           database: Database) -> None:
    at = signed_in(Role.SUPERVISOR)
    at.session_state[LAST_ACTIVITY] = utc_now() - timedelta(minutes=14)
    at.run()
    assert "Welcome" in texts(at)
    at.session_state[LAST_ACTIVITY] = utc_now() - timedelta(minutes=15, seconds=5)
    at.run()
    assert "Signed out after 15 minutes without activity." in texts(at)
    assert cookie_methods(at) == ["delete"]  # the revoked cookie leaves the browser too
    assert at.button(key="FormSubmitter:login-Sign in")
    assert AuditAction.IDLE_LOGOFF.value in audit_actions(database)


def test_sign_out_elsewhere_ends_this_session(signed_in: Callable[[Role], AppTest],
                                              database: Database) -> None:
    at = signed_in(Role.SUPERVISOR)
    with database.sessions() as session, session.begin():
        revoke_sessions(session, username=USERNAMES[Role.SUPERVISOR])
    at.run()
    assert "Your session has ended" in texts(at)
    assert not at.metric


def test_sign_out_button(signed_in: Callable[[Role], AppTest], database: Database) -> None:
    at = signed_in(Role.CASE_TEAM)
    at.sidebar.button(key="sign_out").click().run()
    assert "You have signed out." in texts(at)
    assert audit_actions(database)[-1] == AuditAction.LOGOUT.value


def test_sign_out_deletes_the_cookie_on_a_few_runs_and_a_new_sign_in_stops_it(
        signed_in: Callable[[Role], AppTest]) -> None:
    """The component's own rerun sometimes removed a deletion drawn once, before the browser
    ran it: the (revoked) cookie stayed. Drawn on a few runs, one of them reaches the browser."""
    at = signed_in(Role.CASE_TEAM)
    assert cookie_methods(at) == ["set"]
    at.sidebar.button(key="sign_out").click().run()
    drawn = [cookie_methods(at)]
    for _ in range(COOKIE_WRITE_RUNS):
        drawn.append(cookie_methods(at.run()))
    assert drawn == [["delete"]] * COOKIE_WRITE_RUNS + [[]]

    # Signing in again while the deletion is still being drawn: it must not delete the new one.
    at = sign_in(new_app().run(), USERNAMES[Role.CASE_TEAM])
    at.sidebar.button(key="sign_out").click().run()
    assert cookie_methods(at) == ["delete"]
    at = sign_in(at, USERNAMES[Role.CASE_TEAM])
    assert "Welcome" in texts(at)
    assert "delete" not in cookie_methods(at) and "delete" not in cookie_methods(at.run())


def test_the_sign_out_notice_survives_a_rerun_until_the_next_sign_in(
        signed_in: Callable[[Role], AppTest]) -> None:
    """Deleting the cookie reruns the app; the message must not vanish with that rerun."""
    at = signed_in(Role.CASE_TEAM)
    at.sidebar.button(key="sign_out").click().run()
    at.run()
    assert "You have signed out." in texts(at)
    at.text_input(key="login_username").input("nobody")
    at.text_input(key="login_password").input("wrong password")
    at.button(key="FormSubmitter:login-Sign in").click().run()
    assert "You have signed out." not in texts(at)


@pytest.mark.parametrize("role", list(Role))
def test_every_page_of_the_registry_opens_or_refuses_by_role(
    signed_in: Callable[[Role], AppTest], role: Role
) -> None:
    allowed = {page.key for page in pages_for(role)}
    at = signed_in(role)
    for page in PAGES:
        if page.key in allowed:
            open_page(at, page.path)
            assert not at.exception, (page.key, at.exception)
            assert "Not permitted" not in texts(at) and at.title, (role, page.key)
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                open_page(at, page.path)
            # Opened by URL, bypassing the navigation: the page's own guard refuses.
            direct = AppTest.from_file(str(PROJECT_ROOT / page.path), default_timeout=60)
            direct.session_state[SIGNED_IN] = at.session_state[SIGNED_IN]
            direct.run()
            assert "Not permitted" in texts(direct) and not direct.exception, (role, page.key)


def test_admin_unlocks_a_locked_account(signed_in: Callable[[Role], AppTest],
                                        database: Database) -> None:
    locked = new_app().run()
    for _ in range(5):
        locked = sign_in(locked, USERNAMES[Role.CASE_TEAM], "wrong-password-guess")
    at = signed_in(Role.ADMIN)
    open_page(at, "pages/users.py")
    at.selectbox[0].select(USERNAMES[Role.CASE_TEAM])
    at.button(key="FormSubmitter:unlock-Unlock").click().run()
    assert f"{USERNAMES[Role.CASE_TEAM]} can sign in again." in texts(at)
    assert "Welcome" in texts(sign_in(new_app().run(), USERNAMES[Role.CASE_TEAM], PASSWORD))


def test_password_change_ends_the_session(signed_in: Callable[[Role], AppTest]) -> None:
    at = signed_in(Role.PSYCHOLOGIST)
    open_page(at, "pages/account.py")
    short = at.text_input
    short[0].input(PASSWORD)
    short[1].input("too-short")
    short[2].input("too-short")
    at.button[0].click().run()
    assert "at least 12 characters" in texts(at)
    fields = at.text_input
    fields[0].input(PASSWORD)
    fields[1].input("a-brand-new-password")
    fields[2].input("a-brand-new-password")
    at.button[0].click().run()
    assert "Password changed" in texts(at)
    assert "Welcome" not in texts(sign_in(new_app().run(), USERNAMES[Role.PSYCHOLOGIST]))
    again = sign_in(new_app().run(), USERNAMES[Role.PSYCHOLOGIST], "a-brand-new-password")
    assert "Welcome" in texts(again)
