"""The integration API (``/api/v1``): JSON for councils' and providers' own systems, calling the
same use cases as the pages, with the same permission table and tenancy (see portal/api/spec.py
for the conventions, and the reference page at ``/api/v1/reference``)."""

from __future__ import annotations

from flask import Flask, request

from portal.api import (  # noqa: F401 (their routes)
    audit,
    home_searches,
    placements,
    reference,
    referrals,
    sufficiency,
    tenders,
    vacancies,
    webhooks,
)
from portal.api.access import authenticate, rate_key, rate_limit
from portal.api.blueprint import PUBLIC, bp
from portal.api.problems import answer
from portal.extensions import csrf, limiter


def _let_in() -> None:
    if request.endpoint not in PUBLIC:
        authenticate()


bp.before_request(_let_in)
bp.register_error_handler(Exception, answer)
limiter.limit(rate_limit, key_func=rate_key)(bp)


def init_app(app: Flask) -> None:
    # A key authenticates every API call, never a cookie: a forged cross-site request carries
    # no key, so the CSRF token (a cookie session's defence) is not asked of API calls.
    csrf.exempt(bp)
    app.register_blueprint(bp)
