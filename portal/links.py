"""Absolute links (in e-mails, and the single sign-on redirect address) built from where the
portal is configured to be served, ``PORTAL_URL``, and never from the request.

A request's ``Host`` header is whatever the client sent: a password reset asked for with
``Host: evil.example`` must still mail a link to the portal. So every absolute link is built
from the configured address; when ``PORTAL_URL`` is set, requests for any other host are
refused (:mod:`portal.hosts`). ``PORTAL_URL`` is required in production (PostgreSQL, or served
over TLS); a local run on SQLite without it links to ``http://127.0.0.1:PORT``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from projections.database import ConfigurationError

DEFAULT_PORT = 5000


def local_portal_url(port: str | None) -> str:
    """Where ``make run`` (``portal serve``) serves the portal on this machine."""
    value = (port or "").strip() or str(DEFAULT_PORT)
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigurationError(f"PORT must be a port number, got {value!r}")
    return f"http://127.0.0.1:{int(value)}"


def checked_portal_url(value: str) -> str:
    """PORTAL_URL as given, checked: http or https, a host, at most a path (no query, fragment
    or credentials); without its trailing slash."""
    parts = urlsplit(value.strip())
    try:
        parts.port  # noqa: B018 (raises for a port that is not a number)
    except ValueError:
        raise ConfigurationError("PORTAL_URL has a port that is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            "PORTAL_URL must be the portal's address, like https://portal.example.gov.uk "
            f"(http or https, a host and at most a path), got {value.strip()!r}")
    return parts.geturl().rstrip("/")


def host_of(portal_url: str) -> str:
    """The host name requests must be addressed to (without the port, as Flask compares)."""
    return urlsplit(portal_url).hostname or ""


def joined(portal_url: str, path: str) -> str:
    """``path`` (starting with /) under the portal's address."""
    return portal_url.rstrip("/") + "/" + path.lstrip("/")


def external_url(endpoint: str, **values) -> str:
    """The absolute address of a page of the portal, like ``url_for(..., _external=True)``
    but from the configured address, whatever host the request named."""
    parts = urlsplit(current_app.config["PORTAL_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)
