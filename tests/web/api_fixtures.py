"""Shared by the integration API's tests: clients with keys for demo organisations, and the
bodies of a vacancy and a placement, and the projection process held back."""

from __future__ import annotations

from contextlib import contextmanager
from uuid import uuid4

import pytest

from domain.account import account_id
from tests.conftest import account_for


def key_for(services, organisation_id, roles) -> tuple[object, str]:
    """A client of ``organisation_id`` with ``roles`` and its key (as an administrator's page
    would create it)."""
    return services.portal.api_clients.create(
        organisation_id=organisation_id, name="Test system", roles=list(roles),
        created_by=uuid4())


class Api:
    """The app's test client speaking to /api/v1 with one client's key."""

    def __init__(self, app, services, organisation_id, roles) -> None:
        self.http = app.test_client()
        self.services = services
        self.organisation_id = organisation_id
        self.client_id, self.key = key_for(services, organisation_id, roles)

    def headers(self, extra=None) -> dict:
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def get(self, path, **kw):
        return self.http.get(f"/api/v1{path}", headers=self.headers(kw.pop("headers", None)),
                             **kw)

    def post(self, path, body=None, **kw):
        return self.http.post(f"/api/v1{path}", json=body,
                              headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path, body=None, **kw):
        return self.http.patch(f"/api/v1{path}", json=body,
                               headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, path, body=None, **kw):
        return self.http.put(f"/api/v1{path}", json=body,
                             headers=self.headers(kw.pop("headers", None)), **kw)

    def position(self) -> int:
        return self.services.portal.last_position()


@contextmanager
def views_behind(api: Api, monkeypatch):
    """The projection process is restarting (killed, say): what is stored meanwhile cannot be
    read from the read models within the API's wait."""
    projections = api.services.projections
    with monkeypatch.context() as behind:
        behind.setattr(projections, "wait_for", lambda position, timeout=5.0: False)
        behind.setattr(projections, "catch_up", lambda *args, **kwargs: 0)
        yield


def setting_of(services, provider_id):
    provider = services.portal.get_provider(provider_id)
    return next(iter(provider.settings.values()))


def vacancy_body(setting_id, **changes) -> dict:
    return {"setting_id": str(setting_id), "age_from": 10, "age_to": 16,
            "needs_met": [], "weekly_fee": 4200, "places": 1,
            "available_from": "2027-01-04", "description": "A calm home", **changes}


@pytest.fixture
def provider_api(app, demo_services):
    provider = account_for("provider_user")
    return Api(app, demo_services, provider.organisation_id, ["provider_user"])


@pytest.fixture
def other_provider_api(app, demo_services):
    from portal.demo.loader import demo_accounts

    other = [a for a in demo_accounts() if a.role == "provider_user"][1]
    return Api(app, demo_services, other.organisation_id, ["provider_user"])


@pytest.fixture
def council_api(app, demo_services):
    officer = account_for("council_officer", "Kent")
    return Api(app, demo_services, officer.organisation_id, ["council_officer"])


@pytest.fixture
def other_council_api(app, demo_services):
    officer = account_for("council_officer", "Devon")
    return Api(app, demo_services, officer.organisation_id, ["council_officer"])


def admin_of(services, account) -> object:
    """Make the demo ``account`` its organisation's administrator too; its id."""
    from domain.actor import Actor

    ref = account_id(account.email)
    services.portal.grant_role(Actor.system(), ref, role="organisation_admin",
                               reason="Runs the organisation's systems")
    services.projections.catch_up()
    return ref


def stored_while_behind(api: Api, monkeypatch, path: str, body: dict, key: str):
    """POST ``body`` to ``path`` with Idempotency-Key ``key`` while the read models cannot
    catch up, then again once they can. The first answer must say it was stored (503,
    Retry-After, its address) and the retry must store nothing more and answer 201 at that
    address. Returns the first answer."""
    headers = {"Idempotency-Key": key}
    before = api.position()
    with views_behind(api, monkeypatch):
        answer = api.post(path, body, headers=headers)
    assert answer.status_code == 503, answer.get_json()
    assert "was stored" in answer.get_json()["detail"]
    assert answer.headers["Retry-After"] == "2"
    stored = api.position()
    assert stored > before
    retry = api.post(path, body, headers=headers)
    assert retry.status_code == 201, retry.get_json()
    assert retry.headers["Location"] == answer.headers["Location"]
    assert api.position() == stored
    return answer
