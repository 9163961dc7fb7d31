"""Locking out password guessing without letting anyone lock out somebody else for good.

Five wrong passwords for one email address from one client address within 15 minutes stop
further attempts for that pair until the window has passed. The lock is per pair: guessing
from one address never locks the account's owner out from another, so nobody can deny an
account to its owner indefinitely. Flask-Limiter separately caps each client address at 10
attempts a minute and 100 an hour, whatever the email. Both keys are stored as keyed hashes
(neither email addresses nor client addresses are kept in clear).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from auth.tables import metadata

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email_key", sa.String(64), nullable=False),
    sa.Column("client_key", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_sign_in_failures_pair", "email_key", "client_key", "failed_at"),
)


class Lockout:
    def __init__(self, engine: sa.Engine, secret: bytes) -> None:
        self.engine = engine
        self._secret = secret
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def setup(self) -> None:
        sign_in_failures.create(self.engine, checkfirst=True)

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _pair(self, email: str, client: str) -> tuple:
        t = sign_in_failures
        return (t.c.email_key == self._key("email", email.lower()),
                t.c.client_key == self._key("client", client))

    def locked_until(self, email: str, client: str) -> datetime | None:
        """When the pair may try again, or None when it may try now."""
        since = self.clock() - WINDOW
        with self.engine.connect() as c:
            times = c.execute(sa.select(sign_in_failures.c.failed_at)
                              .where(*self._pair(email, client),
                                     sign_in_failures.c.failed_at > since)
                              .order_by(sign_in_failures.c.failed_at)).scalars().all()
        if len(times) < MAX_FAILURES:
            return None
        oldest = times[-MAX_FAILURES]
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        return oldest + WINDOW

    def failed(self, email: str, client: str) -> None:
        now = self.clock()
        with self.engine.begin() as c:
            c.execute(sign_in_failures.insert().values(
                email_key=self._key("email", email.lower()),
                client_key=self._key("client", client), failed_at=now))
            c.execute(sign_in_failures.delete()
                      .where(sign_in_failures.c.failed_at < now - WINDOW))

    def succeeded(self, email: str, client: str) -> None:
        with self.engine.begin() as c:
            c.execute(sign_in_failures.delete().where(*self._pair(email, client)))

    def clear(self, email: str) -> None:
        """Forget every failure for this email address, from any client address (the owner
        proved who they are another way, e.g. a password reset link)."""
        with self.engine.begin() as c:
            c.execute(sign_in_failures.delete().where(
                sign_in_failures.c.email_key == self._key("email", email.lower())))
