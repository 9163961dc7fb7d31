"""The auditor's event feed through the API: every event in notification order (the audit
log), read-only, paged by position, with what the event history page shows of each (who did
it, whose record, the sentence) and its leaf in the verifiable log, so an auditor's system can
follow the log and check it against the signed checkpoints. Child references stay
pseudonymous, as on the pages. Only an API client with the auditor role may read it.
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from portal.api.access import api_requires, decode_cursor, page_of, query
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.schemas import PageQuery, UtcDateTime
from portal.api.spec import operation
from portal.security import services
from projections.audit.index import RECORD_TYPES
from projections.audit.queries import audit_events_after


class EventsQuery(PageQuery):
    after = fields.Integer(load_default=None, validate=validate.Range(
        min=0, max=2**62, error="after must be a notification position (0 or more)"),
        metadata={"description": "Start after this notification position (0: the first "
                                 "event); not with a cursor"})
    record_type = fields.String(load_default=None, validate=validate.OneOf(
        sorted(RECORD_TYPES), error="Choose a record type from the list"))
    event_type = fields.String(load_default=None, validate=validate.Length(
        min=1, max=64, error="An event type is 1 to 64 characters"))


class EventOut(Schema):
    position = fields.Integer(required=True, metadata={
        "description": "The event's notification position: one total order of every event"})
    recorded_at = UtcDateTime(required=True)
    record_id = fields.UUID(required=True)
    record_version = fields.Integer(required=True)
    record_type = fields.String(required=True)
    event_type = fields.String(required=True)
    summary = fields.String(required=True, metadata={
        "description": "The event in a sentence, as the event history page says it"})
    reason = fields.String(required=True, allow_none=True)
    actor_user_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "Who did it (an account or an API client); null: the system"})
    actor_name = fields.String(required=True, allow_none=True)
    actor_organisation_id = fields.UUID(required=True, allow_none=True)
    actor_organisation_name = fields.String(required=True, allow_none=True)
    organisation_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "The organisation whose record it is"})
    organisation_name = fields.String(required=True, allow_none=True)
    leaf_index = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The event's leaf in the verifiable log (null until it is taken in)"})
    leaf_hash = fields.String(required=True, allow_none=True, metadata={
        "description": "The leaf's SHA-256, hex: the chain value a checkpoint covers"})


class EventPage(Schema):
    items = fields.List(fields.Nested(EventOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def _after(args: dict) -> int:
    if args["cursor"] is not None and args["after"] is not None:
        raise ApiProblem("invalid-parameters", "Send a cursor or a position, not both.",
                         errors=[{"field": "after", "message": "Not with a cursor"}])
    cursor = decode_cursor(args["cursor"])
    if cursor is None:
        return args["after"] or 0
    if not cursor.isdigit():
        raise ApiProblem("bad-cursor", errors=[
            {"field": "cursor", "message": "Not a cursor this API gave"}])
    return int(cursor)


@bp.get("/audit/events")
@api_requires("audit.read")
@operation(summary="Every event in notification order, in pages (auditors only)",
           query=EventsQuery, responses={200: ("A page of events", EventPage)}, tag="audit")
def audit_feed():
    args = query(EventsQuery())
    with services().engine.connect() as c:
        rows = audit_events_after(g.principal, c, after=_after(args), limit=args["limit"],
                                  record_type=args["record_type"],
                                  event_type=args["event_type"])
    for row in rows:  # an API client's events name it, as the event history page does
        if row["actor_name"] is None and row["actor_user_id"] is not None:
            name = services().portal.api_clients.name_of(row["actor_user_id"])
            row["actor_name"] = f"API client {name}" if name else None
    return respond(EventPage(), page_of(rows, args["limit"], lambda r: str(r["position"])))
