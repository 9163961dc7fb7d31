"""The integration API (``/api/v1``): JSON for councils' and providers' own systems, calling the
same use cases as the pages, with the same permission table and tenancy (see portal/api/spec.py
for the conventions, and the reference page at ``/api/v1/reference``)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, request
from marshmallow import Schema

from portal.extensions import csrf, limiter

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


def _let_in() -> None:
    from portal.api.access import authenticate

    if request.endpoint not in PUBLIC:
        authenticate()


def _setup() -> None:
    from portal.api import placements, reference, vacancies  # noqa: F401 (their routes)
    from portal.api.access import rate_key, rate_limit
    from portal.api.problems import answer

    bp.before_request(_let_in)
    bp.register_error_handler(Exception, answer)
    limiter.limit(rate_limit, key_func=rate_key)(bp)


_setup()


def init_app(app: Flask) -> None:
    # A key authenticates every API call, never a cookie: a forged cross-site request carries
    # no key, so the CSRF token (a cookie session's defence) is not asked of API calls.
    csrf.exempt(bp)
    app.register_blueprint(bp)
