"""The one database setting, DATABASE_URL, and what it means for the event store and read models.

``sqlite:///path/to/file.db`` (the default, a file under ``instance/``) or
``postgresql+psycopg://user:password@host:port/dbname``. The event store (eventsourcing's own
``sqlite`` or ``postgres`` persistence module) and the SQLAlchemy read-model tables live in the
same database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

metadata = sa.MetaData()


def row_id() -> sa.types.TypeEngine:
    """The type of a 64-bit integer primary key that is SQLite's own row id there: declared
    ``INTEGER`` on SQLite (whose integers are 64-bit anyway), ``BIGINT`` elsewhere. A table
    whose key is declared ``BIGINT`` on SQLite keeps it in a second B-tree beside the rows,
    which every inserted row costs; a row id key is the rows' own B-tree."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Seconds to wait for a PostgreSQL connection (opening one, or getting one from the pool).
POSTGRES_CONNECT_TIMEOUT = 5


class ConfigurationError(ValueError):
    """DATABASE_URL (or another setting) cannot be used as given."""


class DatabaseUnavailable(RuntimeError):
    """The PostgreSQL database named by DATABASE_URL cannot be reached or opened."""


@dataclass(frozen=True)
class Database:
    url: URL

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        try:
            url = make_url(database_url)
        except Exception as error:
            raise ConfigurationError(f"DATABASE_URL is not a database URL: {error}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigurationError("DATABASE_URL must start with sqlite:/// or postgresql+psycopg://")
        if url.get_backend_name() == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
            if not url.database:
                raise ConfigurationError("DATABASE_URL must name the PostgreSQL database")
        elif not url.database or url.database == ":memory:":
            raise ConfigurationError("DATABASE_URL must name a SQLite file, e.g. sqlite:///instance/portal.db")
        return cls(url=url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def events_table(self) -> str:
        """Where eventsourcing keeps the stored events (its naming, per persistence module)."""
        return events_table_of(self.url.get_backend_name())

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing environment that selects and configures the persistence module."""
        if self.is_sqlite:
            path = Path(self.url.database).expanduser().resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.url.database or "",
            "POSTGRES_HOST": self.url.host or "127.0.0.1",
            "POSTGRES_PORT": str(self.url.port or 5432),
            "POSTGRES_USER": self.url.username or "postgres",
            "POSTGRES_PASSWORD": self.url.password or "",
            "POSTGRES_POOL_SIZE": "5",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "5",
            "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT),
        }
        return env

    def check_reachable(self) -> None:
        """Open (and close) one connection, raising :class:`DatabaseUnavailable` with the
        server's own reason (no such database, connection refused, bad password, ...) within
        ``POSTGRES_CONNECT_TIMEOUT`` seconds. Does nothing for SQLite."""
        if self.is_sqlite:
            return
        host, port = self.url.host or "127.0.0.1", self.url.port or 5432
        user = self.url.username or "postgres"
        try:
            psycopg.connect(host=host, port=port, user=user, password=self.url.password or "",
                            dbname=self.url.database,
                            connect_timeout=POSTGRES_CONNECT_TIMEOUT).close()
        except psycopg.Error as error:
            reason = " ".join(str(error).split())
            raise DatabaseUnavailable(
                f"Cannot open PostgreSQL database {self.url.database!r} on {host}:{port} as "
                f"{user}: {reason}") from None

    def create_engine(self) -> Engine:
        if self.is_sqlite:
            engine = sa.create_engine(self.url, connect_args={"timeout": 30})

            @sa.event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.close()

            return engine
        return sa.create_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT})


# Any fixed 64-bit number, the same in every process of every deployment: it names the one
# advisory lock that start-up takes while it creates tables ("SUFFSCHM" in ASCII).
SCHEMA_LOCK_KEY = 0x5355_4646_5343_484D
_held = threading.local()


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock for creating tables until the block ends.

    Two processes issuing ``CREATE TABLE IF NOT EXISTS`` (or ``CREATE TYPE``, ``CREATE INDEX``)
    at once can both find nothing there and both create it: the second fails with "duplicate
    key value violates unique constraint pg_type_typname_nsp_index" or "tuple concurrently
    updated", and a gunicorn worker fails to boot. With the lock, processes starting together
    create the schema one after the other; the later ones find it there. The lock is a session
    lock on a connection of its own, so the block may use any other connections, and it is
    released when the block ends, or by the server if the process dies. Re-entrant within a
    thread. Does nothing on SQLite, where a writer already holds the database's one write
    lock."""
    if engine.dialect.name != "postgresql":
        yield
        return
    held: set[str] = _held.__dict__.setdefault("databases", set())
    database = engine.url.render_as_string(hide_password=True)
    if database in held:  # this thread holds it already (an outer block)
        yield
        return
    with engine.connect() as connection:
        connection.execute(sa.select(sa.func.pg_advisory_lock(SCHEMA_LOCK_KEY)))
        connection.commit()
        held.add(database)
        try:
            yield
        finally:
            held.discard(database)
            connection.execute(sa.select(sa.func.pg_advisory_unlock(SCHEMA_LOCK_KEY)))
            connection.commit()


def events_table(connection: sa.Connection) -> tuple[sa.TableClause, sa.ColumnClause]:
    """The stored events' table in ``connection``'s database, as far as a read model needs it
    (each event's topic), and its column of positions (on SQLite, the row id)."""
    return events_table_named(connection.dialect.name)


def events_table_named(backend: str) -> tuple[sa.TableClause, sa.ColumnClause]:
    """:func:`events_table` on a backend (``sqlite``, ``postgresql``)."""
    position = "rowid" if backend == "sqlite" else "notification_id"
    table = sa.table(events_table_of(backend), sa.column(position), sa.column("topic"))
    return table, table.c[position]


def events_table_of(backend: str) -> str:
    """eventsourcing's name for its events table on a backend (``sqlite``, ``postgresql``)."""
    return "stored_events" if backend == "sqlite" else "portal_events"
