"""Invite codes on SQLite and PostgreSQL: single use, seven days, Persian digits, hash only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.audit import verify_audit_chain
from data_access.invites import (
    ALPHABET,
    CODE_LENGTH,
    InviteError,
    InviteProblem,
    create_invite,
    deep_link,
    normalise_code,
    redeem_invite,
)
from data_access.models import AuditLog, Consent, InviteCode, SupportMember
from tests import builders

NOW = datetime(2026, 11, 23, 10, 0)
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def consented_member(session: Session, code: str = "M1") -> int:
    clinic_id = builders.clinic(session, f"C{code}")
    patient_id = builders.patient(session, clinic_id, f"P{code}")
    member_id = builders.member(session, clinic_id, patient_id, code)
    builders.consent(session, member_id, patient_id, signed=date(2026, 1, 1))
    return member_id


def invite(session: Session, member_id: int, now: datetime = NOW) -> str:
    return create_invite(session, member_id=member_id, actor="psy.test", now=now, days=7)


def test_a_code_is_ten_unambiguous_characters_and_only_its_hash_is_kept(
        session: Session) -> None:
    member_id = consented_member(session)

    code = invite(session, member_id)

    assert len(code) == CODE_LENGTH
    assert set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    row = session.scalars(select(InviteCode)).one()
    assert row.member_id == member_id
    assert row.expires_at == NOW + timedelta(days=7)
    assert code not in (row.code_hash, row.created_by)
    assert len(row.code_hash) == 64
    audit = session.scalars(select(AuditLog).where(AuditLog.entity == "invite_code")).one()
    assert code not in audit.summary
    assert verify_audit_chain(session).broken is None


def test_an_invite_needs_an_active_member_with_an_active_consent(session: Session) -> None:
    clinic_id = builders.clinic(session)
    patient_id = builders.patient(session, clinic_id, "P1")
    no_consent = builders.member(session, clinic_id, patient_id, "M1")
    with pytest.raises(InviteError, match="no active consent"):
        invite(session, no_consent)

    inactive = consented_member(session, "M2")
    session.get_one(SupportMember, inactive).active = False
    with pytest.raises(InviteError, match="inactive"):
        invite(session, inactive)


def test_a_code_links_the_chat_once(session: Session) -> None:
    member_id = consented_member(session)
    code = invite(session, member_id)

    linked = redeem_invite(session, code=code, chat_id="8001", now=NOW + timedelta(hours=1))

    assert linked == member_id
    assert session.get_one(SupportMember, member_id).telegram_chat_id == "8001"
    assert session.scalars(select(InviteCode.used_at)).one() == NOW + timedelta(hours=1)
    assert redeem_invite(session, code=code, chat_id="8002",
                         now=NOW + timedelta(hours=2)) is InviteProblem.USED
    assert session.get_one(SupportMember, member_id).telegram_chat_id == "8001"
    assert verify_audit_chain(session).broken is None


def test_a_code_expires_after_seven_days(session: Session) -> None:
    member_id = consented_member(session)
    late = invite(session, member_id)
    in_time = invite(session, consented_member(session, "M2"))

    assert redeem_invite(session, code=late, chat_id="8001",
                         now=NOW + timedelta(days=7)) is InviteProblem.EXPIRED
    assert session.get_one(SupportMember, member_id).telegram_chat_id is None
    assert isinstance(redeem_invite(session, code=in_time, chat_id="8002",
                                    now=NOW + timedelta(days=7, minutes=-1)), int)


def test_persian_digits_lower_case_and_spaces_are_accepted(session: Session) -> None:
    assert normalise_code(" ab۲۳-٤٥ cd ") == "AB2345CD"
    member_id = consented_member(session)
    code = invite(session, member_id)
    for attempt in range(50):  # make sure the code has digits to type in Persian
        if any(char.isdigit() for char in code):
            break
        code = invite(session, member_id, NOW + timedelta(seconds=attempt + 1))
    typed = f" {code[:5].lower()} {code[5:]} ".translate(PERSIAN_DIGITS)

    assert redeem_invite(session, code=typed, chat_id="8001",
                         now=NOW + timedelta(hours=1)) == member_id


def test_unknown_and_malformed_codes_link_nothing(session: Session) -> None:
    member_id = consented_member(session)
    invite(session, member_id)

    assert redeem_invite(session, code="ZZZZZZZZZZ", chat_id="8001",
                         now=NOW) is InviteProblem.UNKNOWN
    assert redeem_invite(session, code="short", chat_id="8001", now=NOW) is InviteProblem.UNKNOWN
    assert session.scalars(select(SupportMember.telegram_chat_id)).all() == [None]


def test_a_new_code_replaces_the_unused_one(session: Session) -> None:
    member_id = consented_member(session)
    old = invite(session, member_id)
    new = invite(session, member_id, NOW + timedelta(hours=1))

    later = NOW + timedelta(hours=2)
    assert redeem_invite(session, code=old, chat_id="8001", now=later) is InviteProblem.EXPIRED
    assert redeem_invite(session, code=new, chat_id="8001", now=later) == member_id


def test_a_revoked_consent_stops_the_code(session: Session) -> None:
    member_id = consented_member(session)
    code = invite(session, member_id)
    session.scalars(select(Consent)).one().revoked_on = date(2026, 11, 23)

    assert redeem_invite(session, code=code, chat_id="8001",
                         now=NOW + timedelta(hours=1)) is InviteProblem.NOT_ALLOWED


def test_a_chat_belongs_to_one_member_at_a_time(session: Session) -> None:
    first = consented_member(session, "M1")
    second = consented_member(session, "M2")
    assert redeem_invite(session, code=invite(session, first), chat_id="8001", now=NOW) == first

    assert redeem_invite(session, code=invite(session, second), chat_id="8001",
                         now=NOW) == second

    assert session.get_one(SupportMember, first).telegram_chat_id is None
    assert session.get_one(SupportMember, second).telegram_chat_id == "8001"
    summaries = session.scalars(select(AuditLog.summary)
                                .where(AuditLog.entity == "support_member")).all()
    assert summaries[-1].endswith("moved from member M1")


def test_the_deep_link_opens_the_bot_with_the_code() -> None:
    assert deep_link("@HamrahClinicBot", "abcd-23456k") == (
        "https://t.me/HamrahClinicBot?start=ABCD23456K")
