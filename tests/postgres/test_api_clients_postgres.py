"""API clients and idempotency keys on the real PostgreSQL server: a key authenticates, a
revoked one is refused, and twenty requests racing with one idempotency key claim it once."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from auth.api_clients import ApiClients, KeyRefused
from auth.idempotency import IdempotencyKeys, IdempotencyRefused, StoredResponse
from portal.bootstrap import bootstrap

pytestmark = pytest.mark.postgres
RACERS = 20


@pytest.fixture
def clients(postgres_url):
    svc = bootstrap(postgres_url)
    yield ApiClients(svc.engine)
    svc.close()


def test_a_key_authenticates_until_revoked(clients):
    organisation = uuid4()
    client_id, key = clients.create(organisation_id=organisation, name="Mosaic",
                                    roles=["council_officer"], created_by=uuid4())
    client = clients.authenticate(key)
    assert (client.id, client.organisation_id, client.roles) == (
        client_id, organisation, frozenset({"council_officer"}))
    assert clients.revoke(client_id, organisation_id=uuid4(), revoked_by=uuid4()) is False
    assert clients.revoke(client_id, organisation_id=organisation, revoked_by=uuid4())
    with pytest.raises(KeyRefused) as refused:
        clients.authenticate(key)
    assert refused.value.reason == "revoked"
    assert [c["state"] for c in clients.of_organisation(organisation)] == ["revoked"]


def test_racing_requests_with_one_idempotency_key_claim_it_once(clients):
    clients = IdempotencyKeys(clients.engine)
    client_id, key = uuid4(), "order-42"
    barrier = threading.Barrier(RACERS)
    outcomes: list = [None] * RACERS

    def race(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = clients.begin(client_id, key, "same request")
        except IdempotencyRefused as refused:
            outcomes[i] = refused.reason

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(None) == 1
    assert outcomes.count("in_progress") == RACERS - 1
    clients.finish(client_id, key, StoredResponse(201, '{"id": 1}', {"ETag": '"1"'}))
    replay = clients.begin(client_id, key, "same request")
    assert replay == StoredResponse(201, '{"id": 1}', {"ETag": '"1"'})
    with pytest.raises(IdempotencyRefused) as refused:
        clients.begin(client_id, key, "another request")
    assert refused.value.reason == "reused"


def test_a_providers_system_publishes_pages_and_updates_through_the_api(postgres_url, tmp_path):
    from domain.actor import Actor
    from portal import create_app
    from portal.config import Settings

    svc = bootstrap(postgres_url)
    try:
        system = Actor.system()
        kent, _ = svc.portal.register_authority(
            system, la_code="886", ons_code="E10000016", name="Kent", population_0_17=345_000,
            partnerships=["South East"], key_decision_threshold=1_000_000)
        provider, _ = svc.portal.register_provider(system, name="Harbour Homes",
                                                   kind="childrens_home_operator")
        setting, position = svc.portal.add_setting(
            system, provider, name="Harbour House", setting_type="childrens_home",
            ofsted_urn=None, host_authority_id=kent, postcode_district="ME14",
            registered_places=4)
        svc.projections.wait_for(position)
        _client, key = svc.portal.api_clients.create(
            organisation_id=provider, name="Bookings", roles=["provider_user"],
            created_by=uuid4())
        app = create_app(Settings.from_environment(
            database_url=postgres_url, secret_key="pg-api", instance=tmp_path,
            projections_inline=True, secure_cookies=False, portal_url="http://localhost"),
            services=svc)
        http, auth = app.test_client(), {"Authorization": f"Bearer {key}"}
        body = {"setting_id": str(setting), "age_from": 10, "age_to": 16, "needs_met": [],
                "weekly_fee": 4200, "places": 1, "available_from": "2027-01-04"}
        ids = {http.post("/api/v1/vacancies", json=body, headers=auth).get_json()["id"]
               for _ in range(3)}
        seen, cursor = [], None
        while True:
            query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = http.get("/api/v1/vacancies", query_string=query, headers=auth).get_json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids)
        first = sorted(ids)[0]
        read = http.get(f"/api/v1/vacancies/{first}", headers=auth)
        changed = http.patch(f"/api/v1/vacancies/{first}", json={"weekly_fee": 4400},
                             headers={**auth, "If-Match": read.headers["ETag"]})
        assert changed.status_code == 200 and changed.get_json()["weekly_fee"] == 4400
        stale = http.patch(f"/api/v1/vacancies/{first}", json={"weekly_fee": 4500},
                           headers={**auth, "If-Match": read.headers["ETag"]})
        assert stale.status_code == 412
    finally:
        svc.close()
