"""Families' messages in from Telegram (long polling ``getUpdates``), one cycle at a time.

:func:`poll_once` fetches the updates after the stored offset and handles each in its own
transaction that also stores the next offset, so a crash never records an update twice. The
replies go out after the commit, with one retry after a rate limit: a crash between the two can
lose a reply, never duplicate a question or an emergency report. What a message means:

- ``/start CODE`` (the clinic's invite link) links the chat to the member
  (``data_access.invites``); a bad, used or expired code gets a polite refusal.
- A chat that is not linked gets a polite pointer to the clinic's invite; nothing about it is
  stored but a count.
- The "Done" button completes that assignment (only the linked member's own); "I have a
  question" asks the member to type it.
- ``/report`` walks through a five-question check-in (physical state, mood, medical state,
  signs of use, emergency) that becomes a condition report;
  ``/cancel`` stops it; an emergency answer replies with the emergency advice and the clinic's
  phone at once.
- Any other text is a question for the clinic's inbox, answered by its deadline.

"Opened": Telegram does not tell a bot when a link is opened, so an assignment counts as opened
the first time the member presses one of its buttons or replies to its message.

Every text goes out in the member's language (a stranger's: the Telegram app's language): it is
written here in English and translated through the project's catalogs (:func:`say`, with
``i18n.catalog.translating``; the Persian is in ``i18n/locales/fa``). Invite codes typed
with Persian or Arabic-Indic digits read as ASCII ones (``domain.digits``); a stranger who types
only an invite code, without ``/start``, is linked as if it came through the link.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from data_access.intake import (
    CheckIn,
    Completion,
    LinkedMember,
    UseSign,
    clinic_phone,
    complete_assignment,
    conversation,
    count_unknown_chat,
    end_conversation,
    folded_words,
    linked_member,
    mark_opened,
    read_offset,
    save_check_in,
    save_conversation,
    store_offset,
)
from data_access.invites import ALPHABET, CODE_LENGTH, InviteProblem, normalise_code, redeem_invite
from data_access.questions import ask_question, clinic_deadline
from domain.deadlines import describe_deadline
from domain.digits import to_ascii_digits
from domain.text import t
from i18n.catalog import translating
from settings import Settings
from settings.channels import ChannelSettings
from worker.adapters.base import SendError
from worker.adapters.telegram import (
    ASK,
    DONE_PREFIX,
    TelegramAdapter,
    TelegramError,
    assignment_of_markup,
)

log = logging.getLogger(__name__)

ACTOR = "telegram"
CHECK_IN_TIMEOUT = timedelta(hours=2)  # an unfinished check-in older than this is dropped
MAX_REPLY_WAIT_SECONDS = 5.0  # the longest a reply waits for one retry after a 429

STEP_PHYSICAL = "physical"
STEP_MOOD = "mood"
STEP_MEDICAL = "medical"
STEP_USE = "use"
STEP_EMERGENCY = "emergency"
DOCTOR_SOON_KEY = "doctor_soon"  # in a conversation's answers: the medical answer's meaning

# -- texts -------------------------------------------------------------------------------------

GOOD, SO_SO, BAD = "Good", "So-so", "Bad"
YES, NO, NOT_SURE = "Yes", "No", "Not sure"
NO_PROBLEM, NOT_URGENT, DOCTOR_SOON = "No problem", "Not urgent", "Doctor soon"

WELCOME = (
    "Welcome, {name}! This chat is now connected to your clinic's family programme.\n\n"
    "Here you will receive short lessons and the clinic's answers. You can:\n"
    "- type a question at any time;\n"
    "- send /report for a short check-in on how the patient is doing;\n"
    "- press \"Done\" under a lesson when you have finished it."
)
HELP = (
    "You can:\n"
    "- type a question at any time;\n"
    "- send /report for a short check-in on how the patient is doing;\n"
    "- press \"Done\" under a lesson when you have finished it.\n\n"
    "In an emergency call 115 (or your local emergency number) first."
)
NOT_LINKED = (
    "Hello! This is a clinic's family channel. To use it, please open the invite link that "
    "your clinic gave you. If you have no invite, please ask the clinic for one."
)
REFUSALS = {
    InviteProblem.UNKNOWN: "This invite code is not valid. Please check it, or ask your clinic "
                           "for a new invite link.",
    InviteProblem.USED: "This invite code has already been used. If you need to connect this "
                        "phone, please ask your clinic for a new invite link.",
    InviteProblem.EXPIRED: "This invite code has expired (codes are valid for {days} days). "
                           "Please ask your clinic for a new invite link.",
    InviteProblem.NOT_ALLOWED: "This invite cannot be used at the moment. Please contact your "
                               "clinic.",
}
QUESTION_RECEIVED = (
    "Thank you, your question has reached the clinic. You will get an answer here within "
    "{deadline}."
)
TYPE_QUESTION = "Please type your question in a message; the clinic will answer here."
TEXT_ONLY = "Sorry, I can only read typed text. Please type your question or send /report."
CALLBACK_DONE = "Thank you! Marked as done."
CALLBACK_ALREADY = "Already marked as done. Thank you!"
CALLBACK_NOT_YOURS = "This button is not for this chat."
CALLBACK_CLOSED = "This lesson is no longer active."
CHECK_IN_START = (
    "A short check-in: five questions. If someone is in danger right now, call the emergency "
    "number 115 first. Send /cancel to stop."
)
ASK_PHYSICAL = "1/5 How is the patient's physical state today? Choose or type a few words."
ASK_MOOD = "2/5 How is his or her mood? Choose or type a few words."
ASK_MEDICAL = (
    "3/5 Any medical problem (an illness, an injury, a medicine)? Does it need a doctor soon? "
    "Choose or type a few words."
)
ASK_USE = "4/5 Have you seen any sign of drug or alcohol use?"
ASK_EMERGENCY = "5/5 Is this an emergency right now?"
PLEASE_CHOOSE = "Please answer with one of the buttons."
PLEASE_TYPE = "Please type a few words."
CHECK_IN_CANCELLED = "The check-in was cancelled; nothing was sent."
NOTHING_TO_CANCEL = "There is nothing to cancel."
CHECK_IN_THANKS = "Thank you. Your report has been sent to the clinic."
EMERGENCY_ADVICE = (
    "Your report is marked as an emergency for the clinic's staff, but do not wait for them:\n\n"
    "If the person cannot be woken, breathes slowly or not at all, or has blue lips, it may be "
    "an overdose. Call the emergency number 115 now. If you have naloxone, give it. Lay the "
    "person on his or her side and stay there until help arrives."
)
CLINIC_PHONE = "Clinic phone: {phone}"
SOMETHING_WENT_WRONG = "Sorry, something went wrong. Please try again in a few minutes."

# Typed answers accepted besides the buttons (the buttons' own labels are among them), compared
# after ``data_access.intake.folded_words``.
_YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "بله", "بلی", "آره", "اره", "آری"})
_NO_WORDS = frozenset({"no", "n", "nope", "نه", "خیر", "نخیر"})
_UNSURE_WORDS = frozenset({"not sure", "unsure", "don t know", "dont know", "maybe",
                           "مطمئن نیستم", "نمیدانم", "نمیدونم", "شاید"})
# A medical answer that means "needs a doctor soon"; any other medical answer is kept as words.
_DOCTOR_SOON_WORDS = frozenset({"doctor soon", "needs a doctor", "needs a doctor soon",
                                "نیاز به پزشک", "نیاز به دکتر", "پزشک لازم است"})

_QUESTIONS: dict[str, str] = {
    STEP_PHYSICAL: ASK_PHYSICAL,
    STEP_MOOD: ASK_MOOD,
    STEP_MEDICAL: ASK_MEDICAL,
    STEP_USE: ASK_USE,
    STEP_EMERGENCY: ASK_EMERGENCY,
}
# The steps answered with a button or any words, and the step after each.
_TYPED_STEPS: dict[str, str] = {
    STEP_PHYSICAL: STEP_MOOD,
    STEP_MOOD: STEP_MEDICAL,
    STEP_MEDICAL: STEP_USE,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    STEP_PHYSICAL: (GOOD, SO_SO, BAD),
    STEP_MOOD: (GOOD, SO_SO, BAD),
    STEP_MEDICAL: (NO_PROBLEM, NOT_URGENT, DOCTOR_SOON),
    STEP_USE: (YES, NO, NOT_SURE),
    STEP_EMERGENCY: (YES, NO),
}
_COMPLETION_TEXTS: dict[Completion, str] = {
    Completion.COMPLETED: CALLBACK_DONE,
    Completion.ALREADY_COMPLETED: CALLBACK_ALREADY,
    Completion.NOT_YOURS: CALLBACK_NOT_YOURS,
    Completion.CLOSED: CALLBACK_CLOSED,
}
_COMPLETION_OUTCOMES: dict[Completion, str] = {
    Completion.COMPLETED: "completed",
    Completion.ALREADY_COMPLETED: "other",
    Completion.NOT_YOURS: "refused",
    Completion.CLOSED: "refused",
}


def say(language: str, message: str, /, **values: object) -> str:
    """``t(message, **values)`` in ``language``, from the project's catalogs.

    The message reaches ``t`` through a parameter, so the catalogs' extractor
    (``i18n.extraction``) reads ``say``'s second argument at each call instead.
    """
    with translating(language):
        return t(message, **values)


# -- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply:
    chat_id: str
    text: str
    choices: tuple[str, ...] = ()
    remove_choices: bool = False


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str = ""


@dataclass
class Handled:
    """What one update did (its outcome, one of :data:`OUTCOMES`) and what to send back."""

    outcome: str
    replies: list[Reply] = field(default_factory=list)
    callback: CallbackAnswer | None = None


OUTCOMES = (
    "linked",  # an invite linked the chat
    "refused",  # an invite or a button was refused
    "unknown_chat",  # a chat that is not linked (only counted)
    "question",  # a question went to the inbox
    "completed",  # "Done" completed an assignment
    "opened",  # a reaction opened an assignment
    "report",  # a check-in ended in a condition report
    "emergency",  # a check-in ended in an emergency report (not counted as "report" too)
    "other",  # a command, a check-in step, a help text
    "ignored",  # not for the bot (a group, an edited message)
    "failed",  # could not be handled; skipped with an apology
)


@dataclass
class IntakeResult:
    """One poll: how many updates, what they became, and the error that stopped it, if any."""

    updates: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    reply_failures: int = 0
    error: str | None = None
    enabled: bool = True

    def count(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)

    def summary(self) -> str:
        if not self.enabled:
            return "telegram intake off (no bot token)"
        parts = [f"{self.updates} updates"]
        parts += [f"{name} {self.counts[name]}" for name in OUTCOMES if self.counts.get(name)]
        if self.reply_failures:
            parts.append(f"reply failures {self.reply_failures}")
        if self.error:
            parts.append(f"error: {self.error}")
        return ", ".join(parts)


# -- reading updates ---------------------------------------------------------------------------

def _command(text: str) -> tuple[str | None, str]:
    """(``/report``, rest) for a command, also ``/report@HamrahBot``; (None, text) otherwise.
    Persian or Arabic-Indic digits in the argument (an invite code) read as ASCII ones."""
    if not text.startswith("/"):
        return None, text
    head, _, rest = text.partition(" ")
    return head.split("@", 1)[0].lower(), to_ascii_digits(rest.strip())


def _typed_code(text: str) -> str | None:
    """``text`` when it is nothing but an invite code typed by hand (any case, spaces, dashes,
    Persian digits), so that a member who copies the code without the link is linked too."""
    code = normalise_code(text)
    if len(code) == CODE_LENGTH and all(char in ALPHABET for char in code):
        return code
    return None


def _stranger_language(sender: object) -> str:
    """An unlinked chat's language, from the Telegram app's language."""
    code = sender.get("language_code") if isinstance(sender, dict) else None
    return "fa" if isinstance(code, str) and code.lower().startswith("fa") else "en"


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sign(text: str, *, allow_unsure: bool) -> UseSign | None:
    answer = " ".join(folded_words(text))
    if answer in _YES_WORDS:
        return UseSign.YES
    if answer in _NO_WORDS:
        return UseSign.NO
    if allow_unsure and answer in _UNSURE_WORDS:
        return UseSign.UNSURE
    return None


def _ask(chat_id: str, language: str, step: str, before: str | None = None) -> Reply:
    """The step's question and its choices; ``before``, already in the member's language,
    comes first."""
    text = say(language, _QUESTIONS[step])
    if before is not None:
        text = f"{before}\n\n{text}"
    return Reply(chat_id, text, tuple(say(language, choice) for choice in _CHOICES[step]))


# -- handling one update -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Context:
    session: Session
    now: datetime
    channels: ChannelSettings


def handle_update(session: Session, update: dict[str, Any], *, now: datetime,
                  channels: ChannelSettings) -> Handled:
    """Record what one update means, in the caller's transaction; return what to send back."""
    context = _Context(session, now, channels)
    if "callback_query" in update:
        return _callback(context, _dict(update["callback_query"]))
    if "message" in update:
        return _message(context, _dict(update["message"]))
    return Handled("ignored")


def _message(context: _Context, message: dict[str, Any]) -> Handled:
    chat = _dict(message.get("chat"))
    if chat.get("type") != "private" or chat.get("id") is None:
        return Handled("ignored")
    chat_id = str(chat["id"])
    text = str(message.get("text") or message.get("caption") or "").strip()
    command, argument = _command(text)
    member = linked_member(context.session, chat_id)
    if command == "/start" and argument:
        return _link(context, chat_id, argument, member, message.get("from"))
    if member is None:
        typed = _typed_code(text) if command is None else None
        if typed is not None:
            return _link(context, chat_id, typed, member, message.get("from"))
        count_unknown_chat(context.session)
        return Handled("unknown_chat", [
            Reply(chat_id, say(_stranger_language(message.get("from")), NOT_LINKED))])
    language = member.language
    if command is not None:
        return _member_command(context, chat_id, member, command)
    current = conversation(context.session, chat_id)
    if current is not None and (current.member_id != member.id
                                or context.now - current.updated_at > CHECK_IN_TIMEOUT):
        end_conversation(context.session, chat_id)
        current = None
    if current is not None:
        return _check_in_step(context, chat_id, member, current.step, current.answers, text)
    if not text:
        return Handled("other", [Reply(chat_id, say(language, TEXT_ONLY))])
    replied_to = assignment_of_markup(_dict(message.get("reply_to_message")).get("reply_markup"))
    if replied_to is not None:
        mark_opened(context.session, member_id=member.id, assignment_id=replied_to,
                    now=context.now)
    return _question(context, chat_id, member, text)


def _link(context: _Context, chat_id: str, code: str, member: LinkedMember | None,
          sender: object) -> Handled:
    result = redeem_invite(context.session, code=code, chat_id=chat_id, now=context.now,
                           actor=ACTOR)
    if isinstance(result, InviteProblem):
        if member is None:
            count_unknown_chat(context.session)
        language = member.language if member else _stranger_language(sender)
        text = say(language, REFUSALS[result], days=context.channels.invite_days)
        return Handled("refused", [Reply(chat_id, text)])
    linked = linked_member(context.session, chat_id)
    language, name = (linked.language, linked.first_name) if linked else ("en", "")
    return Handled("linked", [Reply(chat_id, say(language, WELCOME, name=name),
                                    remove_choices=True)])


def _member_command(context: _Context, chat_id: str, member: LinkedMember,
                    command: str) -> Handled:
    language = member.language
    if command == "/start":
        return Handled("other", [Reply(chat_id, say(language, WELCOME, name=member.first_name))])
    if command == "/report":
        save_conversation(context.session, chat_id=chat_id, member_id=member.id,
                          step=STEP_PHYSICAL, answers={}, now=context.now)
        return Handled("other", [_ask(chat_id, language, STEP_PHYSICAL,
                                      say(language, CHECK_IN_START))])
    if command == "/cancel":
        ended = end_conversation(context.session, chat_id)
        text = CHECK_IN_CANCELLED if ended else NOTHING_TO_CANCEL
        return Handled("other", [Reply(chat_id, say(language, text), remove_choices=True)])
    return Handled("other", [Reply(chat_id, say(language, HELP))])


def _check_in_step(context: _Context, chat_id: str, member: LinkedMember, step: str,
                   answers: dict[str, Any], text: str) -> Handled:
    language = member.language
    if step in _TYPED_STEPS:
        if not text:
            return Handled("other", [_ask(chat_id, language, step, say(language, PLEASE_TYPE))])
        answered = {**answers, step: text}
        if step == STEP_MEDICAL:
            answered[DOCTOR_SOON_KEY] = " ".join(folded_words(text)) in _DOCTOR_SOON_WORDS
        return _next_step(context, chat_id, member, _TYPED_STEPS[step], answered)
    if step == STEP_USE:
        sign = _sign(text, allow_unsure=True)
        if sign is None:
            return Handled("other", [_ask(chat_id, language, step,
                                          say(language, PLEASE_CHOOSE))])
        return _next_step(context, chat_id, member, STEP_EMERGENCY,
                          {**answers, step: sign.value})
    if step == STEP_EMERGENCY:
        sign = _sign(text, allow_unsure=False)
        if sign is None:
            return Handled("other", [_ask(chat_id, language, step,
                                          say(language, PLEASE_CHOOSE))])
        return _finish_check_in(context, chat_id, member, answers, sign == UseSign.YES)
    end_conversation(context.session, chat_id)
    return Handled("other", [Reply(chat_id, say(language, HELP), remove_choices=True)])


def _next_step(context: _Context, chat_id: str, member: LinkedMember, step: str,
               answers: dict[str, Any]) -> Handled:
    save_conversation(context.session, chat_id=chat_id, member_id=member.id, step=step,
                      answers=answers, now=context.now)
    return Handled("other", [_ask(chat_id, member.language, step)])


def _finish_check_in(context: _Context, chat_id: str, member: LinkedMember,
                     answers: dict[str, Any], emergency: bool) -> Handled:
    end_conversation(context.session, chat_id)
    check_in = CheckIn(physical=str(answers.get(STEP_PHYSICAL, "")),
                       mood=str(answers.get(STEP_MOOD, "")),
                       signs_of_use=UseSign(answers.get(STEP_USE, UseSign.UNSURE.value)),
                       emergency=emergency, medical=str(answers.get(STEP_MEDICAL, "")),
                       needs_doctor_soon=answers.get(DOCTOR_SOON_KEY) is True)
    save_check_in(context.session, member_id=member.id, check_in=check_in, now=context.now,
                  actor=ACTOR)
    language = member.language
    text = say(language, CHECK_IN_THANKS)
    if not emergency:
        return Handled("report", [Reply(chat_id, text, remove_choices=True)])
    text += "\n\n" + say(language, EMERGENCY_ADVICE)
    phone = clinic_phone(context.session, member.clinic_id) or context.channels.clinic_phone
    if phone:
        text += "\n\n" + say(language, CLINIC_PHONE, phone=phone)
    return Handled("emergency", [Reply(chat_id, text, remove_choices=True)])


def _question(context: _Context, chat_id: str, member: LinkedMember, text: str) -> Handled:
    ask_question(context.session, member_id=member.id, body=text, asked_at=context.now,
                 actor=ACTOR)
    rule, week = clinic_deadline(context.session, member.clinic_id)
    with translating(member.language):
        reply = t(QUESTION_RECEIVED,
                  deadline=describe_deadline(rule, week, member.language))
    return Handled("question", [Reply(chat_id, reply)])


def _callback(context: _Context, query: dict[str, Any]) -> Handled:
    answer = CallbackAnswer(str(query.get("id", "")))
    message = _dict(query.get("message"))
    chat = _dict(message.get("chat")) or _dict(query.get("from"))
    if chat.get("id") is None:
        return Handled("ignored", callback=answer)
    chat_id = str(chat["id"])
    member = linked_member(context.session, chat_id)
    if member is None:
        count_unknown_chat(context.session)
        language = _stranger_language(query.get("from"))
        return Handled("unknown_chat", [Reply(chat_id, say(language, NOT_LINKED))], answer)
    data = str(query.get("data") or "")
    if data.startswith(DONE_PREFIX):
        number = data[len(DONE_PREFIX):]
        if not (number.isascii() and number.isdigit() and len(number) <= 12):
            return Handled("ignored", callback=answer)
        completion = complete_assignment(context.session, member_id=member.id,
                                         assignment_id=int(number), now=context.now)
        text = say(member.language, _COMPLETION_TEXTS[completion])
        return Handled(_COMPLETION_OUTCOMES[completion],
                       callback=CallbackAnswer(answer.callback_query_id, text))
    if data == ASK:
        assignment_id = assignment_of_markup(message.get("reply_markup"))
        opened = assignment_id is not None and mark_opened(
            context.session, member_id=member.id, assignment_id=assignment_id, now=context.now)
        return Handled("opened" if opened else "other",
                       [Reply(chat_id, say(member.language, TYPE_QUESTION))], answer)
    return Handled("ignored", callback=answer)


# -- one cycle ---------------------------------------------------------------------------------

def _chat_and_language(update: dict[str, Any]) -> tuple[str | None, str]:
    """Where to send an apology for an update that could not be handled."""
    query = _dict(update.get("callback_query"))
    message = _dict(update.get("message")) or _dict(query.get("message"))
    chat = _dict(message.get("chat"))
    sender = message.get("from") or query.get("from")
    if chat.get("type") != "private" or chat.get("id") is None:
        return None, "en"
    return str(chat["id"]), _stranger_language(sender)


def _handle_and_confirm(session_factory: Callable[[], Session], update: dict[str, Any],
                        update_id: int, now: datetime, channels: ChannelSettings) -> Handled:
    """Handle one update and store the next offset in the same transaction. An update that
    fails for any reason but the database being unreachable is skipped with an apology, so one
    bad update cannot stop the intake for ever."""
    try:
        with session_factory() as session, session.begin():
            handled = handle_update(session, update, now=now, channels=channels)
            store_offset(session, update_id + 1)
        return handled
    except OperationalError:
        raise
    except Exception as error:
        # The class name only: a message could carry a family's words into the log.
        log.error("telegram update %s could not be handled (%s); skipped", update_id,
                  type(error).__name__)
    with session_factory() as session, session.begin():
        store_offset(session, update_id + 1)
    chat_id, language = _chat_and_language(update)
    callback = _dict(update.get("callback_query")).get("id")
    return Handled(
        "failed",
        [Reply(chat_id, say(language, SOMETHING_WENT_WRONG))] if chat_id else [],
        CallbackAnswer(str(callback)) if callback is not None else None,
    )


def _attempt(call: Callable[[], object], sleep: Callable[[float], None]) -> bool:
    """Send one reply, with one retry after a transient failure; False when it was lost."""
    for attempt in (1, 2):
        try:
            call()
            return True
        except SendError as error:
            if error.permanent or attempt == 2:
                log.warning("telegram reply not sent: %s", error)
                return False
            retry_after = error.retry_after if isinstance(error, TelegramError) else None
            sleep(min(retry_after or 1.0, MAX_REPLY_WAIT_SECONDS))
    return False


def _deliver(bot: TelegramAdapter, handled: Handled, sleep: Callable[[float], None]) -> int:
    """Send the replies of one handled update; the number that could not be sent."""
    calls: list[Callable[[], object]] = []
    if handled.callback is not None:
        calls.append(partial(bot.answer_callback_query, handled.callback.callback_query_id,
                             handled.callback.text))
    calls += [partial(bot.send_text, reply.chat_id, reply.text, choices=reply.choices,
                      remove_choices=reply.remove_choices) for reply in handled.replies]
    return sum(not _attempt(call, sleep) for call in calls)


def poll_once(session_factory: Callable[[], Session], settings: Settings,
              now_fn: Callable[[], datetime], *, adapter: TelegramAdapter | None = None,
              wait_seconds: int = 0,
              sleep: Callable[[float], None] = time.sleep) -> IntakeResult:
    """Fetch and handle the updates waiting since the stored offset (one ``getUpdates``).

    Without a bot token the intake is off and nothing is fetched. ``wait_seconds`` > 0 makes
    it a long poll. A Telegram or network error ends the cycle with ``error`` set; the next
    cycle fetches the same updates again, since their offset was not stored.
    """
    telegram = settings.channels.telegram
    if adapter is None and not telegram.enabled:
        return IntakeResult(enabled=False)
    bot = adapter or TelegramAdapter(telegram)
    with session_factory() as session:
        offset = read_offset(session)
    result = IntakeResult()
    try:
        updates = bot.get_updates(offset, wait_seconds)
    except SendError as error:
        log.warning("telegram getUpdates failed: %s", error)
        result.error = str(error)
        return result
    for update in sorted(updates, key=lambda u: u.get("update_id", 0)):
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or (offset is not None and update_id < offset):
            continue
        try:
            handled = _handle_and_confirm(session_factory, update, update_id, now_fn(),
                                          settings.channels)
        except OperationalError as error:
            log.warning("telegram intake stopped: database unavailable (%s)",
                        type(error.orig).__name__)
            result.error = "database unavailable"
            break
        result.updates += 1
        result.counts[handled.outcome] = result.count(handled.outcome) + 1
        result.reply_failures += _deliver(bot, handled, sleep)
    return result
