"""What the Telegram intake stores: the update offset, the unknown-chat count, linked members,
"opened" and "Done" on assignments, the /report conversation and the condition report it ends in.

The worker (``worker.intake``) decides what a family's message means; these functions write the
result in the caller's transaction, one update at a time, together with the new offset, so an
update is either fully recorded and confirmed or not at all.

About unknown chats nothing is stored but a count (``worker_state`` key
``telegram_unknown_chats``): it counts messages, because counting distinct chats would mean
keeping their ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.audit import record_audit
from data_access.models import (
    Assignment,
    ChatSession,
    Clinic,
    ConditionReport,
    ContentModule,
    EngagementEvent,
    SupportMember,
    WorkerState,
)
from domain.content_rules import is_url
from domain.vocabulary import AuditAction, DeliveryStatus, EngagementKind, ReportSeverity

OFFSET_KEY = "telegram_offset"
UNKNOWN_CHATS_KEY = "telegram_unknown_chats"
MAX_REPORT_TEXT = 1000

# Assignment statuses a member can still open or complete; cancelled, blocked and failed ones
# are closed.
_OPENABLE = (DeliveryStatus.QUEUED.value, DeliveryStatus.SENT.value,
             DeliveryStatus.DELIVERED.value)
_COMPLETABLE = (*_OPENABLE, DeliveryStatus.OPENED.value)


# -- worker state ----------------------------------------------------------------------------

def _state(session: Session, key: str) -> str | None:
    return session.scalar(select(WorkerState.value).where(WorkerState.key == key))


def _set_state(session: Session, key: str, value: str) -> None:
    row = session.get(WorkerState, key)
    if row is None:
        session.add(WorkerState(key=key, value=value))
    else:
        row.value = value
    session.flush()


def read_offset(session: Session) -> int | None:
    """The next ``getUpdates`` offset (the last processed update id + 1), None before the
    first update."""
    value = _state(session, OFFSET_KEY)
    return int(value) if value else None


def store_offset(session: Session, offset: int) -> None:
    _set_state(session, OFFSET_KEY, str(offset))


def unknown_chat_count(session: Session) -> int:
    value = _state(session, UNKNOWN_CHATS_KEY)
    return int(value) if value else 0


def count_unknown_chat(session: Session) -> int:
    """One more message from a chat that is not linked; the new count."""
    count = unknown_chat_count(session) + 1
    _set_state(session, UNKNOWN_CHATS_KEY, str(count))
    return count


# -- linked members --------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkedMember:
    id: int
    code: str
    first_name: str
    language: str
    clinic_id: int
    patient_id: int


def linked_member(session: Session, chat_id: str) -> LinkedMember | None:
    """The active member this chat is linked to; an inactive member's chat counts as unknown."""
    row = session.execute(
        select(SupportMember.id, SupportMember.code, SupportMember.first_name,
               SupportMember.language, SupportMember.clinic_id, SupportMember.patient_id)
        .where(SupportMember.telegram_chat_id == chat_id, SupportMember.active.is_(True))
        .order_by(SupportMember.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else LinkedMember(*row)


def clinic_phone(session: Session, clinic_id: int) -> str | None:
    phone = session.scalar(select(Clinic.phone).where(Clinic.id == clinic_id))
    return phone.strip() if phone and phone.strip() else None


# -- assignments -----------------------------------------------------------------------------

class Completion(StrEnum):
    COMPLETED = "completed"
    ALREADY_COMPLETED = "already_completed"
    NOT_YOURS = "not_yours"  # unknown, or another member's assignment
    CLOSED = "closed"  # cancelled, blocked or failed: nothing to complete


def _own_assignment(session: Session, member_id: int, assignment_id: int) -> Assignment | None:
    assignment = session.get(Assignment, assignment_id, with_for_update=True)
    if assignment is None or assignment.member_id != member_id:
        return None
    return assignment


def _open(session: Session, assignment: Assignment, now: datetime) -> bool:
    if assignment.opened_at is not None or assignment.status not in _OPENABLE:
        return False
    assignment.status = DeliveryStatus.OPENED.value
    assignment.opened_at = now
    session.add(EngagementEvent(member_id=assignment.member_id, assignment_id=assignment.id,
                                kind=EngagementKind.OPENED.value, occurred_at=now))
    return True


def mark_opened(session: Session, *, member_id: int, assignment_id: int, now: datetime) -> bool:
    """Record ``opened`` the first time the member reacts to the assignment's message (a button
    or a reply); True when it was recorded now."""
    assignment = _own_assignment(session, member_id, assignment_id)
    if assignment is None:
        return False
    opened = _open(session, assignment, now)
    session.flush()
    return opened


def complete_assignment(session: Session, *, member_id: int, assignment_id: int,
                        now: datetime) -> Completion:
    """The member pressed "Done": completed (and opened, if not yet), with its events."""
    assignment = _own_assignment(session, member_id, assignment_id)
    if assignment is None:
        return Completion.NOT_YOURS
    if assignment.status == DeliveryStatus.COMPLETED.value:
        return Completion.ALREADY_COMPLETED
    if assignment.status not in _COMPLETABLE:
        return Completion.CLOSED
    _open(session, assignment, now)
    assignment.status = DeliveryStatus.COMPLETED.value
    assignment.completed_at = now
    session.add(EngagementEvent(member_id=member_id, assignment_id=assignment_id,
                                kind=EngagementKind.COMPLETED.value, occurred_at=now))
    session.flush()
    return Completion.COMPLETED


# -- the /report conversation ----------------------------------------------------------------

@dataclass(frozen=True)
class Conversation:
    member_id: int
    step: str
    answers: dict[str, Any]
    updated_at: datetime


def conversation(session: Session, chat_id: str) -> Conversation | None:
    row = session.get(ChatSession, chat_id)
    if row is None:
        return None
    return Conversation(row.member_id, row.step, dict(row.answers), row.updated_at)


def save_conversation(session: Session, *, chat_id: str, member_id: int, step: str,
                      answers: dict[str, Any], now: datetime) -> None:
    row = session.get(ChatSession, chat_id)
    if row is None:
        session.add(ChatSession(chat_id=chat_id, member_id=member_id, step=step,
                                answers=dict(answers), updated_at=now))
    else:
        row.member_id = member_id
        row.step = step
        row.answers = dict(answers)  # a new dict, so the JSON column is seen as changed
        row.updated_at = now
    session.flush()


def end_conversation(session: Session, chat_id: str) -> bool:
    """Forget the chat's conversation; True when there was one."""
    row = session.get(ChatSession, chat_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


class UseSign(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


@dataclass(frozen=True)
class CheckIn:
    """A member's answers to the /report check-in.

    ``medical`` is the member's words about the patient's medical state (a button's label or
    typed text; empty for a check-in begun before that question existed);
    ``needs_doctor_soon`` is True when the member chose "needs a doctor soon" there.
    """

    physical: str
    mood: str
    signs_of_use: UseSign
    emergency: bool
    medical: str = ""
    needs_doctor_soon: bool = False


# Words in a physical, mood or medical answer that raise a report to "moderate" (worry) or
# "high" (danger). Whole words only, after folding Arabic letter forms and the zero-width
# non-joiner; negations are not understood, which errs towards attention ("not bad" reads as
# worry, and so does "no need for a doctor").
WORRY_WORDS = frozenset({
    "bad", "worse", "sick", "ill", "pain", "hurt", "vomiting", "vomit", "sleepy", "drowsy",
    "depressed", "sad", "angry", "anxious", "aggressive", "crying", "weak", "fever", "shaking",
    "doctor", "hospital", "infection", "wound", "bleeding", "swollen",
    "بد", "بدتر", "مریض", "بیمار", "درد", "استفراغ", "خوابآلود", "افسرده", "غمگین", "ناراحت",
    "عصبانی", "عصبی", "مضطرب", "پرخاشگر", "ضعیف", "تب", "لرز",
    "پزشک", "دکتر", "بیمارستان", "عفونت", "زخم", "خونریزی", "ورم",
})
DANGER_WORDS = frozenset({
    "suicide", "suicidal", "overdose", "unconscious", "unresponsive", "seizure",
    "خودکشی", "اوردوز", "بیهوش", "تشنج",
})
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": None})


def folded_words(text: str) -> list[str]:
    """Lower-case words of ``text`` in order, Arabic letter forms folded to Persian ones and
    the zero-width non-joiner dropped (``"نمی‌دانم"`` and ``"نمیدانم"`` are one word)."""
    return re.findall(r"\w+", text.translate(_FOLD).lower())


def words_of(text: str) -> set[str]:
    return set(folded_words(text))


def check_in_severity(check_in: CheckIn) -> ReportSeverity:
    """High for an emergency, a seen sign of use or a danger word; moderate for an unsure sign
    of use, a patient who needs a doctor soon or a worry word; low otherwise. The words of the
    physical, mood and medical answers all count.

    "Needs a doctor soon" is moderate, not high: it asks the clinic to follow up soon, and the
    check-in asks separately whether it is an emergency; only that answer makes a report an
    emergency (high, and on the dashboard's banner)."""
    words = words_of(check_in.physical) | words_of(check_in.mood) | words_of(check_in.medical)
    if check_in.emergency or check_in.signs_of_use == UseSign.YES or words & DANGER_WORDS:
        return ReportSeverity.HIGH
    if (check_in.signs_of_use == UseSign.UNSURE or check_in.needs_doctor_soon
            or words & WORRY_WORDS):
        return ReportSeverity.MODERATE
    return ReportSeverity.LOW


def save_check_in(session: Session, *, member_id: int, check_in: CheckIn, now: datetime,
                  actor: str = "telegram") -> int:
    """A condition report from the check-in, with the member's ``reported`` event; an emergency
    stays open (and on the dashboard's banner) until staff acknowledge it."""
    member = session.get_one(SupportMember, member_id)
    signs = {UseSign.YES: True, UseSign.NO: False, UseSign.UNSURE: None}[check_in.signs_of_use]
    severity = check_in_severity(check_in)
    report = ConditionReport(
        member_id=member_id, patient_id=member.patient_id, reported_at=now,
        physical=check_in.physical[:MAX_REPORT_TEXT], mental=check_in.mood[:MAX_REPORT_TEXT],
        medical=check_in.medical[:MAX_REPORT_TEXT] or None,
        signs_of_use=signs, severity=severity.value, emergency=check_in.emergency,
    )
    session.add(report)
    session.add(EngagementEvent(member_id=member_id, kind=EngagementKind.REPORTED.value,
                                occurred_at=now))
    session.flush()
    kind = "emergency report" if check_in.emergency else f"{severity.value} report"
    record_audit(session, actor=actor, action=AuditAction.CREATE, entity="condition_report",
                 entity_id=report.id, summary=f"{kind} from member {member.code} by Telegram")
    return report.id


def open_from_link(session: Session, *, assignment_id: int, now: datetime) -> str | None:
    """A family member followed a signed open link: record ``opened`` (once) and return the
    module's web address to send them on to; None for an unknown assignment or no web address."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        return None
    location = session.scalar(
        select(ContentModule.location).where(ContentModule.id == assignment.module_id))
    _open(session, assignment, now)
    session.flush()
    return location if is_url(location) else None
