"""The isolation tests' world (built once per run through the real commands) and signed-in
clients for every role of every organisation in it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal import create_app
from portal.bootstrap import bootstrap
from portal.config import Settings
from tests.databases import Built
from tests.isolation.world import World, build

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def isolation_world(session_databases, tmp_path_factory) -> tuple[World, Built]:
    return build(session_databases, tmp_path_factory.mktemp("isolation"), date.today())


class Portal:
    """A portal on a private copy of the world, with a signed-in client per account."""

    def __init__(self, world: World, url: str, folder: Path) -> None:
        """``url``: this portal's private copy of the world, with its instance files in
        ``folder`` (see :meth:`Built.copy_into`)."""
        self.world = world
        self.services = bootstrap(url, instance=folder)
        settings = Settings.from_environment(
            database_url=url, secret_key="isolation-secret", instance=folder,
            projections_inline=True, secure_cookies=False)
        self.app = create_app(settings, services=self.services)
        self.app.config.update(TESTING=True)
        self._clients: dict[tuple[str, str], tuple[FlaskClient, str]] = {}

    def client(self, role: str, organisation: str) -> tuple[FlaskClient, str]:
        """A client signed in as the world's ``role`` account of ``organisation``, and a CSRF
        token valid for its session."""
        key = (role, organisation)
        if key not in self._clients:
            client = self.app.test_client()
            sign_in(client, self.world.accounts[role][organisation])
            self._clients[key] = (client, csrf_token(client))
        return self._clients[key]

    def resign(self, role: str, organisation: str) -> None:
        """Forget a client (after a request signed it out), so the next one signs in again."""
        self._clients.pop((role, organisation), None)

    def position(self) -> int:
        return self.services.portal.last_position()

    def close(self) -> None:
        self.services.close()


def sign_in(client: FlaskClient, account_id) -> None:
    """Start a signed-in session for the account, as the sign-in page does once the account's
    credentials are checked (the isolation tests are about what happens after sign-in)."""
    with client.session_transaction() as session:
        session["account_id"] = account_id.hex


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    return CSRF.search(page).group(1)


@pytest.fixture
def portal(isolation_world, databases, tmp_path):
    world, built = isolation_world
    running = Portal(world, built.copy_into(databases, tmp_path), tmp_path)
    yield running
    running.close()
