"""Delivering webhooks to a real HTTP receiver on localhost (a thread running http.server):
each event is posted once, signed over its timestamp and body with the subscription's secret;
a failure is tried again after 30 seconds, then twice as long each time (the deliverer's clock
is injected), until the last attempt fails it; redirects are never followed; plain http is
refused outside development; a replay sends again from a position; a removed subscription
is sent nothing more."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import textwrap
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal.webhook_delivery import MAX_ATTEMPTS, WebhookDeliverer, deliverer_for
from projections import webhook_outbox as outbox
from tests.projections.test_search_notices import history


class Receiver:
    """A local HTTP server answering each POST with the next status of ``statuses`` (the
    last one repeats), keeping what it received."""

    def __init__(self) -> None:
        self.statuses = [204]
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 \
                    else receiver.statuses[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "https://elsewhere.example.org/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def verify(secret: str, request: dict) -> bool:
    """The README's check, as a receiver would write it."""
    timestamp = request["headers"]["Webhook-Timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"],
                                hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["Webhook-Signature"])


def subscribed(services, organisation_id, url, event_types, *, local_http=True):
    services.portal.webhook_local_http = local_http
    client_id, _ = services.portal.api_clients.create(
        organisation_id=organisation_id, name="System", roles=["provider_user"],
        created_by=organisation_id)
    actor = Actor.api_client(client_id, organisation_id)
    subscription_id, secret, _ = services.portal.create_webhook(
        actor, client_id=client_id, url=url, event_types=event_types)
    services.projections.catch_up()
    return actor, subscription_id, secret


def replayed(services, actor, subscription_id, clock):
    services.portal.webhook_clock = clock
    services.portal.replay_webhook(actor, subscription_id, from_position=1, reason="Catch up")


@dataclass
class Queued:
    """A subscription whose events are queued for delivery (replayed from the first
    position), with the deliverer's clock: what each test starts from."""

    actor: Actor
    subscription: UUID
    secret: str
    clock: Clock
    ids: dict


def queued(services, url, *, provider="Other Homes", event_types=("home_search.sent",),
           local_http=True) -> Queued:
    """The search notices' history recorded, ``provider``'s API client subscribed at ``url``
    to ``event_types`` and every event so far queued for it."""
    world, ids = history(services)
    actor, subscription, secret = subscribed(services, world.providers[provider], url,
                                             list(event_types), local_http=local_http)
    clock = Clock()
    replayed(services, actor, subscription, clock)
    return Queued(actor, subscription, secret, clock, ids)


def deliveries(services, subscription_id) -> list[dict]:
    with services.engine.connect() as c:
        return outbox.deliveries_of(c, subscription_id)


def test_each_event_is_posted_signed_once(services, receiver):
    hook = queued(services, receiver.url, provider="Brook Care",
                  event_types=("home_search.sent", "offer.declined"))
    deliverer = deliverer_for(services, clock=hook.clock)
    done = deliverer.run_once()
    assert (done.delivered, done.retrying, done.failed) == (2, 0, 0)
    assert deliverer.run_once().delivered == 0  # each once
    assert len(receiver.received) == 2
    first, second = receiver.received
    for request in receiver.received:
        assert verify(hook.secret, request)
        assert not verify(hook.secret + "x", request)
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["Webhook-Timestamp"] == str(int(hook.clock.now.timestamp()))
    body = json.loads(first["body"])
    assert body["type"] == "home_search.sent" == first["headers"]["Webhook-Event"]
    assert body["data"]["home_search_id"] == str(hook.ids["sent"])
    assert body["id"] == first["headers"]["Webhook-Id"]
    assert body["subscription_id"] == str(hook.subscription)
    assert int(first["headers"]["Webhook-Position"]) < int(
        second["headers"]["Webhook-Position"])
    assert json.loads(second["body"])["data"]["offer_ids"] == [str(hook.ids["offer_b"])]
    assert "CAAAAAAAAAAA" not in (first["body"] + second["body"]).decode()
    assert [d["state"] for d in deliveries(services, hook.subscription)] == ["delivered"] * 2
    # A tampered body no longer matches its signature.
    assert not verify(hook.secret, {**first, "body": first["body"].replace(b"sent", b"sant")})


def test_failures_are_retried_with_back_off_then_fail(services, receiver):
    hook = queued(services, receiver.url)
    receiver.statuses = [500]
    deliverer = deliverer_for(services, clock=hook.clock)
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        done = deliverer.run_once()
        assert (done.retrying, done.failed) == ((1, 0) if attempt < MAX_ATTEMPTS else (0, 1))
        row = deliveries(services, hook.subscription)[0]
        assert row["attempts"] == attempt and row["last_status"] == 500
        assert row["last_error"] == "The receiver answered 500"
        if attempt == MAX_ATTEMPTS:
            assert row["state"] == "failed" and row["next_attempt_at"] is None
            break
        delay = row["next_attempt_at"] - hook.clock.now
        delays.append(delay)
        hook.clock.advance(seconds=delay.total_seconds() - 1)
        assert deliverer.run_once().retrying == 0  # not due yet
        hook.clock.advance(seconds=1)
    assert delays == [timedelta(seconds=30 * 2 ** n) for n in range(MAX_ATTEMPTS - 1)]
    assert len(receiver.received) == MAX_ATTEMPTS
    # A replay queues the failed delivery again; the receiver is back.
    receiver.statuses = [200]
    replayed(services, hook.actor, hook.subscription, hook.clock)
    assert deliverer.run_once().delivered == 1
    row = deliveries(services, hook.subscription)[0]
    assert (row["state"], row["attempts"], row["last_status"]) == ("delivered", 1, 200)


def test_a_recovered_receiver_is_delivered_to_on_the_next_try(services, receiver):
    hook = queued(services, receiver.url)
    receiver.statuses = [503, 200]
    deliverer = deliverer_for(services, clock=hook.clock)
    assert deliverer.run_once().retrying == 1
    hook.clock.advance(seconds=30)
    assert deliverer.run_once().delivered == 1
    row = deliveries(services, hook.subscription)[0]
    assert (row["state"], row["attempts"]) == ("delivered", 2)
    assert receiver.received[0]["headers"]["Webhook-Id"] == \
        receiver.received[1]["headers"]["Webhook-Id"]


def test_redirects_are_not_followed(services, receiver):
    hook = queued(services, receiver.url)
    receiver.statuses = [302]
    deliverer_for(services, clock=hook.clock).run_once()
    row = deliveries(services, hook.subscription)[0]
    assert (row["state"], row["last_status"]) == ("pending", 302)
    assert row["last_error"].startswith("Redirects are not followed")
    assert len(receiver.received) == 1


def test_an_unreachable_receiver_is_retried(services, receiver):
    hook = queued(services, receiver.url)
    receiver.close()  # nothing listens there any more
    deliverer_for(services, clock=hook.clock).run_once()
    row = deliveries(services, hook.subscription)[0]
    assert row["state"] == "pending" and row["last_status"] is None
    assert row["last_error"].startswith("Could not connect")


def test_plain_http_is_refused_outside_development(services, receiver):
    hook = queued(services, receiver.url)
    production = WebhookDeliverer(engine=services.engine,
                                  secrets=services.portal.webhook_secrets,
                                  local_http=False, clock=hook.clock)
    assert production.run_once().failed == 1
    row = deliveries(services, hook.subscription)[0]
    assert row["state"] == "failed" and row["last_error"].startswith("This address is not")
    assert receiver.received == []
    services.portal.webhook_local_http = False
    with pytest.raises(Exception, match="must start with https://"):
        services.portal.create_webhook(hook.actor, client_id=hook.actor.client_id,
                                       url=receiver.url, event_types=["home_search.sent"])


def test_a_removed_subscription_is_sent_nothing_more(services, receiver):
    hook = queued(services, receiver.url)
    services.portal.remove_webhook(hook.actor, hook.subscription, reason="System retired")
    services.projections.catch_up()
    assert deliverer_for(services, clock=hook.clock).run_once().delivered == 0
    assert receiver.received == []
    with services.engine.connect() as c:
        assert c.execute(sa.text("select count(*) from webhook_secrets")).scalar() == 0


def test_the_readme_check_accepts_a_delivery_and_refuses_a_changed_one(services, receiver):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = textwrap.dedent(re.search(r"Check a delivery\s+before trusting it:\s+```python\n"
                                     r"(.*?)```", readme, re.DOTALL).group(1))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (the README's own code)
    verified = namespace["verified"]
    hook = queued(services, receiver.url)
    deliverer_for(services, clock=hook.clock).run_once()
    request = receiver.received[0]
    assert verified(hook.secret, request["headers"], request["body"])
    assert not verified(hook.secret, request["headers"], request["body"] + b" ")
    assert not verified("whsec_other", request["headers"], request["body"])
    stale = {**request["headers"],
             "Webhook-Timestamp": str(int(hook.clock.now.timestamp()) - 600)}
    assert not verified(hook.secret, stale, request["body"])


def test_a_name_resolving_to_a_private_network_is_not_sent_to(services, monkeypatch):
    hook = queued(services, "https://hooks.example.org/in", provider="Brook Care",
                  local_http=False)
    resolved = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: resolved)
    sent = []
    deliverer = WebhookDeliverer(engine=services.engine,
                                 secrets=services.portal.webhook_secrets, clock=hook.clock)
    monkeypatch.setattr(deliverer.session, "post", lambda *a, **k: sent.append(a))
    assert deliverer.run_once().failed == 1
    row = deliveries(services, hook.subscription)[0]
    assert row["state"] == "failed" and "on the internet" in row["last_error"]
    assert sent == []
