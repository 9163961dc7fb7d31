"""The real PostgreSQL server, and a throwaway database per test that needs one.

The server is ``TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``,
the maintenance database the tests connect to in order to create and drop their own).

When no server answers within about two seconds the PostgreSQL tests are skipped on a
developer's machine, but fail in CI (``CI=true``), where a missing server must never pass
silently as a row of skips.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.databases import PostgresServer, ServerUnavailable, in_ci


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer.connect()
    except ServerUnavailable as error:
        if in_ci():
            pytest.fail(f"CI is set, so the PostgreSQL tests must run. {error}", pytrace=False)
        pytest.skip(f"{error} (set TEST_POSTGRES_URL, or start the server)")
    yield server
    server.close()


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
