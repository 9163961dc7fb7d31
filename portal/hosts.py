"""Refuse requests addressed to a host that is not the portal's own (when PORTAL_URL is set).

Wraps the WSGI application (after any trusted proxy has set the host it was asked for), so a
request naming another host is answered 400 before the portal reads or writes anything. A
request with no usable ``Host`` header is refused too. Flask's own ``TRUSTED_HOSTS`` is set to
the same host, so nothing inside the portal ever sees another.
"""

from __future__ import annotations

import logging

from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

log = logging.getLogger("portal.hosts")

REFUSAL = "400 Bad Request: this address is not the portal's. Use the portal's own address.\n"


class KnownHostsOnly:
    """WSGI middleware: only requests for one of ``hosts`` (any port) reach ``app``."""

    def __init__(self, app, hosts: list[str]) -> None:
        self.app = app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        try:
            known = bool(get_host(environ, trusted_hosts=self.hosts))
        except SecurityError:
            known = False
        if not known:
            # Neither the host nor the path is logged: a path may carry a link's token.
            log.info("request for an unknown host refused")
            return Response(REFUSAL, status=400, mimetype="text/plain")(environ, start_response)
        return self.app(environ, start_response)
