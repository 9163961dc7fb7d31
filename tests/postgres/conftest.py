"""The real PostgreSQL server, and a throwaway database per test that needs one.

The server is ``TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
the maintenance database the tests connect to in order to create and drop their own).

When no server answers within about two seconds the PostgreSQL tests are skipped on a
developer's machine, but fail in CI (``CI=true``), where a missing server must never pass
silently as a row of skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 2


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


@dataclass
class PostgresServer:
    """An autocommit connection to the maintenance database, for CREATE/DROP DATABASE."""

    url: URL
    connection: psycopg.Connection

    @property
    def version(self) -> int:
        return self.connection.info.server_version  # e.g. 150020

    def database_url(self, name: str) -> str:
        """The portal's DATABASE_URL for one of the throwaway databases."""
        url = self.url.set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (which must have no sessions)."""
        name = f"portal_test_{uuid.uuid4().hex[:16]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self.connection.execute(statement)
        return name

    def drop_database(self, name: str) -> None:
        statement = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        if self.version >= 130000:
            statement = sql.SQL("{} WITH (FORCE)").format(statement)
        else:  # pragma: no cover - PostgreSQL 12 and older
            self.connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        self.connection.execute(statement)

    def listening(self, name: str) -> int:
        """How many sessions in database ``name`` are waiting on LISTEN."""
        row = self.connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'LISTEN %%'",
            (name,)).fetchone()
        return row[0]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER_URL))
    where = f"{url.host or '127.0.0.1'}:{url.port or 5432} as {url.username or 'postgres'}"
    try:
        connection = psycopg.connect(
            host=url.host or "127.0.0.1", port=url.port or 5432,
            user=url.username or "postgres", password=url.password or "",
            dbname=url.database or "postgres", autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as error:
        reason = (f"PostgreSQL server at {where} did not answer within "
                  f"{CONNECT_TIMEOUT_SECONDS}s: {str(error).strip()}")
        if _in_ci():
            pytest.fail(f"CI is set, so the PostgreSQL tests must run. {reason}", pytrace=False)
        pytest.skip(f"{reason} (set TEST_POSTGRES_URL, or start the server)")
    with connection:
        yield PostgresServer(url=url, connection=connection)


@pytest.fixture
def throwaway_database(postgres_server) -> Iterator[Callable[[], str]]:
    """Make databases (``portal_test_<hex>``, empty or copied from a template) on demand;
    all are dropped afterwards."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        name = postgres_server.create_database(template)
        made.append(name)
        return name

    yield make
    for name in made:
        postgres_server.drop_database(name)


@pytest.fixture
def postgres_database(throwaway_database) -> str:
    """The name of one fresh, empty database for this test."""
    return throwaway_database()


@pytest.fixture
def postgres_url(postgres_server, postgres_database) -> str:
    """DATABASE_URL for this test's fresh database."""
    return postgres_server.database_url(postgres_database)
