"""One-time invite codes that link a family member's Telegram chat to the member's record.

The clinic creates a code on the patient record and gives it to the member, usually as the deep
link ``https://t.me/<bot>?start=<code>`` (tapping it sends ``/start <code>`` to the bot). A code
is ten characters from an alphabet without look-alikes (no 0/O, 1/I/L), so it can also be read
out on the phone and typed by hand; only its SHA-256 is stored, so the table cannot be used to
link a stranger's chat. A code works once and for ``days`` days; a new code for the same member
replaces the member's earlier unused ones.

One chat belongs to one member at a time: redeeming a code moves the chat to the code's member
(the clinic issued that code on purpose), so that a question or an emergency report is never
filed under the wrong patient.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.consents import active_consent_clause
from data_access.models import ChatSession, Consent, InviteCode, SupportMember
from domain.digits import to_ascii_digits
from domain.vocabulary import AuditAction

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
DEFAULT_DAYS = 7
_SEPARATORS = str.maketrans("", "", " -_\u200c\u00a0")


class InviteError(ValueError):
    """An invite that cannot be created; the message says why."""


class InviteProblem(StrEnum):
    """Why a code did not link a chat."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    NOT_ALLOWED = "not_allowed"  # the member is inactive or no longer has an active consent


def normalise_code(raw: str) -> str:
    """The code as stored: Persian and Arabic-Indic digits made ASCII, spaces and dashes
    dropped, upper case (so ``" abcd-۲۳۴۵ "`` reads ``ABCD2345``)."""
    return to_ascii_digits(raw).translate(_SEPARATORS).strip().upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and sends ``/start <code>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={normalise_code(code)}"


def _has_active_consent(session: Session, member_id: int, now: datetime) -> bool:
    count = session.scalar(
        select(func.count()).select_from(Consent)
        .where(Consent.member_id == member_id, active_consent_clause(now.date()))
    )
    return bool(count)


def create_invite(session: Session, *, member_id: int, actor: str, now: datetime,
                  days: int = DEFAULT_DAYS) -> str:
    """A new code for an active member with an active consent; returned once, never stored.

    The member's earlier unused codes stop working (they read as expired).
    """
    if days < 1:
        raise InviteError("An invite must be valid for at least one day")
    member = session.get(SupportMember, member_id)
    if member is None:
        raise InviteError(f"No family member with id {member_id}")
    if not member.active:
        raise InviteError(f"Family member {member.code} is inactive")
    if not _has_active_consent(session, member_id, now):
        raise InviteError(f"Family member {member.code} has no active consent: record the "
                          "patient's consent before inviting")
    session.execute(
        update(InviteCode)
        .where(InviteCode.member_id == member_id, InviteCode.used_at.is_(None),
               InviteCode.expires_at > now)
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(days=days)
    invite = InviteCode(member_id=member_id, code_hash=code_hash(code), created_at=now,
                        expires_at=expires_at, created_by=actor)
    session.add(invite)
    session.flush()
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="invite_code",
                 entity_id=invite.id,
                 summary=f"Telegram invite for member {member.code}, valid until "
                         f"{expires_at:%Y-%m-%d %H:%M}")
    return code


def redeem_invite(session: Session, *, code: str, chat_id: str, now: datetime,
                  actor: str = "telegram") -> int | InviteProblem:
    """Link ``chat_id`` to the code's member and use the code up; return the member's id, or
    the problem. Nothing is written for a code that does not link."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH or any(char not in ALPHABET for char in normalised):
        return InviteProblem.UNKNOWN
    invite = session.scalars(
        select(InviteCode).where(InviteCode.code_hash == code_hash(normalised)).with_for_update()
    ).one_or_none()
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.used_at is not None:
        return InviteProblem.USED
    if now >= invite.expires_at:
        return InviteProblem.EXPIRED
    member = session.get_one(SupportMember, invite.member_id)
    if not member.active or not _has_active_consent(session, member.id, now):
        return InviteProblem.NOT_ALLOWED
    previous = session.scalars(
        select(SupportMember.code)
        .where(SupportMember.telegram_chat_id == chat_id, SupportMember.id != member.id)
    ).all()
    if previous:
        session.execute(
            update(SupportMember)
            .where(SupportMember.telegram_chat_id == chat_id, SupportMember.id != member.id)
            .values(telegram_chat_id=None)
        )
    # A check-in started for another member must not be finished under this one.
    session.execute(delete(ChatSession).where(ChatSession.chat_id == chat_id))
    member.telegram_chat_id = chat_id
    invite.used_at = now
    session.flush()
    moved = f"; moved from member {', '.join(previous)}" if previous else ""
    record_audit(session, actor=actor, action=AuditAction.UPDATE, entity="support_member",
                 entity_id=member.id,
                 summary=f"Telegram chat linked with invite {invite.id}{moved}")
    return member.id
