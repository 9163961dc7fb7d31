"""Links in e-mails come from the configured address (PORTAL_URL), never from the request.

The outside tester asked for a password reset with ``Host: evil.example`` and the victim was
mailed ``http://evil.example/password-reset/<token>``. Now the link is built from PORTAL_URL
(or, for a local run without it, http://127.0.0.1:PORT), and when PORTAL_URL is set a request
for any other host is refused before anything happens.
"""

from __future__ import annotations

import re
from uuid import uuid4

import pytest

from domain.organisation import authority_id
from portal import create_app
from portal.config import Settings
from portal.links import external_url
from projections.database import ConfigurationError
from tests.conftest import account_for
from tests.databases import on_postgresql
from tests.html_checks import CheckedClient

PORTAL = "https://portal.example.gov.uk"
EVIL = "evil.example"
ANY_LINK = re.compile(r"https?://[^\s]+")
# A run without PORTAL_URL is a local one, on SQLite: on PostgreSQL the portal refuses to
# start without it (test_production_without_portal_url_fails_at_start_up).
local_run = pytest.mark.skipif(on_postgresql(), reason="a local run is SQLite's")


def client_for(demo_services, tmp_path, *, portal_url: str = "",
               trusted_proxies: int = 0) -> CheckedClient:
    settings = Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key", instance=tmp_path, projections_inline=True,
        secure_cookies=False, trusted_proxies=trusted_proxies, portal_url=portal_url)
    app = create_app(settings, services=demo_services)
    app.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    app.test_client_class = CheckedClient
    return app.test_client()


def post_as(client, path: str, data: dict, host: str):
    """Post a form the way a browser would at ``host``: its page first (for the CSRF token and
    the session cookie, which belong to that host), then the form."""
    page = client.get("/sign-in", headers={"Host": host}).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={**data, "csrf_token": csrf}, headers={"Host": host})


def links_mailed(demo_services, kind: str) -> list[str]:
    return [link for message in demo_services.mailer.sent(kind=kind)
            for link in ANY_LINK.findall(message.body)]


@pytest.fixture(autouse=True)
def default_port(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("PORTAL_URL", raising=False)


@local_run
def test_an_evil_host_never_reaches_a_reset_link_without_portal_url(
        demo_services, tmp_path, officer):
    """The finding as the tester ran it, on a local run: the link is the local address."""
    client = client_for(demo_services, tmp_path)
    response = post_as(client, "/password-reset/", {"email": officer.email}, EVIL)
    assert response.status_code == 200
    (link,) = links_mailed(demo_services, "password_reset")
    assert link.startswith("http://127.0.0.1:5000/password-reset/")
    assert EVIL not in link


def test_with_portal_url_a_reset_for_an_evil_host_is_refused_and_nothing_is_mailed(
        demo_services, tmp_path, officer):
    client = client_for(demo_services, tmp_path, portal_url=PORTAL)
    response = client.post("/password-reset/", data={"email": officer.email},
                           headers={"Host": EVIL})
    assert response.status_code == 400
    assert "not the portal's" in response.get_data(as_text=True)
    assert demo_services.mailer.sent(kind="password_reset") == []
    # Asked for at the portal's own address (any port), the link is the configured one.
    for base in (PORTAL, "https://portal.example.gov.uk:8443"):
        page = client.get("/password-reset/", base_url=base).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/password-reset/", base_url=base, data={
            "email": officer.email, "csrf_token": csrf}, headers={"Referer": base + "/"})
        assert response.status_code == 200
    links = links_mailed(demo_services, "password_reset")
    assert len(links) == 2
    assert all(link.startswith(f"{PORTAL}/password-reset/") for link in links)


def test_behind_a_trusted_proxy_a_forwarded_evil_host_is_refused(demo_services, tmp_path,
                                                                officer):
    client = client_for(demo_services, tmp_path, portal_url=PORTAL, trusted_proxies=1)
    refused = client.post("/password-reset/", data={"email": officer.email},
                          base_url=PORTAL, headers={"X-Forwarded-Host": EVIL})
    assert refused.status_code == 400
    forwarded = client.get("/sign-in", base_url="http://10.0.0.5",
                           headers={"X-Forwarded-Host": "portal.example.gov.uk",
                                    "X-Forwarded-Proto": "https"})
    assert forwarded.status_code == 200
    assert demo_services.mailer.sent(kind="password_reset") == []


@local_run
def test_an_invitation_link_comes_from_the_configured_address(demo_services, tmp_path):
    client = client_for(demo_services, tmp_path)  # no PORTAL_URL: a local run
    client.environ_base["HTTP_HOST"] = EVIL  # every request, signing in too, names that host
    client.sign_in(account_for("platform_admin"))
    response = client.post_form("/users/invite", {
        "display_name": "Nia Newstart", "email": "nia@kent.example.org",
        "organisation_id": str(authority_id("886")), "roles": ["council_officer"],
        "reason": "New placements officer"})
    assert response.status_code == 200
    (link,) = links_mailed(demo_services, "invitation")
    assert link.startswith("http://127.0.0.1:5000/invitations/")
    assert EVIL not in response.get_data(as_text=True)  # nor in the link shown once


def test_an_invitation_for_an_evil_host_is_refused_when_portal_url_is_set(
        demo_services, tmp_path):
    client = client_for(demo_services, tmp_path, portal_url=PORTAL)
    response = client.post("/users/invite", data={"email": "nia@kent.example.org"},
                           base_url=PORTAL, headers={"Host": EVIL})
    assert response.status_code == 400
    assert demo_services.mailer.sent(kind="invitation") == []


def test_the_single_sign_on_redirect_address_comes_from_the_configured_address(
        demo_services, tmp_path):
    """What the identity-provider page tells the administrator to register, and what signing
    in sends the identity provider, whatever host the request named."""
    app = client_for(demo_services, tmp_path, portal_url=PORTAL).application
    provider = uuid4()
    with app.test_request_context("/", base_url="http://localhost", headers={"Host": EVIL}):
        assert external_url("oidc.callback", identity_provider_id=provider) == \
            f"{PORTAL}/sign-in/organisation/{provider}/callback"
    app.config["PORTAL_URL"] = "https://council.example.gov.uk/sufficiency"  # under a path
    with app.test_request_context("/"):
        assert external_url("oidc.organisation", identity_provider_id=provider) == \
            f"https://council.example.gov.uk/sufficiency/sign-in/organisation/{provider}"


# --- start-up -----------------------------------------------------------------------------

def test_production_without_portal_url_fails_at_start_up(tmp_path):
    with pytest.raises(ConfigurationError, match="PORTAL_URL must be set in production"):
        Settings.from_environment(
            instance=tmp_path, secret_key="k",
            database_url="postgresql+psycopg://portal@db.example:5432/portal")
    with pytest.raises(ConfigurationError, match="PORTAL_URL must be set in production"):
        Settings.from_environment(instance=tmp_path, secret_key="k", secure_cookies=True)
    settings = Settings.from_environment(
        instance=tmp_path, secret_key="k", secure_cookies=True, portal_url=PORTAL + "/")
    assert (settings.portal_url, settings.portal_url_configured) == (PORTAL, True)


def test_the_environment_sets_portal_url_and_the_command_line_says_what_is_missing(
        monkeypatch, tmp_path):
    from click.testing import CliRunner

    from portal.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@127.0.0.1:9/portal")
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "k")
    result = CliRunner().invoke(main, ["projections", "status"])
    assert result.exit_code != 0
    assert "PORTAL_URL must be set in production" in result.output
    monkeypatch.setenv("PORTAL_URL", PORTAL)
    settings = Settings.from_environment(instance=tmp_path)
    assert settings.portal_url == PORTAL and settings.portal_url_configured


def test_a_local_run_links_to_its_own_port(monkeypatch, tmp_path):
    settings = Settings.from_environment(instance=tmp_path, secret_key="k")
    assert (settings.portal_url, settings.portal_url_configured) == (
        "http://127.0.0.1:5000", False)
    monkeypatch.setenv("PORT", "8000")
    assert Settings.from_environment(instance=tmp_path, secret_key="k").portal_url == \
        "http://127.0.0.1:8000"


@pytest.mark.parametrize("value", [
    "portal.example.gov.uk", "ftp://portal.example.gov.uk", "https://",
    "https://user:secret@portal.example.gov.uk", "https://portal.example.gov.uk/?next=x",
    "https://portal.example.gov.uk:port"])
def test_a_malformed_portal_url_is_refused_at_start_up(tmp_path, value):
    with pytest.raises(ConfigurationError, match="PORTAL_URL"):
        Settings.from_environment(instance=tmp_path, secret_key="k", portal_url=value)
