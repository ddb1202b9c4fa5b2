"""What each role's export may carry: the case team's files hold no phone, e-mail or Telegram."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from domain.redaction import (
    exported_columns,
    is_contact_field,
    redact_contacts,
    redact_frame,
    redaction_note,
)
from domain.vocabulary import Role

CLINICAL_ROLES = [Role.ADMIN, Role.SUPERVISOR, Role.PSYCHOLOGIST]


@pytest.mark.parametrize("name", ["phone", "Phone", "email", "E-mail", "e_mail", "member_phone",
                                  "Phone number", "telegram_chat_id", "Telegram", "reach",
                                  "How to reach"])
def test_contact_columns_are_recognised_by_name(name: str) -> None:
    assert is_contact_field(name)


@pytest.mark.parametrize("name", ["code", "name", "relation", "channel", "last_family_contact",
                                  "consented_members", "outreach_due", "member_codes",
                                  "reasons"])
def test_other_columns_are_not_contact_details(name: str) -> None:
    assert not is_contact_field(name)


def family_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["FAM1", "FAM2"],
        "name": ["Test Demo-FAM1", "Test Demo-FAM2"],
        "Phone": ["+44 7700 900001", None],
        "E-mail": ["fam1@example.org", "fam2@example.org"],
        "telegram_chat_id": ["5550001", None],
        "channel": ["telegram", "email"],
        "reach": ["telegram: +44 7700 900001", "email: fam2@example.org"],
    })


def test_the_case_team_file_keeps_rows_but_drops_every_contact_column() -> None:
    redacted = redact_frame(family_frame(), Role.CASE_TEAM)
    assert list(redacted.columns) == ["code", "name", "channel"]
    assert redacted.to_dict("records") == [
        {"code": "FAM1", "name": "Test Demo-FAM1", "channel": "telegram"},
        {"code": "FAM2", "name": "Test Demo-FAM2", "channel": "email"}]


@pytest.mark.parametrize("role", CLINICAL_ROLES)
def test_other_roles_get_the_frame_unchanged(role: Role) -> None:
    frame = family_frame()
    assert redact_frame(frame, role) is frame
    assert exported_columns(frame.columns, role) == list(frame.columns)


def test_a_frame_without_contacts_is_the_same_for_the_case_team() -> None:
    frame = pd.DataFrame({"code": ["P1"], "phase": ["maintenance"]})
    assert redact_frame(frame, Role.CASE_TEAM) is frame


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    phone: str | None
    email: str | None
    telegram_chat_id: str | None


MEMBER = Member("FAM1", "Test Demo-FAM1", "+44 7700 900001", "fam1@example.org", "5550001")


def test_the_case_team_copy_of_a_record_has_its_contact_fields_emptied() -> None:
    assert redact_contacts(MEMBER, Role.CASE_TEAM) == Member(
        "FAM1", "Test Demo-FAM1", None, None, None)
    assert MEMBER.phone == "+44 7700 900001"  # the original is left alone


@pytest.mark.parametrize("role", CLINICAL_ROLES)
def test_other_roles_keep_the_record(role: Role) -> None:
    assert redact_contacts(MEMBER, role) is MEMBER


def test_the_audit_note_says_when_a_file_was_redacted() -> None:
    assert redaction_note(Role.CASE_TEAM) == " (contact details redacted)"
    assert [redaction_note(role) for role in CLINICAL_ROLES] == ["", "", ""]
