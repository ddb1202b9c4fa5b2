"""Account lockout, password policy, audit chain, page access and consent rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from domain.access import PAGES, can_view, idle_expired, pages_for
from domain.accounts import failed_login_outcome, is_locked, password_problems
from domain.audit_chain import GENESIS_HASH, AuditEntry, audit_row_hash, first_broken_link
from domain.consent import consent_is_active, scope_covers
from domain.vocabulary import ConsentScope, Role

NOON = datetime(2026, 11, 2, 12, 0)


@pytest.mark.parametrize(
    ("password", "problems"),
    [("a" * 11, 1), ("a" * 12, 0), ("a" * 128, 0), ("a" * 129, 1), (" " * 12, 1)],
)
def test_password_length_rule(password: str, problems: int) -> None:
    assert len(password_problems(password, min_length=12, max_length=128)) == problems


def test_fifth_failure_locks_for_fifteen_minutes_and_restarts_the_count() -> None:
    lockout = timedelta(minutes=15)
    count = 0
    for _ in range(4):
        outcome = failed_login_outcome(count, now=NOON, max_failed=5, lockout=lockout)
        assert not outcome.newly_locked and outcome.locked_until is None
        count = outcome.failed_logins
    assert count == 4
    fifth = failed_login_outcome(count, now=NOON, max_failed=5, lockout=lockout)
    assert fifth.newly_locked
    assert fifth.locked_until == datetime(2026, 11, 2, 12, 15)
    assert fifth.failed_logins == 0


def test_soft_lock_lifts_by_itself() -> None:
    until = datetime(2026, 11, 2, 12, 15)
    assert is_locked(until, datetime(2026, 11, 2, 12, 14, 59))
    assert not is_locked(until, until)
    assert not is_locked(None, NOON)


def test_idle_logoff_after_the_timeout_not_before() -> None:
    timeout = timedelta(minutes=15)
    assert not idle_expired(NOON, NOON + timedelta(minutes=14, seconds=59), timeout)
    assert idle_expired(NOON, NOON + timedelta(minutes=15), timeout)


def _chain(count: int) -> list[AuditEntry]:
    entries, previous = [], GENESIS_HASH
    for seq in range(1, count + 1):
        entry = AuditEntry(seq, NOON + timedelta(seconds=seq), "ana", "view", "patient",
                           str(seq), f"view {seq}", previous)
        entry = replace(entry, row_hash=audit_row_hash(entry))
        entries.append(entry)
        previous = entry.row_hash
    return entries


def test_intact_chain_has_no_broken_link() -> None:
    assert first_broken_link(_chain(5)) is None


def test_altered_entry_is_found() -> None:
    entries = _chain(5)
    entries[2] = replace(entries[2], summary="nothing to see")
    broken = first_broken_link(entries)
    assert broken is not None and broken.seq == 3 and "altered" in broken.reason


def test_removed_entry_is_found() -> None:
    entries = _chain(5)
    del entries[1]
    broken = first_broken_link(entries)
    assert broken is not None and broken.seq == 3


def test_rehashed_entry_still_breaks_the_next_link() -> None:
    entries = _chain(4)
    forged = replace(entries[1], summary="forged")
    entries[1] = replace(forged, row_hash=audit_row_hash(forged))
    broken = first_broken_link(entries)
    assert broken is not None and broken.seq == 3


CLINICAL_PAGES = {"home", "patients", "patient_record", "account"}
FAMILY_WORK_PAGES = {"outreach", "inbox", "assign_content"}
CASE_REVIEW_PAGES = {"case_meeting"}  # not admin: a meeting reviews patients' treatment
OVERVIEW_PAGES = {"overview"}  # the clinic's figures: not for psychologists' daily work


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.ADMIN, CLINICAL_PAGES | OVERVIEW_PAGES
         | {"users", "data_import", "audit_log", "content_library"}),
        (Role.SUPERVISOR, CLINICAL_PAGES | FAMILY_WORK_PAGES | CASE_REVIEW_PAGES | OVERVIEW_PAGES),
        (Role.PSYCHOLOGIST,
         CLINICAL_PAGES | FAMILY_WORK_PAGES | CASE_REVIEW_PAGES | {"content_library"}),
        (Role.CASE_TEAM, CLINICAL_PAGES | CASE_REVIEW_PAGES | OVERVIEW_PAGES),
    ],
)
def test_pages_per_role(role: Role, visible: set[str]) -> None:
    assert {page.key for page in pages_for(role)} == visible
    assert all(can_view(role, key) for key in visible)
    assert not can_view(role, "no-such-page")
    hidden = {page.key for page in PAGES} - visible
    assert not any(can_view(role, key) for key in hidden)


@pytest.mark.parametrize(
    ("signed", "expires", "revoked", "active"),
    [
        (date(2026, 1, 1), None, None, True),
        (date(2026, 11, 3), None, None, False),  # signed tomorrow
        (date(2026, 1, 1), date(2026, 11, 2), None, True),  # expires today: still valid today
        (date(2026, 1, 1), date(2026, 11, 1), None, False),
        (date(2026, 1, 1), None, date(2026, 11, 2), False),  # revoked today
        (date(2026, 1, 1), None, date(2026, 11, 3), True),
    ],
)
def test_consent_active_on_a_day(
    signed: date, expires: date | None, revoked: date | None, active: bool
) -> None:
    assert consent_is_active(signed, expires, revoked, date(2026, 11, 2)) is active


def test_scopes_cover_education_progress_and_clinical_in_turn() -> None:
    assert scope_covers(ConsentScope.EDUCATION, "education")
    assert not scope_covers(ConsentScope.EDUCATION, "progress")
    assert scope_covers(ConsentScope.EDUCATION_PROGRESS, "progress")
    assert not scope_covers(ConsentScope.EDUCATION_PROGRESS, "clinical")
    assert scope_covers(ConsentScope.ALL, "clinical")
