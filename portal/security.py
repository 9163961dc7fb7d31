"""Who is signed in (the principal, loaded per request) and the decorators views use."""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from urllib.parse import urlsplit
from uuid import UUID

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, redirect, request, session, url_for

from domain.permissions import can
from domain.principal import Principal
from portal.behind import BeingRebuilt
from portal.remembered import MISSING, Remembered
from projections.changes import table_changes
from projections.directory import accounts, organisations, partnership_members
from projections.directory_queries import account_by_id
from projections.sufficiency.builds import database_token

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


# Built once: every signed-in request reads its organisation.
_ORGANISATION = organisations.select().where(organisations.c.id == sa.bindparam("organisation"))
_PARTNERSHIPS = sa.select(partnership_members.c.partnership).where(
    partnership_members.c.authority_id == sa.bindparam("organisation"))


def organisation_facts(organisation_id: UUID, connection: sa.Connection | None = None
                       ) -> tuple[dict, frozenset[str]] | None:
    """An organisation's directory row and the partnerships it belongs to (None: unknown), read
    through ``connection`` when given."""
    if connection is None:
        with services().engine.connect() as c:
            return organisation_facts(organisation_id, c)
    organisation = connection.execute(
        _ORGANISATION, {"organisation": organisation_id}).mappings().first()
    partnerships = frozenset(connection.execute(
        _PARTNERSHIPS, {"organisation": organisation_id}).scalars())
    return None if organisation is None else (dict(organisation), partnerships)


def principal_for(account_id: UUID) -> Principal | None:
    """The principal of an account, read through one connection (every request asks).

    Each process remembers the principals it read, by database, account and where the
    tables they are read from (the directory's accounts, organisations and partnerships)
    last changed (projections/changes.py): only the directory's projection writes those
    tables, and every event it takes that changes one moves that table's position, so a
    role granted or revoked, a suspension or a renamed organisation is read afresh on the
    first request after the projection took it, as without the remembering. While some
    projection is stopped or being rebuilt, the tables are read each time, so the page
    still says "this view is behind" or is refused as it would be (portal/behind.py)."""
    engine = services().engine
    with engine.connect() as c:
        key = _principal_key(engine, account_id, c)
        found = _principals.recalled(key) if key else MISSING
        if found is not MISSING:
            return found
        principal = _read_principal(c, account_id)
    if key:
        _principals.remember(key, principal)
    return principal


# The directory tables a principal is read from.
PRINCIPAL_TABLES = (accounts.name, organisations.name, partnership_members.name)
# Built once, with the names as its parameters' values (every signed-in request asks it).
_CHANGED = sa.select(table_changes.c.name, table_changes.c.position).where(
    table_changes.c.name.in_([sa.bindparam(f"table_{n}", name)
                              for n, name in enumerate(PRINCIPAL_TABLES)]))


def _principal_key(engine: sa.Engine, account_id: UUID, c: sa.Connection) -> tuple | None:
    """What a remembered principal is found by (None: read it afresh)."""
    if has_request_context() and (g.get("stopped_projections")
                                  or g.get("rebuilding_projections")):
        return None
    changed = tuple(sorted(c.execute(_CHANGED).all()))
    if len(changed) != len(PRINCIPAL_TABLES):  # a database rebuilt "as at": not recorded
        return None
    if has_request_context():
        # Where the directory stood for this request: what else follows from the directory
        # alone (a dashboard's scope) may be remembered by it too.
        g.directory_at = (database_token(engine), changed)
    return (database_token(engine), account_id, changed)


def _read_principal(c: sa.Connection, account_id: UUID) -> Principal | None:
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


PRINCIPALS = 10_000  # principals each process remembers (well under 1 kB each)
_principals = Remembered(PRINCIPALS)


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
