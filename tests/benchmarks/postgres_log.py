"""The national history on PostgreSQL: the very events `portal demo generate` stored in the
SQLite file, put into a fresh PostgreSQL database exactly as the portal stores them there.

Generating the history again on PostgreSQL would take as long as on SQLite (minutes) and give a
different log; copying it gives the same events at the same positions, so the two rebuilds are
of one log. The portal itself lays out the database first (:func:`portal.bootstrap.bootstrap` on
the PostgreSQL URL: eventsourcing's ``postgres`` recorder makes its events table, the read models
theirs), then ``COPY`` fills the events table, the fastest way into PostgreSQL: each row's
originator id, version, topic and stored state (the mapper's bytes, unchanged: both stores hold
what the same application's mapper wrote) and its position (SQLite's row id, PostgreSQL's
``notification_id``), then the position sequence is moved past the last, as inserts through the
recorder would have left it.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

from portal.bootstrap import bootstrap
from projections.database import Database, events_table_of
from tests.databases import INSTANCE_KEYS

# The columns of eventsourcing's PostgreSQL application recorder's events table, which the copy
# fills; a different layout (a new eventsourcing) stops the copy rather than guessing.
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state", "notification_id")
COPY_BATCH = 10_000


class CopyError(RuntimeError):
    """The log could not be copied as the portal would have stored it."""


@dataclass(frozen=True)
class CopiedLog:
    events: int
    seconds: float  # laying out the database and copying the events


def copy_log(sqlite_file: Path, source_folder: Path, url: str, folder: Path) -> CopiedLog:
    """Copy the event log of the portal at ``sqlite_file`` (instance files in
    ``source_folder``) into the empty PostgreSQL database at ``url``, whose instance files go
    in ``folder``: the keys the log was written with (child references, second factors, bid
    seal) come along; the audit key and witness are the new database's own."""
    database = Database.from_url(url)
    if database.is_sqlite:
        raise CopyError(f"not a PostgreSQL database URL: {database.url!r}")
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    for key in INSTANCE_KEYS:
        if (source_folder / key).exists():
            shutil.copyfile(source_folder / key, folder / key)
    services = bootstrap(url, projections_inline=False, instance=folder)
    try:
        _check_layout(services.engine, database.events_table)
    finally:
        services.close()
    events = _copy_events(sqlite_file, database)
    return CopiedLog(events=events, seconds=time.perf_counter() - started)


def _check_layout(engine: sa.Engine, table: str) -> None:
    columns = tuple(sorted(c["name"] for c in sa.inspect(engine).get_columns(table)))
    if columns != tuple(sorted(EVENT_COLUMNS)):
        raise CopyError(f"the portal's events table {table} has columns {', '.join(columns)}, "
                        f"not {', '.join(EVENT_COLUMNS)}: the copy would not be as stored")
    with engine.connect() as c:
        if c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar():
            raise CopyError(f"{table} is not empty: the log can only be copied into a new "
                            "database")


def _copy_events(sqlite_file: Path, database: Database) -> int:
    table = database.events_table
    source = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    libpq = database.url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(libpq) as target, target.cursor() as cursor:
            rows = source.execute(
                "SELECT originator_id, originator_version, topic, state, rowid "
                f"FROM {events_table_of('sqlite')} ORDER BY rowid")
            copied, last = 0, 0
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, EVENT_COLUMNS)))
            with cursor.copy(statement) as copy:
                while batch := rows.fetchmany(COPY_BATCH):
                    for row in batch:
                        copy.write_row(row)
                    copied += len(batch)
                    last = batch[-1][-1]
            if copied:
                cursor.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, {}), %s)")
                               .format(sql.Literal(table), sql.Literal("notification_id")),
                               (last,))
            cursor.execute(sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}")
                           .format(sql.Identifier(table)))
            stored, head = cursor.fetchone()
            if (stored, head) != (copied, last):
                raise CopyError(f"copied {copied:,} events up to {last:,}, but {table} holds "
                                f"{stored:,} up to {head:,}")
            target.commit()
            # Fresh statistics, as autovacuum would gather over a log grown by inserts.
            target.autocommit = True
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        return copied
    finally:
        source.close()

