"""Shadow tables: where a rebuild writes, so readers never see a half-built read model.

A rebuild replays the whole log into a copy of each projection's tables (with its own tracking
and failure rows) in another schema, while the live tables keep serving readers and following
the log. Once the copy has caught up, one transaction that holds the live tracking rows brings
it up to the head and puts it in place of the live tables, with its position:

* PostgreSQL: the schema ``portal_rebuild``; the live tables are dropped and the shadow tables
  moved into the live schema (``ALTER TABLE ... SET SCHEMA``), indexes and all.
* SQLite: a database file beside the main one, attached as ``portal_rebuild`` (written without
  waiting for the disk: it is thrown away if the process dies); the live tables are recreated
  and filled from it with ``INSERT ... SELECT``, their indexes built once, after the rows.

A rebuild that dies part-way leaves the live tables as they were; the next one starts again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

SCHEMA = "portal_rebuild"
# The PostgreSQL advisory lock held while a rebuild uses the shadow schema ("SUFFRBLD").
REBUILD_LOCK_KEY = 0x5355_4646_5242_4C44
SHADOW_CACHE_KIB = 256 * 1024  # SQLite's page cache for a rebuild's connections (at most)


class Shadow:
    """A shadow copy of ``tables`` for one rebuild.

    ``feed`` is an engine whose statements go to the shadow tables (every table, including
    the tracking and failure tables, is translated into the shadow schema); ``live`` is one
    whose statements go to the live tables while the shadow ones are reachable by schema."""

    def __init__(self, feed: sa.Engine, live: sa.Engine, tables: Sequence[sa.Table],
                 deferred: Collection[str]) -> None:
        self.feed = feed
        self.live = live
        self.tables = list(tables)
        self.deferred = set(deferred)

    def create(self) -> None:
        """The empty shadow tables, with their keys and the indexes the projections read
        while they build; the ``deferred`` indexes (only readers use them) are built once,
        after the rows, when the tables are swapped in."""
        with self.feed.begin() as c:
            for table in self.tables:
                c.execute(sa.schema.CreateTable(table))
                for index in table.indexes:
                    if index.name not in self.deferred:
                        c.execute(sa.schema.CreateIndex(index))

    def swap(self, c: sa.Connection, tables: Sequence[sa.Table]) -> None:
        """In ``c``'s transaction (on :attr:`live`), replace each live table by its shadow."""
        preparer = c.dialect.identifier_preparer
        schema = preparer.quote_schema(SCHEMA)
        if c.dialect.name == "postgresql":
            live_schema = preparer.quote_schema(c.execute(
                sa.text("SELECT current_schema()")).scalar_one())
            for table in tables:
                name = preparer.quote(table.name)
                c.execute(sa.text(f"DROP TABLE IF EXISTS {live_schema}.{name}"))
                c.execute(sa.text(f"ALTER TABLE {schema}.{name} SET SCHEMA {live_schema}"))
                for index in table.indexes:
                    if index.name in self.deferred:
                        c.execute(sa.schema.CreateIndex(index))
            return
        for table in tables:
            name = preparer.quote(table.name)
            c.execute(sa.text(f"DROP TABLE IF EXISTS main.{name}"))
            c.execute(sa.schema.CreateTable(table))
            built = [index for index in table.indexes if index.name not in self.deferred]
            for index in built:
                c.execute(sa.schema.CreateIndex(index))
            # The live table now has the shadow's very definition, keys and indexes: without a
            # column list, SQLite copies the rows and those indexes' entries as they are, page
            # by page (its transfer optimisation), rather than inserting row by row and
            # maintaining every key in random order. Both are made from ``table``, so their
            # columns are in the same order.
            c.execute(sa.text(f"INSERT INTO main.{name} SELECT * FROM {schema}.{name}"))  # noqa: S608
            for index in table.indexes:
                if index.name in self.deferred:
                    c.execute(sa.schema.CreateIndex(index))


@contextmanager
def shadow_tables(engine: sa.Engine, tables: Sequence[sa.Table],
                  deferred: Collection[str] = ()) -> Iterator[Shadow]:
    """Create empty shadow ``tables`` for a rebuild on ``engine``'s database, without the
    indexes named in ``deferred`` (built at the swap); remove whatever is left of them when
    the block ends."""
    if engine.dialect.name == "postgresql":
        with _postgres_shadow(engine, tables, deferred) as shadow:
            yield shadow
    else:
        with _sqlite_shadow(engine, tables, deferred) as shadow:
            yield shadow


@contextmanager
def _postgres_shadow(engine: sa.Engine, tables: Sequence[sa.Table],
                     deferred: Collection[str]) -> Iterator[Shadow]:
    with engine.connect() as lock:
        # One rebuild at a time uses the schema; whatever another left (it died) goes first.
        lock.execute(sa.select(sa.func.pg_advisory_lock(REBUILD_LOCK_KEY)))
        lock.commit()
        try:
            with engine.begin() as c:
                c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
                c.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
            shadow = Shadow(engine.execution_options(schema_translate_map={None: SCHEMA}),
                            engine, tables, deferred)
            shadow.create()
            try:
                yield shadow
            finally:
                with engine.begin() as c:
                    c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        finally:
            lock.execute(sa.select(sa.func.pg_advisory_unlock(REBUILD_LOCK_KEY)))
            lock.commit()


def _sweep(database: Path) -> None:
    """Remove shadow files of rebuilds whose process is gone."""
    for path in database.parent.glob(f"{database.name}.rebuild-*"):
        try:
            pid = int(path.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except (ValueError, IndexError, PermissionError, OSError):
            continue


@contextmanager
def _sqlite_shadow(engine: sa.Engine, tables: Sequence[sa.Table],
                   deferred: Collection[str]) -> Iterator[Shadow]:
    if engine.url.database in (None, "", ":memory:"):
        # Another connection could not see an in-memory database ("as at" views build into
        # one, but only ever by catching up, never by a rebuild).
        raise ValueError("A rebuild needs the SQLite database in a file, not in memory")
    database = Path(engine.url.database).resolve()
    _sweep(database)
    path = database.parent / f"{database.name}.rebuild-{os.getpid()}-{secrets.token_hex(4)}"
    base = sa.create_engine(engine.url, connect_args={"timeout": 30})

    @sa.event.listens_for(base, "connect")
    def _attach(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"ATTACH DATABASE ? AS {SCHEMA}", (str(path),))
        # Thrown away if the process dies, so never worth waiting for the disk.
        cursor.execute(f"PRAGMA {SCHEMA}.journal_mode=MEMORY")
        cursor.execute(f"PRAGMA {SCHEMA}.synchronous=OFF")
        # Index pages of rows written in key order of another column (the audit index by
        # record, organisation, actor) are written all over the file: keep them in memory
        # rather than in SQLite's default 2 MB cache. Both databases build, so both get it.
        cursor.execute(f"PRAGMA {SCHEMA}.cache_size=-{SHADOW_CACHE_KIB}")
        cursor.execute(f"PRAGMA main.cache_size=-{SHADOW_CACHE_KIB}")
        cursor.close()

    try:
        shadow = Shadow(base.execution_options(schema_translate_map={None: SCHEMA}), base,
                        tables, deferred)
        shadow.create()
        yield shadow
    finally:
        base.dispose()
        path.unlink(missing_ok=True)
