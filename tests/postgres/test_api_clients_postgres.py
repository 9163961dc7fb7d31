"""API clients and idempotency keys on the real PostgreSQL server: a key authenticates, a
revoked one is refused, and twenty requests racing with one idempotency key claim it once."""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest

from auth.api_clients import ApiClients, IdempotencyRefused, KeyRefused, StoredResponse
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
