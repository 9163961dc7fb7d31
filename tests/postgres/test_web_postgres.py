"""The web app on PostgreSQL: the demo region loaded into a throwaway database, served through
the real views with every page checked."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.bootstrap import bootstrap
from portal.config import Settings
from portal.demo import region
from portal.demo.loader import demo_accounts, load_demo
from projections.registry import all_projections
from projections.vacancies import vacancy_board
from tests.conftest import DEMO_TODAY
from tests.html_checks import CheckedClient
from tests.projections.scenario import dump

pytestmark = pytest.mark.postgres

TOTAL = re.compile(r'id="results-heading"[^>]*>\s*([\d,]+) vacanc')


def account(role: str):
    return next(a for a in demo_accounts() if a.role == role)


@pytest.fixture(scope="module")
def demo_template(postgres_server):
    """The demo region loaded and projected once, into a database each test copies."""
    name = postgres_server.create_database()
    try:
        svc = bootstrap(postgres_server.database_url(name))
        try:
            load_demo(svc.portal, svc.credentials.set_password, svc.credentials.has_password,
                      today=DEMO_TODAY, second_factors=svc.second_factors)
            svc.projections.catch_up()
        finally:
            svc.close()  # CREATE DATABASE ... TEMPLATE needs the template to have no sessions
        yield name
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def demo_url(postgres_server, throwaway_database, demo_template) -> str:
    return postgres_server.database_url(throwaway_database(template=demo_template))


@pytest.fixture
def demo_services(demo_url):
    svc = bootstrap(demo_url)
    yield svc
    svc.close()


@pytest.fixture
def app(demo_services, demo_url, tmp_path):
    settings = Settings.from_environment(
        database_url=demo_url, secret_key="x", instance=tmp_path, projections_inline=True,
        secure_cookies=False, portal_url="http://localhost")
    application = create_app(settings, services=demo_services)
    application.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    application.test_client_class = CheckedClient
    return application


def test_the_demo_history_rebuilds_to_the_rows_its_commands_built(demo_services):
    """As on SQLite (tests/projections/test_projections.py): the demo region projected as
    its commands ran equals a rebuild into shadow tables (COPY), row for row."""
    incremental = dump(demo_services.engine)
    assert incremental["vacancy_board"] and incremental["tenders"]
    assert demo_services.projections.rebuild() > 0
    assert dump(demo_services.engine) == incremental
    assert demo_services.projections.catch_up() == 0


def board_total(client) -> int:
    response = client.get("/vacancies/")
    assert response.status_code == 200
    found = TOTAL.search(response.get_data(as_text=True))
    assert found, "the board should say how many vacancies it found"
    return int(found.group(1).replace(",", ""))


def test_a_council_officer_sees_the_whole_demo_board(app, demo_services):
    assert len(region.VACANCIES) == 78
    client = app.test_client()
    client.sign_in(account("council_officer"))
    assert board_total(client) == 78

    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["backend"] == "postgresql"
    assert body["event_log_head"] == demo_services.portal.last_position() > 0
    assert set(body["projections"]) == {p.name for p in all_projections()}
    assert {p["behind"] for p in body["projections"].values()} == {0}
    assert {p["position"] for p in body["projections"].values()} == {body["event_log_head"]}


def test_a_provider_withdraws_a_vacancy_and_the_board_shows_it_at_once(app, demo_services):
    provider = account("provider_user")
    with demo_services.engine.connect() as c:
        vacancy = c.execute(sa.select(vacancy_board.c.id).where(
            vacancy_board.c.provider_id == provider.organisation_id).limit(1)).scalar_one()

    provider_client = app.test_client()
    provider_client.sign_in(provider)
    response = provider_client.post_form(f"/our-vacancies/{vacancy}/withdraw",
                                         {"reason": "The place was taken privately"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(f"/our-vacancies/{vacancy}")

    officer = app.test_client()
    officer.sign_in(account("council_officer"))
    assert board_total(officer) == 77
    assert officer.get(f"/vacancies/{vacancy}").status_code == 404
    lags = officer.get("/healthz").get_json()["projections"]
    assert {p["behind"] for p in lags.values()} == {0}
