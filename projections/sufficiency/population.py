"""Children in care: how many on a date and per 10,000 children, and in what placements.

Each measure is ``(connection, scope, filters) -> Table``, computed by SQL over
``placement_episodes`` at read time, for any date, following the DfE's definitions (DfE,
"Children looked after in England including adoptions"). Disclosure control is applied
afterwards by :mod:`projections.sufficiency.disclosure`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import (
    DFE_CLA,
    Row,
    authorities,
    authority_rows,
    filter_notes,
    in_care_facts,
    long_date,
    own_target,
    partnership_rows,
    percent,
    rate,
    uasc_facts,
    whole_region,
)
from projections.sufficiency.scope import REGION
from projections.sufficiency.snapshot import in_care_on, totals
from projections.sufficiency.tables import (
    ALL,
    COUNT,
    NUMBER,
    PERCENT,
    RATE,
    TEXT,
    TOTAL_ROW,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
    in_care,
)

IN_CARE = ("Children looked after on {day}: every child with an episode of care open that day "
           "(started on or before it and not ended by it; a child whose care ended that day is "
           "not counted). Children looked after only under an agreed series of short breaks "
           "(legal status V3 or V4) are left out, as the DfE does.")


UASC_RATE = (
    " The rate excluding unaccompanied asylum-seeking children leaves out of the count (not of "
    "the population) the children recorded as unaccompanied asylum-seeking children (UASC; in "
    "the SSDA903 return, the children in its UASC table), as the DfE publishes it: the "
    "National Transfer Scheme moves these children between authorities, so the rate without "
    "them compares the authorities' own care populations.")


def children_in_care(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    groups = in_care_on(connection, [a.id for a in found], filters,
                        everyone=whole_region(scope, filters))
    by_uasc = totals(groups, lambda g: (g.authority_id, g.uasc))
    values = {a.id: {"not_uasc": by_uasc.get((a.id, False), 0),
                     "uasc": by_uasc.get((a.id, True), 0)} for a in found}
    for counts in values.values():
        counts["children"] = counts["not_uasc"] + counts["uasc"]

    def derive(row: Row) -> Row:
        return {"rate": rate(row["children"], row["population"]),
                "rate_not_uasc": rate(row["not_uasc"], row["population"])}

    keys = ("children", "not_uasc", "uasc")
    rows, total = authority_rows(found, values, keys, derive)
    sums = []
    if scope.kind == REGION and total is not None:
        sums = partnership_rows(connection, rows, keys, derive)
    definition = (
        IN_CARE.format(day=long_date(filters.on))
        + " The rate is the number of children in care per 10,000 children aged 0 to 17 "
        "living in the authority (the ONS mid-year population estimate recorded for each "
        "authority). A partnership's or the total's rate is its children in care divided by "
        "the sum of its authorities' populations." + UASC_RATE
        + f" Source of the definitions: {DFE_CLA}.")
    facts = {**in_care_facts(rows, total), **uasc_facts(rows, total, "not_uasc", False),
             **uasc_facts(rows, total, "uasc", True)}
    return Table(
        key="children-in-care", title="Children in care", definition=definition,
        columns=[Column("name", "Authority"),
                 Column("children", "Children in care", COUNT, parts=("not_uasc", "uasc")),
                 Column("not_uasc", "Excluding unaccompanied asylum-seeking children", COUNT),
                 Column("uasc", "Unaccompanied asylum-seeking children", COUNT),
                 Column("population", "Children aged 0 to 17", NUMBER),
                 Column("rate", "Per 10,000 children", RATE, derived_from=("children",)),
                 Column("rate_not_uasc",
                        "Per 10,000 children, excluding unaccompanied asylum-seeking children",
                        RATE, derived_from=("not_uasc",))],
        rows=rows, total=total, row_sums=sums, facts=facts,
        chart=Chart("rate", target=own_target(connection, found, "children_per_10k")),
        notes=filter_notes(filters, found))


# The National Transfer Scheme protocol (Home Office and DfE): an authority whose unaccompanied
# asylum-seeking children reach 0.1% of its child population is not normally asked to take
# more (../shared/REFERENCE.md, "Unaccompanied asylum-seeking children").
NTS_SHARE = 0.001
REACHED, BELOW = "Reached", "Below"


def nts_threshold(population: int | None) -> float | None:
    """The number of unaccompanied children at which an authority reaches the National
    Transfer Scheme threshold: 0.1% of its children aged 0 to 17."""
    return None if not population else population * NTS_SHARE


def nts_status(uasc: int, population: int | None) -> str | None:
    """"Reached" when ``uasc`` is at or over the threshold, "Below" under it."""
    threshold = nts_threshold(population)
    if threshold is None:
        return None
    return REACHED if uasc >= threshold else BELOW


def unaccompanied_children(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    """Each authority's unaccompanied asylum-seeking children in care on the date against the
    National Transfer Scheme threshold."""
    found = authorities(connection, scope, filters)
    notes = []
    if filters.place_group:  # the threshold counts every unaccompanied child, of any type
        filters = dataclasses.replace(filters, place_group=None)
        notes.append("Every placement type is counted here, whatever type is chosen: the "
                     "threshold counts every unaccompanied child.")
    groups = in_care_on(connection, [a.id for a in found], filters,
                        everyone=whole_region(scope, filters))
    counts = totals([g for g in groups if g.uasc], lambda g: g.authority_id)
    values = {a.id: {"uasc": counts.get(a.id, 0)} for a in found}

    def derive(row: Row) -> Row:
        threshold = nts_threshold(row["population"])
        return {"threshold": threshold,
                "rate": rate(row["uasc"], row["population"]),
                "status": nts_status(row["uasc"], row["population"])}

    rows, total = authority_rows(found, values, ("uasc",), derive)
    if total is not None:  # the scheme's threshold is each authority's own
        total.update(threshold=None, status=None)
    definition = (
        f"Unaccompanied asylum-seeking children (UASC) looked after on {long_date(filters.on)}"
        " (the children recorded as UASC, in the SSDA903 return's UASC table; short-break-only "
        "children left out), of every placement type, against the National Transfer Scheme "
        "threshold: an authority whose unaccompanied children reach 0.1% of its population "
        "aged 0 to 17 (the ONS mid-year estimate recorded for it), that is 10 per 10,000 "
        "children, is not normally asked to take more under the scheme's protocol. The "
        "threshold is 0.1% of the population, in children, and it is reached when the "
        "authority's unaccompanied children are as many or more. Source: the National "
        "Transfer Scheme protocol for unaccompanied asylum-seeking children (Home Office and "
        "DfE).")
    return Table(
        key="unaccompanied-children",
        title="Unaccompanied asylum-seeking children and the National Transfer Scheme",
        definition=definition,
        columns=[Column("name", "Authority"),
                 Column("uasc", "Unaccompanied asylum-seeking children", COUNT),
                 Column("population", "Children aged 0 to 17", NUMBER),
                 Column("threshold", "Threshold: 0.1% of children aged 0 to 17", NUMBER,
                        rounding="none"),
                 Column("rate", "Per 10,000 children (threshold 10)", RATE,
                        derived_from=("uasc",)),
                 # Across authority lines the count is published rounded to 5; whether it
                 # has reached the threshold (25 or more children for any partner) is told
                 # from the exact count, which says no more than that.
                 Column("status", "Threshold", TEXT, derived_from=("uasc",), rounding="none")],
        rows=rows, total=total,
        facts=uasc_facts(rows, total, "uasc", True),
        chart=Chart("rate"), notes=filter_notes(filters, found) + notes)


def _by_category(connection: sa.Connection, scope: Scope, filters: Filters, *,
                 column: str, labels: dict[str, str] | None, key: str, title: str,
                 what: str, sums: Callable[[list[str], list], list] | None = None) -> Table:
    """Children in care on the date by one episode fact: a column per authority (on a view of
    several) and the total across them, with each category's share of the total. Without
    ``labels``, the placement codes in use, labelled. ``sums`` gives the sums across tables
    (``Table.fact_lines``) from the categories shown and the authorities."""
    found = authorities(connection, scope, filters)
    groups = in_care_on(connection, [a.id for a in found], filters,
                        everyone=whole_region(scope, filters))
    if labels is None:
        labels = {code: ssda903.label(ssda903.PLACEMENT_TYPES, code)
                  for code in sorted({getattr(g, column) for g in groups})}
    counts = totals(groups, lambda g: (g.authority_id, getattr(g, column)))
    column_fact = "group" if column == "place_group" else "code"
    several = len(found) > 1
    per = [Column(f"la_{a.la_code}", a.name, COUNT, authority_id=a.id) for a in found]
    columns = [Column("name", what.capitalize()), *(per if several else []),
               Column("children", "Children in care", COUNT,
                      parts=tuple(c.key for c in per) if several else ()),
               Column("share", "Share of all children in care", PERCENT,
                      derived_from=("children",), rounding="share")]
    rows = []
    for value, label in labels.items():
        row: Row = {"name": label}
        for authority, col in zip(found, per, strict=True):
            row[col.key] = counts.get((authority.id, value), 0)
        row["children"] = sum(counts.get((a.id, value), 0) for a in found)
        rows.append(row)
    total: Row = {"name": "Total", **{c.key: sum(r[c.key] for r in rows) for c in per},
                  "children": sum(r["children"] for r in rows)}
    for row in [*rows, total]:
        row["share"] = percent(row["children"], total["children"])
    # The same figures as children in care (the totals) and as the other breakdown.
    everyone = ALL if several else found[0].id if found else ALL
    facts: dict = {(TOTAL_ROW, "children"): in_care(everyone)}
    for i, value in enumerate(labels):
        facts[(i, "children")] = in_care(everyone, **{column_fact: value})
        for authority, col in zip(found, per, strict=True):
            facts[(i, col.key)] = in_care(authority.id, **{column_fact: value})
    facts.update({(TOTAL_ROW, col.key): in_care(a.id) for a, col in zip(found, per, strict=True)})
    definition = (
        IN_CARE.format(day=long_date(filters.on))
        + f" Each child is counted once, by the {what} of the placement they were in that "
        "day (SSDA903 placement type, PLACE). The share is of all children counted here. "
        f"Source of the definitions: {DFE_CLA}.")
    return Table(key=key, title=title, definition=definition, columns=columns, rows=rows,
                 total=total, chart=Chart("children"), notes=filter_notes(filters, found),
                 facts=facts,
                 fact_lines=sums(list(labels), [a.id for a in found]) if sums else [])


def placements_by_type(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    groups = {g: label for g, label in ssda903.GROUPS.items()
              if filters.place_group in (None, g)}
    table = _by_category(connection, scope, filters, column="place_group", labels=groups,
                         key="placements-by-type", title="Children in care by placement type",
                         what="placement type")
    table.definition += (
        " Placement types are grouped: foster care with relatives or friends (U1 to U3); "
        "foster care with other carers (U4 to U6) split by provider, council carers (PR1 to "
        "PR3) or an independent fostering agency (PR4, PR5); children's homes (K1, K2); "
        "supported and independent accommodation (H5, K3, P2); placed for adoption (A3 to "
        "A6); placed with parents (P1); other residential settings (R1, R2, R3, R5, S1, P3); "
        "other and temporary (T0 to T4, Z1 and the 2025-26 Z codes).")
    return table


def placements_by_code(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    table = _by_category(connection, scope, filters, column="place", labels=None,
                         sums=_codes_in_groups,
                         key="placements-by-code",
                         title="Children in care by SSDA903 placement code",
                         what="placement code")
    table.definition += " Only codes in use on the day are listed."
    return table


def _codes_in_groups(codes: list[str], ids: list) -> list:
    """How placement codes add up to the placement type groups, for each authority and all of
    them: a group is the sum of its codes, except that foster care with other carers (U4 to
    U6) splits between council carers and agencies by provider, so the two groups together
    are the sum of those codes."""
    fostering = ("fostering_in_house", "fostering_agency")
    by_group: dict[tuple, list[str]] = {}
    for code in codes:
        group = ssda903.placement_group(code, None)
        by_group.setdefault(fostering if group in fostering else (group,), []).append(code)
    lines = []
    for who in [*ids, *([ALL] if len(ids) > 1 else [])]:
        for groups, members in by_group.items():
            lines.append((tuple(in_care(who, group=g) for g in groups),
                          tuple(in_care(who, code=c) for c in members)))
    return lines

