"""Views as they stood: rebuild read models from the events up to a past position.

Replaying millions of events for every question would be slow, so the projection process takes
periodic *snapshots* of each projection's tables (compressed JSON, with the position they
reflect). "As at" starts from the latest snapshot at or before the wanted position and replays
only the events after it, into a private in-memory database. An auditor who does not want to
rely on snapshots can ask for a replay from the first event instead.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from domain.timezone import uk_moment
from projections.base import Projection, tracking
from projections.database import metadata, schema_lock
from projections.failures import projection_failures
from projections.runner import ProjectionRunner

projection_snapshots = sa.Table(
    "projection_snapshots",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)

SNAPSHOT_EVERY = 50_000  # events between snapshots of a projection


class HistoryError(ValueError):
    """A moment or position outside the history, or a target that cannot be used."""


def _encode(column: sa.Column, value):
    if value is None:
        return None
    if isinstance(column.type, sa.Uuid):
        return value.hex
    if isinstance(column.type, sa.DateTime | sa.Date):
        return value.isoformat()
    if isinstance(column.type, sa.LargeBinary):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decode(column: sa.Column, value):
    if value is None:
        return None
    if isinstance(column.type, sa.Uuid):
        return UUID(hex=value)
    if isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column.type, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def take_snapshot(engine: sa.Engine, projection: Projection) -> int | None:
    """Store the projection's tables as they are now; returns the position they reflect."""
    with engine.connect() as c, c.begin():
        if c.dialect.name == "postgresql":
            c.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        position = c.execute(sa.select(tracking.c.position)
                             .where(tracking.c.name == projection.name)).scalar()
        if not position:
            return None
        tables = {}
        for table in projection.tables:
            rows = c.execute(sa.select(table)).all()
            tables[table.name] = [[_encode(col, v) for col, v in zip(table.columns, row,
                                                                     strict=True)]
                                  for row in rows]
        payload = zlib.compress(json.dumps(tables, separators=(",", ":")).encode(), 6)
        exists = c.execute(sa.select(projection_snapshots.c.position).where(
            projection_snapshots.c.name == projection.name,
            projection_snapshots.c.position == position)).first()
        if exists is None:
            c.execute(projection_snapshots.insert().values(
                name=projection.name, position=position, taken_at=datetime.now(UTC),
                payload=payload))
    return position


def snapshot_if_due(engine: sa.Engine, projections: Iterable[Projection],
                    every: int = SNAPSHOT_EVERY) -> list[int]:
    taken = []
    with engine.connect() as c:
        latest = dict(c.execute(sa.select(projection_snapshots.c.name,
                                          sa.func.max(projection_snapshots.c.position))
                                .group_by(projection_snapshots.c.name)).all())
        positions = dict(c.execute(sa.select(tracking.c.name, tracking.c.position)).all())
    for projection in projections:
        if not projection.snapshots:
            continue
        if positions.get(projection.name, 0) - latest.get(projection.name, 0) >= every:
            position = take_snapshot(engine, projection)
            if position:
                taken.append(position)
    return taken


def _restore(source: sa.Engine, target: sa.Connection, projection: Projection,
             position: int) -> int:
    """Load the latest snapshot at or before ``position`` into ``target``; returns its
    position (0 when there is none)."""
    with source.connect() as c:
        row = c.execute(
            sa.select(projection_snapshots.c.position, projection_snapshots.c.payload)
            .where(projection_snapshots.c.name == projection.name,
                   projection_snapshots.c.position <= position)
            .order_by(projection_snapshots.c.position.desc()).limit(1)).first()
    if row is None:
        return 0
    tables = json.loads(zlib.decompress(row.payload))
    for table in projection.tables:
        rows = [{col.name: _decode(col, v) for col, v in zip(table.columns, values,
                                                             strict=True)}
                for values in tables.get(table.name, [])]
        if rows:
            target.execute(table.insert(), rows)
    return row.position


@dataclass
class AsAt:
    engine: sa.Engine  # a private database holding the read models as they stood
    position: int
    started_from: dict[str, int]  # snapshot position each projection started from (0: none)
    replayed: int  # events applied on top of the snapshots

    def close(self) -> None:
        self.engine.dispose()


def rebuild_as_at(application, source: sa.Engine, projections: list[Projection],
                  position: int, *, use_snapshots: bool = True,
                  target: sa.Engine | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> AsAt:
    """Rebuild ``projections`` as they stood at ``position`` into ``target`` (default: a new
    in-memory SQLite database)."""
    head = application.recorder.max_notification_id() or 0
    if position < 0 or position > head:
        raise HistoryError(f"Position {position:,} is outside the history (1 to {head:,})")
    engine = target or sa.create_engine("sqlite://", poolclass=StaticPool,
                                        connect_args={"check_same_thread": False})
    tables = [tracking, projection_failures, *[t for p in projections for t in p.tables]]
    with schema_lock(engine):  # a PostgreSQL target may be shared
        metadata.create_all(engine, tables=tables)
    started_from = {}
    with engine.begin() as c:
        for projection in projections:
            start = _restore(source, c, projection, position) if use_snapshots else 0
            if start == 0:
                projection.seed(c)
            started_from[projection.name] = start
            c.execute(tracking.delete().where(tracking.c.name == projection.name))
            c.execute(tracking.insert().values(name=projection.name, position=start))
    runner = ProjectionRunner(application, engine, projections)
    replayed = runner.catch_up(until=position, progress=progress)
    for failure in runner.failures().values():
        engine.dispose()
        raise HistoryError(f"The {failure.name} view cannot be rebuilt past event "
                           f"{failure.notification_id:,} ({failure.event}), which it cannot "
                           f"apply")
    return AsAt(engine=engine, position=position, started_from=started_from, replayed=replayed)


def _timestamp(application, position: int) -> datetime | None:
    found = application.recorder.select_notifications(start=position, limit=1)
    if not found:
        return None
    return application.mapper.to_domain_event(found[0]).timestamp


def position_at(application, moment: datetime) -> int:
    """The last position whose event was recorded at or before ``moment``.

    Events are numbered in the order they were stored and stamped as they were made, so the
    stamps rise with the position; a binary search reads about log2(n) events."""
    if moment.tzinfo is None:
        raise HistoryError("Give the moment with its time zone")
    head = application.recorder.max_notification_id() or 0
    if head == 0:
        raise HistoryError("The history is empty")
    first = application.recorder.select_notifications(start=1, limit=1)[0]
    first_time = application.mapper.to_domain_event(first).timestamp
    if moment < first_time:
        raise HistoryError(f"The history starts at {uk_moment(first_time)}: "
                           f"{uk_moment(moment)} is before it")
    if moment > datetime.now(UTC):
        raise HistoryError(f"{uk_moment(moment)} is in the future")
    low, high = first.id, head  # the answer lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        stamp = _timestamp(application, middle)
        # A gap in the numbering (PostgreSQL sequences can skip) reads the next event.
        if stamp is None or stamp <= moment:
            low = middle
        else:
            high = middle - 1
    return low
