"""The webhook feed: each organisation is given exactly the events it may see (a provider the
searches sent to it and its own offers' and vacancies' fate; a council the offers and refusals
on its own searches and the vacancies held or filled for it), with ids only, nothing of the
child; the outbox queues them for each live subscription of the organisation, after its
creation, of its types; a replay queues again from a position; a rebuild writes the same
feed and leaves the outbox alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from domain.actor import Actor
from projections import webhook_outbox as outbox
from projections.webhooks import webhook_events
from tests.projections.home_search_world import worked_example_search
from tests.projections.scenario import dump
from tests.projections.test_home_search_offers import DEADLINE, NOW
from tests.projections.test_search_notices import history


def feed(services) -> dict:
    with services.engine.connect() as c:
        rows = c.execute(sa.select(webhook_events).order_by(webhook_events.c.position))
        found: dict = {}
        for row in rows.mappings():
            found.setdefault(row["organisation_id"], []).append(
                (row["event_type"], json.loads(row["payload"])))
    return found


def subscribe(services, organisation_id, event_types):
    client_id, _key = services.portal.api_clients.create(
        organisation_id=organisation_id, name="System", roles=["provider_user"],
        created_by=organisation_id)
    actor = Actor.api_client(client_id, organisation_id)
    subscription_id, secret, _position = services.portal.create_webhook(
        actor, client_id=client_id, url="https://hooks.example.org/in",
        event_types=event_types)
    assert secret.startswith("whsec_")
    return actor, subscription_id


def test_each_organisation_is_given_only_what_it_may_see(services):
    world, ids = history(services)
    p = world.providers
    events = feed(services)
    sent, offer_a, offer_b = str(ids["sent"]), str(ids["offer_a"]), str(ids["offer_b"])
    weald = [(kind, data.get("home_search_id")) for kind, data in events[p["Weald Homes"]]]
    assert ("offer.accepted", sent) in weald and ("home_search.sent", sent) in weald
    assert ("home_search.sent", str(ids["only_weald"])) in weald
    brook = events[p["Brook Care"]]
    assert [k for k, _ in brook] == ["home_search.sent", "offer.declined"]
    assert brook[1][1] == {"home_search_id": sent, "offer_ids": [offer_b]}
    assert [k for k, _ in events[p["Other Homes"]]] == ["home_search.sent"]
    kent = events[world.kent]
    assert [k for k, _ in kent] == ["offer.made", "offer.made", "home_search.declined",
                                    "offer.accepted", "vacancy.filled"]
    assert kent[3][1] == {"home_search_id": sent, "offer_id": offer_a}
    assert world.dorset not in events
    for organisation_rows in events.values():
        text = json.dumps(organisation_rows)
        assert "CAAAAAAAAAAA" not in text and "child" not in text and "age" not in text
    # No provider is told of another's offer.
    assert offer_a not in json.dumps(brook) and offer_b not in json.dumps(
        events[p["Weald Homes"]])


def test_the_outbox_queues_for_live_subscriptions_after_creation_and_replays(services):
    world, _ids = history(services)
    brook = world.providers["Brook Care"]
    actor, subscription = subscribe(services, brook, ["offer.declined", "home_search.sent"])
    services.projections.catch_up()
    now = datetime.now(UTC)
    with services.engine.begin() as c:
        assert outbox.queue_new(c, now) == 0  # everything so far came before it
    _position, queued = services.portal.replay_webhook(actor, subscription, from_position=1,
                                                      reason="Our system lost its copy")
    assert queued == 2  # the search sent to Brook and its offer not taken
    with services.engine.begin() as c:
        assert outbox.queue_new(c, now) == 0
        rows = outbox.deliveries_of(c, subscription)
    assert [r["event_type"] for r in rows] == ["offer.declined", "home_search.sent"]
    assert {r["state"] for r in rows} == {outbox.PENDING}
    others = services.portal.webhooks_of(actor)
    assert [s["id"] for s in others] == [subscription]
    assert others[0]["deliveries"] == {"pending": 2, "delivered": 0, "failed": 0}
    services.portal.remove_webhook(actor, subscription, reason="Replaced")
    services.projections.catch_up()
    with services.engine.connect() as c:
        assert outbox.due(c, now) == []
    assert services.portal.webhooks_of(actor) == []


def test_a_rebuild_writes_the_same_feed_and_keeps_the_outbox(services):
    world, _ids = history(services)
    actor, subscription = subscribe(services, world.kent, ["offer.made"])
    services.projections.catch_up()
    services.portal.replay_webhook(actor, subscription, from_position=1, reason=None)
    names = {"webhook_events", "webhook_subscriptions", "webhook_searches", "webhook_offers",
             "webhook_vacancies", "webhook_deliveries"}
    before = dump(services.engine, names)
    services.projections.rebuild(["webhook_feed"])
    assert dump(services.engine, names) == before
    assert len(before["webhook_deliveries"]) == 2


def test_a_replay_from_a_late_position_leaves_no_earlier_new_event_behind(services):
    world, _ids = history(services)
    weald = world.providers["Weald Homes"]
    actor, subscription = subscribe(services, weald, ["home_search.sent"])
    services.projections.catch_up()
    kent = Actor(None, world.kent)
    sent = []
    for n in (4, 5):
        search = worked_example_search(services.portal, world, child_ref=f"CAAAAAAAAAAA{n}")
        sent.append(services.portal.send_home_search(kent, search, provider_ids=[weald],
                                                     offers_close_at=DEADLINE, now=NOW))
    services.projections.catch_up()
    # Nothing has queued the first new search yet; a replay from the second's position must
    # not leave it out.
    services.portal.replay_webhook(actor, subscription, from_position=sent[1], reason=None)
    with services.engine.begin() as c:
        outbox.queue_new(c, datetime.now(UTC))
        rows = outbox.deliveries_of(c, subscription)
    assert sorted(r["position"] for r in rows) == sent
