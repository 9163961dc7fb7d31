"""Queries over the home searches read model. Each takes the viewer first: a council officer
reads only their own authority's searches; another authority's search is "no such home
search", exactly like a missing one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.home_search import OPEN_STATES, STATUS_LABELS, UNFILLED_REASONS, URGENCIES
from projections.directory import settings
from projections.home_searches import LISTS, as_list, home_searches
from projections.scoping import in_scope_condition

MISSING = "There is no such home search"


def _search(row) -> dict[str, Any]:
    search = {k: (as_list(v) if k in LISTS else v) for k, v in row.items()}
    search["status_label"] = STATUS_LABELS[search["status"]]
    search["urgency_label"] = URGENCIES[search["urgency"]]
    search["is_open"] = search["status"] in OPEN_STATES
    search["places_needed"] = 1 + search["siblings"]
    search["unfilled_reason_label"] = UNFILLED_REASONS.get(search["unfilled_reason"] or "")
    return search


def home_searches_for(viewer, connection: sa.Connection) -> list[dict[str, Any]]:
    """The viewer's authority's searches: open ones first, the home needed soonest first."""
    t = home_searches
    is_open = t.c.status.in_(sorted(OPEN_STATES))
    rows = connection.execute(
        sa.select(t).where(in_scope_condition(viewer, "home_searches.view", t.c.authority_id))
        .order_by(sa.case((is_open, 0), else_=1), t.c.needed_by, t.c.drafted_at, t.c.id)
    ).mappings()
    return [_search(row) for row in rows]


def home_search(viewer, connection: sa.Connection, search_id: UUID) -> dict[str, Any]:
    t = home_searches
    row = connection.execute(sa.select(t).where(
        t.c.id == search_id,
        in_scope_condition(viewer, "home_searches.view", t.c.authority_id))).mappings().first()
    if row is None:
        raise NotFound(MISSING)
    return _search(row)


def largest_registered_places(connection: sa.Connection) -> int | None:
    """The most places any setting in the directory is registered for (None: no settings).
    A directory fact, not a record of anyone's: the commands read it to refuse a sibling group
    no setting could take together."""
    return connection.execute(sa.select(sa.func.max(settings.c.registered_places))).scalar()



def home_searches_after(viewer, connection: sa.Connection, *, after: UUID | None, limit: int,
                        status: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` of the viewer's authority's searches in id order, after ``after``
    (the API's cursor pages)."""
    t = home_searches
    query = sa.select(t).where(in_scope_condition(viewer, "home_searches.view",
                                                  t.c.authority_id))
    if status is not None:
        query = query.where(t.c.status == status)
    if after is not None:
        query = query.where(t.c.id > after)
    rows = connection.execute(query.order_by(t.c.id).limit(limit + 1)).mappings()
    return [_search(row) for row in rows]
