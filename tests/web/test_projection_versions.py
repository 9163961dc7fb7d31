"""A read model another version of the code built (projections/versions.py), while it waits to
be rebuilt: the pages that read it answer 503 saying it is being rebuilt, never rows of another
shape read with this code; every other page is served; health says which; the command line
shows the versions and rebuilds it."""

from __future__ import annotations

from portal.bootstrap import bootstrap
from portal.cli import main
from projections.versions import projection_versions
from tests.conftest import account_for
from tests.projections.scenario import build_region, random_history
from tests.web.cli_fixtures import command_line

REBUILDING = "which the portal is rebuilding after an update"


def built_by_another_version(svc, name: str, version: int = 9) -> None:
    with svc.engine.begin() as c:
        c.execute(projection_versions.update().where(projection_versions.c.name == name)
                  .values(version=version))


def test_pages_of_a_view_being_rebuilt_answer_503_and_the_others_are_served(
        app, client, officer, provider_user, provider_api):
    svc = app.extensions["portal"]
    built_by_another_version(svc, "vacancy_board")
    for path in ("/", "/sign-in"):
        assert client.get(path).status_code == 200, path
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["rebuilding_projections"] == ["vacancy_board"]

    client.sign_in(officer)
    board = client.get("/vacancies/")
    assert board.status_code == 503 and board.headers["Retry-After"] == "60"
    page = board.get_data(as_text=True)
    assert f"This page shows the vacancy board, {REBUILDING}" in page
    for path in ("/directory/", "/placements/", "/sufficiency/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
    client.sign_in(provider_user)  # the provider's own list is another projection
    assert client.get("/our-vacancies/").status_code == 200

    assert provider_api.get("/vacancies").status_code == 200
    built_by_another_version(svc, "provider_vacancies")
    api = provider_api.get("/vacancies")
    assert api.status_code == 503 and REBUILDING in api.get_json()["detail"]

    client.sign_in(account_for("platform_admin"))
    admin = client.get("/admin/projections").get_data(as_text=True)
    assert "Being rebuilt" in admin and "version 9 built, code has version 1" in admin

    svc.projections.upgrade()
    assert "Being rebuilt" not in client.get("/admin/projections").get_data(as_text=True)
    client.sign_in(officer)
    assert client.get("/vacancies/").status_code == 200
    assert client.get("/healthz").get_json()["rebuilding_projections"] == []


def test_status_shows_versions_and_rebuild_rebuilds_what_another_version_built(
        databases, tmp_path, monkeypatch):
    url = databases.new(tmp_path, "cli")
    runner = command_line(monkeypatch, url, tmp_path)
    svc = bootstrap(url, instance=tmp_path)
    try:
        _, settings = build_region(svc.portal)
        random_history(svc.portal, settings, steps=30)
        svc.projections.catch_up()
        built_by_another_version(svc, "supply", 3)
    finally:
        svc.close()
    status = runner.invoke(main, ["projections", "status"])
    assert status.exit_code == 0, status.output
    lines = {line.split()[0]: line for line in status.output.splitlines() if line.strip()}
    assert lines["supply"].endswith("version 3 built, code has version 1: REBUILD PENDING")
    assert lines["vacancy_board"].endswith("  version 1")
    assert "rebuilt when the projection process starts" in status.output
    again = runner.invoke(main, ["projections", "status"])  # status rebuilds nothing
    assert "REBUILD PENDING" in again.output

    rebuilt = runner.invoke(main, ["projections", "rebuild", "gazetteer"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "supply: version 3 built, code has version 1; rebuilt as version 1." in rebuilt.output
    assert "Rebuilt gazetteer, supply:" in rebuilt.output
    after = runner.invoke(main, ["projections", "status"])
    assert "REBUILD PENDING" not in after.output


def test_a_checkpoint_due_while_the_verifiable_log_is_being_rebuilt_waits_for_it(
        app, client, monkeypatch):
    svc = app.extensions["portal"]
    built_by_another_version(svc, "verifiable_log")
    monkeypatch.setattr(svc.checkpoints, "_next_look", 0.0)
    monkeypatch.setattr(svc.checkpoints, "due", lambda: True)
    latest = svc.checkpoints.latest()
    assert client.get("/").status_code == 200  # the page does not read the log
    assert svc.checkpoints.latest() == latest  # no checkpoint of the old-shaped tree
    svc.projections.upgrade()  # which signs what grew meanwhile
    assert client.get("/").status_code == 200
