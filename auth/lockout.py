"""Slowing password and code guessing without slowing anyone who signs in correctly.

Only failures count (a wrong password, a wrong second-factor or recovery code), never a
successful sign-in: a whole council's staff reaching the portal through one proxy address in
the morning must all get in, however many they are. Failures are kept in one table every web
worker reads, keyed by keyed hashes (neither email addresses nor client addresses are kept in
clear), and three limits apply before a password or code is even checked:

- **pair**: five failures for one email address from one client address within 15 minutes stop
  further attempts for that pair until the window has passed. Guessing from one address never
  locks the account's owner out from another, so nobody can deny an account to its owner;
- **address**: ten failures from one client address within a minute, or a hundred within an
  hour, whatever the email addresses, stop every attempt from that address until the oldest
  of them leaves its window (guessing many accounts from one place);
- **account**: twenty failures for one email address within 15 minutes, from any number of
  addresses, stop attempts for that account until the window has passed (guessing one
  account from many places). The owner can still reset their password by e-mail, which
  clears every failure for the account.

A successful sign-in forgets its pair's failures, so a mistyped password does not linger.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from auth.tables import metadata

MAX_FAILURES = 5  # per pair, in WINDOW
WINDOW = timedelta(minutes=15)
ADDRESS_LIMITS = ((10, timedelta(minutes=1)), (100, timedelta(hours=1)))
ACCOUNT_FAILURES = 20  # per email address from any client address, in WINDOW
KEPT = max(WINDOW, *(window for _n, window in ADDRESS_LIMITS))

PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email_key", sa.String(64), nullable=False),
    sa.Column("client_key", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_sign_in_failures_pair", "email_key", "client_key", "failed_at"),
)
# Created on its own (an existing table does not gain new indexes from create_all).
by_client = sa.Index("ix_sign_in_failures_client", sign_in_failures.c.client_key,
                     sign_in_failures.c.failed_at)


@dataclass(frozen=True)
class Throttled:
    """Why attempts are stopped (``PAIR``, ``ADDRESS`` or ``ACCOUNT``) and until when."""

    kind: str
    until: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def _limit(times: list[datetime], limit: int, window: timedelta, now: datetime
           ) -> datetime | None:
    """When a window holding ``times`` (oldest first) again has room below ``limit``."""
    recent = [t for t in map(_aware, times) if t > now - window]
    if len(recent) < limit:
        return None
    return recent[-limit] + window


class Lockout:
    def __init__(self, engine: sa.Engine, secret: bytes) -> None:
        self.engine = engine
        self._secret = secret
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _pair(self, email: str, client: str) -> tuple:
        t = sign_in_failures
        return (t.c.email_key == self._key("email", email.lower()),
                t.c.client_key == self._key("client", client))

    def setup(self) -> None:
        sign_in_failures.create(self.engine, checkfirst=True)
        by_client.create(self.engine, checkfirst=True)

    def throttled(self, email: str, client: str) -> Throttled | None:
        """Whether attempts for this email address from this client address are stopped now,
        by which limit and until when (the latest of the limits that apply)."""
        now = self.clock()
        t = sign_in_failures
        email_key, client_key = self._key("email", email.lower()), self._key("client", client)
        with self.engine.connect() as c:
            from_client = c.execute(sa.select(t.c.failed_at, t.c.email_key).where(
                t.c.client_key == client_key, t.c.failed_at > now - KEPT)
                .order_by(t.c.failed_at)).all()
            for_email = c.execute(sa.select(t.c.failed_at).where(
                t.c.email_key == email_key, t.c.failed_at > now - WINDOW)
                .order_by(t.c.failed_at)).scalars().all()
        stops = [
            (PAIR, _limit([at for at, key in from_client if key == email_key],
                          MAX_FAILURES, WINDOW, now)),
            *((ADDRESS, _limit([at for at, _email in from_client], limit, window, now))
              for limit, window in ADDRESS_LIMITS),
            (ACCOUNT, _limit(list(for_email), ACCOUNT_FAILURES, WINDOW, now)),
        ]
        stopped = [Throttled(kind, until) for kind, until in stops if until is not None]
        return max(stopped, key=lambda s: s.until) if stopped else None

    def locked_until(self, email: str, client: str) -> datetime | None:
        """When attempts for the pair may start again, or None when they may now."""
        stop = self.throttled(email, client)
        return None if stop is None else stop.until

    def failed(self, email: str, client: str) -> None:
        now = self.clock()
        with self.engine.begin() as c:
            c.execute(sign_in_failures.insert().values(
                email_key=self._key("email", email.lower()),
                client_key=self._key("client", client), failed_at=now))
            c.execute(sign_in_failures.delete()
                      .where(sign_in_failures.c.failed_at < now - KEPT))

    def succeeded(self, email: str, client: str) -> None:
        with self.engine.begin() as c:
            c.execute(sign_in_failures.delete().where(*self._pair(email, client)))

    def clear(self, email: str) -> None:
        """Forget every failure for this email address, from any client address (the owner
        proved who they are another way, e.g. a password reset link)."""
        with self.engine.begin() as c:
            c.execute(sign_in_failures.delete().where(
                sign_in_failures.c.email_key == self._key("email", email.lower())))
