"""The database every portal in the suite runs on: a SQLite file (the default, the embedded store
of ``make run``) or a PostgreSQL database (the production store), chosen for the whole run by
``TEST_DATABASE`` (``sqlite`` or ``postgresql``; ``make test-postgres`` sets it).

A test asks for a database by the folder it keeps its instance files in (keys, documents): on
SQLite that folder also holds the database file; on PostgreSQL a throwaway database is created on
the server (``TEST_POSTGRES_URL``) and dropped when the test that asked for it ends (databases a
session fixture made, such as the demo region, when the run ends). A copy of a built database
(the demo region, the isolation world) is a file copy on SQLite and ``CREATE DATABASE ...
TEMPLATE`` on PostgreSQL, with the instance files copied either way.

Two things keep PostgreSQL's share of the run small. Every test database is made with
``synchronous_commit = off`` (a setting of that database alone, never the server's): a commit
then returns before its WAL reaches the disk, which risks at most the last moments of a
throwaway database if the server crashes, and no consistency. And a database is dropped by a
thread of its own while the next test runs: ``DROP DATABASE`` waits for a checkpoint (about a
second on a busy machine), which would otherwise be paid by every test in turn.
"""

from __future__ import annotations

import os
import queue
import shutil
import sqlite3
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 2
# How many dropped databases may wait for the dropping thread before a test's teardown waits
# for it: bounds the disk that databases no test uses any more can hold (the demo region's copy
# is about 45 MB).
PENDING_DROPS = 4
# What an instance folder holds besides a SQLite database file: the keys that a copy of the
# database needs (child references, authenticator secrets, the bid seal) and stored documents.
INSTANCE_KEYS = ("child_ref.key", "second_factor.key", "bid_seal.key")
DOCUMENTS = "documents"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def kind() -> str:
    """The run's database kind, from ``TEST_DATABASE``."""
    value = os.environ.get("TEST_DATABASE", SQLITE).strip().lower() or SQLITE
    if value in ("postgres", "postgresql", "pg"):
        return POSTGRESQL
    if value != SQLITE:
        raise ValueError(f"TEST_DATABASE must be sqlite or postgresql, not {value!r}")
    return SQLITE


def on_postgresql() -> bool:
    return kind() == POSTGRESQL


class ServerUnavailable(Exception):
    """No PostgreSQL server answered."""


@dataclass
class PostgresServer:
    """An autocommit connection to the maintenance database, for CREATE/DROP DATABASE; the
    drops run on a thread with a connection of its own (:class:`Dropper`)."""

    url: URL
    connection: psycopg.Connection
    dropper: Dropper | None = None

    @classmethod
    def connect(cls) -> PostgresServer:
        url = make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER_URL))
        where = f"{url.host or '127.0.0.1'}:{url.port or 5432} as {url.username or 'postgres'}"
        try:
            connection = _maintenance_connection(url)
        except psycopg.Error as error:
            raise ServerUnavailable(
                f"PostgreSQL server at {where} did not answer within "
                f"{CONNECT_TIMEOUT_SECONDS}s: {str(error).strip()}") from error
        return cls(url=url, connection=connection)

    @property
    def version(self) -> int:
        return self.connection.info.server_version  # e.g. 150020

    def database_url(self, name: str) -> str:
        """The portal's DATABASE_URL for one of the throwaway databases."""
        url = self.url.set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (which must have no sessions),
        whose commits do not wait for the disk (``synchronous_commit = off``, set on this
        database only; a copy does not inherit it from its template)."""
        name = f"portal_test_{uuid.uuid4().hex[:16]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self.connection.execute(statement)
        self.connection.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off")
                                .format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name`` on the dropping thread, ending any sessions still in it; returns at
        once unless :data:`PENDING_DROPS` drops are already waiting. A drop that failed is
        raised here (or by :meth:`close`)."""
        if self.dropper is None:
            self.dropper = Dropper(self.url, self.version)
        self.dropper.drop(name)

    def listening(self, name: str) -> int:
        """How many sessions in database ``name`` are waiting on LISTEN."""
        row = self.connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'LISTEN %%'",
            (name,)).fetchone()
        return row[0]

    def close(self) -> None:
        """Wait for the drops still pending (raising one that failed), then disconnect."""
        try:
            if self.dropper is not None:
                self.dropper.close()
        finally:
            self.connection.close()


def _maintenance_connection(url: URL) -> psycopg.Connection:
    return psycopg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432,
        user=url.username or "postgres", password=url.password or "",
        dbname=url.database or "postgres", autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_SECONDS)


def drop_statement(name: str, version: int) -> sql.Composable:
    """DROP DATABASE that ends the sessions still in it (PostgreSQL 13 and later)."""
    if version < 130000:
        raise RuntimeError("the tests need PostgreSQL 13 or later (DROP DATABASE ... WITH (FORCE))")
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


class Dropper:
    """A thread, with its own connection to the maintenance database, that drops the
    databases handed to it one after the other.

    PostgreSQL's ``DROP DATABASE`` requests a checkpoint and waits for it: about a second per
    database on a busy machine, which the next test need not wait for. At most
    :data:`PENDING_DROPS` names wait at once (the one being dropped aside), so a run whose tests
    outpace the drops is held back rather than filling the disk. The first drop that fails is
    raised (once) by the next :meth:`drop` or by :meth:`close`; the thread drops the rest."""

    _STOP = object()

    def __init__(self, url: URL, version: int) -> None:
        self.connection = _maintenance_connection(url)
        self.version = version
        self.pending: queue.Queue = queue.Queue(maxsize=PENDING_DROPS)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="test-database-dropper",
                                       daemon=True)
        self.thread.start()

    def drop(self, name: str) -> None:
        self._raise_failure()
        self.pending.put(name)

    def close(self) -> None:
        """Wait until every database handed over is dropped, then disconnect."""
        if self.thread.is_alive():
            self.pending.put(self._STOP)
            self.thread.join()
        self.connection.close()
        self._raise_failure()

    def _run(self) -> None:
        while (name := self.pending.get()) is not self._STOP:
            try:
                self.connection.execute(drop_statement(name, self.version))
            except Exception as error:  # handed to the test thread
                self.failure = self.failure or error

    def _raise_failure(self) -> None:
        """Raise the failure the thread kept, once."""
        failure, self.failure = self.failure, None
        if failure is not None:
            raise RuntimeError(f"dropping a test database failed: {failure}") from failure


class Databases:
    """The databases one scope of tests made (a test's, or the session's), dropped together."""

    def __init__(self, server: PostgresServer | None) -> None:
        self.server = server
        self.made: list[str] = []

    def new(self, folder: Path, name: str = "portal") -> str:
        """The URL of a new, empty database whose instance files live in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.server is None:
            return f"sqlite:///{folder / f'{name}.db'}"
        return self._create()

    def copy(self, source: str, source_folder: Path, folder: Path) -> str:
        """A private copy of the database at ``source`` (closed by everyone: no sessions),
        with its instance files, in ``folder``; returns the copy's URL."""
        folder.mkdir(parents=True, exist_ok=True)
        for key in INSTANCE_KEYS:
            if (source_folder / key).exists():
                shutil.copyfile(source_folder / key, folder / key)
        if (source_folder / DOCUMENTS).exists():
            shutil.copytree(source_folder / DOCUMENTS, folder / DOCUMENTS, dirs_exist_ok=True)
        if self.server is None:
            target = folder / "portal.db"
            shutil.copyfile(sqlite_path(source), target)
            return f"sqlite:///{target}"
        return self._create(template=make_url(source).database)

    def settle(self, url: str) -> None:
        """Make a built database ready to be copied: on SQLite, fold the write-ahead log into
        the main file, so one file copy is the whole database; on PostgreSQL, gather the
        planner's statistics (ANALYZE), which every copy inherits.

        The server's autovacuum would gather them a minute or so after a load, as it does in
        production, but a test's copy is made, used and dropped sooner: without statistics
        the planner takes the tables for nearly empty, and the dashboards' placement queries
        become nested loops over every episode and every setting (0.5 s each rather than a
        few milliseconds for the demo region)."""
        if self.server is None:
            with sqlite3.connect(sqlite_path(url)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        with _maintenance_connection(make_url(url)) as connection:
            connection.execute("ANALYZE")

    def drop_all(self) -> None:
        while self.made:
            self.server.drop_database(self.made.pop())

    def _create(self, template: str | None = None) -> str:
        name = self.server.create_database(template)
        self.made.append(name)
        return self.server.database_url(name)


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite database URL: {url}")
    return Path(url.removeprefix("sqlite:///"))


@dataclass(frozen=True)
class Built:
    """A database built once for the run (the demo region, the isolation world), to be copied
    by the tests that need it: its URL and the folder of its instance files."""

    url: str
    folder: Path

    def copy_into(self, databases: Databases, folder: Path) -> str:
        return databases.copy(self.url, self.folder, folder)


def postgresql_run_wanted() -> bool:
    """Whether ``make test`` runs the suite on PostgreSQL as well: always under CI (where a
    server that does not answer then fails the run), else when a server answers."""
    if in_ci():
        return True
    try:
        PostgresServer.connect().close()
    except ServerUnavailable as error:
        print("Skipping the PostgreSQL run (CI is unset; start the server or set "
              f"TEST_POSTGRES_URL to run it): {error}", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    # make test: python -m tests.databases wanted (exit status 0: run on PostgreSQL too).
    if sys.argv[1:] != ["wanted"]:
        sys.exit("usage: python -m tests.databases wanted")
    sys.exit(0 if postgresql_run_wanted() else 1)
