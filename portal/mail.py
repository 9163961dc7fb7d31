"""Sending e-mail: invitations, password resets, tender notices.

Views and commands call ``services().mailer.send(to, subject, body, kind)`` and never know
how the message leaves. Two senders:

- ``RecordingMailer`` (the default: development, tests and the demo) sends nothing; it writes
  each message to the ``outbox`` table, where a developer or a test reads it.
- ``SmtpMailer``, chosen by ``SMTP_URL`` (``smtp://user:password@host:587`` always upgrades
  with STARTTLS; ``smtps://user:password@host:465`` is TLS from the start), with ``MAIL_FROM``
  as the sender. Standard library only.

Message bodies may carry single-use links (an invitation, a password reset): they are never
logged, only the kind of message and the moment it was sent.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from projections.database import ConfigurationError, metadata

log = logging.getLogger(__name__)

MAX_SUBJECT_LENGTH = 200

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("recipient", sa.String(320), nullable=False, index=True),
    sa.Column("subject", sa.String(MAX_SUBJECT_LENGTH), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    kind: str
    created_at: datetime


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        """Send one plain-text message. ``kind`` names what it is ("invitation",
        "password_reset", "tender_notice") for the outbox and the log."""


def _check(to: str, subject: str, kind: str) -> None:
    """Refuse what would make a malformed or header-injected message."""
    if not to or "@" not in to or any(ch in to for ch in "\r\n,;<>"):
        raise ValueError("The recipient must be one e-mail address")
    if "\r" in subject or "\n" in subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise ValueError(f"The subject must be one line of {MAX_SUBJECT_LENGTH} characters "
                         "or fewer")
    if not kind:
        raise ValueError("Every message needs a kind")


class RecordingMailer:
    """Records what would be sent in the ``outbox`` table instead of sending it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def setup(self) -> None:
        outbox.create(self.engine, checkfirst=True)

    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        _check(to, subject, kind)
        with self.engine.begin() as c:
            c.execute(outbox.insert().values(recipient=to, subject=subject, body=body,
                                             kind=kind, created_at=datetime.now(UTC)))
        log.info("mail recorded", extra={"kind": kind})

    def sent(self, to: str | None = None, kind: str | None = None) -> list[Message]:
        """Recorded messages, oldest first, optionally only one recipient's or one kind."""
        query = sa.select(outbox).order_by(outbox.c.id)
        if to is not None:
            query = query.where(outbox.c.recipient == to)
        if kind is not None:
            query = query.where(outbox.c.kind == kind)
        with self.engine.connect() as c:
            return [Message(to=row.recipient, subject=row.subject, body=row.body,
                            kind=row.kind, created_at=row.created_at)
                    for row in c.execute(query)]


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP relay, always over TLS (STARTTLS on ``smtp://``)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    timeout: float = 30.0
    # The certificates to trust: the system's by default (a test passes its own authority).
    context: ssl.SSLContext | None = None

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpMailer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError(
                "SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        if not sender or "@" not in sender:
            raise ConfigurationError("MAIL_FROM must be the sender's e-mail address when "
                                     "SMTP_URL is set")
        try:
            port = parts.port
        except ValueError:
            raise ConfigurationError("SMTP_URL has a port that is not a number") from None
        implicit = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=port or (465 if implicit else 587), sender=sender,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   implicit_tls=implicit)

    def send(self, to: str, subject: str, body: str, kind: str) -> None:
        _check(to, subject, kind)
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2])
        message.set_content(body)
        context = self.context or ssl.create_default_context()
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=context)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with connection as smtp:
            if not self.implicit_tls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
        log.info("mail sent", extra={"kind": kind})


def mailer_from_environment(engine: sa.Engine) -> Mailer:
    """SMTP when SMTP_URL is set (with MAIL_FROM), otherwise the recording outbox."""
    url = os.environ.get("SMTP_URL", "").strip()
    if url:
        return SmtpMailer.from_url(url, os.environ.get("MAIL_FROM", "").strip())
    recording = RecordingMailer(engine)
    recording.setup()
    return recording
