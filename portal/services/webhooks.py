"""Webhook subscriptions: an API client's systems are told, at an address of their own, of
the events its organisation may see (projections/webhooks.py says which).

A mixin of :class:`~portal.services.application.Portal`. The organisation's administrator
creates, lists and removes its clients' subscriptions (the API clients' pages); a client
manages its own through the API. Either way the subscription belongs to the client's
organisation and asks only for event types of that organisation's kind; another
organisation's subscription is "no such subscription", like a missing one. Creating,
replaying and removing are events of the organisation in the audit log, never the secret,
which is returned once and kept encrypted (auth/webhook_secrets.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import sqlalchemy as sa

from auth.webhook_secrets import WebhookSecrets
from domain.actor import Actor
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.webhook import WebhookSubscription, check_event_types, check_url
from projections import webhook_outbox

GONE = "There is no such webhook subscription"
MAX_REASON = 500


class WebhookCommands:
    """Needs ``webhook_secrets``, ``webhook_engine`` and ``webhook_local_http`` (set by the
    composition root), ``api_clients``, ``_acting_administrator``, ``organisation_kind``,
    ``_get``, ``_create``, ``_save`` and ``last_position`` (Portal)."""

    webhook_secrets: WebhookSecrets
    webhook_engine: sa.Engine
    # Plain http to localhost or 127.0.0.1 allowed (development and tests only).
    webhook_local_http: bool = False
    webhook_clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    def _webhook_client(self, actor: Actor, client_id: UUID) -> UUID:
        """The organisation the actor manages ``client_id``'s subscriptions for: the client
        itself, or a person administering its organisation's API clients."""
        if actor.client_id is not None:
            if actor.client_id != client_id:
                raise NotFound("There is no such API client")
            return actor.organisation_id
        organisation_id = self._acting_administrator(actor).organisation_id
        live = [c for c in self.api_clients.of_organisation(organisation_id)
                if c["id"] == client_id and c["state"] == "active"]
        if not live:
            raise DomainError("Choose one of your organisation's active API clients",
                              field="client_id")
        return organisation_id

    def create_webhook(self, actor: Actor, *, client_id: UUID, url: str,
                       event_types: list[str], subscription_id: UUID | None = None
                       ) -> tuple[UUID, str, int]:
        """A new subscription, its secret (shown only now) and the notification id."""
        organisation_id = self._webhook_client(actor, client_id)
        kind = self.organisation_kind(organisation_id)
        if kind not in ("authority", "provider"):
            raise PermissionDenied("Only councils' and providers' clients receive webhooks")
        checked, problems = {}, {}  # every field's problem at once
        for field, check in (("url", lambda: check_url(url, local_http=self.webhook_local_http)),
                             ("event_types", lambda: check_event_types(event_types, kind))):
            try:
                checked[field] = check()
            except DomainError as error:
                problems[field] = error.message
        if problems:
            raise WebhookRefused(problems)
        subscription = WebhookSubscription(
            id=subscription_id or uuid4(), organisation_id=organisation_id,
            client_id=client_id, actor=actor, reason=None, **checked)
        position = self._create(subscription, "This webhook subscription already exists")
        return subscription.id, self.webhook_secrets.create(subscription.id), position

    def webhook_secret_again(self, actor: Actor, subscription_id: UUID) -> str:
        """The secret once more, for the creating client's retry of the same request only
        (its Idempotency-Key named this subscription)."""
        subscription = self._own_webhook(actor, subscription_id)
        secret = self.webhook_secrets.secret_of(subscription.id)
        if secret is None or subscription.client_id != actor.client_id:
            raise NotFound(GONE)
        return secret

    def _own_webhook(self, actor: Actor, subscription_id: UUID) -> WebhookSubscription:
        try:
            subscription = self._get(subscription_id, WebhookSubscription,
                                     "webhook subscription")
        except NotFound:
            raise NotFound(GONE) from None
        if subscription.removed or subscription.organisation_id != actor.organisation_id:
            raise NotFound(GONE)
        if actor.client_id is not None and subscription.client_id != actor.client_id:
            raise NotFound(GONE)
        if actor.client_id is None:
            self._acting_administrator(actor)
        return subscription

    def remove_webhook(self, actor: Actor, subscription_id: UUID,
                       reason: str | None = None) -> int:
        """Stop deliveries at once; the secret is destroyed."""
        subscription = self._own_webhook(actor, subscription_id)
        subscription.remove(actor=actor, reason=_reason(reason))
        position = self._save(subscription)
        self.webhook_secrets.delete(subscription.id)
        return position

    def replay_webhook(self, actor: Actor, subscription_id: UUID, *, from_position: int,
                       reason: str | None = None) -> tuple[int, int]:
        """Deliver again every event of the subscription from ``from_position`` (a position
        in the audit log) on: the request is recorded, then the deliveries are queued. The
        notification id and how many were queued."""
        subscription = self._own_webhook(actor, subscription_id)
        if from_position > self.last_position():
            raise DomainError("There is no event at that position yet",
                              field="from_position")
        subscription.request_replay(from_position=from_position, actor=actor,
                                    reason=_reason(reason))
        position = self._save(subscription)
        with self.webhook_engine.begin() as c:
            queued = webhook_outbox.replay(c, subscription.id, from_position,
                                           self.webhook_clock())
        return position, queued

    def webhooks_of(self, actor: Actor) -> list[dict]:
        """The subscriptions the actor manages: a client's own, or every one of the
        administrator's organisation."""
        if actor.client_id is None:
            self._acting_administrator(actor)
        with self.webhook_engine.connect() as c:
            return webhook_outbox.subscriptions_of(c, actor.organisation_id, actor.client_id)

    def webhook_of(self, actor: Actor, subscription_id: UUID) -> dict:
        subscription = self._own_webhook(actor, subscription_id)
        for row in self.webhooks_of(actor):
            if row["id"] == subscription_id:
                return row
        # Not projected yet (the projection process is behind): as recorded, nothing queued.
        return {"id": subscription.id, "organisation_id": subscription.organisation_id,
                "client_id": subscription.client_id, "url": subscription.url,
                "event_types": list(subscription.event_types),
                "created_at": subscription.created_on,
                "deliveries": dict.fromkeys(webhook_outbox.STATES, 0)}

    def webhook_deliveries(self, actor: Actor, subscription_id: UUID, *,
                           after: int | None = None, limit: int = 50,
                           state: str | None = None) -> list[dict]:
        """The subscription's deliveries, newest event first (``limit`` + 1 at most)."""
        self._own_webhook(actor, subscription_id)
        with self.webhook_engine.connect() as c:
            return webhook_outbox.deliveries_of(c, subscription_id, after=after, limit=limit,
                                                state=state)


class WebhookRefused(DomainError):
    """Several fields at fault at once: ``errors`` maps each to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = dict(errors)


def _reason(reason: str | None) -> str | None:
    reason = " ".join((reason or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON:
        raise DomainError(f"Reason must be {MAX_REASON} characters or fewer", field="reason")
    return reason
