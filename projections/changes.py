"""Where each read-model table last changed: the position of the last event whose batch wrote it.

A projection's position moves with every event it takes, whether or not that event changed a
row a reader cares about (a sign-in is a directory event, but only the accounts table shows
it). Something kept until "the data it was built from" changes (the dashboards' builds:
:mod:`projections.sufficiency.builds`) needs to know when a *table* last changed instead.

The runner records it: while a batch is applied (:meth:`ProjectionRunner._apply`), every write
to a table of the batch's projections is noted, whether it goes through SQLAlchemy (an insert,
update or delete statement that touched rows) or straight through the driver
(:class:`~projections.bulk.TableWriter`), with the position of the event being applied (a write
made as the batch ends, from rows buffered over several events, takes the position of the last
event of the batch that projection took: never earlier than the change). The positions are
written to ``table_changes`` in the batch's own transaction, so they commit or roll back with
its rows and its tracking position.

Every projection table has a row from set-up on (one not yet recorded starts at its
projection's position: it changed no later than that), and a rebuild puts its tables' rows at
the position it installs them at. A table with no row (a database rebuilt "as at", whose
tables come from snapshots) has no known position: readers fall back to the projections'.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy.sql.dml import UpdateBase

from projections.database import metadata

table_changes = sa.Table(
    "table_changes",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),  # the read-model table's name
    sa.Column("position", sa.BigInteger, nullable=False),  # of the last event that changed it
)


# Built once: a batch runs it every time.
_MOVE = table_changes.update().where(table_changes.c.name == sa.bindparam("table")).values(
    position=sa.bindparam("at"))


class Changes:
    """The tables one batch changed, each with the position of the last event that did."""

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables = frozenset(tables)  # those of the batch's projections: nothing else counts
        self.position = 0  # the event being applied (set by the runner)
        self.changed: dict[str, int] = {}

    def note(self, table: str) -> None:
        if table in self.tables:
            self.changed[table] = max(self.changed.get(table, 0), self.position)


_recording: ContextVar[Changes | None] = ContextVar("table_changes", default=None)


@contextmanager
def recording(tables: Iterable[str]) -> Iterator[Changes]:
    """Note, in this thread, the writes to ``tables`` until the block ends."""
    changes = Changes(tables)
    token = _recording.set(changes)
    try:
        yield changes
    finally:
        _recording.reset(token)


def note(table: sa.Table) -> None:
    """A write to ``table`` (from :class:`~projections.bulk.TableWriter`): noted if a batch
    is being applied in this thread."""
    changes = _recording.get()
    if changes is not None:
        changes.note(table.name)


@sa.event.listens_for(sa.engine.Engine, "after_execute")
def _noted(connection, statement, multiparams, params, execution_options, result) -> None:
    changes = _recording.get()
    if changes is not None and isinstance(statement, UpdateBase) and result.rowcount != 0:
        changes.note(statement.table.name)


def store(connection: sa.Connection, changed: dict[str, int]) -> None:
    """Record ``changed`` (table name to position) in the open transaction."""
    if not changed:
        return
    # Every projection table has a row from set-up on, so the update nearly always finds
    # them all; where the driver counts an executemany's rows, only a shortfall is looked up.
    names = sorted(changed)
    updated = connection.execute(_MOVE, [{"table": name, "at": changed[name]} for name in names])
    if connection.dialect.supports_sane_multi_rowcount and updated.rowcount == len(names):
        return
    known = set(connection.execute(sa.select(table_changes.c.name).where(
        table_changes.c.name.in_(names))).scalars())
    fresh = [{"name": name, "position": changed[name]} for name in names if name not in known]
    if fresh:
        connection.execute(table_changes.insert(), fresh)


def seed(connection: sa.Connection, positions: dict[str, int]) -> None:
    """Give every table of ``positions`` (table name to its projection's position) that has
    no row yet one at that position: it changed no later than its projection stands."""
    known = set(connection.execute(sa.select(table_changes.c.name)).scalars())
    missing = [{"name": name, "position": position} for name, position in sorted(positions.items())
               if name not in known]
    if missing:
        connection.execute(table_changes.insert(), missing)


def last_changed(connection: sa.Connection, tables: Iterable[str]) -> dict[str, int]:
    """The recorded position of each of ``tables`` that has one."""
    return dict(connection.execute(sa.select(table_changes.c.name, table_changes.c.position)
                                   .where(table_changes.c.name.in_(list(tables)))).all())
