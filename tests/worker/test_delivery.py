"""A delivery cycle end to end on SQLite and PostgreSQL, with mail landing at a real SMTP server."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from data_access.engine import session_factory
from data_access.models import Assignment, Consent, OutboxMessage, SupportMember
from data_access.questions import answer_question
from domain.open_links import open_link
from settings import Settings
from tests import builders
from tests.worker.conftest import (
    NOW,
    TODAY,
    Clock,
    SmtpServer,
    assign,
    family,
    member,
    module,
    worker_settings,
)
from worker.adapters.base import ChannelAdapter, OutgoingMessage
from worker.adapters.email import EmailAdapter
from worker.outbox import PHONE_CALL, CycleResult, RateLimiter, deliver_due, limiter_from_settings

PERSIAN_TITLE = "چگونه از عزیزتان در درمان حمایت کنیم"


class RecordingAdapter:
    """A channel double for the channels without a local peer here (e.g. Telegram)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> str:
        self.sent.append(message)
        return f"{self.channel}-{len(self.sent)}"


def email_adapters(settings: Settings) -> dict[str, ChannelAdapter]:
    return {"email": EmailAdapter(settings.channels.smtp, timeout=5)}


def cycle(engine: Engine, settings: Settings, clock: Clock,
          adapters: dict[str, ChannelAdapter] | None = None,
          limiter: RateLimiter | None = None) -> CycleResult:
    return deliver_due(session_factory(engine),
                       email_adapters(settings) if adapters is None else adapters,
                       settings, clock, limiter=limiter)


def outbox_row(sessions: sessionmaker[Session], outbox_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get_one(OutboxMessage, outbox_id)


def assignment_status(sessions: sessionmaker[Session], outbox_id: int) -> str:
    with sessions() as session:
        row = session.get_one(OutboxMessage, outbox_id)
        return session.get_one(Assignment, row.assignment_id).status


def test_an_assignment_is_mailed_once_and_marked_sent(engine: Engine,
                                                      smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        mother = member(session, home, "M-1", language="fa", email="maryam@example.org")
        [outbox_id] = assign(session, module(session, title=PERSIAN_TITLE, language="fa",
                                             location="https://example.org/m/1"), [mother])
    settings, clock = worker_settings(smtp_server), Clock()
    assert cycle(engine, settings, clock).sent == 1
    assert cycle(engine, settings, clock) == CycleResult()  # nothing is due any more
    [mail] = smtp_server.mailbox.received
    assert mail.rcpt_tos == ["maryam@example.org"]
    assignment_id = outbox_row(sessions, outbox_id).assignment_id
    assert mail.email["Message-ID"] == f"<hamrah.assignment.{assignment_id}@hamrah.test>"
    body = mail.email.get_body()
    assert body is not None
    assert body.get_content() == f"{PERSIAN_TITLE}\n\nhttps://example.org/m/1\n"
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.sent_at, row.attempts, row.channel) == ("sent", NOW, 1, "email")
    assert assignment_status(sessions, outbox_id) == "sent"


def test_with_a_public_address_the_link_goes_through_the_dashboard(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        mother = member(session, home, "M-1", email="maryam@example.org")
        [outbox_id] = assign(session, module(session, location="https://example.org/m/1"),
                             [mother])
    settings = worker_settings(smtp_server, public_url="https://clinic.example.org")
    assert cycle(engine, settings, Clock()).sent == 1
    assignment_id = outbox_row(sessions, outbox_id).assignment_id
    assert assignment_id is not None
    body = smtp_server.mailbox.received[0].email.get_body()
    assert body is not None
    link = body.get_content().strip().splitlines()[-1]
    assert link == open_link("https://clinic.example.org", assignment_id, settings.cookie_key)
    assert "example.org/m/1" not in body.get_content()


def test_an_uploaded_module_file_goes_with_the_mail(engine: Engine, smtp_server: SmtpServer,
                                                    tmp_path: Path) -> None:
    (tmp_path / "MOD-1").mkdir()
    (tmp_path / "MOD-1" / "talk.mp3").write_bytes(b"ID3 synthetic")
    with session_factory(engine)() as session, session.begin():
        home = family(session)
        assign(session, module(session, location="MOD-1/talk.mp3", media_type="audio/mpeg"),
               [member(session, home, "M-1")])
    settings = replace(worker_settings(smtp_server), media_dir=tmp_path)
    assert cycle(engine, settings, Clock()).sent == 1
    [attachment] = list(smtp_server.mailbox.received[0].email.iter_attachments())
    assert attachment.get_content() == b"ID3 synthetic"


def test_consent_revoked_or_expired_after_queueing_blocks_the_message(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        revoked, expiring = member(session, home, "M-1"), member(session, home, "M-2")
        outbox_ids = assign(session, module(session), [revoked, expiring])
        consents = {c.member_id: c for c in session.scalars(select(Consent))}
        # Recorded without the app's cancellation (e.g. straight into the database).
        consents[revoked].revoked_on = TODAY
        consents[expiring].expires_on = TODAY
    clock = Clock(NOW + timedelta(days=1))
    result = cycle(engine, worker_settings(smtp_server), clock)
    assert (result.blocked, result.sent) == (2, 0)
    assert smtp_server.mailbox.received == []
    for outbox_id in outbox_ids:
        row = outbox_row(sessions, outbox_id)
        assert (row.status, row.attempts, row.last_error) == (
            "blocked_no_consent", 0, "no active consent covering education on 2026-03-03")
        assert assignment_status(sessions, outbox_id) == "blocked_no_consent"


def test_an_answer_with_a_dose_is_refused_for_an_education_only_consent(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        educated = member(session, home, "M-1")
        informed = member(session, home, "M-2", scope="education+progress")
        outbox_ids = []
        for member_id in (educated, informed):
            question = builders.question(session, member_id, home.patient_id)
            outbox_ids.append(answer_question(
                session, question_id=question, body="آقای رضا اکنون ۸۰ میلی‌گرم متادون می‌گیرد.",
                actor="psy.test", staff_id=None, now=NOW).outbox_id)
    result = cycle(engine, worker_settings(smtp_server), Clock())
    assert (result.failed, result.sent) == (1, 1)
    assert smtp_server.mailbox.to("m-1@example.org") == []
    assert len(smtp_server.mailbox.to("m-2@example.org")) == 1
    refused = outbox_row(sessions, outbox_ids[0])
    assert refused.status == "failed" and refused.attempts == 0
    assert refused.last_error is not None
    assert refused.last_error.startswith("the text mentions a dose ('۸۰ میلی گرم')")


def test_a_general_answer_reaches_a_member_without_consent_under_the_strict_guard(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        stranger = member(session, home, "M-1", scope=None)
        general, dosed = (
            answer_question(session, question_id=builders.question(session, stranger,
                                                                    home.patient_id),
                            body=body, actor="psy.test", staff_id=None, now=NOW)
            for body in ("Methadone is a daily medicine; families can ask the clinic about "
                         "support groups.", "He takes 80 mg of methadone.")
        )
    assert general.general_only and dosed.general_only
    result = cycle(engine, worker_settings(smtp_server), Clock())
    assert (result.sent, result.failed, result.blocked) == (1, 1, 0)
    [mail] = smtp_server.mailbox.to("m-1@example.org")
    body = mail.email.get_body(preferencelist=("plain",))
    assert body is not None and "support groups" in body.get_content()
    assert outbox_row(sessions, dosed.outbox_id).last_error.startswith(  # type: ignore[union-attr]
        "the text mentions a dose")


def test_a_phone_call_member_is_never_sent_anything(engine: Engine,
                                                    smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        [outbox_id] = assign(session, module(session),
                             [member(session, home, "M-1", channel="phone_call")])
    settings, clock = worker_settings(smtp_server), Clock()
    assert cycle(engine, settings, clock).failed == 1
    clock.advance(hours=1)
    assert cycle(engine, settings, clock) == CycleResult()
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 0, PHONE_CALL)
    assert assignment_status(sessions, outbox_id) == "failed"
    assert smtp_server.mailbox.received == []


def test_a_channel_without_an_adapter_waits_without_counting_attempts(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        ids = assign(session, module(session), [member(session, home, "M-1", channel="whatsapp"),
                                                member(session, home, "M-2", channel="telegram",
                                                       chat_id="4242")])
    settings, clock = worker_settings(smtp_server, backoff_seconds=30), Clock()
    for _cycle in range(3):
        assert cycle(engine, settings, clock).waiting == 2
        clock.advance(seconds=30)
    for outbox_id, channel in zip(ids, ("whatsapp", "telegram"), strict=True):
        row = outbox_row(sessions, outbox_id)
        assert (row.status, row.attempts, row.claimed_at) == ("queued", 0, None)
        assert row.last_error == f"no adapter for {channel}"
        assert row.next_attempt_at == clock.now
    telegram = RecordingAdapter("telegram")  # the channel is switched on later
    assert cycle(engine, settings, clock, {"telegram": telegram}).sent == 1
    [sent] = telegram.sent
    assert (sent.address, sent.assignment_id is not None) == ("4242", True)


def test_members_without_an_address_fail_with_what_to_do(engine: Engine,
                                                        smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        ids = assign(session, module(session), [
            member(session, home, "M-1", email=None),
            member(session, home, "M-2", channel="telegram"),
        ])
        inactive = member(session, home, "M-3")
        ids += assign(session, module(session, "MOD-2"), [inactive])
        session.get_one(SupportMember, inactive).active = False
    adapters = {**email_adapters(worker_settings(smtp_server)),
                "telegram": RecordingAdapter("telegram")}
    assert cycle(engine, worker_settings(smtp_server), Clock(), adapters).failed == 3
    assert [outbox_row(sessions, i).last_error for i in ids] == [
        "no e-mail address", "no Telegram chat linked: give the member an invite code",
        "the member is inactive"]


def test_a_refusing_server_is_retried_with_backoff_then_given_up(
        engine: Engine, smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        [outbox_id] = assign(session, module(session), [member(session, home, "M-1")])
    smtp_server.mailbox.replies.extend(["451 4.3.0 busy"] * 3)
    settings = worker_settings(smtp_server, max_attempts=3, backoff_seconds=60)
    clock = Clock()
    assert cycle(engine, settings, clock).retrying == 1
    assert outbox_row(sessions, outbox_id).next_attempt_at == NOW + timedelta(seconds=60)
    clock.advance(seconds=59)
    assert cycle(engine, settings, clock) == CycleResult()  # not before the backoff
    clock.advance(seconds=1)
    assert cycle(engine, settings, clock).retrying == 1
    assert outbox_row(sessions, outbox_id).next_attempt_at == clock.now + timedelta(seconds=120)
    clock.advance(seconds=120)
    assert cycle(engine, settings, clock).failed == 1
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "SMTP message refused: 451 4.3.0 busy"
    assert assignment_status(sessions, outbox_id) == "failed"
    clock.advance(hours=1)
    assert cycle(engine, settings, clock) == CycleResult()
    assert smtp_server.mailbox.received == [] and smtp_server.mailbox.replies == []


def test_a_transient_refusal_is_delivered_on_the_next_try(engine: Engine,
                                                          smtp_server: SmtpServer) -> None:
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        home = family(session)
        [outbox_id] = assign(session, module(session), [member(session, home, "M-1")])
    smtp_server.mailbox.replies.append("421 4.7.0 try later")
    settings, clock = worker_settings(smtp_server, backoff_seconds=10), Clock()
    assert cycle(engine, settings, clock).retrying == 1
    clock.advance(seconds=10)
    assert cycle(engine, settings, clock).sent == 1
    assert len(smtp_server.mailbox.received) == 1
    row = outbox_row(sessions, outbox_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_the_rate_limit_holds_messages_for_later_cycles(engine: Engine,
                                                        smtp_server: SmtpServer) -> None:
    with session_factory(engine)() as session, session.begin():
        home = family(session)
        members = [member(session, home, f"M-{n}") for n in range(5)]
        assign(session, module(session), members)
    base = worker_settings(smtp_server)
    settings = replace(base, channels=replace(
        base.channels, smtp=replace(base.channels.smtp, per_minute=2)))
    clock, limiter = Clock(), limiter_from_settings(settings)
    first = cycle(engine, settings, clock, limiter=limiter)
    assert (first.sent, first.rate_limited) == (2, 3)
    clock.advance(seconds=59)
    assert cycle(engine, settings, clock, limiter=limiter).sent == 0
    clock.advance(seconds=1)
    assert cycle(engine, settings, clock, limiter=limiter).sent == 2
    clock.advance(seconds=60)
    assert cycle(engine, settings, clock, limiter=limiter).sent == 1
    received = sorted(address for mail in smtp_server.mailbox.received
                      for address in mail.rcpt_tos)
    assert received == [f"m-{n}@example.org" for n in range(5)]
