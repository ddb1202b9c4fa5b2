"""One delivery cycle of the outbox: check each due message again, claim it, send it, record it.

For each due message, in this order:

1. **consent at send time**: the member needs a consent active today whose scope covers
   education, else the message (and its assignment) becomes ``blocked_no_consent``;
2. **the channel**: the one fixed at the first attempt, else the member's. ``phone_call`` is
   never sent (staff call from the outreach worklist); a channel without an adapter waits
   (not an attempt) and is looked at again after ``backoff_seconds``;
3. **what can be sent**: an active member, an address for the channel, the module's file, and a
   text that passes ``domain.message_guard`` for the member's widest consent scope; otherwise
   the message fails at once with the reason (retrying cannot help);
4. **the rate limit** of the channel (per minute, in this process; looked at first, as it
   needs no query): over it, the message waits unchanged for a later cycle;
5. **claim and commit**, then send, then record sent or the failure (retried with exponential
   backoff until ``max_attempts``). A worker killed between the claim and the record leaves a
   claim that :func:`data_access.outbox.recover_interrupted` turns into ``failed``: at most once.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from threading import Event

from sqlalchemy.orm import Session, sessionmaker

from data_access.content import ContentError, media_path
from data_access.outbox import (
    PendingMessage,
    active_scopes,
    block_no_consent,
    claim,
    defer,
    due_messages,
    record_failure,
    record_sent,
    refuse,
)
from data_access.questions import GENERAL_ANSWER_KIND
from domain.consent import SCOPE_COVERS, scope_covers
from domain.content_rules import is_url
from domain.message_guard import disclosure_problem
from domain.open_links import open_link
from domain.vocabulary import Channel, ConsentScope, DeliveryStatus
from settings import Settings
from worker.adapters.base import ChannelAdapter, OutgoingMessage, SendError

EDUCATION = "education"
BATCH_SIZE = 200  # messages looked at per cycle; the rest wait for the next one
PHONE_CALL = "phone calls are made by staff: see the outreach worklist"
INACTIVE = "the member is inactive"
NO_ADDRESS = {
    Channel.TELEGRAM.value: "no Telegram chat linked: give the member an invite code",
    Channel.EMAIL.value: "no e-mail address",
}
NO_PHONE = "no phone number"
PAUSE_POLL_SECONDS = 0.05


@dataclass
class CycleResult:
    """What one cycle did with the due messages."""

    sent: int = 0
    retrying: int = 0  # a transient failure: queued again with backoff
    failed: int = 0  # gave up, or refused before sending (the reason is on the row)
    blocked: int = 0  # no consent at send time
    waiting: int = 0  # the channel has no adapter
    rate_limited: int = 0  # over the channel's limit: left for a later cycle
    taken: int = 0  # claimed by another worker meanwhile

    def summary(self) -> str:
        return (f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, "
                f"blocked {self.blocked}, waiting for an adapter {self.waiting}, "
                f"rate-limited {self.rate_limited}")


class RateLimiter:
    """At most ``per_minute[channel]`` sends in any 60 seconds, per channel, in this process.

    A channel without a limit is not limited. Times come from the worker's clock, so tests can
    move through the window without waiting.
    """

    WINDOW = timedelta(minutes=1)

    def __init__(self, per_minute: Mapping[str, int]) -> None:
        self.per_minute = dict(per_minute)
        self._sent: defaultdict[str, deque[datetime]] = defaultdict(deque)

    def allows(self, channel: str, now: datetime) -> bool:
        limit = self.per_minute.get(channel)
        if limit is None:
            return True
        sent = self._sent[channel]
        while sent and sent[0] <= now - self.WINDOW:
            sent.popleft()
        return len(sent) < limit

    def record(self, channel: str, now: datetime) -> None:
        if channel in self.per_minute:
            self._sent[channel].append(now)


def limiter_from_settings(settings: Settings) -> RateLimiter:
    channels = settings.channels
    return RateLimiter({Channel.TELEGRAM.value: channels.telegram.per_minute,
                        Channel.EMAIL.value: channels.smtp.per_minute})


def _widest(scopes: list[ConsentScope]) -> ConsentScope | None:
    allowed = [scope for scope in scopes if scope_covers(scope, EDUCATION)]
    return max(allowed, key=lambda scope: len(SCOPE_COVERS[scope]), default=None)


def _address(pending: PendingMessage, channel: str) -> str | None:
    if channel == Channel.TELEGRAM.value:
        return pending.telegram_chat_id
    if channel == Channel.EMAIL.value:
        return pending.email
    return pending.phone


def _outgoing(pending: PendingMessage, channel: str, scope: ConsentScope,
              media_dir: Path, public_url: str = "",
              link_key: str = "") -> OutgoingMessage | str:
    """The message to hand to the adapter, or why it cannot be sent (permanent)."""
    if not pending.member_active:
        return INACTIVE
    address = (_address(pending, channel) or "").strip()
    if not address:
        return NO_ADDRESS.get(channel, NO_PHONE)
    problem = disclosure_problem(pending.body, scope)
    if problem is not None:
        return problem
    link: str | None = None
    file: Path | None = None
    location = pending.module_location
    if is_url(location):
        link = location
        if public_url and link_key and pending.assignment_id is not None:
            # Through the dashboard, which records the opening and sends the family on.
            link = open_link(public_url, pending.assignment_id, link_key)
    elif location:
        try:
            file = media_path(media_dir, location)
        except ContentError as error:
            return str(error)
        if file is None or not file.is_file():
            return f"the module's file {location!r} is missing from the media folder"
    return OutgoingMessage(
        message_id=pending.id, idempotency_key=pending.idempotency_key, kind=pending.kind,
        body=pending.body, language=pending.language, address=address,
        assignment_id=pending.assignment_id, link=link, media_path=file,
        media_type=pending.module_media_type if file is not None else None,
    )


def _pause_before_record(path: Path, message_id: int) -> None:
    """Test hook: say which message was just handed over, then wait until the file is gone."""
    path.write_text(str(message_id), encoding="utf-8")
    while path.exists():
        time.sleep(PAUSE_POLL_SECONDS)


def deliver_due(
    session_factory: sessionmaker[Session],
    adapters: Mapping[str, ChannelAdapter],
    settings: Settings,
    now_fn: Callable[[], datetime],
    *,
    limiter: RateLimiter | None = None,
    stop: Event | None = None,
    pause_before_record: Path | None = None,
    batch_size: int = BATCH_SIZE,
) -> CycleResult:
    """Check, claim, send and record every due message (up to ``batch_size``) once.

    ``limiter`` keeps the rate limit across cycles (a new one per call otherwise); ``stop``
    ends the cycle between two messages; ``pause_before_record`` is a test hook (see
    ``docs/family-channel.md``): after each send the worker writes the message id to that file
    and waits until the file is removed, so a test can kill it between sending and recording.
    """
    limiter = limiter or limiter_from_settings(settings)
    result = CycleResult()
    with session_factory() as session:
        due = due_messages(session, now=now_fn(), limit=batch_size)
    for pending in due:
        if stop is not None and stop.is_set():
            break
        _deliver_one(session_factory, adapters, settings, now_fn, limiter, pending, result,
                     pause_before_record)
    return result


def _deliver_one(
    session_factory: sessionmaker[Session],
    adapters: Mapping[str, ChannelAdapter],
    settings: Settings,
    now_fn: Callable[[], datetime],
    limiter: RateLimiter,
    pending: PendingMessage,
    result: CycleResult,
    pause_before_record: Path | None,
) -> None:
    channels = settings.channels
    channel = pending.channel or pending.member_channel
    now = now_fn()
    adapter = adapters.get(channel)
    # Over the limit, the message waits as it is: no query, no change (checked again later).
    if adapter is not None and not limiter.allows(channel, now):
        result.rate_limited += 1
        return
    with session_factory() as session, session.begin():
        scope = _widest(active_scopes(session, member_id=pending.member_id, on=now.date()))
        if scope is None and pending.kind == GENERAL_ANSWER_KIND:
            # The member asked the clinic; general information only, under the strictest guard.
            scope = ConsentScope.EDUCATION
        if scope is None:
            if block_no_consent(session, message_id=pending.id, reason=(
                    f"no active consent covering education on {now.date().isoformat()}")):
                result.blocked += 1
            return
        if channel == Channel.PHONE_CALL.value:
            if refuse(session, message_id=pending.id, reason=PHONE_CALL):
                result.failed += 1
            return
        if adapter is None:
            defer(session, message_id=pending.id, reason=f"no adapter for {channel}",
                  until=now + timedelta(seconds=channels.backoff_seconds))
            result.waiting += 1
            return
        outgoing = _outgoing(pending, channel, scope, Path(settings.media_dir),
                             settings.channels.public_url, settings.cookie_key)
        if isinstance(outgoing, str):
            if refuse(session, message_id=pending.id, reason=outgoing):
                result.failed += 1
            return
        if not claim(session, message_id=pending.id, now=now, channel=channel):
            result.taken += 1
            return
    # The claim is committed: from here on the message is never handed over twice.
    limiter.record(channel, now)
    error: str | None = None
    permanent = False
    try:
        adapter.send(outgoing)
    except SendError as failure:
        error, permanent = str(failure), failure.permanent
    except Exception as failure:  # an adapter's bug: it may or may not have gone out
        error = (f"unexpected error while sending ({type(failure).__name__}: {failure}): "
                 "not sent again; check with the family")
        permanent = True
    if pause_before_record is not None:
        _pause_before_record(pause_before_record, pending.id)
    with session_factory() as session, session.begin():
        if error is None:
            record_sent(session, message_id=pending.id, now=now_fn())
            result.sent += 1
            return
        status = record_failure(session, message_id=pending.id, error=error,
                                permanent=permanent, now=now_fn(),
                                max_attempts=channels.max_attempts,
                                backoff_seconds=channels.backoff_seconds)
    if status is DeliveryStatus.QUEUED:
        result.retrying += 1
    else:
        result.failed += 1
