"""SQLAlchemy 2.x typed models: the whole data model of the architecture map.

The schema is only ever changed by an Alembic migration; these classes describe it for queries.
Constraints live in the database (CHECKs built from ``domain.vocabulary``), not only in Python, so
an import or a hand-written SQL statement cannot store a status the rules do not know.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.calendars import Calendar
from domain.deadlines import MONDAY_TO_FRIDAY, AnswerDeadline
from domain.meetings import MAX_WHAT_CHARS
from domain.outreach import Tier
from domain.vocabulary import (
    Channel,
    ConsentScope,
    ContentKind,
    DeliveryStatus,
    DoseKind,
    DoseStatus,
    EngagementKind,
    Medication,
    OutreachOutcome,
    Phase,
    Relation,
    ReportSeverity,
    Role,
    ScreenResult,
    Sex,
    values,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON}


def one_of(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK that keeps ``column`` inside an enumeration's stored values."""
    allowed = ", ".join(f"'{value}'" for value in values(enum))
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_allowed")


class Clinic(Base):
    __tablename__ = "clinic"
    __table_args__ = (one_of("answer_deadline", AnswerDeadline),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # How long families wait for an answer, and which days count as working days for it.
    answer_deadline: Mapped[str] = mapped_column(
        String(20), default=AnswerDeadline.ONE_WORKING_DAY.value,
        server_default=AnswerDeadline.ONE_WORKING_DAY.value,
    )
    working_days: Mapped[str] = mapped_column(
        String(40), default=MONDAY_TO_FRIDAY.text, server_default="mon,tue,wed,thu,fri"
    )


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (
        one_of("role", Role),
        one_of("calendar", Calendar),
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # How dates are shown and typed for this user (domain.calendars); storage stays Gregorian.
    calendar: Mapped[str] = mapped_column(
        String(10), default=Calendar.GREGORIAN.value, server_default=Calendar.GREGORIAN.value
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime)


class StaffClinic(Base):
    """Which clinics a staff member works for: roles see only their clinics' patients."""

    __tablename__ = "staff_clinic"

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), primary_key=True)


class Patient(Base):
    __tablename__ = "patient"
    __table_args__ = (
        UniqueConstraint("clinic_id", "code", name="uq_patient_clinic_code"),
        one_of("sex", Sex),
        one_of("medication", Medication),
        one_of("phase", Phase),
        CheckConstraint("dose_mg >= 0", name="dose_non_negative"),
        CheckConstraint(
            "oud_criteria_count IS NULL OR (oud_criteria_count BETWEEN 0 AND 11)",
            name="oud_criteria_range",
        ),
        CheckConstraint("birth_year BETWEEN 1900 AND 2100", name="birth_year_range"),
        Index("ix_patient_clinic_phase", "clinic_id", "phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    code: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))
    birth_year: Mapped[int] = mapped_column(Integer)
    primary_substance: Mapped[str] = mapped_column(String(50))
    co_used_substances: Mapped[str | None] = mapped_column(String(200))
    medication: Mapped[str] = mapped_column(String(20))
    dose_mg: Mapped[float] = mapped_column(Float)
    admission_date: Mapped[date] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(20))
    phase_since: Mapped[date] = mapped_column(Date)
    psychologist_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    living_situation: Mapped[str | None] = mapped_column(String(40))
    employment: Mapped[str | None] = mapped_column(String(20))
    oud_criteria_count: Mapped[int | None] = mapped_column(Integer)
    hbv_status: Mapped[str | None] = mapped_column(String(40))
    hcv_status: Mapped[str | None] = mapped_column(String(40))
    hiv_status: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DoseEvent(Base):
    __tablename__ = "dose_event"
    __table_args__ = (
        UniqueConstraint("patient_id", "dose_date", name="uq_dose_event_patient_day"),
        one_of("status", DoseStatus),
        one_of("kind", DoseKind),
        CheckConstraint("dose_mg IS NULL OR dose_mg >= 0", name="dose_non_negative"),
        CheckConstraint("status = 'missed' OR dose_mg IS NOT NULL", name="taken_has_dose"),
        Index("ix_dose_event_date_patient", "dose_date", "patient_id"),
        # The last taken dose per patient is one backward index seek on this index.
        Index("ix_dose_event_patient_status_date", "patient_id", "status", "dose_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    dose_date: Mapped[date] = mapped_column(Date)
    dose_mg: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20), default=DoseKind.OBSERVED.value)
    status: Mapped[str] = mapped_column(String(10))


class UrineScreen(Base):
    __tablename__ = "urine_screen"
    __table_args__ = (
        UniqueConstraint(
            "patient_id", "screen_date", "substance", name="uq_urine_screen_patient_day_substance"
        ),
        one_of("result", ScreenResult),
        Index("ix_urine_screen_date_patient", "screen_date", "patient_id"),
        # Covers the signals' read of each patient's screens (migration 0008).
        Index("ix_urine_screen_patient_result", "patient_id", "result", "expected",
              "screen_date", "substance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    screen_date: Mapped[date] = mapped_column(Date)
    substance: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(10))
    expected: Mapped[bool] = mapped_column(Boolean, default=False)


class PhaseChange(Base):
    """Append-only phase history; the patient row holds the current phase for fast filters."""

    __tablename__ = "phase_change"
    __table_args__ = (
        one_of("to_phase", Phase),
        CheckConstraint(
            "from_phase IS NULL OR from_phase IN ("
            + ", ".join(f"'{v}'" for v in values(Phase))
            + ")",
            name="from_phase_allowed",
        ),
        Index("ix_phase_change_patient_date", "patient_id", "changed_on"),
        # The recent ends of taper (to aftercare) of every patient, for the urgent count.
        Index("ix_phase_change_to_phase_date", "to_phase", "changed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    from_phase: Mapped[str | None] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    unmet_criteria: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SupportMember(Base):
    __tablename__ = "support_member"
    __table_args__ = (
        UniqueConstraint("clinic_id", "code", name="uq_support_member_clinic_code"),
        one_of("relation", Relation),
        one_of("channel", Channel),
        Index("ix_support_member_patient", "patient_id"),
        Index("ix_support_member_telegram_chat", "telegram_chat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    code: Mapped[str] = mapped_column(String(32))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8), default="fa")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Consent(Base):
    """A patient's written authorisation to disclose to one member (42 CFR 2.31)."""

    __tablename__ = "consent"
    __table_args__ = (
        one_of("scope", ConsentScope),
        CheckConstraint(
            "expires_on IS NULL OR expires_on >= signed_on", name="expires_after_signed"
        ),
        CheckConstraint(
            "revoked_on IS NULL OR revoked_on >= signed_on", name="revoked_after_signed"
        ),
        Index("ix_consent_member", "member_id"),
        Index("ix_consent_patient", "patient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(Text, default="family education and support")
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ContentModule(Base):
    __tablename__ = "content_module"
    __table_args__ = (
        one_of("kind", ContentKind),
        CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds >= 0", name="duration_non_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    # A URL, or the path of an uploaded file relative to the media folder (HAMRAH_MEDIA_DIR).
    location: Mapped[str | None] = mapped_column(String(500))
    media_type: Mapped[str | None] = mapped_column(String(100))
    media_bytes: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (
        one_of("status", DeliveryStatus),
        # A member's assignments by status, and the overdue ones by due day from the index alone
        # (the worklist); the roster's modules completed in 30 days, a range of each member's
        # completions (migration 0010).
        Index("ix_assignment_member_status_due", "member_id", "status", "due_on"),
        Index("ix_assignment_member_completed", "member_id", "completed_at"),
        Index("ix_assignment_module", "module_id"),
        Index("ix_assignment_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("content_module.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default=DeliveryStatus.QUEUED.value)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """A message waiting for the family-channel worker; one row per message, sent at most once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        one_of("status", DeliveryStatus),
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    body: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32), default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Committed before the message goes to a channel: claimed but never recorded means the
    # worker was interrupted mid-send, and the message is not sent again (at most once).
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The channel it went (or goes) through, fixed at the first attempt.
    channel: Mapped[str | None] = mapped_column(String(20))


class EngagementEvent(Base):
    __tablename__ = "engagement_event"
    __table_args__ = (
        one_of("kind", EngagementKind),
        Index("ix_engagement_event_member_at", "member_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))


class FamilyQuestion(Base):
    __tablename__ = "family_question"
    __table_args__ = (
        Index("ix_family_question_patient", "patient_id"),
        Index("ix_family_question_open", "answered_at", "due_at"),
        Index("ix_family_question_patient_open", "patient_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class Answer(Base):
    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("family_question.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    answered_at: Mapped[datetime] = mapped_column(DateTime)
    # True when the member had no active consent: the answer holds general information only.
    general_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class ConditionReport(Base):
    __tablename__ = "condition_report"
    __table_args__ = (
        one_of("severity", ReportSeverity),
        Index("ix_condition_report_patient", "patient_id"),
        Index("ix_condition_report_open", "acknowledged_at", "emergency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    physical: Mapped[str | None] = mapped_column(Text)
    mental: Mapped[str | None] = mapped_column(Text)
    medical: Mapped[str | None] = mapped_column(Text)
    signs_of_use: Mapped[bool | None] = mapped_column(Boolean)
    severity: Mapped[str] = mapped_column(String(10))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    action_taken: Mapped[str | None] = mapped_column(Text)


class OutreachAttempt(Base):
    __tablename__ = "outreach_attempt"
    __table_args__ = (
        one_of("outcome", OutreachOutcome),
        one_of("channel", Channel),
        CheckConstraint(
            "tier IS NULL OR tier IN (" + ", ".join(f"'{v}'" for v in values(Tier)) + ")",
            name="tier_allowed",
        ),
        Index("ix_outreach_attempt_patient_at", "patient_id", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("support_member.id"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    attempted_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    # The item's tier when the attempt was logged: a later reason of a higher tier ends the snooze.
    tier: Mapped[str | None] = mapped_column(String(10))


class CaseMeeting(Base):
    """A clinic's case-review meeting: its agenda (:class:`CaseMeetingPatient`) and the action
    items decided in it (:class:`ActionItem`). Closing it ends the recording of decisions."""

    __tablename__ = "case_meeting"
    __table_args__ = (Index("ix_case_meeting_clinic_held", "clinic_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    held_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class CaseMeetingPatient(Base):
    """One patient on a meeting's agenda, in order, with why (``domain.meetings.AgendaReason``
    codes joined by commas; empty when the patient was added by hand)."""

    __tablename__ = "case_meeting_patient"
    __table_args__ = (
        UniqueConstraint("meeting_id", "position", name="uq_case_meeting_patient_position"),
        CheckConstraint("position >= 0", name="position_non_negative"),
        Index("ix_case_meeting_patient_patient", "patient_id"),
    )

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("case_meeting.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(String(200), default="", server_default="")


class ActionItem(Base):
    """A decision about a patient: what to do, who does it, by when; open until marked done."""

    __tablename__ = "action_item"
    __table_args__ = (
        CheckConstraint(f"length(what) BETWEEN 1 AND {MAX_WHAT_CHARS}", name="what_length"),
        CheckConstraint("done_by_id IS NULL OR done_at IS NOT NULL",
                        name="done_by_needs_done_at"),
        # Open items of one owner (home page) and of one patient (record, agenda follow-ups).
        Index("ix_action_item_owner_open", "owner_id", "done_at", "due_on"),
        Index("ix_action_item_patient_open", "patient_id", "done_at"),
        Index("ix_action_item_meeting", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("case_meeting.id"))
    what: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class AuditLog(Base):
    """Append-only, hash-chained record of every view and change (ASTM E2147, 45 CFR 164.312(b)).

    Database triggers refuse UPDATE and DELETE; each row's hash covers its content and the
    previous row's hash, so a removed or altered row breaks ``hamrah audit verify``.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the chain's tip. Writers update it first, which serialises them on both engines."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class WorkerHeartbeat(Base):
    """The worker's last sign of life, shown to admins (the dashboard works without it)."""

    __tablename__ = "worker_heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(DateTime)
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")


class WorkerState(Base):
    """Small key-value state of the worker (e.g. the Telegram update offset)."""

    __tablename__ = "worker_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OverviewSnapshot(Base):
    """An Overview counted ahead (``data_access.overview_snapshots``): its frames as Parquet
    files in one zip, for the clinics, day, period, calendar and figure settings of its key.
    A cache kept in the database so that every dashboard replica and every restart finds it;
    it names no patient and no family (the Overview's figures are counts and shares)."""

    __tablename__ = "overview_snapshot"
    __table_args__ = (
        UniqueConstraint("clinics", "as_of", "period_start", "period_end", "calendar",
                         "settings_digest", name="uq_overview_snapshot_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinics: Mapped[str] = mapped_column(String(400))  # clinic ids, sorted, comma-separated
    as_of: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    calendar: Mapped[str] = mapped_column(String(10))
    settings_digest: Mapped[str] = mapped_column(String(64))
    counted_at: Mapped[datetime] = mapped_column(DateTime)
    count_seconds: Mapped[float] = mapped_column(Float)
    frames: Mapped[bytes] = mapped_column(LargeBinary)


class InviteCode(Base):
    """A one-time code the clinic gives a member to link a Telegram chat; only its hash is kept."""

    __tablename__ = "invite_code"
    __table_args__ = (Index("ix_invite_code_member_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class ChatSession(Base):
    """Where a member is in a bot conversation (the /report check-in), one row per chat."""

    __tablename__ = "chat_session"

    chat_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("support_member.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
