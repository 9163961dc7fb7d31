"""Where children in care live: inside or outside their authority's area, and how far from
home, for all children and excluding unaccompanied asylum-seeking children (UASC).

Follows the DfE (DfE, "Children looked after in England including adoptions"; DfE, "Children
looked after: a focus on placement location"): placed outside the authority's boundary, and
placed outside it and more than 20 miles from home, with "not known" its own category, never
counted as inside and never as 0 miles. Dorset, for example, reported 42% placed out of area
and 36% excluding unaccompanied children.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from projections.placement_location import INSIDE, OUTSIDE, UNKNOWN
from projections.sufficiency.common import (
    DFE_CLA,
    DFE_LOCATION,
    Row,
    authorities,
    filter_notes,
    in_care_facts,
    long_date,
    own_target,
    percent,
    sum_rows,
    whole_region,
)
from projections.sufficiency.population import IN_CARE
from projections.sufficiency.snapshot import (
    METRES_A_MILE,
    OVER_20,
    WITHIN_20,
    Group,
    in_care_on,
)
from projections.sufficiency.tables import (
    ALL,
    COUNT,
    PERCENT,
    ROW_AUTHORITY,
    TOTAL_ROW,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
    in_care_uasc,
)

COUNTS = ("children", "inside", "outside", "location_unknown", "over_20", "within_20",
          "distance_unknown")
ALL_CHILDREN = "all children"
KINDS = (("all", ALL_CHILDREN),
         ("not_uasc", "excluding unaccompanied asylum-seeking children"),
         ("uasc", "unaccompanied asylum-seeking children"))
# A group of children (see :mod:`projections.sufficiency.snapshot`) adds to these columns.
WHERE = {INSIDE: ("inside",), UNKNOWN: ("location_unknown",)}
HOW_FAR = {OVER_20: ("outside", "over_20"), WITHIN_20: ("outside", "within_20"),
           UNKNOWN: ("outside", "distance_unknown")}


def _counts(groups: list[Group]) -> dict:
    """Counts for each column by (authority, "uasc" or "not_uasc")."""
    found: dict = {}
    for g in groups:
        row = found.setdefault((g.authority_id, "uasc" if g.uasc else "not_uasc"),
                               dict.fromkeys(COUNTS, 0))
        columns = HOW_FAR[g.distance] if g.where == OUTSIDE else WHERE[g.where]
        for column in ("children", *columns):
            row[column] += g.children
    return found


def _derive(row: Row) -> Row:
    measured = row["children"] - row["location_unknown"] - row["distance_unknown"]
    return {"pct_outside": percent(row["outside"], row["children"]),
            # Unknown (never 0) when no child's distance could be told.
            "pct_over_20": percent(row["over_20"], row["children"]) if measured else None}


def _row(name: str, kind: str, values: Row, authority_id: UUID | None) -> Row:
    row = {"name": f"{name}: {dict(KINDS)[kind]}", **{k: values.get(k, 0) for k in COUNTS}}
    if authority_id is not None:
        row[ROW_AUTHORITY] = authority_id
    return {**row, **_derive(row)}


def _facts(rows: list[Row], total: Row | None) -> dict:
    """Each row's children: in care (all children), or in care excluding or only the
    unaccompanied children, as the children in care table shows them."""
    facts = in_care_facts(rows, total, only=lambda row: row["name"].endswith(ALL_CHILDREN))
    for uasc, kind in ((False, "not_uasc"), (True, "uasc")):
        label = f": {dict(KINDS)[kind]}"
        for i, row in enumerate(rows):
            if row["name"].endswith(label):
                who = row.get(ROW_AUTHORITY, ALL)
                facts[(i, "children")] = in_care_uasc(who, uasc)
    return facts


def placed_out_of_area(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    values = _counts(in_care_on(connection, [a.id for a in found], filters,
                                everyone=whole_region(scope, filters)))
    rows: list[Row] = []
    sums: list[tuple[int, tuple[int, ...]]] = []
    for authority in found:
        parts = {k: values.get((authority.id, k), {}) for k in ("not_uasc", "uasc")}
        together = sum_rows([{k: p.get(k, 0) for k in COUNTS} for p in parts.values()],
                            COUNTS)
        first = len(rows)
        rows.append(_row(authority.name, "all", together, authority.id))
        rows.extend(_row(authority.name, k, parts[k], authority.id)
                    for k in ("not_uasc", "uasc"))
        sums.append((first, (first + 1, first + 2)))
    total = None
    if len(found) > 1:
        by_kind = {k: [i for i, (kind, _) in enumerate(KINDS * len(found)) if kind == k]
                   for k, _ in KINDS}
        first = len(rows)
        for k in ("not_uasc", "uasc"):
            rows.append(_row("Total", k, sum_rows([rows[i] for i in by_kind[k]], COUNTS),
                             None))
            sums.append((len(rows) - 1, tuple(by_kind[k])))
        total = _row("Total", "all", sum_rows([rows[i] for i in by_kind["all"]], COUNTS), None)
        sums += [(TOTAL_ROW, tuple(by_kind["all"])), (TOTAL_ROW, (first, first + 1))]
    definition = (
        IN_CARE.format(day=long_date(filters.on))
        + " Where a child is placed is the host authority of their setting where the setting "
        "is in the portal's directory (the setting the placement names, else the one with its "
        "Ofsted URN), else the authority recorded for the placement, else the authority of the "
        "placement's postcode district (ONS postcode directory): the same answer the child's "
        "page and the list of children give. A placement is outside the area when that is not "
        "the placing authority; where neither is known the child is counted under \"where "
        "placed not known\", never as inside. Distance from home is the straight line between "
        "the centres of the child's home postcode district and the placement's (ONS grid "
        f"references; 20 miles = 20 x {METRES_A_MILE:,} metres). Where either district is "
        "unknown (often so for unaccompanied asylum-seeking children, who have no home "
        "postcode in England), the distance is not known, never 0. Percentages are of all the "
        "children in the row; the percentage more than 20 miles away is unknown when no "
        "child's distance could be worked out. The rows excluding unaccompanied "
        "asylum-seeking children follow the DfE's own breakdown. Sources: "
        f"{DFE_CLA}; {DFE_LOCATION}.")
    return Table(
        key="placed-out-of-area", title="Children placed outside their authority's area",
        definition=definition,
        columns=[Column("name", "Children"),
                 Column("children", "Children in care", COUNT,
                        parts=("inside", "outside", "location_unknown")),
                 Column("inside", "Placed inside the authority's area", COUNT),
                 Column("outside", "Placed outside the area", COUNT,
                        parts=("over_20", "within_20", "distance_unknown")),
                 Column("location_unknown", "Where placed not known", COUNT),
                 Column("pct_outside", "Percentage placed outside", PERCENT,
                        derived_from=("outside", "children")),
                 Column("over_20", "Outside and more than 20 miles from home", COUNT),
                 Column("within_20", "Outside and 20 miles or less from home", COUNT),
                 Column("distance_unknown", "Outside, distance not known", COUNT),
                 Column("pct_over_20", "Percentage outside and more than 20 miles from home",
                        PERCENT, derived_from=("over_20", "children", "location_unknown",
                                               "distance_unknown"))],
        rows=rows, total=total, row_sums=sums,
        facts=_facts(rows, total),
        chart=Chart("pct_outside", target=own_target(connection, found, "out_of_area_pct")),
        notes=filter_notes(filters, found))
