"""An organisation's administrator creates and revokes its API clients: the key is shown once,
stored only as a hash, never logged; the client acts for that organisation only; another
organisation's client answers like a missing one."""

from __future__ import annotations

import hashlib
import logging
import re
from uuid import uuid4

import sqlalchemy as sa

from auth.api_clients import api_clients
from domain.organisation import authority_id
from tests.conftest import account_for
from tests.web.test_user_pages import add_account, sign_in

KENT = authority_id("886")
DORSET = authority_id("838")
KEY = re.compile(r"spk_[0-9a-f]{32}_[A-Za-z0-9_-]+")


def kent_admin(services):
    return add_account(services, "kim@kent.example.org", KENT,
                       ["organisation_admin", "council_officer"])


def create(client, name="Mosaic live", roles=("council_officer",)):
    return client.post_form("/api-clients/", {"name": name, "roles": list(roles)})


def test_the_key_is_shown_once_and_works_and_only_its_hash_is_stored(client, demo_services,
                                                                     caplog):
    sign_in(client, kent_admin(demo_services))
    caplog.set_level(logging.DEBUG)
    created = create(client)
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    key = KEY.search(created.get_data(as_text=True)).group(0)
    assert key not in caplog.text
    listing = client.get("/api-clients/").get_data(as_text=True)
    assert "Mosaic live" in listing and key not in listing
    with demo_services.engine.connect() as c:
        stored = c.execute(sa.select(api_clients)).mappings().one()
    assert stored["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(dict(stored))
    assert stored["organisation_id"] == KENT and stored["roles"] == "council_officer"
    api = client.application.test_client()
    response = api.get("/api/v1/placements", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_revoking_stops_the_key_at_once(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    key = KEY.search(create(client).get_data(as_text=True)).group(0)
    client_id = key.split("_")[1]
    revoked = client.post_form(f"/api-clients/{client_id[:8]}-{client_id[8:12]}-"
                               f"{client_id[12:16]}-{client_id[16:20]}-{client_id[20:]}/revoke")
    assert revoked.status_code == 302
    assert "Revoked" in client.get("/api-clients/").get_data(as_text=True)
    api = client.application.test_client()
    response = api.get("/api/v1/placements", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401 and "revoked" in response.get_json()["detail"]


def test_each_bad_field_is_named_and_nothing_is_created(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    for form, field, message in [
        ({"name": "", "roles": ["council_officer"]}, "name", "Enter a name for the client"),
        ({"name": "x" * 101, "roles": ["council_officer"]}, "name",
         "Name must be 100 characters or fewer"),
        ({"name": "Mosaic"}, "roles", "Choose what the client may do"),
        ({"name": "Mosaic", "roles": ["platform_admin"]}, "roles",
         "Choose what the client may do from the list"),
        ({"name": "Mosaic", "roles": ["provider_user"]}, "roles",
         "A provider user cannot belong to this kind of organisation"),
    ]:
        response = client.post_form("/api-clients/", form)
        assert response.status_code == 422, form
        page = response.get_data(as_text=True)
        assert f'id="{field}-error"' in page and message in page, (form, message)
    with demo_services.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(api_clients)).scalar() == 0


def test_another_organisations_client_answers_like_a_missing_one(client, demo_services):
    dorset = add_account(demo_services, "dee@dorset.example.org", DORSET,
                         ["organisation_admin"])
    theirs, _key = demo_services.portal.api_clients.create(
        organisation_id=KENT, name="Kent's", roles=["council_officer"], created_by=uuid4())
    sign_in(client, dorset)
    assert "Kent&#39;s" not in client.get("/api-clients/").get_data(as_text=True)
    other = client.post_form(f"/api-clients/{theirs}/revoke")
    missing = client.post_form(f"/api-clients/{uuid4()}/revoke")
    assert other.status_code == missing.status_code == 404
    with demo_services.engine.connect() as c:
        row = c.execute(sa.select(api_clients).where(api_clients.c.id == theirs)).mappings().one()
    assert row["revoked_at"] is None


def test_people_without_the_role_are_refused(client, demo_services):
    officer = demo_services.portal.find_account(account_for("council_officer", "Kent").email)
    sign_in(client, officer.id)
    assert client.get("/api-clients/").status_code == 403
    assert create(client).status_code == 403


def test_the_navigation_offers_api_clients_to_administrators_only(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    assert 'href="/api-clients/"' in client.get("/").get_data(as_text=True)
    officer = demo_services.portal.find_account(account_for("council_officer", "Kent").email)
    sign_in(client, officer.id)
    assert 'href="/api-clients/"' not in client.get("/").get_data(as_text=True)


def test_a_platform_administrator_creates_the_auditors_client_and_only_they_may(client,
                                                                               demo_services):
    from tests.web.test_user_pages import demo_id

    sign_in(client, kent_admin(demo_services))
    page = client.get("/api-clients/").get_data(as_text=True)
    assert 'value="auditor"' not in page  # an authority's administrator never gives it
    refused = create(client, roles=("auditor",))
    assert refused.status_code == 422
    sign_in(client, demo_id(demo_services, "platform_admin"))
    page = client.get("/api-clients/").get_data(as_text=True)
    assert 'value="auditor"' in page and 'value="council_officer"' not in page
    created = create(client, name="Audit system", roles=("auditor",))
    assert created.status_code == 201, created.get_data(as_text=True)
    key = KEY.search(created.get_data(as_text=True)).group(0)
    api = client.application.test_client()
    feed = api.get("/api/v1/audit/events", headers={"Authorization": f"Bearer {key}"})
    assert feed.status_code == 200 and feed.get_json()["items"]
