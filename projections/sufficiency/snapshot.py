"""Children in care on a date, in one pass over the episodes: counts grouped by authority,
UASC, placement code and group, where the child is placed and how far from home.

Children in care, placements by type and by code, and placed out of area are all sums of these
groups, so a dashboard reads the episodes once for all four (see
:func:`projections.sufficiency.common.shared_queries`).

Where a child is placed (DfE, "Children looked after: a focus on placement location") is the
placement's resolved location (:mod:`projections.placement_location`), the same answer the
child's page, the list and its filters give: "unknown" where it cannot be told, never inside.
How far: the straight line between the centroids of the home
and placement postcode districts, compared with 20 miles; "unknown" where either district is
unknown or they lie on different grids (Northern Ireland's is the Irish Grid), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa

from projections.gazetteer import IRISH_GRID, postcode_districts
from projections.placement_location import OUTSIDE, UNKNOWN, located
from projections.sufficiency.common import counted, ep, of_whole_region, open_on
from projections.sufficiency.tables import Filters

METRES_A_MILE = 1609.3
LIMIT_SQUARED = (20 * METRES_A_MILE) ** 2  # compared with squared distances: no square root
OVER_20, WITHIN_20 = "over_20", "within_20"


@dataclass(frozen=True)
class Group:
    authority_id: UUID
    uasc: bool
    place: str
    place_group: str
    where: str  # INSIDE, OUTSIDE or UNKNOWN
    distance: str  # OVER_20, WITHIN_20 or UNKNOWN (only told for children placed outside)
    children: int


def _query(ids: Sequence[UUID], filters: Filters, everyone: bool) -> sa.Select:
    loc = located(ep)
    home, placed = postcode_districts.alias("home"), postcode_districts.alias("placed")
    # In 64 bits: PostgreSQL's integer squares overflow beyond about 46 km along one axis.
    dx = sa.cast(home.c.easting, sa.BigInteger) - placed.c.easting
    dy = sa.cast(home.c.northing, sa.BigInteger) - placed.c.northing
    distance = sa.case(
        (sa.or_(home.c.district.is_(None), placed.c.district.is_(None),
                (home.c.la_ons_code == IRISH_GRID) != (placed.c.la_ons_code == IRISH_GRID)),
         UNKNOWN),
        (dx * dx + dy * dy > LIMIT_SQUARED, OVER_20),
        else_=WITHIN_20)
    columns = (ep.c.authority_id, ep.c.uasc, ep.c.place, ep.c.place_group,
               loc.where_placed.label("where_placed"), distance.label("distance"))
    return (sa.select(*columns, sa.func.count().label("children"))
            .select_from(loc.joined
                         .outerjoin(placed, placed.c.district == ep.c.placement_district)
                         .outerjoin(home, home.c.district == ep.c.home_district))
            .where(*counted(ids, filters, everyone=everyone), open_on(filters.on))
            .group_by(*columns))


def in_care_on(connection: sa.Connection, ids: Sequence[UUID], filters: Filters, *,
               everyone: bool = False) -> list[Group]:
    """The groups of children in care on ``filters.on`` (of the chosen placement type)."""
    def compute() -> list[Group]:
        return [Group(r.authority_id, bool(r.uasc), r.place, r.place_group, r.where_placed,
                      r.distance if r.where_placed == OUTSIDE else UNKNOWN, r.children)
                for r in connection.execute(_query(ids, filters, everyone))]

    return of_whole_region(("in_care_on", filters.on, filters.place_group), ids, everyone,
                           compute, lambda whole, wanted: [g for g in whole
                                                           if g.authority_id in wanted])


def totals(groups: list[Group], by: Callable[[Group], Hashable]) -> dict:
    found: dict = defaultdict(int)
    for group in groups:
        found[by(group)] += group.children
    return dict(found)
