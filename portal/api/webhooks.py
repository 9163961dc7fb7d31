"""Webhooks through the API: a client subscribes its own systems to the events its
organisation may see, lists and removes its subscriptions, reads each one's deliveries and asks
for them again from a position. Another client's subscription answers 404, as a missing one.
The delivery itself (signed POSTs, retries) is portal/webhook_delivery.py."""

from __future__ import annotations

from uuid import UUID, uuid5

from flask import g, request, url_for

from auth.idempotency import created_id
from portal.api.access import (
    IDEMPOTENCY_KEY,
    api_requires,
    decode_cursor,
    json_body,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.spec import links_to, operation
from portal.api.webhook_schemas import (
    DeliveriesQuery,
    DeliveryPage,
    Queued,
    ReplayIn,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from portal.security import services
from portal.services.webhooks import WebhookRefused

LINKS = links_to("subscription_id", "$response.body#/id", "webhook", "delete_webhook",
                 "webhook_deliveries", "replay_webhook")


def _refused(error: WebhookRefused) -> ApiProblem:
    return ApiProblem("invalid-body", "Correct the fields listed in 'errors'.", errors=[
        {"field": name, "message": message} for name, message in error.errors.items()])


def _subscription_id() -> UUID | None:
    """The id a request's Idempotency-Key gives the subscription it creates (None without)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiProblem("invalid-parameters", "Idempotency-Key must be 1 to 255 visible "
                         "ASCII characters.", errors=[{
                             "field": "Idempotency-Key",
                             "message": "Use 1 to 255 visible ASCII characters"}])
    # Its own id space: the same key sent to another operation names another record.
    return uuid5(created_id(g.principal.client_id, key), "webhook")


@bp.get("/webhooks")
@api_requires("webhooks.manage")
@operation(summary="This client's webhook subscriptions", tag="webhooks",
           responses={200: ("Every live subscription of this client", WebhookList)})
def webhooks():
    return respond(WebhookList(), {"items": services().portal.webhooks_of(g.principal.actor)})


@bp.post("/webhooks")
@api_requires("webhooks.manage")
@operation(summary="Subscribe to events your organisation may see (the secret is shown once)",
           body=WebhookIn, idempotent=True, tag="webhooks",
           responses={201: ("The subscription and its signing secret", WebhookCreated)},
           headers={"Location": "The subscription's address"}, links=LINKS)
def create_webhook():
    data = json_body(WebhookIn())
    portal, actor = services().portal, g.principal.actor
    wanted = _subscription_id()
    headers = {}
    if wanted is not None and portal.exists(wanted):
        # A retry of the same request: the same subscription, and its secret once more.
        secret = portal.webhook_secret_again(actor, wanted)
        row = portal.webhook_of(actor, wanted)
        if row["url"] != data["url"].strip() or row["event_types"] != sorted(
                set(data["event_types"])):
            raise ApiProblem("idempotency-key-reused")
        subscription_id, headers = wanted, {"Idempotent-Replayed": "true"}
    else:
        try:
            subscription_id, secret, position = portal.create_webhook(
                actor, client_id=g.principal.client_id, subscription_id=wanted, **data)
        except WebhookRefused as error:
            raise _refused(error) from None
        services().projections.wait_for(position)
        row = portal.webhook_of(actor, subscription_id)
    headers["Location"] = url_for("api.webhook", subscription_id=subscription_id)
    return respond(WebhookCreated(), {**row, "secret": secret}, 201, headers)


@bp.get("/webhooks/<uuid:subscription_id>")
@api_requires("webhooks.manage")
@operation(summary="One of this client's webhook subscriptions", tag="webhooks",
           responses={200: ("The subscription", WebhookOut)}, links=LINKS)
def webhook(subscription_id: UUID):
    return respond(WebhookOut(), services().portal.webhook_of(g.principal.actor,
                                                              subscription_id))


@bp.delete("/webhooks/<uuid:subscription_id>")
@api_requires("webhooks.manage")
@operation(summary="Remove a subscription: nothing more is delivered to it", tag="webhooks",
           responses={204: ("Removed", None)})
def delete_webhook(subscription_id: UUID):
    position = services().portal.remove_webhook(g.principal.actor, subscription_id,
                                                reason="Removed through the API")
    services().projections.wait_for(position)
    return "", 204, {"Cache-Control": "no-store"}


@bp.get("/webhooks/<uuid:subscription_id>/deliveries")
@api_requires("webhooks.manage")
@operation(summary="A subscription's deliveries and their state, newest event first",
           query=DeliveriesQuery, tag="webhooks",
           responses={200: ("A page of deliveries", DeliveryPage)})
def webhook_deliveries(subscription_id: UUID):
    args = query(DeliveriesQuery())
    after = decode_cursor(args["cursor"])
    if after is not None and not after.isdigit():
        raise ApiProblem("bad-cursor", errors=[
            {"field": "cursor", "message": "Not a cursor this API gave"}])
    rows = services().portal.webhook_deliveries(
        g.principal.actor, subscription_id, after=None if after is None else int(after),
        limit=args["limit"], state=args["state"])
    return respond(DeliveryPage(), page_of(rows, args["limit"],
                                           lambda row: str(row["position"])))


@bp.post("/webhooks/<uuid:subscription_id>/replay")
@api_requires("webhooks.manage")
@operation(summary="Deliver again every event of the subscription from a position on",
           body=ReplayIn, tag="webhooks",
           responses={202: ("The deliveries are queued", Queued)})
def replay_webhook(subscription_id: UUID):
    services().portal.webhook_of(g.principal.actor, subscription_id)  # 404 before the body
    data = json_body(ReplayIn())
    _position, queued = services().portal.replay_webhook(
        g.principal.actor, subscription_id, from_position=data["from_position"],
        reason=data["reason"])
    return respond(Queued(), {"queued": queued}, 202)
