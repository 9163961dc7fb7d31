"""Issue 17, finding 1, on the real PostgreSQL server: a NUL byte in a free-text field used to
be stored as an event that the read model could never store ("PostgreSQL text fields cannot
contain NUL (0x00) bytes"), and since every request catches the projections up first, every
page answered 500 for good. Now the field is refused, nothing is stored and the portal keeps
serving."""

from __future__ import annotations

import pytest

from tests.postgres import test_web_postgres as web
from tests.web.test_provider_pages import a_home, own_setting_ids, vacancy_form

pytestmark = pytest.mark.postgres

# The demo region on a throwaway database, served through the real views (shared fixtures).
demo_template, demo_url, demo_services, app = (web.demo_template, web.demo_url,
                                                web.demo_services, web.app)
account = web.account

NUL = "NUL here:\x00:end"  # what the outside tester sent, as %00 in a form


def test_a_nul_in_free_text_is_refused_and_the_portal_keeps_serving(app, demo_services):
    provider = account("provider_user")
    client = app.test_client()
    client.sign_in(provider)
    officer = app.test_client()
    officer.sign_in(account("council_officer"))
    _, settings = own_setting_ids(app, provider.organisation)
    head = demo_services.portal.last_position()

    response = client.post_form("/our-vacancies/new",
                                vacancy_form(a_home(settings), description=NUL))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Description must not contain control characters" in page
    assert "\x00" not in page  # shown again as typed, but never as a NUL

    target = officer.post_form("/targets/", {"reason": NUL})
    assert target.status_code == 200
    assert "must not contain control characters" in target.get_data(as_text=True)

    assert demo_services.portal.last_position() == head  # nothing stored
    for who, path in ((client, "/"), (client, "/our-vacancies/"), (officer, "/vacancies/"),
                      (officer, "/targets/")):
        assert who.get(path).status_code == 200, path
    anonymous = app.test_client()
    assert anonymous.get("/sign-in").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert {p["behind"] for p in health.get_json()["projections"].values()} == {0}

    # And the same form without the NUL is stored and shown, on the same server.
    published = client.post_form("/our-vacancies/new", vacancy_form(
        a_home(settings), description="NUL here::end"))
    assert published.status_code == 302
    assert "NUL here::end" in client.get(published.headers["Location"]).get_data(as_text=True)
