"""Reminders the worker queues by itself: the weekly check-in and overdose safety information.

:func:`queue_reminders` runs once per worker cycle, in its own transaction, before delivery, so
what it queues goes out in the same cycle. It writes outbox rows only; the delivery cycle checks
consent, the address and the disclosure guard again at send time, as for any other message.

- **Weekly check-in** (``HAMRAH_WEEKLY_CHECKIN``, e.g. ``fri 18:00``, UTC; ``off`` for none):
  once the slot of the current ISO week has passed, every active member of a patient in
  treatment who has an active consent covering education and reads Telegram (with a linked
  chat) or e-mail (with an address) gets one message (kind ``reminder``) inviting a short
  report: ``/report`` on Telegram, an answer to the mail by e-mail. Key
  ``checkin:<ISO year>-W<week>:<member id>``: once a week, however many cycles or workers run.
- **Overdose information** (CLINICAL.md, highest overdose risk: after missed doses, at the end of
  a taper, after discharge): when a patient's ``overdose_risk_tolerance`` flag comes on (missed
  doses, ``domain.signals``), or the patient moved taper -> aftercare or was discharged in the
  last ``post_discharge_days`` (14 by default), the same members get a message on recognising an
  overdose and on naloxone, with the clinic's phone (kind ``safety``). Key
  ``overdose:<patient id>:<event date>:<member id>``, the event date being the first missed day
  of the streak or the day of the taper end or discharge: once per event. A streak whose flag
  came on more than ``post_discharge_days`` ago is not announced any more (the family was told
  when it came on; a first start or a long outage of the worker would otherwise send stale news
  about long-absent patients, who stay on the outreach worklist).

The texts never say why they are sent nor name the patient or the treatment: the reason (missed
doses, a taper) is progress information that an education-only consent does not cover. They are
general information "from your clinic" and pass ``domain.message_guard`` for that scope.

Queries do not grow with the number of patients or members: the candidates, the patients'
signals (``patient_signal_list``, grouped), the taper ends, the keys already queued (one ``IN``
list per :data:`IN_LIST_SIZE` keys) and one INSERT of the missing rows. The INSERT also skips
a key that another worker has just written (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Insert, and_, exists, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data_access.consents import active_consent_clause
from data_access.models import Clinic, Consent, OutboxMessage, Patient, PhaseChange, SupportMember
from data_access.signals import patient_signal_list
from domain.consent import SCOPE_COVERS, scope_covers
from domain.signals import Flag
from domain.text import t
from domain.vocabulary import Channel, DeliveryStatus, Phase
from i18n.catalog import translating

if TYPE_CHECKING:
    from settings import Settings

CHECKIN_KIND = "reminder"
SAFETY_KIND = "safety"
EDUCATION = "education"
IN_LIST_SIZE = 5_000  # keys per IN (...) list: far below both engines' parameter limits

_TELEGRAM = Channel.TELEGRAM.value
_EMAIL = Channel.EMAIL.value
_EDUCATION_SCOPES = sorted(scope.value for scope in SCOPE_COVERS if scope_covers(scope, EDUCATION))

# -- the weekly slot ----------------------------------------------------------------------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFF = "off"  # no weekly check-in (a clinic that does not want it; tests on a real clock)
_SLOT = re.compile(r"([a-z]{3})\s+(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class WeeklySlot:
    """A day of the week (0 = Monday) and a time of day, in UTC."""

    weekday: int
    at: time

    def in_week_of(self, moment: datetime) -> datetime:
        """The slot in the ISO week (Monday to Sunday) that holds ``moment``."""
        monday = moment.date() - timedelta(days=moment.weekday())
        return datetime.combine(monday + timedelta(days=self.weekday), self.at)


def weekly_slot(text: str) -> WeeklySlot | None:
    """``"fri 18:00"``: a three-letter English day and a 24-hour UTC time; ``"off"``: None (no
    check-in); ValueError otherwise."""
    plain = text.strip().lower()
    if plain == OFF:
        return None
    found = _SLOT.fullmatch(plain)
    problem = None
    if found is None:
        problem = "write a three-letter day and a 24-hour UTC time, e.g. 'fri 18:00', or 'off'"
    elif found.group(1) not in DAYS:
        problem = f"the day must be one of {', '.join(DAYS)}"
    elif int(found.group(2)) > 23 or int(found.group(3)) > 59:
        problem = "the time must be between 00:00 and 23:59"
    if problem is not None or found is None:
        raise ValueError(f"HAMRAH_WEEKLY_CHECKIN={text!r}: {problem}")
    return WeeklySlot(DAYS.index(found.group(1)), time(int(found.group(2)), int(found.group(3))))


def checkin_week(now: datetime, slot: WeeklySlot | None) -> str | None:
    """``"2026-W48"`` once ``now`` has reached this ISO week's slot; None before it (or off)."""
    if slot is None or now < slot.in_week_of(now):
        return None
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


# -- texts --------------------------------------------------------------------------------------
# Never the patient's name, treatment, doses or why a message is sent (see the module's doc).
# Written in English; the member's language comes from the catalogs (i18n/locales).

CHECKIN_TELEGRAM = (
    "Hello from your clinic. How are things at home this week?\n\n"
    "We would like to hear how you and your family are doing. Send /report for a short "
    "check-in (five questions), or type a message here if you have a question.\n\n"
    "In an emergency call 115 (or your local emergency number) first."
)
CHECKIN_EMAIL = (
    "Hello from your clinic. How are things at home this week?\n\n"
    "We would like to hear how you and your family are doing. Please answer this e-mail "
    "with a few lines: how the person you support is feeling, anything that worries you, "
    "or any question you have.\n\n"
    "In an emergency call 115 (or your local emergency number) first."
)
OVERDOSE_INFORMATION = (
    "Safety information from your clinic: recognising an opioid overdose and using "
    "naloxone.\n\n"
    "Signs of an overdose: the person cannot be woken, or does not respond to his or her "
    "name or to a firm rub on the chest; breathing is very slow, noisy (snoring or "
    "gurgling) or has stopped; the lips or fingertips turn blue or grey; the pupils are "
    "very small.\n\n"
    "What to do:\n"
    "- Call the emergency number 115 at once and say that someone is not breathing "
    "properly.\n"
    "- Give naloxone if you have it: one spray into one nostril, or the injection into the "
    "outer thigh. If there is no response after two to three minutes, give another one.\n"
    "- Lay the person on his or her side and stay until help arrives: naloxone wears off "
    "sooner than opioids, so breathing can stop again.\n\n"
    "Keep naloxone at home where everyone can find it. If you have none, ask the clinic "
    "how to get it."
)
CLINIC_PHONE = "Clinic phone: {phone}"


def checkin_text(channel: str, language: str) -> str:
    """The weekly check-in in the member's language (``i18n`` catalogs), for Telegram or
    e-mail."""
    with translating(language):
        return t(CHECKIN_TELEGRAM if channel == _TELEGRAM else CHECKIN_EMAIL)


def overdose_text(language: str, phone: str | None) -> str:
    """The overdose and naloxone information in the member's language, with the clinic's
    phone when there is one."""
    with translating(language):
        text = t(OVERDOSE_INFORMATION)
        if phone:
            text += "\n\n" + t(CLINIC_PHONE, phone=phone)
    return text


# -- the data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderCounts:
    """What one call queued (rows written now, not those queued by earlier cycles)."""

    checkins: int = 0
    overdose: int = 0

    def summary(self) -> str:
        return f"check-ins {self.checkins}, overdose information {self.overdose}"


@dataclass(frozen=True)
class _Recipient:
    member_id: int
    patient_id: int
    clinic_id: int
    channel: str
    language: str
    in_treatment: bool
    discharged_on: date | None
    clinic_phone: str | None


def _recipients(session: Session, today: date) -> list[_Recipient]:
    """Active members who may get a reminder today: a consent active today that covers
    education and names their patient, and a Telegram chat or e-mail address to reach them."""
    consented = exists().where(
        Consent.member_id == SupportMember.id, Consent.patient_id == SupportMember.patient_id,
        Consent.scope.in_(_EDUCATION_SCOPES), active_consent_clause(today))
    reachable = or_(
        and_(SupportMember.channel == _TELEGRAM, SupportMember.telegram_chat_id.is_not(None),
             SupportMember.telegram_chat_id != ""),
        and_(SupportMember.channel == _EMAIL, SupportMember.email.is_not(None),
             SupportMember.email != ""),
    )
    rows = session.execute(
        select(SupportMember.id, SupportMember.patient_id, Patient.clinic_id,
               SupportMember.channel, SupportMember.language, Patient.phase,
               Patient.admission_date, Patient.discharged_on, Clinic.phone)
        .join(Patient, Patient.id == SupportMember.patient_id)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(SupportMember.active.is_(True), reachable, consented)
        .order_by(SupportMember.id)
    )
    return [
        _Recipient(member_id=row[0], patient_id=row[1], clinic_id=row[2], channel=row[3],
                   language=row[4],
                   in_treatment=(row[5] != Phase.DISCHARGED.value and row[6] <= today
                                 and (row[7] is None or row[7] > today)),
                   discharged_on=row[7], clinic_phone=(row[8] or "").strip() or None)
        for row in rows
    ]


def _overdose_events(session: Session, recipients: Sequence[_Recipient], today: date,
                     settings: Settings) -> dict[int, set[date]]:
    """Per patient, the dates of the overdose-risk events to tell the family about today."""
    window = settings.outreach.post_discharge_days
    since = today - timedelta(days=window)
    events: dict[int, set[date]] = {}

    def add(patient_id: int, day: date) -> None:
        events.setdefault(patient_id, set()).add(day)

    for recipient in recipients:
        if recipient.discharged_on is not None and since <= recipient.discharged_on <= today:
            add(recipient.patient_id, recipient.discharged_on)
    patient_ids = sorted({r.patient_id for r in recipients})
    taper_ends = session.execute(
        select(PhaseChange.patient_id, func.max(PhaseChange.changed_on))
        .where(PhaseChange.patient_id.in_(patient_ids),
               PhaseChange.from_phase == Phase.TAPER.value,
               PhaseChange.to_phase == Phase.AFTERCARE.value,
               PhaseChange.changed_on >= since, PhaseChange.changed_on <= today)
        .group_by(PhaseChange.patient_id)
    )
    for patient_id, ended_on in taper_ends:
        add(patient_id, ended_on)

    treated = [r for r in recipients if r.in_treatment]
    if not treated:
        return events
    threshold = settings.clinical.overdose_risk_missed_days
    signals = patient_signal_list(
        session, clinic_ids=sorted({r.clinic_id for r in treated}), as_of=today,
        patient_ids=sorted({r.patient_id for r in treated}), thresholds=settings.clinical)
    for signal in signals:
        if Flag.OVERDOSE_RISK_TOLERANCE not in signal.flags:
            continue
        first_missed = today - timedelta(days=signal.missed_streak - 1)
        flagged_on = first_missed + timedelta(days=threshold - 1)
        if flagged_on >= since:
            add(signal.patient_id, first_missed)
    return events


def _existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), IN_LIST_SIZE):
        found.update(session.scalars(
            select(OutboxMessage.idempotency_key)
            .where(OutboxMessage.idempotency_key.in_(keys[start:start + IN_LIST_SIZE]))))
    return found


def _insert_skipping_duplicates(session: Session) -> Insert:
    """An INSERT into the outbox that leaves out a key already there (e.g. written by another
    worker since the keys were read) instead of failing the whole statement."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=[OutboxMessage.idempotency_key])
    if dialect == "sqlite":
        return sqlite.insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=[OutboxMessage.idempotency_key])
    return insert(OutboxMessage)


def _row(member_id: int, kind: str, body: str, key: str, now: datetime) -> dict[str, Any]:
    return {"member_id": member_id, "kind": kind, "body": body, "idempotency_key": key,
            "status": DeliveryStatus.QUEUED.value, "attempts": 0, "next_attempt_at": now,
            "created_at": now}


def _wanted_rows(recipients: Iterable[_Recipient], week: str | None,
                 events: dict[int, set[date]], settings: Settings,
                 now: datetime) -> list[dict[str, Any]]:
    rows = []
    for recipient in recipients:
        if week is not None and recipient.in_treatment:
            rows.append(_row(recipient.member_id, CHECKIN_KIND,
                             checkin_text(recipient.channel, recipient.language),
                             f"checkin:{week}:{recipient.member_id}", now))
        days = events.get(recipient.patient_id, set())
        if days:
            # The clinic's own number first, as in the intake's emergency reply.
            phone = recipient.clinic_phone or settings.channels.clinic_phone.strip()
            body = overdose_text(recipient.language, phone)
            rows += [_row(recipient.member_id, SAFETY_KIND, body,
                          f"overdose:{recipient.patient_id}:{day.isoformat()}:"
                          f"{recipient.member_id}", now)
                     for day in sorted(days)]
    return rows


def queue_reminders(session: Session, *, now: datetime, settings: Settings) -> ReminderCounts:
    """Queue this week's check-ins (once the weekly slot has passed) and the overdose
    information for new events; each key at most once. The caller commits.

    Raises ValueError when ``settings.channels.weekly_checkin`` is not a day and a time.
    """
    week = checkin_week(now, weekly_slot(settings.channels.weekly_checkin))
    today = now.date()
    recipients = _recipients(session, today)
    if not recipients:
        return ReminderCounts()
    events = _overdose_events(session, recipients, today, settings)
    rows = _wanted_rows(recipients, week, events, settings, now)
    if not rows:
        return ReminderCounts()
    existing = _existing_keys(session, [row["idempotency_key"] for row in rows])
    missing = [row for row in rows if row["idempotency_key"] not in existing]
    if not missing:
        return ReminderCounts()
    kinds = list(session.scalars(
        _insert_skipping_duplicates(session).returning(OutboxMessage.kind), missing))
    return ReminderCounts(checkins=kinds.count(CHECKIN_KIND), overdose=kinds.count(SAFETY_KIND))
