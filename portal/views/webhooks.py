"""An organisation's webhook subscriptions, on its API clients' pages: its administrator
subscribes one of its clients to the events the organisation may see (the signing secret is
shown once, on the page that answers), reads each subscription's deliveries, asks for them
again from a position and removes it.

The commands (portal/services/webhooks.py) keep every rule; another organisation's
subscription answers 404, like a missing one.
"""

from __future__ import annotations

import logging
from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import fields, validate

from domain.errors import DomainError
from domain.webhook import EVENT_TYPES, MAX_URL, event_types_for
from portal.forms import FormResult, load
from portal.schemas import FormSchema, ReasonSchema
from portal.security import requires, services
from portal.services.webhooks import WebhookRefused

bp = Blueprint("webhooks", __name__, url_prefix="/api-clients/webhooks")
log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


class WebhookSchema(FormSchema):
    client_id = fields.UUID(required=True, error_messages={
        "required": "Choose the API client", "null": "Choose the API client",
        "invalid_uuid": "Choose the API client from the list"})
    url = fields.String(required=True, validate=validate.Length(
        max=MAX_URL, error=f"Address must be {MAX_URL} characters or fewer"), error_messages={
        "required": "Enter the address to deliver events to",
        "null": "Enter the address to deliver events to"})
    event_types = fields.List(fields.String(validate=validate.OneOf(
        list(EVENT_TYPES), error="Choose the events from the list")), required=True,
        validate=validate.Length(min=1, error="Choose the events to deliver"),
        error_messages={"required": "Choose the events to deliver",
                        "null": "Choose the events to deliver"})


class ReplaySchema(ReasonSchema):
    from_position = fields.Integer(required=True, strict=False, validate=validate.Range(
        min=1, error="Enter a position of 1 or more"), error_messages={
        "required": "Enter the position to deliver from",
        "null": "Enter the position to deliver from",
        "invalid": "Enter the position as a whole number, like 1200"})


def _index(form: FormResult, status: int = 200, **extra):
    portal = services().portal
    clients = [c for c in portal.api_clients_of(g.principal.actor) if c["state"] == "active"]
    kind = g.principal.organisation_kind
    return render_template(
        "webhooks/index.html", form=form, clients=clients,
        subscriptions=portal.webhooks_of(g.principal.actor), EVENT_TYPES=EVENT_TYPES,
        event_choices=event_types_for(kind), **extra), status, NO_STORE


@bp.get("/")
@requires("api_clients.manage")
def index():
    return _index(FormResult())


@bp.post("/")
@requires("api_clients.manage")
def create():
    raw = {"client_id": request.form.get("client_id"), "url": request.form.get("url"),
           "event_types": request.form.getlist("event_types") or None}
    form = load(WebhookSchema(), raw)
    if form.ok:
        try:
            subscription_id, secret, position = services().portal.create_webhook(
                g.principal.actor, **form.data)
        except WebhookRefused as error:
            form.errors.update(error.errors)
        except DomainError as error:
            form.errors[error.field or "url"] = error.message
        else:
            services().projections.wait_for(position)
            log.info("webhook created", extra={"subscription_id": str(subscription_id)})
            return _index(FormResult(), 201, new_secret=secret, new_id=subscription_id)
    form.data = {**raw, "event_types": request.form.getlist("event_types")}
    return _index(form, 422)


def _subscription_page(subscription_id: UUID, form: FormResult, status: int = 200):
    portal, actor = services().portal, g.principal.actor
    subscription = portal.webhook_of(actor, subscription_id)
    deliveries = portal.webhook_deliveries(actor, subscription_id, limit=50)
    return render_template("webhooks/subscription.html", subscription=subscription,
                           deliveries=deliveries[:50], more=len(deliveries) > 50, form=form,
                           EVENT_TYPES=EVENT_TYPES), status, NO_STORE


@bp.get("/<uuid:subscription_id>")
@requires("api_clients.manage")
def subscription(subscription_id: UUID):
    return _subscription_page(subscription_id, FormResult())


@bp.post("/<uuid:subscription_id>/replay")
@requires("api_clients.manage")
def replay(subscription_id: UUID):
    services().portal.webhook_of(g.principal.actor, subscription_id)  # 404 before the form
    form = load(ReplaySchema(), {"from_position": request.form.get("from_position"),
                                 "reason": request.form.get("reason")})
    if form.ok:
        try:
            _position, queued = services().portal.replay_webhook(
                g.principal.actor, subscription_id, **form.data)
        except DomainError as error:
            form.errors[error.field or "from_position"] = error.message
        else:
            flash(f"{queued:,} {'delivery' if queued == 1 else 'deliveries'} queued again")
            return redirect(url_for("webhooks.subscription", subscription_id=subscription_id))
    form.data = dict(request.form)
    return _subscription_page(subscription_id, form, 422)


@bp.post("/<uuid:subscription_id>/remove")
@requires("api_clients.manage")
def remove(subscription_id: UUID):
    position = services().portal.remove_webhook(g.principal.actor, subscription_id,
                                                reason=request.form.get("reason"))
    services().projections.wait_for(position)
    log.info("webhook removed", extra={"subscription_id": str(subscription_id)})
    flash("Webhook subscription removed: nothing more is delivered to it")
    return redirect(url_for("webhooks.index"))
