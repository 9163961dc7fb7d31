"""The outbox of webhook deliveries: one row per subscription and event position, with its
state (pending, delivered, failed), attempts, when it is next tried and how its last attempt
ended. Not a projection's table: a rebuild of the feed leaves it as it is, so nothing is sent
twice because the read models were rebuilt.

Rows are queued from the feed (:mod:`projections.webhooks`) for each live subscription, for
the events of its organisation and types after the subscription was created; a replay queues
again (or anew) every one from a position. The delivery worker (portal/webhook_delivery.py)
sends what is due.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa

from projections.database import metadata
from projections.webhooks import webhook_events, webhook_subscriptions

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("subscription_id", sa.Uuid, primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("organisation_id", sa.Uuid, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.String(200)),
    sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _wanted(s=webhook_subscriptions, e=webhook_events):
    """The feed's rows a subscription is sent: its organisation's, of its types."""
    return sa.and_(e.c.organisation_id == s.c.organisation_id,
                   (" " + s.c.event_types + " ").contains(" " + e.c.event_type + " "))


def queue_new(c: sa.Connection, now: datetime) -> int:
    """Queue every event a live subscription has not had queued since it was created: those
    after both its creation and the last one queued for it (the feed grows in position order,
    one committed batch at a time), so a round reads only what is new."""
    s, e, d = webhook_subscriptions, webhook_events, webhook_deliveries
    last_queued = sa.select(sa.func.max(d.c.position)).where(
        d.c.subscription_id == s.c.id).scalar_subquery()
    found = sa.select(s.c.id, e.c.position, e.c.organisation_id).where(
        s.c.removed_at.is_(None), _wanted(), e.c.position > s.c.created_position,
        e.c.position > sa.func.coalesce(last_queued, 0),
        ~sa.exists().where(d.c.subscription_id == s.c.id, d.c.position == e.c.position))
    return _insert(c, found, now)


def _insert(c: sa.Connection, found, now: datetime) -> int:
    rows = [{"subscription_id": sub, "position": position, "organisation_id": organisation,
             "state": PENDING, "attempts": 0, "next_attempt_at": now}
            for sub, position, organisation in c.execute(found)]
    if rows:
        c.execute(webhook_deliveries.insert(), rows)
    return len(rows)


def replay(c: sa.Connection, subscription_id: UUID, from_position: int, now: datetime) -> int:
    """Queue again every event of the subscription from ``from_position`` on (delivered or
    failed ones back to pending with fresh attempts; ones never queued, such as events
    before the subscription was created, anew). How many are queued."""
    s, e, d = webhook_subscriptions, webhook_events, webhook_deliveries
    # What is new is queued first, so the rows queued below never hide an earlier event
    # from the next round (which reads only after the last one queued).
    queue_new(c, now)
    again = c.execute(d.update().where(d.c.subscription_id == subscription_id,
                                       d.c.position >= from_position).values(
        state=PENDING, attempts=0, next_attempt_at=now, last_error=None)).rowcount
    found = sa.select(s.c.id, e.c.position, e.c.organisation_id).where(
        s.c.id == subscription_id, s.c.removed_at.is_(None), _wanted(),
        e.c.position >= from_position,
        ~sa.exists().where(d.c.subscription_id == s.c.id, d.c.position == e.c.position))
    return again + _insert(c, found, now)


def due(c: sa.Connection, now: datetime, limit: int = 100) -> list[dict]:
    """Pending deliveries whose time has come, oldest event first, with what sending needs."""
    s, e, d = webhook_subscriptions, webhook_events, webhook_deliveries
    rows = c.execute(sa.select(
        d.c.subscription_id, d.c.position, d.c.attempts, s.c.url, e.c.event_id,
        e.c.event_type, e.c.occurred_at, e.c.payload)
        .join(s, s.c.id == d.c.subscription_id)
        .join(e, sa.and_(e.c.position == d.c.position,
                         e.c.organisation_id == d.c.organisation_id))
        .where(d.c.state == PENDING, d.c.next_attempt_at <= now, s.c.removed_at.is_(None))
        .order_by(d.c.position, d.c.subscription_id).limit(limit)).mappings().all()
    return [{**row, "occurred_at": aware(row["occurred_at"])} for row in rows]


def record(c: sa.Connection, subscription_id: UUID, position: int, *, state: str,
           attempts: int, at: datetime, next_attempt_at: datetime | None,
           status: int | None, error: str | None) -> None:
    d = webhook_deliveries
    c.execute(d.update().where(d.c.subscription_id == subscription_id,
                               d.c.position == position).values(
        state=state, attempts=attempts, last_attempt_at=at, next_attempt_at=next_attempt_at,
        last_status=status, last_error=error))


def deliveries_of(c: sa.Connection, subscription_id: UUID, *, after: int | None = None,
                  limit: int = 50, state: str | None = None) -> list[dict]:
    """A subscription's deliveries, newest event first, ``limit + 1`` at most (one more says
    there is another page). The caller has checked the subscription is the viewer's."""
    d, e = webhook_deliveries, webhook_events
    query = (sa.select(d.c.position, d.c.state, d.c.attempts, d.c.next_attempt_at,
                       d.c.last_attempt_at, d.c.last_status, d.c.last_error, e.c.event_id,
                       e.c.event_type, e.c.occurred_at)
             .join(e, sa.and_(e.c.position == d.c.position,
                              e.c.organisation_id == d.c.organisation_id))
             .where(d.c.subscription_id == subscription_id)
             .order_by(d.c.position.desc()).limit(limit + 1))
    if after is not None:
        query = query.where(d.c.position < after)
    if state is not None:
        query = query.where(d.c.state == state)
    rows = []
    for row in c.execute(query).mappings():
        row = dict(row)
        for name in ("next_attempt_at", "last_attempt_at", "occurred_at"):
            row[name] = aware(row[name])
        rows.append(row)
    return rows


def subscriptions_of(c: sa.Connection, organisation_id: UUID,
                     client_id: UUID | None = None) -> list[dict]:
    """The organisation's live subscriptions (one client's only, when given), newest first,
    with how many deliveries are in each state."""
    s, d = webhook_subscriptions, webhook_deliveries
    query = sa.select(s).where(s.c.organisation_id == organisation_id,
                               s.c.removed_at.is_(None))
    if client_id is not None:
        query = query.where(s.c.client_id == client_id)
    rows = [dict(row) for row in c.execute(
        query.order_by(s.c.created_at.desc(), s.c.id)).mappings()]
    counts: dict[UUID, dict[str, int]] = {}
    if rows:
        for sub, state, count in c.execute(
                sa.select(d.c.subscription_id, d.c.state, sa.func.count())
                .where(d.c.subscription_id.in_([r["id"] for r in rows]))
                .group_by(d.c.subscription_id, d.c.state)):
            counts.setdefault(sub, {})[state] = count
    for row in rows:
        row["event_types"] = row["event_types"].split()
        row["created_at"] = aware(row["created_at"])
        row["deliveries"] = {state: counts.get(row["id"], {}).get(state, 0)
                             for state in STATES}
    return rows
