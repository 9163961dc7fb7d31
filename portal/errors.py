"""Error pages in the service's own style; no stack trace ever reaches a user."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import urlsplit

from eventsourcing.persistence import ConnectionUnavailableError, RecordConflictError
from flask import Flask, g, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from domain.errors import Conflict, NotFound, PermissionDenied
from domain.permissions import Forbidden
from portal.api.problems import answer, is_api_request
from portal.behind import BeingRebuilt
from projections import outage

log = logging.getLogger("portal.errors")

TITLES = {
    400: "There is a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this record at the same moment",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    503: "The service is busy",
    500: "Sorry, there is a problem with the service",
}


def _render(status: int, detail: str | None = None, reload: str | None = None):
    partial = request.headers.get("HX-Request")
    template = "errors/htmx_error.html" if partial else "errors/error.html"
    return render_template(template, status=status, title=TITLES.get(status, TITLES[500]),
                           detail=detail, reload=reload), status


def _page_to_reload() -> str | None:
    """The page the person was on (this portal's own, from the Referer), else this address
    when it can be fetched again; None when neither."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.full_path.rstrip("?") if request.method == "GET" else None


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log.info("csrf refused", extra={"endpoint": _where()})
        return _render(400, "The form had expired or was not sent from this service. "
                            "Go back, reload the page and try again.")

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        return _render(404)

    @app.errorhandler(Conflict)
    @app.errorhandler(RecordConflictError)
    def conflict(error: Exception):
        # A version clash (domain/clashes.py): nothing of this change was stored.
        log.info("version clash answered 409", extra={"endpoint": _where()})
        return _render(409, Conflict.MESSAGE, reload=_page_to_reload())

    @app.errorhandler(ConnectionUnavailableError)
    def busy(error: Exception):
        # Every database connection of this process stayed busy past the event store's wait
        # (many writes at once in one process): nothing of this request was stored.
        log.warning("event store busy answered 503", extra={"endpoint": _where()})
        response, status = _render(503, "Nothing you sent was saved. Wait a moment, then "
                                        "try again.", reload=_page_to_reload())
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(BeingRebuilt)
    def being_rebuilt(error: BeingRebuilt):
        # A read model another version built, not yet rebuilt (portal/behind.py).
        log.info("view being rebuilt answered 503", extra={"endpoint": _where()})
        if is_api_request():
            return answer(error)
        response, status = _render(503, error.says, reload=_page_to_reload())
        return response, status, {"Retry-After": "60"}

    @app.errorhandler(Forbidden)
    @app.errorhandler(PermissionDenied)
    def forbidden(error):
        return _render(403)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():  # an address under /api/v1/ no API route matched
            return answer(error)
        if error.code == 404:
            log.info("not found", extra={"endpoint": _where()})
        ours = error.code == 400 or (error.code == 429 and not isinstance(error, RateLimitExceeded))
        body, status = _render(error.code or 500, error.description if ours else None)
        # A 429 says when to come back (Retry-After), for people and for clients.
        return body, status, [(k, v) for k, v in error.get_headers() if k == "Retry-After"]

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if is_api_request():
            return answer(error)
        problem = outage.problem(error)
        if problem is not None:
            # The database is down, read-only or full: the write did not happen.
            log.error("database %s answered 503 on %s %s: %s", problem, request.method,
                      _where(), type(error).__name__)
            response, status = _render(503, f"{outage.SAYS[problem]} Nothing you sent was "
                                            "saved. Try again in a few minutes.",
                                       reload=_page_to_reload())
            return response, status, {"Retry-After": "60"}
        reference = uuid.uuid4().hex[:12]
        g.error_reference = reference
        log.exception("unhandled error %s on %s %s", reference, request.method, _where())
        return _render(500, f"Quote reference {reference} if you contact the service team.")


def _where() -> str:
    """Where a request went, for a log line: its endpoint, never its path, which on a child's
    pages holds the child's (pseudonymous) reference."""
    return request.endpoint or "no route"
