"""How an API request is let in and read: the client's key, its permission, its body, its
query, its If-Match, its cursor and its Idempotency-Key.

A cookie never authorises an API call: the principal of an API request is built from its
``Authorization: Bearer`` key alone, whatever session the same browser may hold, so the API is
exempt from CSRF checks (a forged cross-site request carries no key).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from typing import Any
from uuid import UUID

from flask import current_app, g, make_response, request
from marshmallow import Schema, ValidationError, fields

from auth.api_clients import Client, KeyRefused, client_id_of
from auth.idempotency import IdempotencyRefused, StoredResponse, created_id
from domain.permissions import Forbidden, can
from domain.principal import Principal
from portal.api.problems import ApiProblem, field_errors
from portal.security import organisation_facts, services

MAX_BODY = 64 * 1024
DEFAULT_RATE_LIMIT = "300 per minute"
KEY_REFUSALS = {
    "missing": "Send your API key as 'Authorization: Bearer <key>'.",
    "malformed": "That is not an API key of this service.",
    "unknown": "That API key is not known.",
    "revoked": "That API key has been revoked by your organisation's administrator.",
    "expired": "That API key has expired: ask your organisation's administrator for a new one.",
}
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
ETAG = re.compile(r'"(\d{1,9})"')


def bearer_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def authenticate() -> None:
    """Before every API operation: the principal is the key's client, or the request ends in
    401. The session's principal (if any) is dropped first."""
    g.principal = None
    request.max_content_length = MAX_BODY
    try:
        client = services().portal.api_clients.authenticate(bearer_key())
    except KeyRefused as refusal:
        raise ApiProblem("unauthenticated", KEY_REFUSALS[refusal.reason], headers={
            "WWW-Authenticate": 'Bearer realm="api"'
            + ("" if refusal.reason == "missing" else ', error="invalid_token"')}) from None
    g.principal = client_principal(client)
    if g.principal is None:
        raise ApiProblem("unauthenticated", KEY_REFUSALS["unknown"],
                         headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})


def client_principal(client: Client) -> Principal | None:
    facts = organisation_facts(client.organisation_id)
    if facts is None:
        return None
    organisation, partnerships = facts
    return Principal(user_id=client.id, email="", display_name=client.name,
                     organisation_id=client.organisation_id,
                     organisation_kind=organisation["kind"],
                     organisation_name=organisation["name"], roles=client.roles,
                     authenticated_by=("api_key",), partnerships=partnerships,
                     client_id=client.id)


def rate_key() -> str:
    """The rate limit's bucket: the API client the key names (so each client has its own,
    counted in the store every worker shares), else the caller's address (no key, or not a
    key's shape). It is read before the key is checked, so a flood is refused before any
    lookup."""
    key = bearer_key()
    try:
        return f"api-client:{client_id_of(key)}" if key else _anonymous()
    except KeyRefused:
        return _anonymous()


def _anonymous() -> str:
    return "api-anonymous:" + (request.remote_addr or "")


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def api_requires(action: str):
    """The API's permission check: the client's roles must allow ``action`` (403), and the
    principal must be a client (401): never a session's person."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            principal = g.get("principal")
            if principal is not None and not can(principal, action):
                raise Forbidden("This client's roles do not allow that")
            if principal is None or principal.client_id is None:
                raise ApiProblem("unauthenticated", KEY_REFUSALS["missing"])
            return view(*args, **kwargs)

        wrapped.__permission__ = action  # type: ignore[attr-defined]
        return wrapped

    return decorate


# --- reading the request ------------------------------------------------------------------------

def json_body(schema: Schema, *, partial: bool = False) -> dict[str, Any]:
    """The body, parsed as JSON and loaded with ``schema``: 415, 400 or 422 problems otherwise,
    each naming what is wrong (every field at once)."""
    return load(schema, json_object(), "invalid-body", partial=partial)


def json_object() -> dict[str, Any]:
    """The body parsed as a JSON object, not yet loaded (415 or 400 problems otherwise)."""
    if request.mimetype != "application/json":
        raise ApiProblem("unsupported-media-type",
                         "Send the body with 'Content-Type: application/json'.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        where = f" (line {error.lineno}, column {error.colno})" \
            if isinstance(error, json.JSONDecodeError) else ""
        raise ApiProblem("malformed-json", f"The body is not valid JSON{where}.") from None
    if not isinstance(data, dict):
        raise ApiProblem("invalid-body", "The body must be a JSON object.",
                         errors=[{"field": "body", "message": "Send a JSON object"}])
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def load(schema: Schema, data: dict, kind: str, *, partial: bool = False) -> dict[str, Any]:
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise ApiProblem(kind, "Correct the fields listed in 'errors'.",
                         errors=field_errors(error.messages)) from None


def query(schema: Schema) -> dict[str, Any]:
    """The query string loaded with ``schema`` (a name given twice keeps every value)."""
    lists = {field.data_key or name for name, field in schema.fields.items()
             if isinstance(field, fields.List)}
    raw = {name: (values if len(values) > 1 or name in lists else values[0])
           for name, values in request.args.lists()}
    return load(schema, raw, "invalid-parameters")


def expected_version() -> int | None:
    """The version the request's If-Match names, for the command's ``expected_version``: as
    the operation's description says (``@operation(if_match=...)``), required (428 without
    it) or optional. None: any version (``*``, or none sent where it is optional)."""
    declared = current_app.view_functions[request.endpoint].__operation__.if_match
    if declared not in ("required", "optional"):
        raise RuntimeError(f"{request.endpoint} reads If-Match but its description has none")
    return if_match(required=declared == "required")


def if_match(*, required: bool) -> int | None:
    """The version named by If-Match (None: any, for ``*`` or, when not required, none sent)."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        if required:
            raise ApiProblem("precondition-required",
                             "Send If-Match with the ETag of the version you are changing.")
        return None
    if header.strip() == "*":
        return None
    found = ETAG.fullmatch(header.strip())
    if found is None:
        raise ApiProblem("invalid-parameters", "If-Match must be an ETag this API gave.",
                         errors=[{"field": "If-Match",
                                  "message": 'Send an ETag as given, like "3"'}])
    return int(found.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


# --- cursors ------------------------------------------------------------------------------------

def encode_cursor(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """Where a page starts: after the key the previous page ended with (400 for a cursor this
    API did not give)."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["after"]
        if not isinstance(after, str) or not 0 < len(after) <= 64:
            raise ValueError
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        raise ApiProblem("bad-cursor", "Send a cursor exactly as 'next_cursor' gave it, or "
                         "none for the first page.",
                         errors=[{"field": "cursor", "message": "Not a cursor this API gave"}]
                         ) from None
    return after


def decode_uuid_cursor(cursor: str | None) -> UUID | None:
    """Where a page of records keyed by id starts (400 for a cursor this API did not give)."""
    after = decode_cursor(cursor)
    try:
        return None if after is None else UUID(after)
    except ValueError:
        raise ApiProblem("bad-cursor", errors=[
            {"field": "cursor", "message": "Not a cursor this API gave"}]) from None


def page_of(rows: list, limit: int, key) -> dict[str, Any]:
    """A page of at most ``limit`` rows (``rows`` has one more when there are more) and the
    cursor of the next page (None on the last)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(key(rows[-1])) if more else None}


# --- idempotency keys ---------------------------------------------------------------------------

def idempotent(view):
    """A POST with an ``Idempotency-Key`` runs once per client and key: a retry gets the first
    response again (with ``Idempotent-Replayed: true``), nothing is created twice."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise ApiProblem("invalid-parameters", "Idempotency-Key must be 1 to 255 visible "
                             "ASCII characters.", errors=[{
                                 "field": "Idempotency-Key",
                                 "message": "Use 1 to 255 visible ASCII characters"}])
        store = services().portal.idempotency
        client_id = g.principal.client_id
        fingerprint = hashlib.sha256(b"\n".join([
            request.method.encode(), request.path.encode(), request.get_data(cache=True),
        ])).hexdigest()
        try:
            stored = store.begin(client_id, key, fingerprint)
        except IdempotencyRefused as refused:
            kind = ("idempotency-key-in-use" if refused.reason == "in_progress"
                    else "idempotency-key-reused")
            raise ApiProblem(kind) from None
        if stored is not None:
            return _replay(stored)
        g.created_id = created_id(client_id, key)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            store.abandon(client_id, key)
            raise
        if 200 <= response.status_code < 300:
            kept = {k: v for k, v in response.headers.items()
                    if k in ("Location", "ETag", "Content-Type")}
            store.finish(client_id, key, StoredResponse(
                status=response.status_code, body=response.get_data(as_text=True),
                headers=kept))
        else:
            store.abandon(client_id, key)
        return response

    return wrapped


def _replay(stored: StoredResponse):
    response = make_response(stored.body, stored.status)
    response.headers.update(stored.headers)
    response.headers["Idempotent-Replayed"] = "true"
    return response
