"""A projection turns events into rows. This module holds what every projection shares.

A projection declares the tables it owns and one handler per event class it cares about
(``@handles(Vacancy.Published)``). The :mod:`projections.runner` feeds it events in
notification order and writes its rows and its tracking position in one transaction, so a
projection resumes after a crash exactly where it stopped and never applies an event twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from projections.bulk import TableWriter
from projections.database import metadata
from projections.versions import schema_digest

tracking = sa.Table(
    "projection_tracking",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

Handler = Callable[[Any, sa.Connection, Any], None]


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    def mark(function: Handler) -> Handler:
        function.__handles__ = event_classes  # type: ignore[attr-defined]
        return function

    return mark


class Projection:
    name: ClassVar[str]
    tables: ClassVar[tuple[sa.Table, ...]]
    _handlers: ClassVar[dict[str, str]]
    # A projection of *every* event (e.g. the audit index) sets ``every_event``; one that needs
    # the exact stored bytes rather than the decoded event (the verifiable log) sets ``raw``.
    # Either one overrides :meth:`process`.
    every_event: ClassVar[bool] = False
    raw: ClassVar[bool] = False
    # Whether periodic snapshots are taken for "as at" views (not worth it for append-only
    # logs such as the verifiable log, which are never shown "as at").
    snapshots: ClassVar[bool] = True
    # Indexes of its tables that only readers use, never the projection itself: a rebuild
    # builds them once, after the rows, instead of maintaining them row by row.
    deferred_indexes: ClassVar[tuple[str, ...]] = ()
    # Bumped by whoever changes what its tables hold: their columns, keys or indexes, or what
    # the rows mean. A projection whose live tables were built with another version (or
    # another schema: :func:`projections.versions.schema_digest`) is rebuilt from the log
    # when the portal starts its projection work (README, "Changing a read model").
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                for event_class in getattr(value, "__handles__", ()):
                    handlers[get_topic(event_class)] = attribute
        cls._handlers = handlers

    @property
    def digest(self) -> str:
        """A digest of its tables' schema, recorded with :attr:`version` when it is built."""
        return schema_digest(self.tables)

    @property
    def topics(self) -> list[str]:
        """Topics to read from the log; empty means every event."""
        if self.every_event or self.raw:
            return []
        return sorted(self._handlers)

    def wants(self, topic: str) -> bool:
        return self.every_event or self.raw or topic in self._handlers

    def process(self, connection: sa.Connection, event: Any, topic: str, position: int) -> None:
        """Apply one event; ``position`` is its notification id (its place in the audit log)."""
        getattr(self, self._handlers[topic])(connection, event)

    def handler(self, topic: str) -> Callable[[sa.Connection, Any], None] | None:
        """The bound handler the runner may call for an event of ``topic`` with just
        ``(connection, event)``, skipping :meth:`process`; None when a subclass overrides
        :meth:`process` (it needs the topic and position) or takes no such topic. Looking
        the handler up once a batch rather than once an event is most of the dispatch."""
        if type(self).process is not Projection.process or topic not in self._handlers:
            return None
        return getattr(self, self._handlers[topic])

    def prepare(self, connection: sa.Connection, notifications: Sequence[Any]) -> None:
        """Called with the batch's notifications it takes, before they are applied (e.g. to
        load, in one query, the rows its events will change). A batch holding none of its
        topics passes the projection by: none of these three hooks is called for it."""

    def begin_batch(self, connection: sa.Connection) -> None:
        """Called before each batch it takes events of, inside its transaction (e.g. to load
        running state)."""

    def end_batch(self, connection: sa.Connection) -> None:
        """Called after each batch it took events of, inside its transaction (e.g. to flush
        buffered rows)."""

    def discard_batch(self) -> None:
        """Called when a batch's transaction was rolled back: forget what the batch held in
        memory, so the next batch starts from the rows as stored. Buffered rows
        (:class:`BufferedRows` attributes) are discarded here; a projection that keeps other
        running state resets it in :meth:`begin_batch`."""
        for value in vars(self).values():
            if isinstance(value, BufferedRows):
                value.discard()

    def batch_committed(self) -> None:
        """Called once the transaction of a batch it was fed in has committed (after each
        batch of its group, whether or not it took events of it): what it wrote there is
        stored for good. A rolled-back batch calls :meth:`discard_batch` instead."""

    def begin_rebuild(self) -> None:
        """Called before a rebuild replays the whole log into its shadow tables (empty; see
        :mod:`projections.shadow`), which nothing else writes or reads until they are swapped
        in: it may add up there, in memory, rows it would otherwise read and write back every
        batch (what its committed batches made of them, :meth:`batch_committed`), and write
        them once in :meth:`end_rebuild`."""

    def end_rebuild(self, connection: sa.Connection | None) -> None:
        """Called when the rebuild has fed it up to the head, in a transaction on the shadow
        tables before they are swapped in: write what :meth:`begin_rebuild` let it hold back.
        Called with None when the rebuild stops short (and again after it ends, in any case):
        forget it. Either way it writes every batch again from then on."""

    def seed(self, connection: sa.Connection) -> None:
        """Write the rows the projection holds before any event (reference data the portal
        ships). Called when its tables may be empty: at set-up, after a rebuild's clear, and
        when an "as at" replay starts from nothing. Must do nothing if they are there."""

    def clear(self, connection: sa.Connection) -> None:
        # Children before parents, so foreign keys (if any) never block the clear.
        for table in reversed(self.tables):
            connection.execute(table.delete())


class BufferedRows:
    """A batch's working copy of one table's rows, keyed by ``id`` (or the column named).

    Handlers read and change plain dicts; :meth:`flush` writes the touched rows back at the
    batch's end through the driver (:class:`~projections.bulk.TableWriter`): rows new in the
    batch with one insert, stored rows changed or removed with one delete (and one insert).
    A row the batch wrote is never read back: it is already here. Building one SQL statement
    per event costs far more than the event itself, so projections of busy aggregates use
    this.
    """

    def __init__(self, table: sa.Table, key: str = "id") -> None:
        self.table = table
        self.key = key  # the column rows are keyed by: ``id`` unless the table names it
        self.writer = TableWriter(table)
        self._rows: dict[Any, dict | None] = {}
        self._touched: dict[Any, None] = {}  # in the order first touched
        self._absent: set[Any] = set()  # ids known not to be in the table
        self._select = sa.select(table).where(table.c[key].in_(sa.bindparam("ids",
                                                                            expanding=True)))

    def load(self, connection: sa.Connection, ids: Iterable[Any]) -> None:
        wanted = [i for i in set(ids) if i not in self._rows]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            found = {row[self.key]: dict(row) for row in connection.execute(
                self._select, {"ids": chunk}).mappings()}
            for i in chunk:
                self._rows[i] = found.get(i)
                if i not in found:
                    self._absent.add(i)

    def absent(self, ids: Iterable[Any]) -> None:
        """Note rows the caller knows are not stored (their aggregates are created in this
        batch), so they are neither read nor deleted before they are inserted."""
        for i in ids:
            if i not in self._rows:
                self._rows[i] = None
                self._absent.add(i)

    def get(self, row_id: Any) -> dict | None:
        return self._rows.get(row_id)

    def put(self, row: dict) -> None:
        self._rows[row[self.key]] = row
        self._touched[row[self.key]] = None

    def update(self, row_id: Any, **values: Any) -> None:
        row = self._rows.get(row_id)
        if row is None:
            raise LookupError(f"{self.table.name} has no row {row_id}")
        row.update(values)
        self._touched[row_id] = None

    def delete(self, row_id: Any) -> None:
        self._rows[row_id] = None
        self._touched[row_id] = None

    def discard(self) -> None:
        """Forget every loaded and changed row (the batch's transaction was rolled back)."""
        self._rows.clear()
        self._touched.clear()
        self._absent.clear()

    def flush(self, connection: sa.Connection) -> None:
        if self._touched:
            # Every touched row may be stored, unless it is known not to be (not found when
            # loaded, or its aggregate created in this batch): those are only inserted.
            self.writer.delete(connection, [i for i in self._touched if i not in self._absent],
                               column=self.key)
            self.writer.insert(connection, [self._rows[i] for i in self._touched
                                            if self._rows.get(i) is not None])
        self._rows.clear()
        self._touched.clear()
        self._absent.clear()
