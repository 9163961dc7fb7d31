"""The e-mail sender: the recording outbox by default, SMTP over TLS when configured."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.mail import RecordingMailer, SmtpMailer, mailer_from_environment
from projections.database import ConfigurationError

LINK = "https://portal.example/invitations/secret-token-abc"


def test_services_record_mail_in_the_outbox_by_default(services, monkeypatch):
    assert isinstance(services.mailer, RecordingMailer)
    services.mailer.send("ann@example.org", "You are invited", f"Open {LINK}", "invitation")
    services.mailer.send("bob@example.org", "Reset", "Open it", "password_reset")
    [message] = services.mailer.sent(to="ann@example.org")
    assert (message.subject, message.kind) == ("You are invited", "invitation")
    assert LINK in message.body
    assert [m.to for m in services.mailer.sent(kind="password_reset")] == ["bob@example.org"]
    assert len(services.mailer.sent()) == 2


def test_message_bodies_are_never_logged(services, caplog):
    with caplog.at_level(logging.DEBUG):
        services.mailer.send("ann@example.org", "You are invited", f"Open {LINK}", "invitation")
    assert caplog.records
    assert all("secret-token" not in record.getMessage() + str(record.__dict__)
               for record in caplog.records)


@pytest.mark.parametrize(("to", "subject"), [
    ("", "Hello"),
    ("not-an-address", "Hello"),
    ("ann@example.org\r\nBcc: eve@example.org", "Hello"),
    ("ann@example.org, eve@example.org", "Hello"),
    ("ann@example.org", "Hello\r\nBcc: eve@example.org"),
    ("ann@example.org", "x" * 201),
])
def test_malformed_recipients_and_subjects_are_refused_and_nothing_recorded(services, to,
                                                                            subject):
    with pytest.raises(ValueError, match=r"recipient|subject"):
        services.mailer.send(to, subject, "body", "invitation")
    assert services.mailer.sent() == []


def test_smtp_url_selects_smtp(services, monkeypatch):
    monkeypatch.setenv("SMTP_URL", "smtp://mailer%40council:p%3Ass@relay.example:2525")
    monkeypatch.setenv("MAIL_FROM", "portal@council.example")
    mailer = mailer_from_environment(services.engine)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.username, mailer.password, mailer.implicit_tls) == (
        "relay.example", 2525, "mailer@council", "p:ss", False)
    monkeypatch.setenv("SMTP_URL", "smtps://relay.example")
    assert mailer_from_environment(services.engine).port == 465


@pytest.mark.parametrize(("url", "sender", "message"), [
    ("http://relay.example", "portal@council.example", "SMTP_URL"),
    ("smtp://", "portal@council.example", "SMTP_URL"),
    ("smtp://relay.example:port", "portal@council.example", "port"),
    ("smtp://relay.example", "", "MAIL_FROM"),
])
def test_bad_smtp_settings_are_refused_with_the_reason(services, monkeypatch, url, sender,
                                                       message):
    monkeypatch.setenv("SMTP_URL", url)
    monkeypatch.setenv("MAIL_FROM", sender)
    with pytest.raises(ConfigurationError, match=message):
        mailer_from_environment(services.engine)


class _Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_smtp_mailer_sends_over_starttls(tmp_path):
    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=server_context, require_starttls=True)
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert_file))
        mailer = SmtpMailer(host="localhost", port=controller.port,
                            sender="portal@council.example", context=client_context)
        mailer.send("ann@example.org", "You are invited", f"Open {LINK}", "invitation")
    finally:
        controller.stop()
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ann@example.org"]
    assert envelope.mail_from == "portal@council.example"
    text = envelope.content.decode()
    assert "Subject: You are invited" in text
    assert LINK in text


def test_smtp_mailer_refuses_a_server_it_cannot_trust(tmp_path):
    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            tls_context=server_context, require_starttls=True)
    controller.start()
    try:
        mailer = SmtpMailer(host="localhost", port=controller.port,
                            sender="portal@council.example")
        with pytest.raises(ssl.SSLError):
            mailer.send("ann@example.org", "You are invited", f"Open {LINK}", "invitation")
    finally:
        controller.stop()
    assert inbox.envelopes == []
