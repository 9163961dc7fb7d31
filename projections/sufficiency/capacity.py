"""Local capacity: the registered places in settings in each authority's area, against the
authority's own children living in them (Kent's sufficiency report: 42 of its children in
Kent's children's homes against 336 places there, a 12% share, and 33 more in children's homes
outside Kent at £4,557 a week on average).

A place is in an authority's area when its setting's host authority is that authority (the
directory's ``settings.host_authority_id``). A child lives in such a setting when their
placement's resolved setting (:mod:`projections.placement_location`: the one it names, else
the one with its Ofsted URN) is one; a placement with no setting in the directory counts by
its placement type and its resolved location, the same answer every page and the out-of-area
measure give, so an SSDA903 import without settings still counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from domain.vocabulary import SETTING_TYPES
from projections.directory import settings
from projections.placement_location import INSIDE, UNKNOWN, located
from projections.placements import placement_episodes
from projections.sufficiency.common import counted, open_on, shared
from projections.sufficiency.selection import episodes
from projections.sufficiency.tables import Filters
from projections.supply_queries import in_house_counted_on

# The kind of setting a placement is in when it names none, from its SSDA903 placement type:
# K2 children's home; K3 registered supported accommodation (16+); foster care with an
# independent fostering agency (U4-U6 with a private or voluntary provider, PR4 or PR5).
UNLINKED_KIND = sa.case(
    (episodes.place == "K2", "childrens_home"),
    (episodes.place == "K3", "supported_accommodation"),
    (episodes.place_group == "fostering_agency", "independent_fostering_agency"),
    else_=None,
)


@dataclass
class Use:
    """One authority's use of one kind of setting on a date."""

    places: int = 0  # registered places in settings in the authority's area
    in_house: int = 0  # of them, in the council's own settings (registered or open that day)
    here: int = 0  # own children living in them
    outside: int = 0  # own children in this kind of setting outside the area
    unknown: int = 0  # own children in this kind of setting whose location is not recorded
    outside_costed: int = 0  # of those outside, how many have a weekly cost
    outside_cost: int = 0  # their total weekly cost

    @property
    def share(self) -> float | None:
        return round(100 * self.here / self.places, 1) if self.places else None

    @property
    def outside_average(self) -> float | None:
        return self.outside_cost / self.outside_costed if self.outside_costed else None


def local_use(connection: sa.Connection, ids: list[UUID], filters: Filters, types: list[str],
              *, everyone: bool = False) -> dict[tuple[UUID, str], Use]:
    """Each authority's use of each kind of setting in ``types``, keyed by (authority, setting
    type). ``everyone``: ``ids`` are every partner authority (no list needed). One pass over
    the children in care on the date, shared by the measures of one dashboard."""
    key = ("local_use", tuple(sorted(map(str, ids))), everyone, filters.on)
    uses = shared(key, lambda: _local_use(connection, ids, filters.on, everyone))
    return {k: use for k, use in uses.items() if k[1] in types}


def _local_use(connection: sa.Connection, ids: list[UUID], on: date,
               everyone: bool) -> dict[tuple[UUID, str], Use]:
    uses: dict[tuple[UUID, str], Use] = defaultdict(Use)
    s = settings.c
    # A council's own setting is capacity only once registered (its pipeline's latest step
    # on the date is registered or open); it is counted apart as in-house too.
    own = in_house_counted_on(on)
    in_house = own.c.setting_id.is_not(None)
    for host, kind, ours, places in connection.execute(
            sa.select(s.host_authority_id, s.setting_type, in_house,
                      sa.func.sum(s.registered_places))
            .join(own, own.c.setting_id == s.id, isouter=True)
            .where(s.host_authority_id.in_(ids),
                   sa.or_(own.c.setting_id.is_(None), own.c.counted))
            .group_by(s.host_authority_id, s.setting_type, in_house)):
        uses[host, kind].places += places
        if ours:
            uses[host, kind].in_house += places
    loc = located(placement_episodes)
    kind = sa.func.coalesce(loc.setting_type, UNLINKED_KIND)
    # Where the child lives: the placement's resolved location, as every page and the
    # out-of-area measure tell it (:mod:`projections.placement_location`).
    where = loc.where_placed
    every_type = Filters(on=on, period_start=on, period_end=on)
    query = (sa.select(episodes.authority_id, kind, where, sa.func.count(),
                       sa.func.count(episodes.weekly_cost),
                       sa.func.coalesce(sa.func.sum(episodes.weekly_cost), 0))
             .select_from(loc.joined)
             .where(open_on(on), *counted(ids, every_type, everyone=everyone),
                    kind.is_not(None))
             .group_by(episodes.authority_id, kind, where))
    for authority, kind_, placed, children, costed, cost in connection.execute(query):
        use = uses[authority, kind_]
        if placed == INSIDE:
            use.here += children
        elif placed == UNKNOWN:
            use.unknown += children
        else:
            use.outside += children
            use.outside_costed += costed
            use.outside_cost += cost
    return dict(uses)


def setting_label(setting_type: str) -> str:
    return SETTING_TYPES.get(setting_type, setting_type)
