"""Proof of isolation for webhooks: each authority's and provider's client subscribes its own
systems (a real HTTP receiver on localhost) to every event type its kind may see; after the
world's searches are sent, a place held for a search, an offer made and a search declined,
every subscription is replayed from the first event and delivered. Each organisation receives
exactly the events it may see (a provider: the searches sent to it and its own vacancies'
holds; a council: the offers and refusals on its own searches and the places held for them),
naming only records it may see, none of another organisation's markers, nothing of a child.

The pages and operations naming a subscription are proved isolated with every other route
(test_url_map.py, test_api_routes.py: ``subscription_id`` in arguments.py)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from domain.actor import Actor
from domain.webhook import event_types_for
from portal.webhook_delivery import deliverer_for
from tests.isolation.checks import leaked
from tests.isolation.test_api_routes import client_principal
from tests.isolation.world import ORGANISATION_KINDS

ORGANISATIONS = ("A", "B", "P", "Q")


class Receiver:
    """Keeps each POST's body by the path it was sent to (one path per organisation)."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[dict]] = {}
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                bodies.setdefault(self.path.strip("/"), []).append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _answers(portal) -> tuple:
    """P offers its held-for-A place on A's search sent to it; Q declines B's search."""
    world, svc = portal.world, portal.services
    p = Actor(world.accounts["provider_user"]["P"], world.organisations["P"])
    q = Actor(world.accounts["provider_user"]["Q"], world.organisations["Q"])
    available = world.vacancies["P"]["available"]
    offer, _ = svc.portal.offer_place(p, world.referrals["P"], vacancy_id=available,
                                      weekly_price=4_200,
                                      start_on=world.today + timedelta(days=3))
    svc.portal.decline_home_search(q, world.referrals["Q"], decline_reason="matching")
    return offer, available


def test_each_organisation_receives_only_what_it_may_see(portal, monkeypatch):
    world, svc = portal.world, portal.services
    # The receiver is this machine's plain http, which only development allows (the default on
    # SQLite, never on PostgreSQL): allowed here, on either database.
    monkeypatch.setattr(svc.portal, "webhook_local_http", True)
    offer, offered_vacancy = _answers(portal)
    receiver = Receiver()
    try:
        for key in ORGANISATIONS:
            actor = Actor.api_client(world.api_clients[key], world.organisations[key])
            # The world's own subscription (an address on the internet) is removed first.
            svc.portal.remove_webhook(actor, world.webhooks[key], reason="isolation")
            subscription, _secret, _ = svc.portal.create_webhook(
                actor, client_id=world.api_clients[key], url=receiver.url + key,
                event_types=event_types_for(ORGANISATION_KINDS[key]))
            svc.projections.catch_up()
            svc.portal.replay_webhook(actor, subscription, from_position=1, reason=None)
        done = deliverer_for(svc).run_once(limit=1_000)
        assert done.failed == done.retrying == 0
    finally:
        receiver.close()
    got = {key: sorted((b["type"], json.dumps(b["data"], sort_keys=True))
                       for b in receiver.bodies.get(key, [])) for key in ORGANISATIONS}
    search_a, search_b = str(world.referrals["P"]), str(world.referrals["Q"])
    held_for_a = str(world.vacancies["P"]["held_for_A"])

    def row(kind, **data):
        return kind, json.dumps(data, sort_keys=True)

    assert got["A"] == sorted([
        row("offer.made", home_search_id=search_a, offer_id=str(offer),
            provider_id=str(world.organisations["P"])),
        row("vacancy.held", vacancy_id=held_for_a, home_search_id=search_a)])
    assert got["B"] == [row("home_search.declined", home_search_id=search_b,
                            provider_id=str(world.organisations["Q"]))]
    sent_to_p = next(json.loads(data) for kind, data in got["P"]
                     if kind == "home_search.sent")
    assert got["P"] == sorted([
        row("home_search.sent", home_search_id=search_a,
            offers_close_at=sent_to_p["offers_close_at"]),
        row("vacancy.held", vacancy_id=held_for_a),  # the council's search is not named
        row("vacancy.held", vacancy_id=str(world.vacancies["P"]["held"]))])
    assert got["Q"] == sorted([
        row("home_search.sent", home_search_id=search_b,
            offers_close_at=json.loads(got["Q"][0][1])["offers_close_at"]),
        # Its own place held for a search named by reference only.
        row("vacancy.held", vacancy_id=str(world.vacancies["Q"]["held"]))])
    # Nobody is told of another provider's vacancy, another council's search or a marker.
    for key in ORGANISATIONS:
        text = json.dumps(receiver.bodies.get(key, []))
        shown = leaked(world, client_principal(world, key), key, text)
        assert shown == [], (key, [m.text for m in shown])
        for other in ORGANISATIONS:
            if other != key:
                assert str(world.webhooks[other]) not in text
        for ref in world.children.values():
            assert ref not in text
    assert offered_vacancy  # the offered vacancy is P's own: named to A only by the offer
