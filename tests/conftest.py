"""Fixtures shared by every test layer: a portal on a throwaway SQLite file, the demo region,
and a Flask test client that checks every page it fetches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from portal import create_app
from portal.bootstrap import bootstrap
from portal.config import Settings
from portal.demo.loader import demo_accounts, load_demo
from tests.databases import (
    INSTANCE_KEYS,  # noqa: F401 (imported from here by the isolation world)
    Built,
    Databases,
    PostgresServer,
    ServerUnavailable,
    on_postgresql,
)
from tests.html_checks import CheckedClient

DEMO_TODAY = date(2026, 11, 23)
# Where the test app is served: the test client's own host, so links in mail and the single
# sign-on redirect address are http://localhost/..., and a request for another host is refused.
PORTAL_URL = "http://localhost"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def database_server() -> Iterator[PostgresServer | None]:
    """The PostgreSQL server when the run is on PostgreSQL (``TEST_DATABASE=postgresql``),
    else None. A run on PostgreSQL with no server answering stops at once."""
    if not on_postgresql():
        yield None
        return
    try:
        server = PostgresServer.connect()
    except ServerUnavailable as error:
        pytest.exit(f"TEST_DATABASE=postgresql, but {error}", returncode=3)
    # A PostgreSQL DATABASE_URL is production to the command line, which then requires the
    # portal's address (for the links in its mail): the tests' commands use the test host's.
    os.environ.setdefault("PORTAL_URL", PORTAL_URL)
    yield server
    server.close()


@pytest.fixture(scope="session")
def session_databases(database_server) -> Iterator[Databases]:
    """Databases built once for the run, dropped when it ends."""
    made = Databases(database_server)
    yield made
    if database_server is not None:
        made.drop_all()


@pytest.fixture
def databases(database_server) -> Iterator[Databases]:
    """This test's databases (``databases.new(folder)``, ``built.copy_into(databases, folder)``),
    dropped when it ends."""
    made = Databases(database_server)
    yield made
    if database_server is not None:
        made.drop_all()


@pytest.fixture(scope="session")
def empty_database(session_databases, tmp_path_factory) -> Built | None:
    """On PostgreSQL, an empty portal (its tables and reference data, no events) made once for
    the run, for :func:`services` to copy: creating the tables and loading the gazetteer takes
    the server about 1.5 s, a copy about 0.2 s. None on SQLite, where creating them is as
    quick as a copy.

    Its instance files (keys) are left behind, in a folder of their own: nothing in an empty
    portal's database depends on them, so each test's portal makes its own, as on SQLite."""
    if session_databases.server is None:
        return None
    url = session_databases.new(tmp_path_factory.mktemp("empty"), "empty")
    bootstrap(url, instance=tmp_path_factory.mktemp("empty-keys")).close()
    session_databases.settle(url)
    return Built(url, tmp_path_factory.mktemp("empty-copied"))


@pytest.fixture
def services(empty_database, databases, tmp_path):
    """An empty portal: event store and read models in a fresh database."""
    url = (databases.new(tmp_path) if empty_database is None
           else empty_database.copy_into(databases, tmp_path))
    svc = bootstrap(url, instance=tmp_path)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def demo_database(session_databases, tmp_path_factory) -> Built:
    """The demo region loaded once per test run; tests get their own copy of it."""
    folder = tmp_path_factory.mktemp("demo")
    url = session_databases.new(folder, "demo")
    svc = bootstrap(url, instance=folder)
    load_demo(svc.portal, svc.credentials.set_password, svc.credentials.has_password,
              today=DEMO_TODAY, child_refs=svc.child_refs, second_factors=svc.second_factors)
    svc.projections.catch_up()
    svc.close()
    session_databases.settle(url)
    return Built(url, folder)


def copy_demo_database(demo_database: Built, instance: Path, databases: Databases) -> str:
    """A copy of the demo database, with its instance keys, in ``instance``; returns its URL."""
    return demo_database.copy_into(databases, instance)


@pytest.fixture(scope="session")
def demo_reader(demo_database, session_databases, tmp_path_factory) -> str:
    """The URL of the demo region for tests that only read it. On PostgreSQL that is a copy:
    a connection held open to the demo database would stop it being copied for other tests."""
    if session_databases.server is None:
        return demo_database.url
    return demo_database.copy_into(session_databases, tmp_path_factory.mktemp("demo-reader"))


@pytest.fixture
def demo_services(demo_database, databases, tmp_path):
    svc = bootstrap(copy_demo_database(demo_database, tmp_path, databases), instance=tmp_path)
    yield svc
    svc.close()


@pytest.fixture
def app(demo_services, tmp_path):
    settings = Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key", instance=tmp_path, projections_inline=True,
        secure_cookies=False, portal_url=PORTAL_URL)
    application = create_app(settings, services=demo_services)
    application.config.update(TESTING=True)
    return application


@pytest.fixture
def client(app) -> CheckedClient:
    """A test client whose every HTML page is checked (valid HTML, one h1, labelled fields)."""
    app.test_client_class = CheckedClient
    return app.test_client()


@pytest.fixture
def accounts():
    """Demo accounts by role and organisation name."""
    return {(a.role, a.organisation): a for a in demo_accounts()}


def account_for(role: str, organisation: str | None = None):
    for account in demo_accounts():
        if account.role == role and (organisation is None or account.organisation == organisation):
            return account
    raise LookupError(role, organisation)
