"""Organisation API clients: scoped, hashed, revocable keys.

A key is ``spk_`` + the client's id (hex) + ``_`` + 256 random bits. It is shown once, when the
client is created; only its SHA-256 is stored (a copy of the database yields no working key),
so checking one is a look-up by the client's id and a constant-time comparison. A client acts
for one organisation with the roles it was given (each fitting the organisation's kind), until
it expires or its organisation's administrator revokes it.

The responses kept for an API request's ``Idempotency-Key`` are in :mod:`auth.idempotency`
(shared with the web forms' keys).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import sqlalchemy as sa

from auth.tables import metadata

PREFIX = "spk_"
LIFETIME = timedelta(days=365)
MAX_NAME = 100

api_clients = sa.Table(
    "api_clients",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("organisation_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(MAX_NAME), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),  # space-separated
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_by", sa.Uuid, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_by", sa.Uuid),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)

class KeyRefused(Exception):
    """The key cannot be used; ``reason`` is "missing", "malformed", "unknown", "revoked" or
    "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Client:
    id: UUID
    organisation_id: UUID
    name: str
    roles: frozenset[str]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def client_id_of(key: str) -> UUID:
    """The client a key names (KeyRefused "malformed" when it is not a key's shape)."""
    if not key.startswith(PREFIX) or key.count("_") < 2:
        raise KeyRefused("malformed")
    raw = key[len(PREFIX):].split("_", 1)[0]
    if len(raw) != 32:
        raise KeyRefused("malformed")
    try:
        return UUID(hex=raw)
    except ValueError:
        raise KeyRefused("malformed") from None


class ApiClients:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def setup(self) -> None:
        api_clients.create(self.engine, checkfirst=True)

    # --- the keys ---------------------------------------------------------------------------

    def create(self, *, organisation_id: UUID, name: str, roles: list[str],
               created_by: UUID, client_id: UUID | None = None,
               expires_at: datetime | None = None) -> tuple[UUID, str]:
        """A new client and its key (the only time the key exists outside its holder);
        ``client_id`` and ``expires_at`` as the audit log recorded them, when it did."""
        client_id = client_id or uuid4()
        key = f"{PREFIX}{client_id.hex}_{secrets.token_urlsafe(32)}"
        now = self.clock()
        with self.engine.begin() as c:
            c.execute(api_clients.insert().values(
                id=client_id, organisation_id=organisation_id, name=name,
                roles=" ".join(sorted(roles)), key_hash=_hash(key), created_by=created_by,
                created_at=now, expires_at=expires_at or now + LIFETIME))
        return client_id, key

    def expiry_of_new_key(self) -> datetime:
        """When a key created now expires."""
        return self.clock() + LIFETIME

    def revoke(self, client_id: UUID, *, organisation_id: UUID, revoked_by: UUID) -> bool:
        """Revoke one of the organisation's clients; False when it has no such live client."""
        t = api_clients
        with self.engine.begin() as c:
            done = c.execute(t.update().where(
                t.c.id == client_id, t.c.organisation_id == organisation_id,
                t.c.revoked_at.is_(None)).values(revoked_at=self.clock(), revoked_by=revoked_by))
        return done.rowcount == 1

    def of_organisation(self, organisation_id: UUID) -> list[dict]:
        """The organisation's clients, newest first, with their state (never a key's hash)."""
        t = api_clients
        columns = [c for c in t.c if c.name != "key_hash"]
        with self.engine.connect() as c:
            rows = c.execute(sa.select(*columns).where(t.c.organisation_id == organisation_id)
                             .order_by(t.c.created_at.desc(), t.c.id)).mappings().all()
        now = self.clock()
        listed = []
        for row in rows:
            row = dict(row)
            for name in ("created_at", "expires_at", "revoked_at", "last_used_at"):
                row[name] = _aware(row[name])
            row["state"] = ("revoked" if row["revoked_at"] else
                            "expired" if row["expires_at"] <= now else "active")
            listed.append(row)
        return listed

    def name_of(self, client_id: UUID) -> str | None:
        """A client's name (None: no such client), for the audit history's "who did it"."""
        with self.engine.connect() as c:
            return c.execute(sa.select(api_clients.c.name)
                             .where(api_clients.c.id == client_id)).scalar()

    def authenticate(self, key: str | None) -> Client:
        """The client a presented key belongs to, or KeyRefused saying why not."""
        if not key:
            raise KeyRefused("missing")
        client_id = client_id_of(key)
        t = api_clients
        with self.engine.connect() as c:
            row = c.execute(sa.select(t).where(t.c.id == client_id)).mappings().first()
        if row is None or not hmac.compare_digest(row["key_hash"], _hash(key)):
            raise KeyRefused("unknown")
        if row["revoked_at"] is not None:
            raise KeyRefused("revoked")
        now = self.clock()
        if _aware(row["expires_at"]) <= now:
            raise KeyRefused("expired")
        last_used = _aware(row["last_used_at"])
        if last_used is None or now - last_used > timedelta(minutes=1):
            with self.engine.begin() as c:  # at most once a minute: not a write per call
                c.execute(t.update().where(t.c.id == client_id).values(last_used_at=now))
        return Client(id=row["id"], organisation_id=row["organisation_id"], name=row["name"],
                      roles=frozenset(row["roles"].split()))
