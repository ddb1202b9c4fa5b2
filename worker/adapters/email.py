"""E-mail through SMTP (``smtplib``): one connection per message, UTF-8 text, no tracking.

The Message-ID is built from the message's idempotency key, so the same outbox message always
carries the same id (mail systems and people can tell a copy). With ``implicit_tls`` (the default
on port 465) the connection speaks TLS from the first byte; otherwise it uses STARTTLS when
``starttls`` is set. Errors are sorted for the
worker: a 5xx reply is permanent, a 4xx reply or a connection that fails before the message was
handed over is transient, and a connection lost while the server was taking the message is
permanent, because the server may have accepted it and at most once beats twice.
"""

from __future__ import annotations

import mimetypes
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import formatdate

from domain.text import t
from i18n.catalog import translating
from settings.channels import SmtpSettings
from worker.adapters.base import OutgoingMessage, SendError

CHANNEL = "email"
TIMEOUT_SECONDS = 30.0
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # larger module files go as a note, not an attachment

# Subjects never name the clinic's kind of treatment: others may see a family member's inbox.
# Written in English and translated from the catalogs (``i18n/locales``) in the member's
# language, like every text sent to a family.
SUBJECTS = {
    "assignment": "New reading from your clinic",
    "answer": "An answer from your clinic",
    "general_answer": "An answer from your clinic",
    "reminder": "A reminder from your clinic",
}
DEFAULT_SUBJECT = "A message from your clinic"
TOO_LARGE = "The file is too large for e-mail: please ask the clinic for it."


def subject_for(kind: str, language: str) -> str:
    """The subject of an outbox message of ``kind``, in ``language`` (English when the
    catalogs lack that language)."""
    with translating(language):
        return t(SUBJECTS.get(kind, DEFAULT_SUBJECT))


def too_large_note(language: str) -> str:
    """Said in place of a module file that is too large to attach."""
    with translating(language):
        return t(TOO_LARGE)


def message_id_for(idempotency_key: str, sender: str) -> str:
    """``<hamrah.KEY@DOMAIN>`` with the key's characters that a Message-ID cannot hold as dots."""
    left = re.sub(r"[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+", ".", idempotency_key).strip(".")
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<hamrah.{left or 'message'}@{domain}>"


def build_email(message: OutgoingMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.address
    email["Subject"] = subject_for(message.kind, message.language)
    email["Message-ID"] = message_id_for(message.idempotency_key, sender)
    email["Date"] = formatdate(localtime=False, usegmt=True)
    text = message.body
    if message.link:
        text = f"{text}\n\n{message.link}"
    attach = (message.media_path is not None and message.media_path.is_file()
              and message.media_path.stat().st_size <= MAX_ATTACHMENT_BYTES)
    if message.media_path is not None and not attach:
        text = f"{text}\n\n{too_large_note(message.language)}"
    # Base64 keeps Persian compact and safe through servers without 8BITMIME.
    email.set_content(text, charset="utf-8", cte="7bit" if text.isascii() else "base64")
    if attach and message.media_path is not None:
        media_type = message.media_type or mimetypes.guess_type(message.media_path.name)[0]
        main, _, sub = (media_type or "application/octet-stream").partition("/")
        email.add_attachment(message.media_path.read_bytes(), maintype=main,
                             subtype=sub or "octet-stream", filename=message.media_path.name)
    return email


def _reply_error(step: str, code: int, reply: bytes | str) -> SendError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return SendError(f"SMTP {step} refused: {code} {' '.join(text.split())}",
                     permanent=500 <= code < 600)


class EmailAdapter:
    """Send one :class:`OutgoingMessage` as one e-mail; return its Message-ID."""

    channel = CHANNEL

    def __init__(self, settings: SmtpSettings, timeout: float = TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        smtp = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if smtp.implicit_tls:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=self.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)
        try:
            client.ehlo()
            if smtp.starttls and not smtp.implicit_tls:
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, smtp.password)
        except BaseException:
            client.close()
            raise
        return client

    def send(self, message: OutgoingMessage) -> str:
        email = build_email(message, self.settings.sender)
        try:
            client = self._connect()
        except smtplib.SMTPAuthenticationError as error:
            # Wrong credentials are the clinic's setting to fix: retried, then failed.
            raise SendError(f"SMTP login refused ({error.smtp_code}): check "
                            "HAMRAH_SMTP_USERNAME and HAMRAH_SMTP_PASSWORD") from None
        except smtplib.SMTPResponseException as error:
            raise _reply_error("connection", error.smtp_code, error.smtp_error) from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(f"cannot reach the SMTP server {self.settings.host}:"
                            f"{self.settings.port}: {error}") from None
        try:
            return self._transfer(client, email, message.address)
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()

    def _transfer(self, client: smtplib.SMTP, email: EmailMessage, address: str) -> str:
        """MAIL, RCPT and DATA by hand, to know whether the server may already have the mail."""
        options = ["SMTPUTF8"] if not address.isascii() and client.has_extn("smtputf8") else []
        try:
            code, reply = client.mail(self.settings.sender, options)
            if code != 250:
                raise _reply_error("sender", code, reply)
            code, reply = client.rcpt(address)
            if code not in (250, 251):
                raise _reply_error("recipient", code, reply)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise SendError(f"SMTP connection lost before the message was sent: {error}") \
                from None
        try:
            code, reply = client.data(email.as_bytes(policy=SMTPUTF8 if options else SMTP))
        except smtplib.SMTPDataError as error:
            raise _reply_error("message", error.smtp_code, error.smtp_error) from None
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise SendError(f"SMTP connection lost while the server took the message ({error}): "
                            "not sent again; check with the family", permanent=True) from None
        if code != 250:
            raise _reply_error("message", code, reply)
        return str(email["Message-ID"])
