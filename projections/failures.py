"""Projections that stopped: one event a projection could not apply.

An event one projection cannot apply (PostgreSQL refuses a NUL byte in a text column, a handler
meets a state it never expected) must not stop the portal. The runner rolls that projection's
batch back, applies every event before the bad one, and records here where it stopped; that
projection then waits, at that position, until an administrator retries it, while the others
carry on past the event. Every process reads this table, so a stopped projection stays
stopped across restarts and is retried by nobody until someone asks.

A failure names the projection, the event's notification id and topic, and the exception's
class, never its message or the event's content: messages can quote the data (a child's
reference, a key's value), and this table is shown to administrators, who may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from projections.database import metadata

projection_failures = sa.Table(
    "projection_failures",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("error", sa.String(255), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class Failure:
    """Where a projection stopped: the event at ``notification_id`` is the one it could not
    apply; every event before it is applied."""

    name: str
    notification_id: int
    topic: str
    error: str
    first_seen: datetime
    last_seen: datetime
    attempts: int

    @property
    def event(self) -> str:
        """The event's class, without its module ("Vacancy.Published")."""
        return self.topic.rpartition(":")[2] or self.topic


def error_summary(error: BaseException) -> str:
    """The exception's class and the class of what caused it, e.g. ``DataError (from
    psycopg.DataError)``: enough to tell a bad value from a bug, and never the message."""
    summary = _qualified(type(error))
    cause = error.__cause__ or error.__context__
    if cause is not None and type(cause) is not type(error):
        summary += f" (from {_qualified(type(cause))})"
    return summary[:255]


def _qualified(kind: type) -> str:
    module = kind.__module__
    if module == "builtins":
        return kind.__qualname__
    # sqlalchemy.exc.DataError reads well as is; psycopg.errors.UniqueViolation too.
    return f"{module}.{kind.__qualname__}"


# Built once: every request asks it.
_STOPPED = sa.select(projection_failures).order_by(projection_failures.c.name)


def stopped(connection: sa.Connection) -> dict[str, Failure]:
    """Every stopped projection's failure, by projection name."""
    rows = connection.execute(_STOPPED).mappings()
    return {row["name"]: Failure(**row) for row in rows}


def record(connection: sa.Connection, name: str, notification_id: int, topic: str,
           error: BaseException) -> Failure:
    """Record (or, if it failed there before, count again) where ``name`` stopped."""
    now = datetime.now(UTC)
    summary = error_summary(error)
    before = connection.execute(sa.select(projection_failures)
                                .where(projection_failures.c.name == name)).mappings().first()
    if before is not None and before["notification_id"] == notification_id:
        connection.execute(projection_failures.update()
                           .where(projection_failures.c.name == name)
                           .values(error=summary, last_seen=now,
                                   attempts=projection_failures.c.attempts + 1))
    else:
        connection.execute(projection_failures.delete().where(projection_failures.c.name == name))
        connection.execute(projection_failures.insert().values(
            name=name, notification_id=notification_id, topic=topic[:255], error=summary,
            first_seen=now, last_seen=now, attempts=1))
    row = connection.execute(sa.select(projection_failures)
                             .where(projection_failures.c.name == name)).mappings().one()
    return Failure(**row)


def clear(connection: sa.Connection, name: str) -> None:
    connection.execute(projection_failures.delete().where(projection_failures.c.name == name))
