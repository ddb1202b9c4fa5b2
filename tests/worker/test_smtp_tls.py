"""E-mail with TLS and credentials from settings, against a real SMTP server (aiosmtpd) on
loopback that requires STARTTLS and a login, with a certificate made for the test."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SMTPSession
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from settings.channels import SmtpSettings, load_channel_settings
from tests.worker.conftest import free_port
from worker.adapters.base import OutgoingMessage, SendError
from worker.adapters.email import EmailAdapter

USERNAME, PASSWORD = "clinic-mailer", "synthetic-secret"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (its own issuer) and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    identifier = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(identifier, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            identifier), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class SecureMailbox:
    """Mails accepted, each with whether the session was encrypted and who logged in."""

    received: list[tuple[list[str], bool, Any]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: SMTPSession,
                          envelope: Envelope) -> str:
        # session.ssl is set by STARTTLS; a connection that is TLS from the first byte shows
        # on its transport.
        encrypted = (session.ssl is not None
                     or server.transport.get_extra_info("ssl_object") is not None)
        self.received.append((list(envelope.rcpt_tos), encrypted, session.auth_data))
        return "250 Message accepted for delivery"


def authenticator(_server: SMTPServer, _session: SMTPSession, _envelope: Envelope,
                  _mechanism: str, auth_data: Any) -> AuthResult:
    assert isinstance(auth_data, LoginPassword)
    ok = (auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode())
    if not ok:  # aiosmtpd then answers 535, as a real server does
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=auth_data.login.decode())


@dataclass(frozen=True)
class SecureServer:
    port: int
    mailbox: SecureMailbox
    certificate: Path


@contextmanager
def tls_server(folder: Path, context_option: str, **options: Any) -> Iterator[SecureServer]:
    """An aiosmtpd server on loopback that wants a login, with a certificate made for the test
    given as ``context_option``: ``tls_context`` for STARTTLS, ``ssl_context`` for TLS from the
    first byte."""
    cert_path, key_path = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    mailbox = SecureMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            auth_required=True, authenticator=authenticator,
                            **{context_option: context}, **options)
    controller.start()
    try:
        yield SecureServer(controller.port, mailbox, cert_path)
    finally:
        controller.stop()


@pytest.fixture
def secure_server(tmp_path: Path) -> Iterator[SecureServer]:
    """STARTTLS required before the login (port 587 style)."""
    with tls_server(tmp_path, "tls_context", require_starttls=True,
                    auth_require_tls=True) as server:
        yield server


def settings_from_env(server: SecureServer, **env: str) -> SmtpSettings:
    """The SMTP settings as the worker reads them from the environment."""
    values = {"HAMRAH_SMTP_HOST": "127.0.0.1", "HAMRAH_SMTP_PORT": str(server.port),
              "HAMRAH_SMTP_STARTTLS": "true", "HAMRAH_SMTP_USERNAME": USERNAME,
              "HAMRAH_SMTP_PASSWORD": PASSWORD, "HAMRAH_SMTP_FROM": "clinic@hamrah.test"}
    values.update(env)
    return load_channel_settings(values).smtp


MESSAGE = OutgoingMessage(message_id=3, idempotency_key="assignment:3", kind="assignment",
                          body="A new module from your clinic.", language="en",
                          address="maryam@example.org")


def test_starttls_and_the_login_from_settings_deliver_the_mail(
        secure_server: SecureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(secure_server.certificate))  # trust the test's CA
    EmailAdapter(settings_from_env(secure_server), timeout=5).send(MESSAGE)
    assert secure_server.mailbox.received == [(["maryam@example.org"], True, USERNAME)]


def test_a_wrong_password_is_a_setting_to_fix_so_it_is_retried(
        secure_server: SecureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(secure_server.certificate))
    adapter = EmailAdapter(settings_from_env(secure_server, HAMRAH_SMTP_PASSWORD="wrong"),
                           timeout=5)
    with pytest.raises(SendError) as raised:
        adapter.send(MESSAGE)
    assert str(raised.value).startswith("SMTP login refused (535)")
    assert PASSWORD not in str(raised.value) and "wrong" not in str(raised.value)
    assert not raised.value.permanent
    assert secure_server.mailbox.received == []


def test_a_certificate_that_cannot_be_verified_stops_the_login(
        secure_server: SecureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's CAs only
    with pytest.raises(SendError) as raised:
        EmailAdapter(settings_from_env(secure_server), timeout=5).send(MESSAGE)
    assert "cannot reach the SMTP server" in str(raised.value)
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    assert not raised.value.permanent
    assert secure_server.mailbox.received == []


@pytest.fixture
def implicit_tls_server(tmp_path: Path) -> Iterator[SecureServer]:
    """A server that speaks TLS from the first byte (SMTPS, as on port 465) and wants a login.
    auth_require_tls only knows STARTTLS: here every byte is already encrypted."""
    with tls_server(tmp_path, "ssl_context", auth_require_tls=False) as server:
        yield server


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_from_the_first_byte_delivers_the_mail(
        implicit_tls_server: SecureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(implicit_tls_server.certificate))
    settings = settings_from_env(implicit_tls_server, HAMRAH_SMTP_IMPLICIT_TLS="true")
    assert settings.implicit_tls
    EmailAdapter(settings, timeout=5).send(MESSAGE)
    assert implicit_tls_server.mailbox.received == [(["maryam@example.org"], True, USERNAME)]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_plain_connection_to_a_tls_only_server_sends_nothing(
        implicit_tls_server: SecureServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(implicit_tls_server.certificate))
    adapter = EmailAdapter(settings_from_env(implicit_tls_server), timeout=2)
    with pytest.raises(SendError):
        adapter.send(MESSAGE)
    assert implicit_tls_server.mailbox.received == []


@pytest.mark.parametrize(("env", "implicit"), [
    ({}, False),
    ({"HAMRAH_SMTP_PORT": "465"}, True),
    ({"HAMRAH_SMTP_PORT": "465", "HAMRAH_SMTP_IMPLICIT_TLS": "false"}, False),
    ({"HAMRAH_SMTP_PORT": "2465", "HAMRAH_SMTP_IMPLICIT_TLS": "true"}, True),
])
def test_tls_from_the_first_byte_is_on_by_default_on_port_465(env: dict[str, str],
                                                              implicit: bool) -> None:
    settings = load_channel_settings({"HAMRAH_SMTP_HOST": "mail.example.org", **env}).smtp
    assert settings.implicit_tls is implicit
