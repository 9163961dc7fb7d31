"""What the webhook operations take and give (portal/api/webhooks.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.webhook import EVENT_TYPES, MAX_URL
from portal.api.schemas import ApiSchema, PageQuery, UtcDateTime
from projections.webhook_outbox import STATES

EVENT_TYPE_LIST = "\n".join(f"- `{name}`: {label}" for name, (label, _kinds)
                            in EVENT_TYPES.items())


class WebhookIn(ApiSchema):
    url = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_URL, error=f"Address must be 1 to {MAX_URL} characters"), metadata={
        "description": "Where events are posted: https (plain http to localhost only in "
                       "development)"}, error_messages={
        "required": "Enter the address to deliver events to"})
    event_types = fields.List(fields.String(validate=validate.OneOf(
        list(EVENT_TYPES), error="Choose event types from the list")), required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES),
                                 error="Choose the events to deliver"),
        metadata={"description": "The events to deliver, those your organisation may see:\n"
                                 + EVENT_TYPE_LIST},
        error_messages={"required": "Choose the events to deliver"})


class Counts(Schema):
    pending = fields.Integer(required=True)
    delivered = fields.Integer(required=True)
    failed = fields.Integer(required=True)


class WebhookOut(Schema):
    id = fields.UUID(required=True)
    client_id = fields.UUID(required=True)
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(required=True)
    deliveries = fields.Nested(Counts, required=True, metadata={
        "description": "How many deliveries are in each state"})


class WebhookCreated(WebhookOut):
    secret = fields.String(required=True, metadata={
        "description": "The signing secret, shown only in this answer (and to a retry with "
                       "the same Idempotency-Key)"})


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookOut), required=True)


class DeliveriesQuery(PageQuery):
    state = fields.String(load_default=None, validate=validate.OneOf(
        STATES, error="Choose pending, delivered or failed"))


class DeliveryOut(Schema):
    position = fields.Integer(required=True, metadata={
        "description": "The event's position in the audit log"})
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    occurred_at = UtcDateTime(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    attempts = fields.Integer(required=True)
    next_attempt_at = UtcDateTime(required=True, allow_none=True)
    last_attempt_at = UtcDateTime(required=True, allow_none=True)
    last_status = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(DeliveryOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ReplayIn(ApiSchema):
    from_position = fields.Integer(required=True, validate=validate.Range(
        min=1, max=2**62, error="Enter a position of 1 or more"), metadata={
        "description": "Deliver again every event of the subscription from this position "
                       "in the audit log on"},
        error_messages={"required": "Enter the position to replay from"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))


class Queued(Schema):
    queued = fields.Integer(required=True, metadata={
        "description": "How many deliveries were queued"})
