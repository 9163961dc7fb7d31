"""An organisation's administrator subscribes one of its API clients to webhooks on the API
clients' pages: the secret is shown once, stored only encrypted, never logged; every field's
error shows at once; the subscription's deliveries are listed, replayed from a position and
the subscription removed; another organisation's subscription answers like a missing one."""

from __future__ import annotations

import logging
import re
from uuid import uuid4

import sqlalchemy as sa

from auth.webhook_secrets import webhook_secrets
from domain.organisation import authority_id
from tests.web.test_api_client_pages import KEY, create, kent_admin
from tests.web.test_user_pages import add_account, sign_in

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]+")
SUBSCRIPTION = re.compile(r"/api-clients/webhooks/([0-9a-f-]{36})")
URL = "https://booking.example.org/portal-events"


def client_of(client) -> str:
    key = KEY.search(create(client).get_data(as_text=True)).group(0)
    raw = key.split("_")[1]
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def subscribe(client, client_id, **changes):
    return client.post_form("/api-clients/webhooks/", {
        "client_id": client_id, "url": URL, "event_types": ["offer.made", "vacancy.filled"],
        **changes})


def test_the_secret_is_shown_once_and_kept_only_encrypted(client, demo_services, caplog):
    sign_in(client, kent_admin(demo_services))
    caplog.set_level(logging.DEBUG)
    client_id = client_of(client)
    assert "Subscribe a client" in client.get("/api-clients/webhooks/").get_data(as_text=True)
    created = subscribe(client, client_id)
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    page = created.get_data(as_text=True)
    secret = SECRET.search(page).group(0)
    assert secret not in caplog.text
    listing = client.get("/api-clients/webhooks/").get_data(as_text=True)
    assert URL in listing and secret not in listing
    with demo_services.engine.connect() as c:
        stored = c.execute(sa.select(webhook_secrets)).mappings().one()
    assert secret not in str(dict(stored))
    subscription_id = SUBSCRIPTION.search(listing).group(1)
    assert demo_services.portal.webhook_secrets.secret_of(stored["subscription_id"]) == secret
    assert str(stored["subscription_id"]) == subscription_id


def test_every_error_shows_at_once(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    client_id = client_of(client)
    refused = subscribe(client, client_id, url="http://booking.example.org/",
                        event_types=["home_search.sent"])
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "The address must start with https://" in page
    assert "Choose events your organisation may see from the list" in page
    empty = client.post_form("/api-clients/webhooks/", {}).get_data(as_text=True)
    for message in ("Choose the API client", "Enter the address to deliver events to",
                    "Choose the events to deliver"):
        assert message in empty
    other = subscribe(client, str(uuid4())).get_data(as_text=True)
    assert "Choose one of your organisation&#39;s active API clients" in other


def test_deliveries_replay_and_removal(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    subscribe(client, client_of(client))
    listing = client.get("/api-clients/webhooks/").get_data(as_text=True)
    subscription_id = SUBSCRIPTION.search(listing).group(1)
    path = f"/api-clients/webhooks/{subscription_id}"
    page = client.get(path)
    assert page.status_code == 200 and "Nothing has been delivered yet" in page.get_data(
        as_text=True)
    bad = client.post_form(f"{path}/replay", {"from_position": "soon"})
    assert bad.status_code == 422
    assert "Enter the position as a whole number" in bad.get_data(as_text=True)
    replayed = client.post_form(f"{path}/replay", {"from_position": "1",
                                                   "reason": "Our system lost a day"})
    assert replayed.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "queued again" in page
    removed = client.post_form(f"{path}/remove")
    assert removed.status_code == 302
    assert client.get(path).status_code == 404


def test_another_organisations_subscription_is_like_a_missing_one(client, demo_services):
    sign_in(client, kent_admin(demo_services))
    subscribe(client, client_of(client))
    subscription_id = SUBSCRIPTION.search(
        client.get("/api-clients/webhooks/").get_data(as_text=True)).group(1)
    dorset = add_account(demo_services, "dee@dorset.example.org",
                         authority_id("838"),
                         ["organisation_admin", "council_officer"])
    sign_in(client, dorset)
    for path in (f"/api-clients/webhooks/{subscription_id}",
                 f"/api-clients/webhooks/{uuid4()}"):
        assert client.get(path).status_code == 404
        assert client.post_form(f"{path}/remove").status_code == 404
    assert subscription_id not in client.get("/api-clients/webhooks/").get_data(as_text=True)
