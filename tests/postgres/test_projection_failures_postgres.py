"""The outside tester's critical finding, on the real PostgreSQL server: a vacancy description
holding a NUL byte is stored as an event, and PostgreSQL refuses it in the read models' text
column ("PostgreSQL text fields cannot contain NUL (0x00) bytes"). Before, every request caught
up the projections first, so `/`, `/sign-in` and `/healthz` answered 500 for ever, even after a
restart. Now the two vacancy projections stop at that event and everything else carries on.

Forms refuse control characters and the application now refuses to save an event holding a
NUL (domain/storable.py), but a log written before those guards may already hold one, and it is
kept for ever. So the test stores it as such a log did: through the application with its
last guard switched off.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal import create_app
from portal.bootstrap import bootstrap
from portal.config import Settings
from projections.directory import settings as settings_table
from projections.vacancies import provider_vacancies, vacancy_board
from tests.conftest import account_for
from tests.html_checks import CheckedClient

# The module's fixtures, imported by name: the demo region loaded once into a template database.
from tests.postgres.test_web_postgres import account, app, demo_services, demo_template, demo_url  # noqa: F401

# Imported by name on purpose: the runner's own tests (and their fixtures) run again here.
from tests.projections.test_projection_failures import (  # noqa: F401
    make_services,
    test_a_database_that_is_busy_is_not_taken_for_a_bad_event,
    test_a_failing_handler_is_found_in_a_long_batch_and_its_message_never_kept,
    test_a_stopped_projection_stays_stopped_until_retried_even_after_a_restart,
    test_an_event_the_board_cannot_store_stops_the_board_alone_at_that_event,
    test_two_runners_meeting_the_same_bad_event_stop_it_once_and_apply_the_rest_once,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url):
    return postgres_url

BEHIND = "This view is behind"
POISON = "NUL here:\x00:end"
VACANCY_VIEWS = ["vacancy_board", "provider_vacancies"]


def publish_with_a_nul(svc, monkeypatch) -> tuple:
    """A vacancy published with a NUL in its description, as before the guard existed."""
    provider = account("provider_user")
    with svc.engine.connect() as c:
        setting = c.execute(sa.select(settings_table.c.id).where(
            settings_table.c.provider_id == provider.organisation_id,
            settings_table.c.setting_type == "childrens_home").limit(1)).scalar_one()
    with monkeypatch.context() as unguarded:
        unguarded.setattr("domain.storable.check_storable", lambda events: None)
        return svc.portal.publish_vacancy(
            Actor.system(), provider_id=provider.organisation_id, setting_id=setting,
            age_from=8, age_to=17, needs_met=[], weekly_fee=4321,
            available_from=date(2027, 1, 4), description=POISON)


def test_a_nul_byte_in_a_vacancy_stops_the_vacancy_views_and_nothing_else(
        app, demo_services, demo_url, tmp_path, caplog, monkeypatch):  # noqa: F811
    svc = demo_services
    caplog.set_level(logging.INFO)
    vacancy, position = publish_with_a_nul(svc, monkeypatch)
    anonymous = app.test_client()
    for path in ("/", "/sign-in", "/healthz"):  # each catches up first: no exception
        assert anonymous.get(path).status_code == 200, path
    health = anonymous.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert sorted((s["projection"], s["notification_id"], s["event"])
                  for s in health["stopped_projections"]) == [
        (name, position, "domain.vacancy:Vacancy.Published") for name in sorted(VACANCY_VIEWS)]
    positions = svc.projections.positions()
    assert {name: positions[name] for name in VACANCY_VIEWS} == {
        name: position - 1 for name in VACANCY_VIEWS}
    assert {p for name, p in positions.items() if name not in VACANCY_VIEWS} == {
        svc.portal.last_position()}
    failure = svc.projections.failures()["vacancy_board"]
    assert failure.error == "sqlalchemy.exc.DataError (from psycopg.DataError)"
    with svc.engine.connect() as c:
        for table in (vacancy_board, provider_vacancies):
            assert c.execute(sa.select(table.c.id).where(table.c.id == vacancy)).first() is None
    assert "NUL here" not in caplog.text
    stopped_lines = [r.getMessage() for r in caplog.records
                     if r.name == "projections.runner" and r.levelno == logging.ERROR]
    assert len(stopped_lines) == 2 and all(str(position) in line for line in stopped_lines)

    officer = app.test_client()
    officer.sign_in(account("council_officer"))
    board = officer.get("/vacancies/")
    assert board.status_code == 200 and BEHIND in board.get_data(as_text=True)
    directory = officer.get("/directory/")
    assert directory.status_code == 200 and BEHIND not in directory.get_data(as_text=True)
    provider = app.test_client()
    provider.sign_in(account("provider_user"))
    own = provider.get("/our-vacancies/")
    assert own.status_code == 200 and BEHIND in own.get_data(as_text=True)

    # A restart changes nothing: the portal starts, serves, and the views stay stopped.
    restarted_services = bootstrap(demo_url)
    try:
        restarted = create_app(Settings.from_environment(
            database_url=demo_url, secret_key="x", instance=tmp_path, projections_inline=True,
            secure_cookies=False, portal_url="http://localhost"), services=restarted_services)
        restarted.config.update(TESTING=True, RATELIMIT_ENABLED=False)
        restarted.test_client_class = CheckedClient
        client = restarted.test_client()
        for path in ("/", "/sign-in"):
            assert client.get(path).status_code == 200, path
        assert client.get("/healthz").get_json()["status"] == "degraded"

        # An administrator sees them and may retry; the NUL is still there, so they stay
        # stopped, counted again.
        client.sign_in(account_for("platform_admin"))
        page = client.get("/admin/projections").get_data(as_text=True)
        assert "Stopped: the vacancy board" in page and "Stopped: providers&#39; own" in page
        again = client.post_form("/admin/projections/retry", {"name": "vacancy_board"},
                                 follow_redirects=True)
        assert f"still cannot apply event {position:,}" in again.get_data(as_text=True)
        assert restarted_services.projections.failures()["vacancy_board"].attempts == 2
        assert client.get("/healthz").get_json()["status"] == "degraded"
    finally:
        restarted_services.close()

    # New events keep reaching every other view; the stopped ones stay where they stopped.
    other = svc.portal.register_provider(Actor.system(), name="Later Homes",
                                         kind="childrens_home_operator")[1]
    assert anonymous.get("/").status_code == 200
    assert svc.projections.positions()["directory"] >= other
    assert svc.projections.positions()["vacancy_board"] == position - 1
