"""Single-use, expiring links: invitations and password resets.

The token in the link is 256 random bits; only its SHA-256 is stored (a copy of the database
yields no working link), with what it is for, whose account, when it expires and when it was
used. Issuing a new link for the same purpose and account retires any earlier one still unused,
so only the latest e-mail works. Spending a link is one conditional update: of two requests
with the same link only one succeeds.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from auth.tables import metadata

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)
LIFETIMES = {INVITATION: timedelta(days=7), PASSWORD_RESET: timedelta(hours=1)}

single_use_tokens = sa.Table(
    "single_use_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True)),
)


class LinkRefused(Exception):
    """The link cannot be used; ``reason`` is one of "unknown", "used", "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Link:
    token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SingleUseTokens:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def setup(self) -> None:
        single_use_tokens.create(self.engine, checkfirst=True)

    def expiry(self, purpose: str) -> datetime:
        return self.clock() + LIFETIMES[purpose]

    def issue(self, purpose: str, account_id: UUID, expires_at: datetime | None = None) -> Link:
        now = self.clock()
        expires_at = expires_at or now + LIFETIMES[purpose]
        token = secrets.token_urlsafe(32)
        t = single_use_tokens
        with self.engine.begin() as c:
            c.execute(t.update().where(t.c.purpose == purpose, t.c.account_id == account_id,
                                       t.c.used_at.is_(None)).values(used_at=now))
            c.execute(t.insert().values(token_hash=_hash(token), purpose=purpose,
                                        account_id=account_id, created_at=now,
                                        expires_at=expires_at))
            # Links that can no longer be used are kept a day for a clear "already used"
            # or "expired" page, then dropped.
            c.execute(t.delete().where(t.c.expires_at < now - timedelta(days=1)))
        return Link(token=token, expires_at=expires_at)

    def check(self, purpose: str, token: str) -> UUID:
        """The account a usable link is for; LinkRefused saying why otherwise. Uses nothing."""
        row = self._row(purpose, token)
        if row.used_at is not None:
            raise LinkRefused("used")
        if _aware(row.expires_at) <= self.clock():
            raise LinkRefused("expired")
        return row.account_id

    def spend(self, purpose: str, token: str) -> UUID:
        """Use the link up: the account it was for, or LinkRefused (also when another request
        spent it first)."""
        account_id = self.check(purpose, token)
        now = self.clock()
        t = single_use_tokens
        with self.engine.begin() as c:
            spent = c.execute(t.update().where(
                t.c.token_hash == _hash(token), t.c.purpose == purpose,
                t.c.used_at.is_(None), t.c.expires_at > now).values(used_at=now)).rowcount
        if spent != 1:
            raise LinkRefused("used")
        return account_id

    def _row(self, purpose: str, token: str):
        if not token or len(token) > 100:
            raise LinkRefused("unknown")
        t = single_use_tokens
        with self.engine.connect() as c:
            row = c.execute(sa.select(t).where(t.c.token_hash == _hash(token),
                                               t.c.purpose == purpose)).first()
        if row is None:
            raise LinkRefused("unknown")
        return row
