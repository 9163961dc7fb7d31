"""Whose children a sufficiency view counts, and whether the viewer may see it in full.

An officer viewing their own authority sees its figures in full (``sufficiency.view_own``).
Every other view (another authority, a partnership, the whole region) crosses authority lines:
it needs ``sufficiency.view_regional`` and is shown with small counts suppressed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import sqlalchemy as sa

from domain.errors import NotFound
from domain.permissions import Forbidden, can, check
from projections.directory import organisations, partnership_members
from projections.sufficiency.tables import Scope

AUTHORITY, PARTNERSHIP, REGION = "authority", "partnership", "region"
KINDS = (AUTHORITY, PARTNERSHIP, REGION)
REGION_KEY = "region"
REGION_NAME = "All partner authorities"


def _authorities(connection: sa.Connection) -> list:
    return list(connection.execute(
        sa.select(organisations.c.id, organisations.c.name, organisations.c.la_code)
        .where(organisations.c.kind == "authority").order_by(organisations.c.name)))


def _own_authority(viewer):
    """The viewer's authority if they may see it in full, else None."""
    if viewer is None or viewer.organisation_kind != "authority":
        return None
    return viewer.organisation_id if can(viewer, "sufficiency.view_own") else None


def _check_any(viewer) -> None:
    if not (can(viewer, "sufficiency.view_own") or can(viewer, "sufficiency.view_regional")):
        raise Forbidden("You do not have permission to see sufficiency views")


def _members(connection: sa.Connection, partnership: str) -> tuple:
    rows = connection.execute(
        sa.select(partnership_members.c.authority_id)
        .join(organisations, organisations.c.id == partnership_members.c.authority_id)
        .where(partnership_members.c.partnership == partnership)
        .order_by(organisations.c.name)).scalars()
    return tuple(rows)


def named_scope(connection: sa.Connection, kind: str, key: str | None) -> Scope:
    """The scope named by ``kind`` and ``key`` (an authority's DfE LA code, a partnership's
    name; the region needs none), as anyone but an officer of its one authority sees it
    (suppressed); NotFound when there is none. It follows from the directory alone."""
    if kind == AUTHORITY:
        row = connection.execute(
            sa.select(organisations.c.id, organisations.c.name, organisations.c.la_code)
            .where(organisations.c.kind == "authority",
                   organisations.c.la_code == (key or "").strip())).first()
        if row is None:
            raise NotFound("There is no partner authority with that LA code")
        return Scope(AUTHORITY, row.name, (row.id,), disclose=False, key=row.la_code)
    if kind == PARTNERSHIP:
        name = (key or "").strip()
        members = _members(connection, name) if name else ()
        if not members:
            raise NotFound("There is no partnership with that name")
        return Scope(PARTNERSHIP, name, members, disclose=False, key=name)
    if kind == REGION:
        ids = tuple(row.id for row in _authorities(connection))
        return Scope(REGION, REGION_NAME, ids, disclose=False, key=REGION_KEY)
    raise NotFound("There is no such sufficiency view")


def resolve_scope(viewer, connection: sa.Connection, kind: str, key: str | None, *,
                  named: Callable[[sa.Connection, str, str | None], Scope] = named_scope,
                  ) -> Scope:
    """The scope named by ``kind`` and ``key`` (found by ``named``: :func:`named_scope`, or
    what the caller remembers of it), checked against what the viewer may see: in full only
    for an officer of its one authority."""
    _check_any(viewer)
    scope = named(connection, kind, key)
    if scope.kind == AUTHORITY and scope.authority_ids[0] == _own_authority(viewer):
        return replace(scope, disclose=True)
    check(viewer, "sufficiency.view_regional")
    return scope


def scopes_for(viewer, connection: sa.Connection) -> list[Scope]:
    """Every view the viewer may open, for navigation: their own authority first (in full),
    then each partnership, the whole region and every other authority (suppressed)."""
    found: list[Scope] = []
    own = _own_authority(viewer)
    authorities = _authorities(connection)
    for row in authorities:
        if row.id == own:
            found.append(Scope(AUTHORITY, row.name, (row.id,), disclose=True, key=row.la_code))
    if not can(viewer, "sufficiency.view_regional"):
        return found
    names = connection.execute(sa.select(partnership_members.c.partnership).distinct()
                               .order_by(partnership_members.c.partnership)).scalars()
    for name in names:
        found.append(Scope(PARTNERSHIP, name, _members(connection, name), disclose=False,
                           key=name))
    if authorities:
        found.append(Scope(REGION, REGION_NAME, tuple(r.id for r in authorities),
                           disclose=False, key=REGION_KEY))
    for row in authorities:
        if row.id != own:
            found.append(Scope(AUTHORITY, row.name, (row.id,), disclose=False,
                               key=row.la_code))
    return found


def widest_scopes(connection: sa.Connection) -> list[Scope]:
    """The region and every partnership (each with more than one authority): the views whose
    figures disclosure control works out together, so that no two of them (a partnership's
    against the region's) can be set side by side to work a hidden figure out."""
    authorities = _authorities(connection)
    found = [Scope(REGION, REGION_NAME, tuple(r.id for r in authorities), disclose=False,
                   key=REGION_KEY)] if len(authorities) > 1 else []
    names = connection.execute(sa.select(partnership_members.c.partnership).distinct()
                               .order_by(partnership_members.c.partnership)).scalars()
    for name in names:
        members = _members(connection, name)
        if len(members) > 1:
            found.append(Scope(PARTNERSHIP, name, members, disclose=False, key=name))
    return found
