"""Progress against each authority's own sufficiency targets (for example Dorset's 60 children
in care per 10,000 and 30% placed out of area).

The present values are read from the same measures the dashboard shows, so a target and its
progress can never disagree with the tables beside them: children in care per 10,000
(:func:`projections.sufficiency.population.children_in_care`), the percentages placed outside
the area and more than 20 miles from home
(:func:`projections.sufficiency.location.placed_out_of_area`) and the share of the children's
home places in the area that the authority's own children fill
(:func:`projections.sufficiency.capacity.local_use`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.organisation import TARGETS
from projections.placements import authority_targets
from projections.sufficiency.capacity import local_use
from projections.sufficiency.common import authorities, long_date, whole_region
from projections.sufficiency.location import placed_out_of_area
from projections.sufficiency.population import children_in_care
from projections.sufficiency.publication import ROUND_TO, publish, rounded
from projections.sufficiency.selection import all_types
from projections.sufficiency.tables import (
    COUNT,
    NUMBER,
    ROW_AUTHORITY,
    TEXT,
    Column,
    Filters,
    Scope,
    Table,
)

# Whether a target is a ceiling (lower is better) or a floor (higher is better).
AT_LEAST = frozenset({"local_residential_share_pct"})


def _first_rows(table: Table) -> dict[UUID, dict[str, Any]]:
    """Each authority's first row in a measure's table (its figures for all children)."""
    rows: dict[UUID, dict[str, Any]] = {}
    for row in table.rows:
        rows.setdefault(row.get(ROW_AUTHORITY), row)
    return rows


def _present(connection: sa.Connection, scope: Scope,
             filters: Filters) -> dict[UUID, dict[str, tuple[int | None, float | None]]]:
    """For each authority and target: (the count behind the figure, the figure)."""
    everything = all_types(filters)
    tables = [children_in_care(connection, scope, everything),
              placed_out_of_area(connection, scope, everything)]
    if not scope.disclose:  # as those tables are published across authority lines
        tables = publish(tables)
    in_care, placed = (_first_rows(t) for t in tables)
    found = authorities(connection, scope, filters)
    homes = local_use(connection, [a.id for a in found], everything, ["childrens_home"],
                      everyone=whole_region(scope, filters))
    present = {}
    for authority in found:
        care, where = in_care.get(authority.id, {}), placed.get(authority.id, {})
        use = homes.get((authority.id, "childrens_home"))
        present[authority.id] = {
            "children_per_10k": (care.get("children"), care.get("rate")),
            "out_of_area_pct": (where.get("outside"), where.get("pct_outside")),
            "over_20_miles_pct": (where.get("over_20"), where.get("pct_over_20")),
            "local_residential_share_pct": (_published_share(use, scope) if use
                                            else (0, None)),
        }
    return present


def _published_share(use, scope: Scope) -> tuple[int, float | None]:
    """The authority's children in its area's children's homes and their share of the places,
    from the rounded count across authority lines."""
    if scope.disclose or use.share is None or use.here < ROUND_TO:
        return use.here, use.share
    return rounded(use.here), round(use.share * rounded(use.here) / use.here, 1)


NO_TARGET = "No target set"


def _status(name: str, target: float | None, value: float | None) -> str:
    if target is None:
        return NO_TARGET
    if value is None:
        return "Not known"
    met = value >= target if name in AT_LEAST else value <= target
    return "Met" if met else "Not met"


def targets_progress(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    ids = [a.id for a in found]
    targets = {(a, n): v for a, n, v in connection.execute(
        sa.select(authority_targets.c.authority_id, authority_targets.c.name,
                  authority_targets.c.value).where(authority_targets.c.authority_id.in_(ids)))}
    present = _present(connection, scope, filters)
    several = len(found) > 1
    rows = []
    for authority in found:
        for name, (label, _) in TARGETS.items():
            count, value = present[authority.id][name]
            target = targets.get((authority.id, name))
            rows.append({
                ROW_AUTHORITY: authority.id,
                "measure": f"{authority.name}: {label}" if several else label,
                "aim": "At least" if name in AT_LEAST else "At most",
                "target": NO_TARGET if target is None else f"{target:g}",
                "present": None if value is None else round(value, 1),
                "children": count,
                "status": _status(name, target, value),
            })
    return Table(
        key="targets-progress",
        title="Progress against our targets",
        definition=(
            f"Each authority's own targets, as it has set them in the portal, against the "
            f"figures on {long_date(filters.on)}, worked out exactly as in the tables on this "
            "page and for every placement type: children in care per 10,000 children aged 0 "
            "to 17 (children looked after only under a series of short breaks left out, as "
            "the DfE does); the percentages of children in care placed outside the "
            "authority's area and outside it more than 20 miles from home; and the percentage "
            "of the registered children's home places in the area that the authority's own "
            "children fill. The first three are met at or below the target, the last at or "
            "above it. The number of children is the count each figure is worked out from: "
            "children in care, children placed outside the area, children placed outside it "
            "more than 20 miles away, and the authority's children in its area's children's "
            "homes. A figure that cannot be worked out (no population recorded, or no "
            "distances known) is not known, never 0."),
        columns=[
            Column("measure", "Authority and measure" if several else "Measure", TEXT),
            Column("aim", "Aim", TEXT),
            Column("target", "Target", TEXT),
            # Across authority lines, worked out from the published counts (see _present).
            Column("present", "Now", NUMBER, derived_from=("children",), rounding="none"),
            Column("children", "Number of children", COUNT),
            Column("status", "Progress", TEXT),
        ],
        rows=rows,
    )
