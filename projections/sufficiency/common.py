"""What the placement-population measures share: the authorities in view, the episodes that
count, and per-authority rows with their totals.

Every measure reads ``placement_episodes`` (one row per SSDA903 episode). Children looked
after only under an agreed series of short breaks (legal status V3 or V4) are left out of every
count, as in the DfE's statistics (DfE, "Children looked after in England including
adoptions": figures exclude children looked after under a series of short-term placements).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from domain.errors import NotFound
from projections.directory import organisations, partnership_members
from projections.placements import authority_targets, placement_episodes
from projections.sufficiency.scope import REGION
from projections.sufficiency.tables import (
    ALL,
    ROW_AUTHORITY,
    ROW_MEMBERS,
    TOTAL_ROW,
    Filters,
    Scope,
    in_care,
    in_care_uasc,
)

ep = placement_episodes

DFE_CLA = "DfE, \"Children looked after in England including adoptions\""
DFE_LOCATION = "DfE, \"Children looked after: a focus on placement location\""
DFE_STABILITY = "DfE, \"Stability measures for children looked after in England\""

Row = dict[str, Any]


_shared: ContextVar[dict | None] = ContextVar("sufficiency_shared_queries", default=None)


@contextmanager
def shared_queries() -> Iterator[None]:
    """Within this block, measures that need the same query result share it (a dashboard
    computes several measures from one pass over the episodes). Outside it, nothing is kept:
    each call reads the tables afresh."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def shared(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per ``key`` within :func:`shared_queries`."""
    memo = _shared.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def of_whole_region(key: Hashable, ids: Sequence[UUID], everyone: bool,
                    compute: Callable[[], Any], subset: Callable[[Any, set], Any]) -> Any:
    """``compute()`` shared as :func:`shared` does, under ``key`` followed by the authorities
    (``everyone``: every partner authority, ``ids`` left out). A result for some authorities
    is cut (``subset(whole, ids)``) from the whole region's when the block already holds that
    (a region's dashboard works out each partnership's views after its own): every such
    result is counted authority by authority, so the cut is the same as a query of its own."""
    memo = _shared.get()
    if everyone:
        return shared((*key, "everyone"), compute)
    if memo is not None and (whole := memo.get((*key, "everyone"))) is not None:
        return shared((*key, tuple(sorted(map(str, ids)))), lambda: subset(whole, set(ids)))
    return shared((*key, tuple(sorted(map(str, ids)))), compute)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def authorities(connection: sa.Connection, scope: Scope, filters: Filters) -> list:
    """The authorities counted: the scope's, or the one ``filters.area`` names, by name.

    Every measure asks, so a dashboard asked the same few questions about 60 times a view:
    within :func:`shared_queries` each set of authorities is read once (on PostgreSQL each
    read is a round trip to the server)."""
    ids: Sequence[UUID] = scope.authority_ids
    if filters.area is not None:
        if filters.area not in ids:
            raise NotFound("That authority is not part of this view")
        ids = (filters.area,)
    o = organisations
    rows = shared(("authorities", tuple(sorted(map(str, ids)))), lambda: tuple(connection.execute(
        sa.select(o.c.id, o.c.name, o.c.la_code, o.c.ons_code, o.c.population_0_17)
        .where(o.c.kind == "authority", o.c.id.in_(ids)).order_by(o.c.name))))
    return list(rows)


def whole_region(scope: Scope, filters: Filters) -> bool:
    """Whether every partner authority is counted. Every episode belongs to a partner
    authority (a placement can only be recorded for one), so such a query needs no list of
    authorities: at national scale, leaving the list out makes it about twice as fast."""
    return scope.kind == REGION and filters.area is None


def counted(ids: Sequence[UUID], filters: Filters, table: sa.Table = ep, *,
            everyone: bool = False) -> list:
    """Episodes of these authorities (of every authority: ``everyone``) that count: not short
    breaks, of the chosen type."""
    conditions = [sa.not_(table.c.short_breaks)]
    if not everyone:
        conditions.append(table.c.authority_id.in_(list(ids)))
    if filters.place_group:
        conditions.append(table.c.place_group == filters.place_group)
    return conditions


def open_on(day: date, table: sa.Table = ep) -> sa.ColumnElement[bool]:
    """The episode is open on ``day``: started on or before it and not ended by it. An episode
    ending on ``day`` is over (a child who left care that day is not looked after on it; with
    X1 the next episode, starting that day, is the one open)."""
    return sa.and_(table.c.start <= day, sa.or_(table.c.end.is_(None), table.c.end > day))


def by_authority(connection: sa.Connection, query: sa.Select) -> dict[UUID, Row]:
    """Rows of ``query`` (its first column the authority id) by authority."""
    found: dict[UUID, Row] = {}
    for row in connection.execute(query).mappings():
        values = dict(row)
        found[values.pop("authority_id")] = values
    return found


def percent(part: int | None, whole: int | None) -> float | None:
    return None if not whole or part is None else 100 * part / whole


def rate(count: int, population: int | None) -> float | None:
    return None if not population else count * 10_000 / population


def sum_rows(rows: list[Row], keys: Sequence[str]) -> Row:
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def authority_rows(found: list, values: dict[UUID, Row], keys: Sequence[str],
                   derive: Callable[[Row], Row]) -> tuple[list[Row], Row | None]:
    """One row per authority with its counts (0 where it has none) and derived figures, and a
    total row where there is more than one authority."""
    rows = []
    for authority in found:
        counts = values.get(authority.id, {})
        row = {"name": authority.name, **{k: int(counts.get(k) or 0) for k in keys},
               "population": authority.population_0_17, ROW_AUTHORITY: authority.id}
        rows.append({**row, **derive(row)})
    if len(rows) < 2:
        return rows, None
    total = {"name": "Total", **sum_rows(rows, [*keys, "population"])}
    return rows, {**total, **derive(total)}


def partnerships_among(connection: sa.Connection, rows: list[Row]
                       ) -> list[tuple[str, tuple[UUID, ...], tuple[int, ...]]]:
    """Each partnership whose member authorities all have a row among ``rows``: its name, its
    members and the indexes of their rows."""
    index = {row[ROW_AUTHORITY]: i for i, row in enumerate(rows)
             if row.get(ROW_AUTHORITY) is not None}
    members: dict[str, list[UUID]] = {}
    for name, authority_id in connection.execute(
            sa.select(partnership_members.c.partnership, partnership_members.c.authority_id)
            .order_by(partnership_members.c.partnership)):
        members.setdefault(name, []).append(authority_id)
    return [(name, tuple(ids), tuple(sorted(index[i] for i in ids)))
            for name, ids in members.items() if all(i in index for i in ids)]


def per_authority(found: list, figures_of: Callable[[list[UUID]], Row | None],
                  connection: sa.Connection | None = None
                  ) -> tuple[list[Row], Row | None, list[tuple[int, tuple[int, ...]]]]:
    """A row for each authority of ``found`` with ``figures_of([its id])`` (None leaves it
    out); given ``connection``, a subtotal for each partnership whose members all have a row
    (``figures_of(its members)``); and with more than one authority's row, the total
    (``figures_of`` every authority shown). Returns the rows, the total and the row sums.
    For figures that do not add up (medians, averages), ``figures_of`` works them out again
    for each group."""
    rows: list[Row] = []
    for authority in found:
        figures = figures_of([authority.id])
        if figures is not None:
            rows.append({"name": authority.name, ROW_AUTHORITY: authority.id, **figures})
    if len(rows) < 2:
        return rows, None, []
    shown = [row[ROW_AUTHORITY] for row in rows]
    sums = [(TOTAL_ROW, tuple(range(len(rows))))]
    for name, ids, parts in partnerships_among(connection, rows) if connection else ():
        sums.append((len(rows), parts))
        rows.append({"name": f"{name} partnership", **figures_of(list(ids))})
    return rows, {"name": "Total", **figures_of(shown)}, sums


def partnership_rows(connection: sa.Connection, rows: list[Row], keys: Sequence[str],
                     derive: Callable[[Row], Row]) -> list[tuple[int, tuple[int, ...]]]:
    """Add a subtotal row for each partnership among ``rows`` (whose members are all there)
    and return every row sum: the total over the authorities, each partnership over its own."""
    sums = [(TOTAL_ROW, tuple(range(len(rows))))]
    for name, ids, parts in partnerships_among(connection, rows):
        subtotal = {"name": f"{name} partnership",
                    **sum_rows([rows[p] for p in parts], [*keys, "population"]),
                    ROW_MEMBERS: ids}
        sums.append((len(rows), parts))
        rows.append({**subtotal, **derive(subtotal)})
    return sums


def own_target(connection: sa.Connection, found: list, name: str) -> float | None:
    """The authority's own target, on a view of that one authority."""
    if len(found) != 1:
        return None
    return connection.execute(sa.select(authority_targets.c.value).where(
        authority_targets.c.authority_id == found[0].id,
        authority_targets.c.name == name)).scalar()


def in_care_facts(rows: list[Row], total: Row | None, column: str = "children",
                  only: Callable[[Row], bool] = lambda row: True) -> dict:
    """Name ``column`` of each authority's row (those ``only`` picks) and of the total as the
    children in care on the dashboard's date, so every table showing them hides them alike."""
    facts = {(i, column): in_care(row[ROW_AUTHORITY]) for i, row in enumerate(rows)
             if row.get(ROW_AUTHORITY) is not None and only(row)}
    # A partnership's subtotal is its children in care: its own dashboard's headline.
    facts.update({(i, column): in_care(frozenset(row[ROW_MEMBERS]))
                  for i, row in enumerate(rows) if row.get(ROW_MEMBERS) and only(row)})
    if total is not None:
        facts[(TOTAL_ROW, column)] = in_care(ALL)
    return facts


def uasc_facts(rows: list[Row], total: Row | None, column: str, uasc: bool) -> dict:
    """Name ``column`` of each authority's row and of the total as that authority's (or every
    authority's) unaccompanied children in care (``uasc``), or its other children."""
    facts = {(i, column): in_care_uasc(row[ROW_AUTHORITY], uasc) for i, row in enumerate(rows)
             if row.get(ROW_AUTHORITY) is not None}
    facts.update({(i, column): in_care_uasc(frozenset(row[ROW_MEMBERS]), uasc)
                  for i, row in enumerate(rows) if row.get(ROW_MEMBERS)})
    if total is not None:
        facts[(TOTAL_ROW, column)] = in_care_uasc(ALL, uasc)
    return facts


def filter_notes(filters: Filters, found: list) -> list[str]:
    notes = []
    if filters.area is not None and found:
        notes.append(f"Only {found[0].name}'s children are counted.")
    if filters.place_group:
        group = ssda903.GROUPS.get(filters.place_group, filters.place_group)
        notes.append(f"Only placements of this type are counted: {group}.")
    return notes
