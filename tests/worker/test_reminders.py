"""Reminders: the weekly check-in and the overdose information, queued once per week or event.

The week of the tests is ISO week 10 of 2026 (Monday 2 March to Sunday 8 March); the default
slot ``fri 18:00`` is Friday 6 March at 18:00 UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from data_access.engine import session_factory
from data_access.models import (
    Clinic,
    DoseEvent,
    OutboxMessage,
    Patient,
    PhaseChange,
    SupportMember,
)
from data_access.reminders import (
    CHECKIN_KIND,
    SAFETY_KIND,
    ReminderCounts,
    WeeklySlot,
    _insert_skipping_duplicates,
    checkin_text,
    checkin_week,
    overdose_text,
    queue_reminders,
    weekly_slot,
)
from domain.message_guard import disclosure_problem
from settings import Settings
from settings.channels import TelegramSettings
from tests import builders
from tests.fakes.telegram_api import FakeTelegramApi
from tests.worker.conftest import (
    Clock,
    Family,
    SmtpServer,
    assign,
    family,
    member,
    module,
    worker_settings,
)
from worker.main import REMINDER_INTERVAL, Worker

SLOT = datetime(2026, 3, 6, 18, 0)  # Friday of ISO week 2026-W10
PHONE = "+98 21 5555 0100"
# What would tell an education-only member why the message came, or about the treatment.
REASON_WORDS = re.compile(r"\b(?:missed|tapers?|tapering|discharged?|methadone|doses?|treatment"
                          r"|متادون|دوز|ترخیص|کاهش تدریجی|درمان)\b", re.IGNORECASE)


def settings(**channels: object) -> Settings:
    return worker_settings(**{"clinic_phone": PHONE, **channels})


def queue(session: Session, now: datetime, **channels: object) -> ReminderCounts:
    with session.begin():
        return queue_reminders(session, now=now, settings=settings(**channels))


@dataclass(frozen=True)
class Queued:
    member_id: int
    kind: str
    idempotency_key: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    assignment_id: int | None


def outbox(session: Session, kind: str | None = None) -> list[Queued]:
    """The outbox rows (of ``kind``), read in a transaction of their own."""
    query = (select(OutboxMessage.member_id, OutboxMessage.kind, OutboxMessage.idempotency_key,
                    OutboxMessage.body, OutboxMessage.status, OutboxMessage.attempts,
                    OutboxMessage.next_attempt_at, OutboxMessage.assignment_id)
             .order_by(OutboxMessage.id))
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    with session.begin():
        return [Queued(*row) for row in session.execute(query)]


def keys(session: Session, kind: str | None = None) -> set[str]:
    return {row.idempotency_key for row in outbox(session, kind)}


def took_doses(session: Session, patient_id: int, first: date, last: date) -> None:
    day = first
    while day <= last:
        session.add(DoseEvent(patient_id=patient_id, dose_date=day, dose_mg=60.0,
                              status="taken"))
        day += timedelta(days=1)
    session.flush()


def patient_family(session: Session, code: str, *, clinic_id: int | None = None,
                   admission: date = date(2026, 1, 5), phase: str = "maintenance") -> Family:
    clinic = clinic_id if clinic_id is not None else builders.clinic(session, f"C{code}")
    return Family(clinic, builders.patient(session, clinic, code, admission=admission,
                                           phase=phase))


# -- the weekly slot (pure) ---------------------------------------------------------------------


def test_the_weekly_slot_is_a_day_and_a_utc_time() -> None:
    assert weekly_slot("fri 18:00") == WeeklySlot(4, datetime(2026, 1, 1, 18, 0).time())
    assert weekly_slot("  MON 7:05 ") == WeeklySlot(0, datetime(2026, 1, 1, 7, 5).time())
    slot = weekly_slot("sun 23:59")
    assert slot is not None and slot.weekday == 6
    assert weekly_slot(" Off ") is None


@pytest.mark.parametrize("value, says", [
    ("friday 18:00", "a three-letter day and a 24-hour UTC time, e.g. 'fri 18:00', or 'off'"),
    ("fri18:00", "a three-letter day"),
    ("", "a three-letter day"),
    ("18:00", "a three-letter day"),
    ("fry 18:00", "the day must be one of mon, tue, wed, thu, fri, sat, sun"),
    ("fri 24:00", "the time must be between 00:00 and 23:59"),
    ("fri 18:60", "the time must be between 00:00 and 23:59"),
    ("fri 6pm", "a three-letter day"),
])
def test_a_bad_weekly_checkin_value_is_a_clear_error(value: str, says: str) -> None:
    with pytest.raises(ValueError, match="HAMRAH_WEEKLY_CHECKIN=") as raised:
        weekly_slot(value)
    assert says in str(raised.value) and repr(value) in str(raised.value)


def test_the_checkin_week_starts_at_the_slot_and_ends_with_the_iso_week() -> None:
    slot = weekly_slot("fri 18:00")
    assert checkin_week(SLOT - timedelta(minutes=1), slot) is None
    assert checkin_week(SLOT, slot) == "2026-W10"
    assert checkin_week(datetime(2026, 3, 8, 23, 59), slot) == "2026-W10"  # Sunday
    assert checkin_week(datetime(2026, 3, 9, 0, 0), slot) is None  # Monday of W11
    assert checkin_week(datetime(2026, 3, 13, 18, 0), slot) == "2026-W11"
    # The ISO year, not the calendar year: 1 January 2027 is in 2026-W53.
    assert checkin_week(datetime(2027, 1, 1, 18, 0), slot) == "2026-W53"
    assert checkin_week(SLOT, weekly_slot("off")) is None


# -- texts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fa"])
def test_every_text_passes_the_guard_for_an_education_only_consent(language: str) -> None:
    texts = [checkin_text("telegram", language), checkin_text("email", language),
             overdose_text(language, PHONE), overdose_text(language, None)]
    for text in texts:
        assert disclosure_problem(text, "education") is None, text
        assert REASON_WORDS.search(text) is None, text
    assert "/report" in texts[0]
    assert "naloxone" in texts[2] or "نالوکسان" in texts[2]
    assert PHONE in texts[2] and PHONE not in texts[3]


def test_texts_are_in_the_members_language() -> None:
    assert checkin_text("telegram", "fa").startswith("سلام از درمانگاه شما")
    assert checkin_text("email", "en").startswith("Hello from your clinic")
    assert "answer this e-mail" in checkin_text("email", "en")
    assert overdose_text("fa", PHONE).endswith(f"تلفن درمانگاه: {PHONE}")
    assert overdose_text("en", PHONE).endswith(f"Clinic phone: {PHONE}")
    assert checkin_text("telegram", "de") == checkin_text("telegram", "en")


# -- the weekly check-in ------------------------------------------------------------------------


def test_nothing_is_queued_before_the_weekly_slot(session: Session) -> None:
    with session.begin():
        member(session, family(session), "M-1")
    assert queue(session, SLOT - timedelta(seconds=1)) == ReminderCounts()
    assert outbox(session) == []


def test_the_checkin_goes_once_a_week_to_consented_active_reachable_members(
        session: Session) -> None:
    with session.begin():
        home = family(session)
        by_mail = member(session, home, "M-MAIL")
        by_telegram = member(session, home, "M-TG", channel="telegram", language="fa",
                             chat_id="1001")
        member(session, home, "M-PHONE", channel="phone_call")
        member(session, home, "M-NOCONSENT", scope=None)
        member(session, home, "M-NOCHAT", channel="telegram", chat_id=None)
        member(session, home, "M-NOMAIL", email=None)
        revoked = member(session, home, "M-REVOKED", scope=None)
        builders.consent(session, revoked, home.patient_id, signed=date(2026, 1, 10),
                         revoked=date(2026, 3, 1))
        inactive = member(session, home, "M-INACTIVE")
        session.get_one(SupportMember, inactive).active = False
        gone = patient_family(session, "P-GONE", clinic_id=home.clinic_id, phase="discharged")
        session.get_one(Patient, gone.patient_id).discharged_on = date(2026, 1, 20)
        member(session, gone, "M-GONE")

    assert queue(session, SLOT) == ReminderCounts(checkins=2)
    # Later cycles of the same week (and a second worker) queue nothing more.
    for later in (SLOT + timedelta(seconds=10), datetime(2026, 3, 7, 9, 0),
                  datetime(2026, 3, 8, 23, 59)):
        assert queue(session, later) == ReminderCounts()
    rows = outbox(session)
    assert {(row.member_id, row.idempotency_key) for row in rows} == {
        (by_mail, f"checkin:2026-W10:{by_mail}"),
        (by_telegram, f"checkin:2026-W10:{by_telegram}"),
    }
    body = {row.member_id: row.body for row in rows}
    assert body[by_mail] == checkin_text("email", "en")
    assert body[by_telegram] == checkin_text("telegram", "fa")
    assert all((row.kind, row.status, row.attempts, row.next_attempt_at, row.assignment_id)
               == (CHECKIN_KIND, "queued", 0, SLOT, None) for row in rows)

    # Not before next week's slot; then once again.
    assert queue(session, datetime(2026, 3, 13, 17, 59)) == ReminderCounts()
    assert queue(session, datetime(2026, 3, 13, 18, 0)) == ReminderCounts(checkins=2)
    assert queue(session, datetime(2026, 3, 14, 8, 0)) == ReminderCounts()
    assert keys(session) == {f"checkin:2026-W{week}:{member_id}" for week in (10, 11)
                             for member_id in (by_mail, by_telegram)}


def test_a_key_already_queued_by_another_worker_is_skipped(session: Session) -> None:
    with session.begin():
        home = family(session)
        first, second = member(session, home, "M-1"), member(session, home, "M-2")
        session.add(OutboxMessage(member_id=first, kind=CHECKIN_KIND, body="queued elsewhere",
                                  idempotency_key=f"checkin:2026-W10:{first}", status="queued",
                                  attempts=0, next_attempt_at=SLOT, created_at=SLOT))
    assert queue(session, SLOT) == ReminderCounts(checkins=1)
    assert keys(session) == {f"checkin:2026-W10:{first}", f"checkin:2026-W10:{second}"}


def test_a_key_written_by_another_worker_meanwhile_is_skipped_by_the_insert(
        session: Session) -> None:
    # Between reading the keys and inserting, another worker may queue the same key: the
    # INSERT leaves it out (ON CONFLICT DO NOTHING) instead of failing the whole cycle.
    with session.begin():
        home = family(session)
        first, second = member(session, home, "M-1"), member(session, home, "M-2")
        session.add(OutboxMessage(member_id=first, kind=CHECKIN_KIND, body="the other worker's",
                                  idempotency_key="checkin:2026-W10:1", status="queued",
                                  attempts=0, next_attempt_at=SLOT, created_at=SLOT))
    rows = [{"member_id": member_id, "kind": CHECKIN_KIND, "body": "hello",
             "idempotency_key": f"checkin:2026-W10:{n}", "status": "queued", "attempts": 0,
             "next_attempt_at": SLOT, "created_at": SLOT}
            for n, member_id in ((1, first), (2, second))]
    with session.begin():
        inserted = list(session.scalars(
            _insert_skipping_duplicates(session).returning(OutboxMessage.idempotency_key), rows))
    assert inserted == ["checkin:2026-W10:2"]
    assert {(row.idempotency_key, row.body) for row in outbox(session)} == {
        ("checkin:2026-W10:1", "the other worker's"), ("checkin:2026-W10:2", "hello")}


def test_off_turns_the_checkin_off_but_not_the_overdose_information(session: Session) -> None:
    with session.begin():
        home = patient_family(session, "P-1", admission=date(2026, 2, 1))
        took_doses(session, home.patient_id, date(2026, 2, 1), date(2026, 3, 3))
        member(session, home, "M-1")
    assert queue(session, SLOT, weekly_checkin="off") == ReminderCounts(overdose=1)


# -- overdose information -----------------------------------------------------------------------


def test_overdose_information_once_per_missed_dose_streak_and_again_for_a_new_one(
        session: Session) -> None:
    with session.begin():
        home = patient_family(session, "P-1", admission=date(2026, 2, 1))
        took_doses(session, home.patient_id, date(2026, 2, 1), date(2026, 2, 26))
        english = member(session, home, "M-EN")
        persian = member(session, home, "M-FA", channel="telegram", language="fa",
                         chat_id="2002")
        member(session, home, "M-PHONE", channel="phone_call")
        member(session, home, "M-NOCONSENT", scope=None)
        quiet = patient_family(session, "P-2", clinic_id=home.clinic_id,
                               admission=date(2026, 2, 1))
        took_doses(session, quiet.patient_id, date(2026, 2, 1), date(2026, 3, 10))
        member(session, quiet, "M-QUIET")

    # 27 and 28 February missed: a streak of 2, no flag yet.
    assert queue(session, datetime(2026, 2, 28, 12, 0)).overdose == 0
    # 1 March is the third missed day: the flag comes on.
    assert queue(session, datetime(2026, 3, 1, 12, 0)) == ReminderCounts(overdose=2)
    first_event = {f"overdose:{home.patient_id}:2026-02-27:{member_id}"
                   for member_id in (english, persian)}
    assert keys(session, SAFETY_KIND) == first_event
    body = {row.member_id: row.body for row in outbox(session, SAFETY_KIND)}
    assert body == {english: overdose_text("en", PHONE), persian: overdose_text("fa", PHONE)}
    # The same streak goes on: nothing new, next cycle or next day.
    assert queue(session, datetime(2026, 3, 1, 12, 0, 10)).overdose == 0
    assert queue(session, datetime(2026, 3, 2, 9, 0)).overdose == 0

    # Back on 3 March, away again from 4 March: a new event on 6 March.
    with session.begin():
        took_doses(session, home.patient_id, date(2026, 3, 3), date(2026, 3, 3))
    assert queue(session, datetime(2026, 3, 5, 9, 0)).overdose == 0
    assert queue(session, datetime(2026, 3, 6, 9, 0)).overdose == 2
    assert keys(session, SAFETY_KIND) == first_event | {
        f"overdose:{home.patient_id}:2026-03-04:{member_id}" for member_id in (english, persian)}


def test_a_streak_flagged_long_ago_is_not_announced(session: Session) -> None:
    # No dose since admission on 5 January: flagged on 7 January, long before 2 March.
    with session.begin():
        member(session, family(session), "M-1")
    assert queue(session, datetime(2026, 3, 2, 9, 0)) == ReminderCounts()


def test_overdose_information_after_a_taper_end_and_after_a_discharge(session: Session) -> None:
    with session.begin():
        clinic_id = builders.clinic(session)
        session.get_one(Clinic, clinic_id).phone = "+98 21 1234 5678"
        tapered = patient_family(session, "P-T", clinic_id=clinic_id, phase="aftercare")
        took_doses(session, tapered.patient_id, date(2026, 2, 20), date(2026, 3, 10))
        session.add(PhaseChange(patient_id=tapered.patient_id, from_phase="taper",
                                to_phase="aftercare", changed_on=date(2026, 2, 20),
                                reason="taper completed", created_at=datetime(2026, 2, 20)))
        after_taper = member(session, tapered, "M-T")
        discharged = patient_family(session, "P-D", clinic_id=clinic_id, phase="discharged")
        session.get_one(Patient, discharged.patient_id).discharged_on = date(2026, 2, 25)
        after_discharge = member(session, discharged, "M-D")
        long_ago = patient_family(session, "P-OLD", clinic_id=clinic_id, phase="aftercare")
        took_doses(session, long_ago.patient_id, date(2026, 2, 1), date(2026, 3, 10))
        session.add(PhaseChange(patient_id=long_ago.patient_id, from_phase="taper",
                                to_phase="aftercare", changed_on=date(2026, 2, 10),
                                reason="taper completed", created_at=datetime(2026, 2, 10)))
        after_old_taper = member(session, long_ago, "M-OLD")

    assert queue(session, datetime(2026, 3, 2, 9, 0)) == ReminderCounts(overdose=2)
    assert keys(session) == {f"overdose:{tapered.patient_id}:2026-02-20:{after_taper}",
                             f"overdose:{discharged.patient_id}:2026-02-25:{after_discharge}"}
    # The clinic's own phone comes before the setting, as in the intake's emergency reply.
    assert all(row.body == overdose_text("en", "+98 21 1234 5678")
               for row in outbox(session))
    assert queue(session, datetime(2026, 3, 2, 9, 0, 10)) == ReminderCounts()
    # At the weekly slot the aftercare family gets the check-in; the discharged one does not.
    assert queue(session, SLOT) == ReminderCounts(checkins=2)
    assert keys(session, CHECKIN_KIND) == {f"checkin:2026-W10:{after_taper}",
                                           f"checkin:2026-W10:{after_old_taper}"}


def test_without_a_clinic_phone_the_line_is_left_out(session: Session) -> None:
    with session.begin():
        home = patient_family(session, "P-1", admission=date(2026, 2, 1))
        took_doses(session, home.patient_id, date(2026, 2, 1), date(2026, 2, 26))
        member(session, home, "M-1")
    assert queue(session, datetime(2026, 3, 1, 12, 0), clinic_phone="").overdose == 1
    [row] = outbox(session, SAFETY_KIND)
    assert row.body == overdose_text("en", None) and "phone" not in row.body.lower()


def test_the_number_of_queries_does_not_grow_with_the_families(engine: Engine) -> None:
    sessions = session_factory(engine)

    def add_families(session: Session, count: int, start: int) -> None:
        clinic_id = builders.clinic(session, f"C{start}")
        for n in range(start, start + count):
            home = patient_family(session, f"P-{n}", clinic_id=clinic_id,
                                  admission=date(2026, 2, 1))
            took_doses(session, home.patient_id, date(2026, 2, 1), date(2026, 3, 3))
            member(session, home, f"M-{n}")
            member(session, home, f"T-{n}", channel="telegram", chat_id=str(5000 + n))

    def statements(now: datetime) -> int:
        counted: list[str] = []

        def count(*_args: object) -> None:
            counted.append("statement")

        event.listen(engine, "before_cursor_execute", count)
        try:
            with sessions() as session, session.begin():
                counts = queue_reminders(session, now=now, settings=settings())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert counts.checkins > 0 and counts.overdose > 0
        return len(counted)

    with sessions() as session, session.begin():
        add_families(session, 1, 0)
    few = statements(datetime(2026, 3, 6, 18, 0))  # W10 check-ins; missed since 4 March
    with sessions() as session, session.begin():
        add_families(session, 6, 10)
    many = statements(datetime(2026, 3, 13, 18, 0))  # W11; the new families too
    assert many == few


# -- in the worker's cycle ----------------------------------------------------------------------


def test_a_worker_cycle_delivers_the_checkin_by_email_and_telegram(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        by_mail = member(session, home, "M-MAIL", email="mother@example.org")
        by_telegram = member(session, home, "M-TG", channel="telegram", language="fa",
                             chat_id="3003")
        member(session, home, "M-PHONE", channel="phone_call")
    clock = Clock(SLOT + timedelta(minutes=5))
    with FakeTelegramApi() as telegram:
        bot = TelegramSettings(api_base=telegram.base_url, bot_token=telegram.token)
        worker = Worker(worker_settings(smtp_server, telegram=bot), sessions, now_fn=clock)
        line = worker.cycle()
        assert line.startswith("sent 2, retrying 0, failed 0, blocked 0")
        assert line.endswith("; reminders: check-ins 2, overdose information 0")
        [mail] = smtp_server.mailbox.to("mother@example.org")
        assert mail.email["Subject"] == "A reminder from your clinic"
        content = mail.email.get_body()
        assert content is not None
        assert content.get_content().replace("\r\n", "\n").strip() == checkin_text("email", "en")
        assert telegram.texts("3003") == [checkin_text("telegram", "fa")]

        clock.advance(seconds=10)
        again = worker.cycle()  # the next cycle does not read the signals again
        assert again.startswith("sent 0, ") and again.endswith("reminders: not due")
        clock.advance(seconds=REMINDER_INTERVAL.total_seconds())
        later = worker.cycle()  # due again, but the week's check-in is queued already
        assert later.startswith("sent 0, ") and "reminders: check-ins 0" in later
        assert len(smtp_server.mailbox.received) == 1 and len(telegram.sent("3003")) == 1
    with sessions() as session:
        assert {(row.member_id, row.status) for row in outbox(session)} == {
            (by_mail, "sent"), (by_telegram, "sent")}


def test_a_bad_weekly_checkin_setting_is_reported_and_delivery_goes_on(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        assign(session, module(session), [member(session, home, "M-1")])
    worker = Worker(worker_settings(smtp_server, weekly_checkin="friday 6pm"), sessions,
                    now_fn=Clock(SLOT))
    line = worker.cycle()
    assert line.startswith("sent 1, ")
    assert ("; reminders failed: ValueError: HAMRAH_WEEKLY_CHECKIN='friday 6pm': write a "
            "three-letter day and a 24-hour UTC time, e.g. 'fri 18:00', or 'off'") in line
    assert len(smtp_server.mailbox.received) == 1
