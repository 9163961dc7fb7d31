from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from portal.extensions import csrf
from portal.security import public, services
from projections import outage

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@public
@csrf.exempt
def healthz():
    """Database status and how far each projection lags the event log (no personal data):
    503 naming what is wrong with the database ("unavailable", "read_only", "full"; see
    projections/outage.py); "degraded" (still 200: the portal serves every page that does not
    need it) when a projection stopped at an event it could not apply, naming both, or when
    one is being rebuilt because another version of the code built its tables."""
    svc = services()
    problem, lags, rebuilding = _read(svc)
    if problem is not None:
        return _down(problem)
    head = lags[0].head if lags else svc.projections.head()
    stopped = [_stopped(lag.failure) for lag in lags if lag.failure is not None]
    return jsonify(
        status="degraded" if stopped or rebuilding else "ok",
        database="ok",
        backend="sqlite" if svc.database.is_sqlite else "postgresql",
        event_log_head=head,
        projections={lag.name: _projection(lag) for lag in lags},
        stopped_projections=stopped,
        rebuilding_projections=sorted(rebuilding),
    )


def _read(svc) -> tuple[str | None, list, set[str]]:
    """What is wrong with the database (None: nothing), each projection's lag, and the
    projections being rebuilt; a database that fails while they are read is named too."""
    try:
        problem = outage.check(svc.engine)
        if problem:
            return problem, [], set()
        return None, svc.projections.lags(), svc.projections.rebuilding()
    except Exception as error:
        log.exception("health check failed")
        return outage.problem(error) or outage.UNAVAILABLE, [], set()


def _down(problem: str):
    log.error("health check: database %s", problem)
    return jsonify(status="error", database=problem, detail=outage.SAYS[problem]), 503


def _stopped(failure) -> dict:
    """A stopped projection and the event it stopped at: its number and type, never what it
    says."""
    return {"projection": failure.name, "notification_id": failure.notification_id,
            "event": failure.topic, "since": failure.first_seen.isoformat(),
            "attempts": failure.attempts}


def _projection(lag) -> dict:
    state = {"position": lag.position, "behind": lag.behind}
    if lag.failure is not None:
        state["stopped_at"] = lag.failure.notification_id
    return state
