"""Errors as RFC 9457 problem details (``application/problem+json``), with field details.

Every refusal of the integration API is one of these: a ``type`` (a stable URI of the problem
kind, documented on the API reference page), a ``title``, the HTTP ``status``, a ``detail`` for
this occurrence and, where fields are at fault, ``errors``: one ``{"field", "message"}`` per
field, every one at once. Nothing a refused request sent is stored.
"""

from __future__ import annotations

import json
import logging
import uuid

from eventsourcing.persistence import ConnectionUnavailableError, RecordConflictError
from flask import Response, g, request
from werkzeug.exceptions import HTTPException

from domain.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from domain.permissions import Forbidden
from portal.behind import BeingRebuilt
from projections import outage

log = logging.getLogger("portal.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/api/v1/reference#problem-"

# kind: (status, title). The reference page lists them all.
KINDS: dict[str, tuple[int, str]] = {
    "malformed-json": (400, "The request body is not valid JSON"),
    "invalid-parameters": (400, "Some query parameters or headers are not valid"),
    "bad-cursor": (400, "The cursor is not one this API gave"),
    "unauthenticated": (401, "A valid API key is needed"),
    "forbidden": (403, "This client may not do that"),
    "not-found": (404, "There is no such resource"),
    "method-not-allowed": (405, "That method is not allowed on this resource"),
    "conflict": (409, "The resource is not in a state that allows this"),
    "idempotency-key-in-use": (409, "A request with this Idempotency-Key is still running"),
    "stale": (412, "The resource has changed since the version in If-Match"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "Send the body as application/json"),
    "invalid-body": (422, "Some fields of the body are not valid"),
    "idempotency-key-reused": (422, "This Idempotency-Key was used for a different request"),
    "precondition-required": (428, "Send If-Match with the ETag you last read"),
    "rate-limited": (429, "Too many requests from this client"),
    "busy": (503, "The service is busy"),
    "server-error": (500, "Sorry, there is a problem with the service"),
}
_BY_STATUS = {status: kind for kind, (status, _title) in reversed(KINDS.items())}


class ApiProblem(Exception):
    """Raised anywhere in an API request to answer with this problem."""

    def __init__(self, kind: str, detail: str | None = None, *,
                 errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or KINDS[kind][1])
        self.kind = kind
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def field_errors(messages: dict) -> list[dict[str, str]]:
    """Marshmallow's nested messages as a flat list, one entry per field (dotted paths for
    nested values, e.g. ``needs_met.0``)."""
    found: list[dict[str, str]] = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            found.append({"field": prefix or "body", "message": value[0]})
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            found.append({"field": prefix or "body", "message": str(value)})

    walk("", messages)
    return found


def problem_response(problem: ApiProblem) -> Response:
    status, title = KINDS[problem.kind]
    # No "instance": an address can hold an identifier (a child's reference), and a problem
    # never repeats one, so a refusal reads the same for another's record as for none.
    body = {"type": TYPE_BASE + problem.kind, "title": title, "status": status}
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _http(error: HTTPException) -> Response:
    status = error.code or 500
    kind = _BY_STATUS.get(status, "server-error" if status >= 500 else "invalid-parameters")
    headers = {"Retry-After": str(getattr(error, "retry_after", None) or 60)} \
        if status == 429 else {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    detail = None if status in (404, 405, 413, 429) else error.description
    return problem_response(ApiProblem(kind, detail, headers=headers))


def _domain(error: DomainError) -> Response:
    if isinstance(error, NotFound) and not error.field:
        return problem_response(ApiProblem("not-found", error.message))
    if isinstance(error, PermissionDenied) and not error.field:
        return problem_response(ApiProblem("forbidden", error.message))
    if isinstance(error, IllegalTransition) and not error.field:
        return problem_response(ApiProblem("conflict", error.message))
    return problem_response(ApiProblem("invalid-body", error.message, errors=[
        {"field": error.field or "body", "message": error.message}]))


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http(error)
    reference = uuid.uuid4().hex[:12]
    g.error_reference = reference
    log.exception("unhandled API error %s on %s %s", reference, request.method, request.path)
    return problem_response(ApiProblem(
        "server-error", f"Quote reference {reference} if you contact the service team."))


def answer(error: Exception) -> Response:
    """The problem response for any exception raised in an API request."""
    if isinstance(error, ApiProblem):
        return problem_response(error)
    if isinstance(error, StaleVersion):
        return problem_response(ApiProblem("stale", error.message, headers={
            "ETag": f'"{error.current_version}"'}))
    if isinstance(error, (Forbidden,)):
        return problem_response(ApiProblem("forbidden", str(error)))
    if isinstance(error, DomainError):
        return _domain(error)
    if isinstance(error, (Conflict, RecordConflictError)):
        return problem_response(ApiProblem("conflict", Conflict.MESSAGE.replace(
            "Reload the page", "Fetch it again")))
    if isinstance(error, BeingRebuilt):  # a read model another version built (behind.py)
        return problem_response(ApiProblem("busy", error.says,
                                           headers={"Retry-After": "60"}))
    if isinstance(error, ConnectionUnavailableError):
        return problem_response(ApiProblem("busy", "Nothing you sent was saved. Wait a "
                                                   "moment, then try again.",
                                           headers={"Retry-After": "5"}))
    if isinstance(error, HTTPException):
        return _http(error)
    down = outage.problem(error)
    if down is not None:
        # The database is down, read-only or full: the write did not happen, and a client
        # should retry later rather than report a fault of its own request.
        log.error("database %s answered 503 on API %s %s: %s", down, request.method,
                  request.endpoint or "no route", type(error).__name__)
        return problem_response(ApiProblem("busy", f"{outage.SAYS[down]} Nothing you sent was "
                                                   "saved. Try again in a few minutes.",
                                           headers={"Retry-After": "60"}))
    return _unexpected(error)


def is_api_request() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")
