"""The OpenAPI 3 description of the integration API, generated with apispec from the routes of
the API's blueprint and the marshmallow schemas each operation names (``@operation``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from portal.api.problems import KINDS, PROBLEM_JSON
from portal.api.read_back import STORED_NOT_READABLE
from portal.api.schemas import Problem
from portal.form_fields import Money

TITLE = "Sufficiency Portal integration API"
VERSION = "1.0.0"
CHILD_REF = r"^C[0-9A-Z]{12}$"
DESCRIPTION = """\
A JSON API for councils' case-management systems and providers' own systems: a provider keeps
its vacancies current, a council its children's placements, calling the same use cases as the
portal's pages with the same permissions.

Authenticate with an API key from your organisation's administrator (the portal's "API
clients" page): `Authorization: Bearer <key>`. Errors are RFC 9457 problem details
(`application/problem+json`) with an `errors` list naming each field at fault. A POST may send
an `Idempotency-Key`: a retry with the same key returns the first response and creates nothing
twice. A read returns an `ETag`; send it back in `If-Match` to change the record (412 when it
has changed since). Lists are paged by cursor: pass `next_cursor` back as `cursor`.
"""


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: dict[int, tuple[str, Any]]
    body: Any = None
    query: Any = None
    if_match: str | None = None  # "required" or "optional"
    idempotent: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # response headers on success
    tag: str = "vacancies"
    # OpenAPI links from a success: name -> (operation id, {parameter: runtime expression}),
    # e.g. the record's id from the body and its ETag into If-Match (``header.If-Match``).
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # A create read back from the projections (read_back.read_written) whose new record may
    # be stored but not readable yet: its 503 also says so, with the record's Location.
    stored_unreadable: bool = False


def operation(**details: Any):
    """Describe a view's operation for the OpenAPI description."""

    def decorate(view):
        view.__operation__ = Operation(**details)
        return view

    return decorate


def links_to(id_parameter: str, id_expression: str, *targets: str,
             versioned: tuple[str, ...] = ()) -> dict[str, tuple[str, dict[str, str]]]:
    """Links from an answer naming a record to the operations on it: each ``targets``
    operation takes the record's id; each ``versioned`` one also its ETag in If-Match."""
    found = {f"to_{target}": (target, {id_parameter: id_expression}) for target in targets}
    for target in versioned:
        found[f"to_{target}"] = (target, {id_parameter: id_expression,
                                          "header.If-Match": "$response.header.ETag"})
    return found


def links_along(parameters: tuple[str, ...], *targets: str
                ) -> dict[str, tuple[str, dict[str, str]]]:
    """Links from an operation to others on the same record, which take the same path
    ``parameters`` as the request did (a bid's tender and lot)."""
    return {f"to_{target}": (target, {name: f"$request.path.{name}" for name in parameters})
            for target in targets}


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix("/api/v1"))


PATH_PARAMETERS = {
    "child_ref": {"type": "string", "pattern": CHILD_REF},
    "la_code": {"type": "string", "pattern": r"^[0-9]{3}$"},
    "name": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
    "lot": {"type": "integer", "minimum": 1, "maximum": 99},
}


def _path_parameters(rule) -> list[dict]:
    found = []
    for name in rule._converters:
        schema = {"type": "string", "format": "uuid"} if name.endswith("_id") else \
            PATH_PARAMETERS[name]
        found.append({"in": "path", "name": name, "required": True, "schema": schema})
    return found


def _header_parameters(op: Operation) -> list[dict]:
    found = []
    if op.if_match:
        found.append({"in": "header", "name": "If-Match", "required": op.if_match == "required",
                      "description": "The ETag of the version you read", "schema": {
                          "type": "string", "pattern": r'^"[0-9]{1,9}"$'}})
    if op.idempotent:
        found.append({"in": "header", "name": "Idempotency-Key", "required": False,
                      "description": "Any unique string per request: a retry with the same "
                                     "key creates nothing twice", "schema": {
                          "type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"}})
    return found


def _problem(description: str) -> dict:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": "Problem"}}}


def _responses(op: Operation, has_body: bool) -> dict:
    responses: dict[str, Any] = {}
    for status, (description, schema) in op.responses.items():
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = {"application/json": {"schema": schema}}
        if status < 300 and op.headers:
            entry["headers"] = {name: {"description": text, "schema": {"type": "string"}}
                                for name, text in op.headers.items()}
        if status < 300 and op.links:
            entry["links"] = {name: {"operationId": target, "parameters": parameters}
                              for name, (target, parameters) in op.links.items()}
        responses[str(status)] = entry
    errors = {400: "Malformed JSON, bad parameters or a bad cursor", 401: KINDS[
        "unauthenticated"][1], 403: KINDS["forbidden"][1], 404: KINDS["not-found"][1],
              429: KINDS["rate-limited"][1]}
    if has_body or op.idempotent or op.if_match:
        errors.update({409: "A conflict with the record's state or a running retry",
                       413: KINDS["body-too-large"][1], 415: KINDS["unsupported-media-type"][1],
                       422: "Invalid fields (each named in errors)"})
    if op.query is not None:
        errors[422] = "Invalid fields (each named in errors)"
    if op.if_match:
        errors.update({412: KINDS["stale"][1], 428: KINDS["precondition-required"][1]})
    for status, description in errors.items():
        responses.setdefault(str(status), _problem(description))
    responses.setdefault("503", _unavailable(op))
    return responses


def _unavailable(op: Operation) -> dict:
    """Any operation may find the service busy (a read model being rebuilt, the event store
    not answering): nothing was saved, come back after Retry-After. A create read back from
    the projections may also have stored its record before they could show it: its address
    is in Location (its detail says whether to retry with the same Idempotency-Key, which
    stores nothing more, or to read the record there)."""
    headers = {"Retry-After": {"description": "Seconds to wait before trying again",
                               "required": True,
                               "schema": {"type": "string", "pattern": r"^[0-9]+$"}}}
    if op.stored_unreadable:
        headers["Location"] = {"description": "The stored record's address (when it was "
                                              "stored but cannot be read back yet)",
                               "schema": {"type": "string"}}
    return {**_problem(STORED_NOT_READABLE if op.stored_unreadable else KINDS["busy"][1]),
            "headers": headers}


def build(app: Flask) -> dict:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3",
                   plugins=[marshmallow], info={"description": DESCRIPTION},
                   servers=[{"url": "/api/v1"}])
    # The forms' own field types as JSON sees them: money is a whole number of pounds.
    marshmallow.map_to_openapi_type(Money, "integer", "int32")
    spec.components.security_scheme("apiKey", {"type": "http", "scheme": "bearer",
                                               "description": "An API client's key"})
    spec.components.schema("Problem", schema=Problem)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "__operation__", None)
        if op is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            parameters = _path_parameters(rule) + _header_parameters(op)
            if op.query is not None:
                parameters.append({"in": "query", "schema": op.query})
            details: dict[str, Any] = {
                "operationId": rule.endpoint.removeprefix("api."), "summary": op.summary,
                "tags": [op.tag], "security": [{"apiKey": []}], "parameters": parameters,
                "responses": _responses(op, op.body is not None)}
            if op.body is not None:
                details["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": op.body}}}
            paths.setdefault(_path(rule.rule), {})[method.lower()] = details
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
