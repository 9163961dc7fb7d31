"""A database that is read-only or full: the person is told so on a clear 503 page (nothing
they sent was saved, try again later), a client of the API gets a 503 problem saying the same,
and the health endpoint says which."""

from __future__ import annotations

from eventsourcing.persistence import OperationalError

from projections import outage
from tests.databases import on_postgresql
from tests.projections.test_outage import disk_full_error, read_only_error
from tests.web.api_fixtures import setting_of, vacancy_body
from tests.web.test_provider_pages import a_home, own_setting_ids, vacancy_form


def test_a_write_refused_by_a_read_only_database_answers_503_saying_so(
        app, client, provider_user, monkeypatch, tmp_path):
    svc = app.extensions["portal"]
    refused = read_only_error(tmp_path)

    def read_only(*_args, **_kwargs):
        raise OperationalError(str(refused.orig)) from refused.orig  # as the event store does

    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    monkeypatch.setattr(svc.portal, "publish_vacancy", read_only)
    position = svc.portal.last_position()
    response = client.post_form("/our-vacancies/new", vacancy_form(a_home(settings)))
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "The portal's database is read-only at the moment." in page
    assert "Nothing you sent was saved" in page
    assert svc.portal.last_position() == position


def test_an_api_write_refused_by_a_full_disk_answers_503_not_500(
        app, provider_api, monkeypatch, tmp_path):
    svc = app.extensions["portal"]
    refused = disk_full_error(tmp_path)

    def full(*_args, **_kwargs):
        raise OperationalError(str(refused.orig)) from refused.orig  # as the event store does

    monkeypatch.setattr(svc.portal, "publish_vacancy", full)
    position = svc.portal.last_position()
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    response = provider_api.post("/vacancies", vacancy_body(setting.id))
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    problem = response.get_json()
    assert problem["detail"].startswith(outage.SAYS["full"])
    assert "Nothing you sent was saved" in problem["detail"]
    assert svc.portal.last_position() == position


def test_the_health_endpoint_says_the_disk_is_full(client, monkeypatch, tmp_path):
    assert client.get("/healthz").get_json()["database"] == "ok"
    monkeypatch.setattr(outage, "LOW_DISK_BYTES", 1 << 62)
    response = client.get("/healthz")
    if on_postgresql():  # the server's disk is out of sight: its errors say so (below)
        assert response.status_code == 200
    else:
        assert response.status_code == 503
        assert response.get_json() == {"status": "error", "database": "full",
                                       "detail": outage.SAYS["full"]}
    assert outage.problem(disk_full_error(tmp_path)) == "full"
