"""One event the vacancy board cannot store: the portal keeps serving, the pages that read the
board say it is behind, health says "degraded" naming it, and an administrator retries it.

(The real NUL byte on PostgreSQL: tests/postgres/test_projection_failures_postgres.py.)
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.actor import Actor
from portal.bootstrap import bootstrap
from portal.cli import main
from tests.conftest import account_for
from tests.projections.test_projection_failures import refuse_to_store
from tests.web.cli_fixtures import command_line
from tests.web.test_provider_pages import a_home, own_setting_ids

BEHIND = "This view is behind"
SECRET = "Near her sister Jo at Hill Primary"


def stop_the_board(svc, provider_id, setting_id) -> tuple:
    """Publish a vacancy the vacancy board cannot store; catch up. Returns (id, position)."""
    vacancy, position = svc.portal.publish_vacancy(
        Actor.system(), provider_id=provider_id, setting_id=setting_id, age_from=8, age_to=17,
        needs_met=[], weekly_fee=4321, available_from=date(2027, 1, 4), description=SECRET)
    refuse_to_store(svc.projections.projections["vacancy_board"], vacancy)
    svc.projections.catch_up()
    return vacancy, position


@pytest.fixture
def stopped(app, provider_user):
    svc = app.extensions["portal"]
    provider, settings = own_setting_ids(app, provider_user.organisation)
    return stop_the_board(svc, provider, a_home(settings))


def test_pages_that_do_not_read_the_stopped_board_keep_working_and_those_that_do_say_so(
        app, client, stopped, officer, provider_user):
    vacancy, position = stopped
    for path in ("/", "/sign-in", "/healthz"):
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["stopped_projections"] == [{
        "projection": "vacancy_board", "notification_id": position,
        "event": "domain.vacancy:Vacancy.Published",
        "since": health["stopped_projections"][0]["since"], "attempts": 1}]
    assert health["projections"]["vacancy_board"]["stopped_at"] == position
    assert "stopped_at" not in health["projections"]["provider_vacancies"]
    assert SECRET not in client.get("/healthz").get_data(as_text=True)

    client.sign_in(officer)
    board = client.get("/vacancies/")
    assert board.status_code == 200
    page = board.get_data(as_text=True)
    assert BEHIND in page and "bring the vacancy board up to date" in page
    assert SECRET not in page
    for path in ("/directory/", "/placements/", "/sufficiency/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert BEHIND not in response.get_data(as_text=True), path

    client.sign_in(provider_user)  # the provider's own list is another projection: up to date
    own = client.get("/our-vacancies/").get_data(as_text=True)
    assert BEHIND not in own
    assert client.get(f"/our-vacancies/{vacancy}").status_code == 200


def test_an_administrator_sees_the_stopped_board_and_retries_it(app, client, stopped, officer):
    vacancy, position = stopped
    svc = app.extensions["portal"]
    client.sign_in(officer)
    assert client.get("/admin/projections").status_code == 403
    assert client.post_form("/admin/projections/retry",
                            {"name": "vacancy_board"}).status_code == 403

    client.sign_in(account_for("auditor"))  # may look, may not retry
    page = client.get("/admin/projections").get_data(as_text=True)
    assert "Stopped: the vacancy board" in page and "Retry the vacancy board" not in page
    assert client.post_form("/admin/projections/retry",
                            {"name": "vacancy_board"}).status_code == 403

    client.sign_in(account_for("platform_admin"))
    assert "/admin/projections" in client.get("/admin/").get_data(as_text=True)
    page = client.get("/admin/projections").get_data(as_text=True)
    assert "Stopped: the vacancy board" in page
    assert f"{position:,}" in page and "domain.vacancy:Vacancy.Published" in page
    assert "sqlalchemy.exc.IntegrityError" in page and SECRET not in page
    assert "Retry the vacancy board" in page
    assert client.post("/admin/projections/retry",
                       data={"name": "vacancy_board"}).status_code == 400  # no CSRF token
    assert client.post_form("/admin/projections/retry", {"name": "nope"}).status_code == 404

    again = client.post_form("/admin/projections/retry", {"name": "vacancy_board"},
                             follow_redirects=True)
    page = again.get_data(as_text=True)
    assert f"still cannot apply event {position:,}" in page
    assert svc.projections.failures()["vacancy_board"].attempts == 2

    del svc.projections.projections["vacancy_board"].published  # fixed (here: unpatched)
    fixed = client.post_form("/admin/projections/retry", {"name": "vacancy_board"},
                             follow_redirects=True)
    assert "Retried: the vacancy board has caught up" in fixed.get_data(as_text=True)
    assert svc.projections.failures() == {}
    assert client.get("/healthz").get_json()["status"] == "ok"
    client.sign_in(officer)
    assert client.get(f"/vacancies/{vacancy}").status_code == 200
    assert BEHIND not in client.get("/vacancies/").get_data(as_text=True)


def test_projections_status_and_retry_on_the_command_line(databases, tmp_path, monkeypatch):
    from tests.projections.scenario import build_region

    url = databases.new(tmp_path, "cli")
    runner = command_line(monkeypatch, url, tmp_path)
    svc = bootstrap(url, instance=tmp_path)
    try:
        _, settings = build_region(svc.portal)
        provider, setting, _ = settings[0]
        _, position = stop_the_board(svc, provider, setting)
    finally:
        svc.close()
    status = runner.invoke(main, ["projections", "status"])
    assert status.exit_code == 3
    board = next(line for line in status.output.splitlines() if line.startswith("vacancy_board"))
    assert f"STOPPED at event {position:,} (Vacancy.Published)" in board
    assert "sqlalchemy.exc.IntegrityError" in board and "1 attempt" in board
    assert "portal projections retry NAME" in status.output
    assert "STOPPED" not in next(line for line in status.output.splitlines()
                                 if line.startswith("provider_vacancies"))
    retried = runner.invoke(main, ["projections", "retry", "vacancy_board"])
    assert retried.exit_code == 0, retried.output  # this process's board can store it
    assert "vacancy_board has caught up" in retried.output
    assert runner.invoke(main, ["projections", "status"]).exit_code == 0
    assert runner.invoke(main, ["projections", "retry", "nope"]).exit_code == 2
