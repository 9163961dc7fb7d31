"""Behind a reverse proxy: whose address the lockout sees, and when HSTS is sent.

Without TRUSTED_PROXIES, X-Forwarded-* headers are ignored, so a client cannot forge one to
dodge the lockout; with it, the lockout keys on the client's address the proxy reports rather
than the proxy's own (which would lock every user out together).
"""

from __future__ import annotations

import pytest

from portal import create_app
from portal.config import Settings
from projections.database import ConfigurationError
from tests.html_checks import CheckedClient


def client_for(demo_services, tmp_path, trusted_proxies: int) -> CheckedClient:
    settings = Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key", instance=tmp_path, projections_inline=True,
        secure_cookies=False, trusted_proxies=trusted_proxies)
    app = create_app(settings, services=demo_services)
    app.config.update(TESTING=True, RATELIMIT_ENABLED=False)
    app.test_client_class = CheckedClient
    return app.test_client()


def fail_five_times(client, officer, forwarded_for: str) -> None:
    for _ in range(5):
        client.post_form("/sign-in", {"email": officer.email, "password": "not-my-password"},
                         headers={"X-Forwarded-For": forwarded_for})


def locked(client, officer, forwarded_for: str) -> bool:
    page = client.post_form(
        "/sign-in", {"email": officer.email, "password": "still-not-my-password"},
        headers={"X-Forwarded-For": forwarded_for}).get_data(as_text=True)
    return "Too many wrong passwords" in page


def test_without_trusted_proxies_a_forged_forwarded_address_does_not_dodge_the_lockout(
        demo_services, tmp_path, officer):
    client = client_for(demo_services, tmp_path, trusted_proxies=0)
    fail_five_times(client, officer, "203.0.113.5")
    assert locked(client, officer, "198.51.100.7")  # same real address: still locked


def test_behind_a_trusted_proxy_the_lockout_keys_on_the_clients_address(
        demo_services, tmp_path, officer):
    client = client_for(demo_services, tmp_path, trusted_proxies=1)
    fail_five_times(client, officer, "203.0.113.5")
    assert locked(client, officer, "203.0.113.5")
    # Another person behind the same proxy is not locked out by someone else's attempts.
    assert not locked(client, officer, "198.51.100.7")


def test_hsts_follows_the_scheme_a_trusted_proxy_reports(demo_services, tmp_path):
    trusted = client_for(demo_services, tmp_path, trusted_proxies=1)
    over_tls = trusted.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in over_tls.headers["Strict-Transport-Security"]
    untrusted = client_for(demo_services, tmp_path / "other", trusted_proxies=0)
    assert "Strict-Transport-Security" not in untrusted.get(
        "/", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.mark.parametrize("value", ["-1", "many", "9"])
def test_a_bad_proxy_count_is_refused_at_start(monkeypatch, tmp_path, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        Settings.from_environment(instance=tmp_path, secret_key="k")
