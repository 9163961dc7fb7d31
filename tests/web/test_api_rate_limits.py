"""The API's rate limits: one bucket per API client (the client its key names, else the
caller's address), counted in the store RATELIMIT_STORAGE_URI names, so workers that share a
store (Redis in production) share each client's count, where memory:// counts per process."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.api.access import rate_key
from portal.config import Settings
from projections.database import ConfigurationError
from tests.conftest import PORTAL_URL, account_for
from tests.web.api_fixtures import key_for

REDIS = "redis://127.0.0.1:6379/15"


def _key(app, demo_services):
    provider = account_for("provider_user")
    return key_for(demo_services, provider.organisation_id, ["provider_user"])


def test_the_bucket_is_the_client_the_key_names_else_the_address(app, demo_services):
    client_id, key = _key(app, demo_services)
    address = {"REMOTE_ADDR": "192.0.2.7"}
    with app.test_request_context("/api/v1/vacancies", environ_base=address,
                                  headers={"Authorization": f"Bearer {key}"}):
        assert rate_key() == f"api-client:{client_id}"
    other_id, other_key = _key(app, demo_services)
    with app.test_request_context("/api/v1/vacancies", environ_base=address,
                                  headers={"Authorization": f"Bearer {other_key}"}):
        assert rate_key() == f"api-client:{other_id}" != f"api-client:{client_id}"
    for header in ({}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic x"}):
        with app.test_request_context("/api/v1/vacancies", environ_base=address,
                                      headers=header):
            assert rate_key() == "api-anonymous:192.0.2.7"


def test_the_storage_is_configured_and_a_storage_not_known_is_refused(monkeypatch, tmp_path):
    base = dict(secret_key="k", instance=tmp_path, portal_url=PORTAL_URL)
    assert Settings.from_environment(**base).ratelimit_storage_uri == "memory://"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/2")
    assert Settings.from_environment(**base).ratelimit_storage_uri == \
        "redis://cache.internal:6379/2"
    for wrong in ("cache.internal:6379", "carrier-pigeon://loft", "async+redis://cache:6379"):
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", wrong)
        with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI must name a "
                                                     "storage the limits library knows"):
            Settings.from_environment(**base)


def _app(demo_services, tmp_path, storage: str):
    settings = Settings.from_environment(
        database_url=demo_services.database.url.render_as_string(hide_password=False),
        secret_key="test-secret-key", instance=tmp_path, projections_inline=True,
        secure_cookies=False, portal_url=PORTAL_URL, ratelimit_storage_uri=storage)
    app = create_app(settings, services=demo_services)
    app.config.update(TESTING=True, API_RATE_LIMIT="3 per hour")
    return app


def _statuses(app, key: str, count: int) -> list[int]:
    http = app.test_client()
    return [http.get("/api/v1/settings", headers={"Authorization": f"Bearer {key}"})
            .status_code for _ in range(count)]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis answers at 127.0.0.1:6379")
def test_two_apps_sharing_a_store_share_each_clients_count(demo_services, tmp_path):
    import redis

    client_id, key = key_for(demo_services, account_for("provider_user").organisation_id,
                             ["provider_user"])
    other_id = client_id
    try:
        first = _app(demo_services, tmp_path, REDIS)
        assert _statuses(first, key, 2) == [200, 200]
        # A second app (another worker) sets up its own connection to the same store...
        second = _app(demo_services, tmp_path, REDIS)
        assert _statuses(second, key, 2) == [200, 429]  # ...and sees the first one's count
        other_id, other_key = key_for(demo_services, account_for("provider_user").organisation_id,
                               ["provider_user"])
        assert _statuses(second, other_key, 1) == [200]  # another client: a count of its own
    finally:
        store = redis.Redis.from_url(REDIS)
        for client in (client_id, other_id):
            for name in store.scan_iter(match=f"*api-client:{client}*"):
                store.delete(name)
        _app(demo_services, tmp_path, "memory://")  # later apps of this process count here


def test_apps_counting_in_memory_do_not_share_a_count(demo_services, tmp_path):
    _, key = key_for(demo_services, account_for("provider_user").organisation_id,
                     ["provider_user"])
    first = _app(demo_services, tmp_path, "memory://")
    assert _statuses(first, key, 4) == [200, 200, 200, 429]
    # memory:// is the process's own: a worker set up afresh starts from nothing, which is why
    # production shares a store.
    second = _app(demo_services, tmp_path, "memory://")
    assert _statuses(second, key, 3) == [200, 200, 200]
