"""The server-side sessions' table and what can be done to an account's sessions without a
request: end them all, count them, purge the unusable. The Flask session interface that reads
and writes them per request is ``auth/sessions.py``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from auth.tables import metadata

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Activity is written back at most this often, so most requests cost no write.
TOUCH_EVERY = timedelta(seconds=60)
SECURE_COOKIE = "__Host-session"  # HTTPS: Secure, Path=/, no Domain (the prefix enforces it)
PLAIN_COOKIE = "portal_session"  # plain-HTTP localhost only

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, index=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def revoke_all(engine: sa.Engine, account_id: UUID, now: datetime | None = None) -> int:
    """End every session of an account ("sign out everywhere", a suspension)."""
    with engine.begin() as c:
        result = c.execute(web_sessions.update()
                           .where(web_sessions.c.account_id == account_id,
                                  web_sessions.c.revoked_at.is_(None))
                           .values(revoked_at=now or datetime.now(UTC), data="{}"))
    return result.rowcount


def active_sessions(engine: sa.Engine, account_id: UUID, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(web_sessions).where(
            web_sessions.c.account_id == account_id, web_sessions.c.revoked_at.is_(None),
            web_sessions.c.last_seen_at > now - IDLE_TIMEOUT,
            web_sessions.c.created_at > now - ABSOLUTE_TIMEOUT)).scalar_one()


def purge(engine: sa.Engine, now: datetime | None = None) -> int:
    """Delete sessions that can no longer be used (housekeeping)."""
    now = now or datetime.now(UTC)
    with engine.begin() as c:
        result = c.execute(web_sessions.delete().where(sa.or_(
            web_sessions.c.revoked_at.is_not(None),
            web_sessions.c.last_seen_at < now - IDLE_TIMEOUT,
            web_sessions.c.created_at < now - ABSOLUTE_TIMEOUT)))
    return result.rowcount
