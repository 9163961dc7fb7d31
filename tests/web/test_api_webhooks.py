"""Webhooks through the API: a client subscribes to events of its organisation's kind (its
secret shown once, and again only to a retry with the same Idempotency-Key), lists its own,
reads their deliveries, replays from a position and removes them; every bad input is a
problem naming its field; another client's subscription answers 404 like a missing one."""

from __future__ import annotations

from uuid import uuid4

from tests.web.api_fixtures import council_api, other_council_api, provider_api  # noqa: F401

URL = "https://hooks.example.org/portal"


def subscribe(api, **changes):
    return api.post("/webhooks", {"url": URL, "event_types": ["offer.made"], **changes})


def test_a_client_subscribes_lists_reads_and_removes(council_api):  # noqa: F811
    created = subscribe(council_api, event_types=["offer.made", "vacancy.filled"])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["offer.made", "vacancy.filled"]
    assert body["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0}
    assert created.headers["Location"] == f"/api/v1/webhooks/{body['id']}"
    listed = council_api.get("/webhooks").get_json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert "secret" not in listed[0]
    one = council_api.get(f"/webhooks/{body['id']}")
    assert one.status_code == 200 and "secret" not in one.get_json()
    deliveries = council_api.get(f"/webhooks/{body['id']}/deliveries").get_json()
    assert deliveries == {"items": [], "next_cursor": None}
    replay = council_api.post(f"/webhooks/{body['id']}/replay",
                              {"from_position": 1, "reason": "Catching up"})
    assert replay.status_code == 202 and replay.get_json()["queued"] >= 0
    removed = council_api.http.delete(f"/api/v1/webhooks/{body['id']}",
                                      headers=council_api.headers())
    assert removed.status_code == 204
    assert council_api.get(f"/webhooks/{body['id']}").status_code == 404
    assert council_api.get("/webhooks").get_json()["items"] == []


def test_the_secret_is_given_again_only_to_a_retry_of_the_same_request(council_api):  # noqa: F811
    key = {"Idempotency-Key": "webhook-1"}
    first = council_api.post("/webhooks", {"url": URL, "event_types": ["offer.made"]},
                             headers=key)
    again = council_api.post("/webhooks", {"url": URL, "event_types": ["offer.made"]},
                             headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["secret"] == first.get_json()["secret"]
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(council_api.get("/webhooks").get_json()["items"]) == 1
    other = council_api.post("/webhooks", {"url": URL + "/x", "event_types": ["offer.made"]},
                             headers=key)
    assert other.status_code == 422
    assert other.get_json()["type"].endswith("idempotency-key-reused")


def test_bad_input_names_every_field(council_api, provider_api):  # noqa: F811
    refused = subscribe(council_api, url="http://hooks.example.org/",
                        event_types=["home_search.sent"])
    assert refused.status_code == 422
    assert {e["field"]: e["message"] for e in refused.get_json()["errors"]} == {
        "url": "The address must start with https://",
        "event_types": "Choose events your organisation may see from the list"}
    assert subscribe(council_api, event_types=["nothing"]).status_code == 422
    assert subscribe(council_api, event_types=[]).status_code == 422
    assert subscribe(council_api, url="https://user:pw@hooks.example.org/").get_json()[
        "errors"] == [{"field": "url",
                       "message": "The address must not carry a user name or password"}]
    assert council_api.post("/webhooks", {"url": URL}).status_code == 422
    # A provider may ask for the searches sent to it, not for offers on a council's searches.
    assert subscribe(provider_api, event_types=["home_search.sent"]).status_code == 201
    assert subscribe(provider_api).status_code == 422
    body = subscribe(council_api).get_json()
    replay = council_api.post(f"/webhooks/{body['id']}/replay", {"from_position": 0})
    assert replay.status_code == 422
    beyond = council_api.post(f"/webhooks/{body['id']}/replay",
                              {"from_position": council_api.position() + 100})
    assert beyond.get_json()["errors"] == [{"field": "from_position",
                                            "message": "There is no event at that position "
                                                       "yet"}]
    bad_cursor = council_api.get(f"/webhooks/{body['id']}/deliveries",
                                 query_string={"cursor": "nope"})
    assert bad_cursor.status_code == 400


def test_another_clients_subscription_is_like_a_missing_one(council_api,  # noqa: F811
                                                            other_council_api):  # noqa: F811
    theirs = subscribe(other_council_api).get_json()["id"]
    missing = str(uuid4())
    for path in ("/webhooks/{}", "/webhooks/{}/deliveries"):
        mine, none = (council_api.get(path.format(i)) for i in (theirs, missing))
        assert (mine.status_code, none.status_code) == (404, 404)
        assert mine.get_json() == none.get_json()
    for method, path, body in (("delete", "/webhooks/{}", None),
                               ("post", "/webhooks/{}/replay", {"from_position": 1})):
        answers = [council_api.http.open(f"/api/v1{path.format(i)}", method=method.upper(),
                                         json=body, headers=council_api.headers())
                   for i in (theirs, missing)]
        assert [a.status_code for a in answers] == [404, 404]
    assert [s["id"] for s in other_council_api.get("/webhooks").get_json()["items"]] == [theirs]
    assert council_api.get("/webhooks").get_json()["items"] == []


def test_a_subscription_reads_as_recorded_while_the_projections_are_behind(council_api):  # noqa: F811
    services = council_api.services
    from domain.actor import Actor

    actor = Actor.api_client(council_api.client_id, council_api.organisation_id)
    subscription_id, _secret, _ = services.portal.create_webhook(
        actor, client_id=council_api.client_id, url=URL, event_types=["offer.made"])
    row = services.portal.webhook_of(actor, subscription_id)  # before any catching up
    assert (row["url"], row["event_types"], row["deliveries"]) == (
        URL, ["offer.made"], {"pending": 0, "delivered": 0, "failed": 0})
