"""What the money and planning measures share beyond :mod:`projections.sufficiency.common`
(the authorities in view and the episodes that count): the words shown for contract routes,
placement types and setting types, which placement types a kind of setting is used for, and
money in whole pounds.
"""

from __future__ import annotations

import dataclasses
import math

from domain import ssda903
from domain.vocabulary import CONTRACT_ROUTES, SETTING_TYPES
from projections.placement_summary import NOT_RECORDED
from projections.placements import placement_episodes
from projections.sufficiency.tables import Filters

episodes = placement_episodes.c

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


def setting_types_for(filters: Filters) -> list[str]:
    """Setting types in order (children's homes first), narrowed by the placement type filter."""
    return [t for t in SETTING_TYPES
            if filters.place_group is None or filters.place_group in SETTING_GROUPS[t]]


def all_types(filters: Filters) -> Filters:
    """The same filters with every placement type counted."""
    return dataclasses.replace(filters, place_group=None)


def group_label(group: str) -> str:
    return ssda903.GROUPS.get(group, group)


def whole_pounds(value: float | None) -> int | None:
    """Money is shown in whole pounds, rounding halves up (not to even)."""
    return None if value is None else math.floor(value + 0.5)
