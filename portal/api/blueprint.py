"""The API's blueprint and how its operations answer (JSON, never cached)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Pages anyone may read: the description and its reference page. Every other operation
# authenticates by key (portal/api/access.py).
PUBLIC = {"api.openapi", "api.reference"}


def respond(schema: Schema, data: Any, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(schema.dump(data)), status=status,
                        mimetype="application/json")
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response
