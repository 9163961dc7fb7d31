"""Views as they stood: rebuild read models from the events up to a past position.

Replaying millions of events for every question would be slow, so the projection process takes
periodic *snapshots* of each projection's tables (compressed JSON, with the position they
reflect): whenever a projection has moved ``SnapshotCadence.events`` events since its latest
snapshot, or a tenth of that and that snapshot is older than ``SnapshotCadence.interval``
(SNAPSHOT_EVERY_EVENTS and SNAPSHOT_EVERY_MINUTES). "As at" starts from the latest snapshot at
or before the wanted position and replays only the events after it (so at most about
``events`` of the log), into a private in-memory database. An auditor who does not want to
rely on snapshots can ask for a replay from the first event instead.

Each snapshot carries an HMAC-SHA256 of its projection, position and content, keyed by a key
derived from the audit checkpoint key (:attr:`SigningKey.snapshot_key`), which lives outside
the database. A snapshot whose tag does not match (altered in the database, moved to another
position, or stored before snapshots were signed) is ignored with a warning, and the view
starts from the previous good snapshot, or from the first event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.pool import StaticPool

from domain.timezone import uk_moment
from projections.base import Projection, tracking
from projections.bulk import TableWriter
from projections.changes import table_changes
from projections.database import ConfigurationError, metadata, schema_lock
from projections.failures import projection_failures
from projections.runner import ProjectionRunner, _cyclic_gc_paused
from projections.snapshots import projection_snapshots

log = logging.getLogger(__name__)

SIGNED_FORMAT = "sufficiency-portal-snapshot/1"


@dataclass(frozen=True)
class SnapshotCadence:
    """When the projection process snapshots a projection: once it has moved ``events``
    events past its latest snapshot, or a tenth of that (``time_events``) and that snapshot
    is ``interval`` old (or there is none yet).

    The replay behind an "as at" answer is at most about ``events`` events of the log; the
    time rule starts from a fresher snapshot in a slow period. Each snapshot costs the
    projection's tables, compressed, in the database (about 36 MiB for every projection of
    the 580,000-event national benchmark history), which is why a quiet deployment is not
    snapshotted again for every handful of events."""

    events: int = 10_000
    interval: timedelta = timedelta(days=1)

    @property
    def time_events(self) -> int:
        return max(1, self.events // 10)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> SnapshotCadence:
        events = environ.get("SNAPSHOT_EVERY_EVENTS", str(cls.events)).strip()
        minutes = environ.get("SNAPSHOT_EVERY_MINUTES",
                              str(int(cls.interval.total_seconds() // 60))).strip()
        if not events.isdigit() or not 100 <= int(events) <= 10_000_000:
            raise ConfigurationError("SNAPSHOT_EVERY_EVENTS must be a whole number of events "
                                     f"from 100 to 10000000, got {events!r}")
        if not minutes.isdigit() or not 1 <= int(minutes) <= 10_080:
            raise ConfigurationError("SNAPSHOT_EVERY_MINUTES must be a whole number of minutes "
                                     f"from 1 to 10080 (a week), got {minutes!r}")
        return cls(int(events), timedelta(minutes=int(minutes)))


SNAPSHOT_EVERY = SnapshotCadence.events  # the default number of events between snapshots


class HistoryError(ValueError):
    """A moment or position outside the history, or a target that cannot be used."""


# A snapshot holds each row as SQLite stores it (SQLAlchemy's SQLite bind processors: UUIDs
# as hex, times as text, JSON as text; binary as base64), whatever database it was read from.
# "As at" rebuilds into SQLite, so its rows go in as they are, with no value converted.
SQLITE = sqlite_dialect.dialect()


def _encoder(column: sa.Column) -> Callable:
    """A function from a column's Python value (not None) to its value in a snapshot."""
    process = column.type.dialect_impl(SQLITE).bind_processor(SQLITE)
    aware = isinstance(column.type, sa.DateTime)
    binary = isinstance(column.type, sa.LargeBinary)

    def encode(value):
        if aware and value.tzinfo is not None:
            value = value.astimezone(UTC)  # SQLite keeps no zone: every time is UTC
        if process is not None:
            value = process(value)
        if binary:
            value = base64.b64encode(bytes(value)).decode()
        return value

    return encode


def _encoded(connection: sa.Connection, table: sa.Table) -> list[Sequence]:
    """The table's rows as a snapshot holds them. From SQLite they are read as stored, through
    the driver (only binary values change, to base64): converting every value of a large
    table to Python and back would cost far more than the snapshot itself. The driver's rows
    (tuples) are kept as they are when no value needs changing: JSON writes them as lists."""
    if connection.dialect.name != "sqlite":
        encoders = [_encoder(column) for column in table.columns]
        return [[None if v is None else encode(v)
                 for encode, v in zip(encoders, row, strict=True)]
                for row in connection.execute(sa.select(table))]
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in table.columns)
    cursor = connection.connection.cursor()
    try:
        rows: list = cursor.execute(
            f"SELECT {names} FROM {quote(table.name)}").fetchall()  # noqa: S608 (quoted names)
    finally:
        cursor.close()
    binary = [n for n, column in enumerate(table.columns)
              if isinstance(column.type, sa.LargeBinary)]
    if not binary:
        return rows
    rows = [list(row) for row in rows]
    for values in rows:
        for n in binary:
            if values[n] is not None:
                values[n] = base64.b64encode(bytes(values[n])).decode()
    return rows


def _load(connection: sa.Connection, table: sa.Table, rows: list[list]) -> None:
    """Insert a snapshot's rows of ``table``: as they are into SQLite (binary columns apart),
    or read back to Python values through SQLite's result processors for another database."""
    binary = [n for n, column in enumerate(table.columns)
              if isinstance(column.type, sa.LargeBinary)]
    for values in rows:
        for n in binary:
            if values[n] is not None:
                values[n] = base64.b64decode(values[n])
    writer = TableWriter(table)
    if connection.dialect.name == "sqlite":
        writer.insert_stored(connection, rows)
        return
    readers = [(n, read) for n, column in enumerate(table.columns)
               if (read := column.type.dialect_impl(SQLITE).result_processor(SQLITE, None))]
    names = [column.name for column in table.columns]
    found = []
    for values in rows:
        for n, read in readers:
            if values[n] is not None:
                values[n] = read(values[n])
        found.append(dict(zip(names, values, strict=True)))
    writer.insert(connection, found)


def snapshot_signature(key: bytes, name: str, position: int, payload: bytes) -> bytes:
    """The HMAC-SHA256 tag of a snapshot: its projection, position and content together, so
    a snapshot can be neither altered nor moved to another projection or position."""
    tag = hmac.new(key, f"{SIGNED_FORMAT}\n{name}\n{position}\n".encode(), hashlib.sha256)
    tag.update(payload)
    return tag.digest()


def add_signature_column(engine: sa.Engine) -> None:
    """Give a snapshot table made before snapshots were signed its signature column (its
    snapshots stay unsigned, so they are never used)."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns(projection_snapshots.name)}
    if "signature" not in columns:
        with engine.begin() as c:
            kind = c.dialect.type_compiler_instance.process(sa.LargeBinary())
            c.execute(sa.text(f"ALTER TABLE {projection_snapshots.name} "
                              f"ADD COLUMN signature {kind}"))


def take_snapshot(engine: sa.Engine, projection: Projection, key: bytes) -> int | None:
    """Store the projection's tables as they are now, signed with ``key``; returns the
    position they reflect."""
    with engine.connect() as c, c.begin():
        if c.dialect.name == "postgresql":
            c.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        position = c.execute(sa.select(tracking.c.position)
                             .where(tracking.c.name == projection.name)).scalar()
        if not position:
            return None
        exists = c.execute(sa.select(projection_snapshots.c.position).where(
            projection_snapshots.c.name == projection.name,
            projection_snapshots.c.position == position)).first()
        if exists is not None:
            return position
        # The tables are read, written as JSON and compressed with the collector paused (it
        # would walk every row read, again and again, and free none of them), at zlib's
        # fastest level: the national history's largest snapshot compresses about three times
        # faster than at level 6, for a quarter more bytes.
        with _cyclic_gc_paused():
            tables = {table.name: _encoded(c, table) for table in projection.tables}
            payload = zlib.compress(json.dumps(tables, separators=(",", ":")).encode(), 1)
            del tables
        c.execute(projection_snapshots.insert().values(
            name=projection.name, position=position, taken_at=datetime.now(UTC),
            payload=payload, signature=snapshot_signature(key, projection.name, position,
                                                          payload)))
    return position


def snapshot_if_due(engine: sa.Engine, projections: Iterable[Projection], key: bytes,
                    cadence: SnapshotCadence = SnapshotCadence(),
                    now: datetime | None = None) -> list[int]:
    """Snapshot each projection that has moved ``cadence.events`` events past its latest
    snapshot, or ``cadence.time_events`` since a snapshot ``cadence.interval`` old (or since
    none)."""
    now = now or datetime.now(UTC)
    latest_position = sa.select(projection_snapshots.c.name,
                                sa.func.max(projection_snapshots.c.position).label("position")
                                ).group_by(projection_snapshots.c.name).subquery()
    with engine.connect() as c:
        latest = {row.name: (row.position, row.taken_at) for row in c.execute(
            sa.select(projection_snapshots.c.name, projection_snapshots.c.position,
                      projection_snapshots.c.taken_at)
            .join(latest_position, sa.and_(
                latest_position.c.name == projection_snapshots.c.name,
                latest_position.c.position == projection_snapshots.c.position)))}
        positions = dict(c.execute(sa.select(tracking.c.name, tracking.c.position)).all())
    taken = []
    for projection in projections:
        if not projection.snapshots:
            continue
        last, taken_at = latest.get(projection.name, (0, None))
        if taken_at is not None and taken_at.tzinfo is None:
            taken_at = taken_at.replace(tzinfo=UTC)  # SQLite keeps no zone; stored as UTC
        moved = positions.get(projection.name, 0) - last
        if moved >= cadence.events or (moved >= cadence.time_events and (
                taken_at is None or now - taken_at >= cadence.interval)):
            position = take_snapshot(engine, projection, key)
            if position:
                taken.append(position)
    return taken


def _restore(source: sa.Engine, target: sa.Connection, projection: Projection,
             position: int, key: bytes) -> int:
    """Load the latest good snapshot at or before ``position`` into ``target``; returns its
    position (0 when there is none). A snapshot whose signature does not match is skipped
    for the one before it."""
    snapshots = projection_snapshots.c
    with source.connect() as c:
        candidates = c.execute(
            sa.select(snapshots.position, snapshots.signature)
            .where(snapshots.name == projection.name, snapshots.position <= position)
            .order_by(snapshots.position.desc())).all()
        for candidate in candidates:
            payload = c.execute(sa.select(snapshots.payload).where(
                snapshots.name == projection.name,
                snapshots.position == candidate.position)).scalar_one()
            expected = snapshot_signature(key, projection.name, candidate.position, payload)
            if candidate.signature is None or not hmac.compare_digest(
                    expected, bytes(candidate.signature)):
                log.warning("snapshot of %s at position %d is %s: ignored", projection.name,
                            candidate.position,
                            "unsigned" if candidate.signature is None
                            else "not as signed (altered or moved)")
                continue
            tables = json.loads(zlib.decompress(payload))
            if missing := [t.name for t in projection.tables if t.name not in tables]:
                # Taken before the projection had these tables (a release added them): its
                # rows would leave them empty, so an earlier start is taken instead.
                log.warning("snapshot of %s at position %d has no table %s: ignored",
                            projection.name, candidate.position, missing[0])
                continue
            for table in projection.tables:
                _load(target, table, tables.get(table.name, []))
            return candidate.position
    return 0


@dataclass
class AsAt:
    engine: sa.Engine  # a private database holding the read models as they stood
    position: int
    started_from: dict[str, int]  # snapshot position each projection started from (0: none)
    replayed: int  # events applied on top of the snapshots

    def close(self) -> None:
        self.engine.dispose()


def rebuild_as_at(application, source: sa.Engine, projections: list[Projection],
                  position: int, *, key: bytes, use_snapshots: bool = True,
                  target: sa.Engine | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> AsAt:
    """Rebuild ``projections`` as they stood at ``position`` into ``target`` (default: a new
    in-memory SQLite database), from the snapshots signed with ``key`` unless
    ``use_snapshots`` is false."""
    head = application.recorder.max_notification_id() or 0
    if position < 0 or position > head:
        raise HistoryError(f"Position {position:,} is outside the history (1 to {head:,})")
    engine = target or sa.create_engine("sqlite://", poolclass=StaticPool,
                                        connect_args={"check_same_thread": False})
    tables = [tracking, projection_failures, table_changes,
              *[t for p in projections for t in p.tables]]
    with schema_lock(engine):  # a PostgreSQL target may be shared
        metadata.create_all(engine, tables=tables)
    started_from = {}
    with engine.begin() as c:
        for projection in projections:
            start = _restore(source, c, projection, position, key) if use_snapshots else 0
            if start == 0:
                projection.seed(c)
            started_from[projection.name] = start
            c.execute(tracking.delete().where(tracking.c.name == projection.name))
            c.execute(tracking.insert().values(name=projection.name, position=start))
    # An "as at" database is built by this very code: no versions to check.
    runner = ProjectionRunner(application, engine, projections, versioned=False)
    runner.record_changes = False  # tables from snapshots: when they changed is not known
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
