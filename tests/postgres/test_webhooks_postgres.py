"""Webhooks on the real PostgreSQL server: the feed, the outbox's queries and a replay work
there as on SQLite, and two delivery workers running at once send each delivery once (a
delivery is claimed before it is sent)."""

from __future__ import annotations

import threading

import pytest

from portal.bootstrap import bootstrap
from portal.webhook_delivery import deliverer_for
from tests.projections.test_search_notices import history
from tests.web.test_webhook_delivery import Clock, Receiver, deliveries, replayed, subscribed

pytestmark = pytest.mark.postgres


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_two_workers_send_each_delivery_once(services):
    receiver = Receiver()
    try:
        world, _ids = history(services)
        actor, subscription, _ = subscribed(
            services, world.providers["Brook Care"], receiver.url,
            ["home_search.sent", "offer.declined"])
        clock = Clock()
        replayed(services, actor, subscription, clock)
        workers = [deliverer_for(services, clock=clock) for _ in range(2)]
        rounds = []
        threads = [threading.Thread(target=lambda w=w: rounds.append(w.run_once()))
                   for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r.delivered for r in rounds) == 2
        assert len(receiver.received) == 2
        assert [d["state"] for d in deliveries(services, subscription)] == ["delivered"] * 2
    finally:
        receiver.close()
