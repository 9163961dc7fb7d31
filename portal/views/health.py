from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify

from portal.extensions import csrf
from portal.security import public, services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@public
@csrf.exempt
def healthz():
    """Database status and how far each projection lags the event log (no personal data)."""
    svc = services()
    try:
        with svc.engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
        lags = svc.projections.lags()
    except Exception:
        log.exception("health check failed")
        return jsonify(status="error", database="unavailable"), 503
    head = lags[0].head if lags else svc.projections.head()
    return jsonify(
        status="ok",
        database="ok",
        backend="sqlite" if svc.database.is_sqlite else "postgresql",
        event_log_head=head,
        projections={lag.name: {"position": lag.position, "behind": lag.behind} for lag in lags},
    )
