"""Fixtures shared by every test layer: a portal on a throwaway SQLite file, the demo region,
and a Flask test client that checks every page it fetches."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from portal import create_app
from portal.bootstrap import bootstrap
from portal.config import Settings
from portal.demo.loader import demo_accounts, load_demo
from tests.html_checks import CheckedClient

DEMO_TODAY = date(2026, 11, 23)
# Where the test app is served: the test client's own host, so links in mail and the single
# sign-on redirect address are http://localhost/..., and a request for another host is refused.
PORTAL_URL = "http://localhost"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def services(tmp_path):
    """An empty portal: event store and read models in a fresh SQLite file."""
    svc = bootstrap(sqlite_url(tmp_path / "portal.db"))
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The demo region loaded once per test run; tests get their own copy of the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    svc = bootstrap(sqlite_url(path))
    load_demo(svc.portal, svc.credentials.set_password, svc.credentials.has_password,
              today=DEMO_TODAY, child_refs=svc.child_refs, second_factors=svc.second_factors)
    svc.projections.catch_up()
    svc.close()
    # Fold the write-ahead log into the main file so one file copy is the whole database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


# The demo database's instance keys: the secret that keys child references (so a council's
# demo child ids still match), the key of the demo accounts' authenticator secrets, and the
# key that seals the demo tenders' unopened bids. A copy of the database needs all three.
INSTANCE_KEYS = ("child_ref.key", "second_factor.key", "bid_seal.key")


def copy_demo_database(demo_database: Path, instance: Path) -> Path:
    """A copy of the demo database, with its keys, in ``instance``; returns its path."""
    path = instance / "portal.db"
    shutil.copyfile(demo_database, path)
    for key in INSTANCE_KEYS:
        shutil.copyfile(demo_database.parent / key, instance / key)
    return path


@pytest.fixture
def demo_services(demo_database, tmp_path):
    svc = bootstrap(sqlite_url(copy_demo_database(demo_database, tmp_path)))
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
