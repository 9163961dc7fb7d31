"""Which rows a sufficiency measure reads: the authorities in view, the placements open on a
date, and the words shown for placement types, contract routes and setting types.

Shared by the money and planning measures (and open to the population measures), so that
"open on a date" means the same everywhere: an episode is open on a date when it started on or
before it and had not ended by it (``start <= on`` and ``end`` is empty or after ``on``), the
convention of the DfE's count of children looked after at 31 March.
"""

from __future__ import annotations

import math
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from domain import ssda903
from domain.vocabulary import CONTRACT_ROUTES, SETTING_TYPES
from projections.directory import organisations
from projections.placements import placement_episodes
from projections.sufficiency.tables import Filters, Scope

episodes = placement_episodes.c

NOT_RECORDED = "not_recorded"
ROUTE_LABELS: dict[str, str] = {
    "in_house": "In-house",
    "block": "Block contract",
    "framework": "Framework or dynamic purchasing system",
    "spot": "Spot purchase",
    NOT_RECORDED: "Route not recorded",
}
assert set(ROUTE_LABELS) == {*CONTRACT_ROUTES, NOT_RECORDED}

# The placement type groups a kind of registered setting is used for, to narrow contracts and
# local capacity by the placement type filter. Ofsted registers residential short-break units
# as children's homes (Children's Homes (England) Regulations 2015); a parent and child place
# is recorded as R3 (family centre or mother and baby unit) or with a foster carer.
SETTING_GROUPS: dict[str, frozenset[str]] = {
    "childrens_home": frozenset({"childrens_home"}),
    "independent_fostering_agency": frozenset({"fostering_agency"}),
    "supported_accommodation": frozenset({"supported"}),
    "short_breaks": frozenset({"childrens_home"}),
    "parent_and_child": frozenset({"other_residential", "fostering_agency"}),
}
assert set(SETTING_GROUPS) == set(SETTING_TYPES)


def authority_ids(scope: Scope, filters: Filters) -> tuple[UUID, ...]:
    """The authorities counted: the scope's, or the one chosen by the area filter. An area
    outside the scope counts nobody (never another authority's children)."""
    if filters.area is None:
        return tuple(scope.authority_ids)
    return (filters.area,) if filters.area in scope.authority_ids else ()


def open_on(on: date) -> sa.ColumnElement[bool]:
    return sa.and_(episodes.start <= on, sa.or_(episodes.end.is_(None), episodes.end > on))


def in_care_on(on: date) -> sa.ColumnElement[bool]:
    """Children looked after on the date, leaving out those looked after only under a series
    of short breaks (legal status V3 or V4), as the DfE does."""
    return sa.and_(open_on(on), sa.not_(episodes.short_breaks))


def placed_by(scope: Scope, filters: Filters, *,
              by_group: bool = True) -> list[sa.ColumnElement[bool]]:
    """Episodes of the authorities in view, narrowed to one placement type group if chosen."""
    clauses = [episodes.authority_id.in_(authority_ids(scope, filters))]
    if by_group and filters.place_group is not None:
        clauses.append(episodes.place_group == filters.place_group)
    return clauses


def setting_types_for(filters: Filters) -> list[str]:
    """Setting types in order (children's homes first), narrowed by the placement type filter."""
    return [t for t in SETTING_TYPES
            if filters.place_group is None or filters.place_group in SETTING_GROUPS[t]]


def authority_names(connection: sa.Connection, ids: tuple[UUID, ...]) -> dict[UUID, str]:
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.name)
                              .where(organisations.c.id.in_(ids)))
    return dict(sorted(((i, n) for i, n in rows), key=lambda pair: pair[1]))


def group_label(group: str) -> str:
    return ssda903.GROUPS.get(group, group)


def whole_pounds(value: float | None) -> int | None:
    """Money is shown in whole pounds, rounding halves up (not to even)."""
    return None if value is None else math.floor(value + 0.5)
