"""Who is signed in (the principal, loaded per request) and the decorators views use."""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from urllib.parse import urlsplit
from uuid import UUID

import sqlalchemy as sa
from flask import abort, current_app, g, redirect, request, session, url_for

from domain.permissions import can
from domain.principal import Principal
from portal.behind import BeingRebuilt
from projections.directory import organisations, partnership_members
from projections.directory_queries import account_by_id

log = logging.getLogger(__name__)


def services():
    return current_app.extensions["portal"]


def load_principal() -> None:
    if request.endpoint == "static":
        return
    svc = services()
    if svc.projections.inline:
        # Apply events other processes stored (the CLI, another worker) before reading.
        # Nothing pending costs two reads and no write.
        svc.projections.catch_up()
        # Without a projection process, the web process does the periodic work itself:
        # 15-minute checkpoints and projection snapshots.
        try:
            svc.housekeeping()
        except BeingRebuilt:
            # The verifiable log is being rebuilt after an update (another process does it):
            # its rebuild signs the checkpoint; the page itself is served if it can be.
            log.info("housekeeping waits for a projection being rebuilt")
    g.principal = None
    raw = session.get("account_id")
    if not raw:
        return
    try:
        account_id = UUID(raw)
    except (TypeError, ValueError):
        session.clear()
        return
    g.principal = principal_for(account_id)
    if g.principal is None:
        session.clear()
    elif session.get("authenticated_by"):  # how this session signed in, e.g. ["oidc"]
        g.principal = replace(g.principal, authenticated_by=tuple(session["authenticated_by"]))


def organisation_facts(organisation_id: UUID, connection: sa.Connection | None = None
                       ) -> tuple[dict, frozenset[str]] | None:
    """An organisation's directory row and the partnerships it belongs to (None: unknown), read
    through ``connection`` when given."""
    if connection is None:
        with services().engine.connect() as c:
            return organisation_facts(organisation_id, c)
    organisation = connection.execute(
        organisations.select().where(organisations.c.id == organisation_id)
    ).mappings().first()
    partnerships = frozenset(connection.execute(
        sa.select(partnership_members.c.partnership)
        .where(partnership_members.c.authority_id == organisation_id)).scalars())
    return None if organisation is None else (dict(organisation), partnerships)


def principal_for(account_id: UUID) -> Principal | None:
    """The principal of an account, read through one connection (every request asks)."""
    with services().engine.connect() as c:
        account = account_by_id(c, account_id)
        if account is None or account["suspended"]:
            return None
        facts = organisation_facts(account["organisation_id"], c)
    if facts is None:
        return None
    organisation, partnerships = facts
    return Principal(
        user_id=account["id"],
        email=account["email"],
        display_name=account["display_name"],
        organisation_id=organisation["id"],
        organisation_kind=organisation["kind"],
        organisation_name=organisation["name"],
        roles=frozenset(account["roles"].split()),
        partnerships=partnerships,
    )


def current_principal() -> Principal | None:
    return g.get("principal")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def sign_in_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_principal() is None:
            return redirect(url_for("session.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    wrapped.__permission__ = "signed_in"  # type: ignore[attr-defined]
    return wrapped


def requires(action: str):
    """Require a signed-in principal whose roles allow ``action`` (403 otherwise)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                return redirect(url_for("session.sign_in", next=request.full_path.rstrip("?")))
            if not can(principal, action):
                log.info("permission refused", extra={"action": action,
                                                      "user_id": str(principal.user_id)})
                abort(403)
            return view(*args, **kwargs)

        wrapped.__permission__ = action  # type: ignore[attr-defined]
        return wrapped

    return decorate


def public(view):
    """Mark a view as deliberately open to everyone (checked by the URL-map test)."""
    view.__permission__ = "public"
    return view
