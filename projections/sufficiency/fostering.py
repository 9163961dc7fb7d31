"""In-house fostering measures: each authority's approved fostering households and places,
how many of the places children live in, the recruitment pipeline, and how many of its
fostered children live with its own carers rather than with an independent fostering agency.

The households, places and pipeline come from the authority's monthly fostering returns
(:mod:`projections.fostering`); fostered children from its placements. On a view of several
authorities each table has a total row: a partnership's or a regional recruitment hub's
figures, summed. Households, places and pipeline counts are small for some kinds of
fostering, so they are counts like children and are suppressed across authority lines
(:mod:`projections.sufficiency.disclosure`).
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import sqlalchemy as sa

from domain.fostering import FOSTERING_TYPES, PIPELINE, RESIGNATION_REASONS, month_label
from projections.fostering import fostering_returns
from projections.sufficiency.common import (
    DFE_CLA,
    Row,
    authorities,
    filter_notes,
    long_date,
    per_authority,
    percent,
    sum_rows,
    whole_region,
)
from projections.sufficiency.history import today_by_group_each
from projections.sufficiency.selection import all_types
from projections.sufficiency.tables import (
    ALL,
    COUNT,
    NUMBER,
    PERCENT,
    ROW_AUTHORITY,
    TOTAL_ROW,
    Chart,
    Column,
    Filters,
    Scope,
    Table,
    in_care,
)

# The SSDA903 placement type groups of foster care (domain.ssda903.GROUPS): with relatives or
# friends (U1 to U3), with other carers of the council (U4 to U6, placement provider PR1 to
# PR3) and with an independent fostering agency's carers (U4 to U6, PR4 or PR5).
KINSHIP, OWN, AGENCY = "fostering_kinship", "fostering_in_house", "fostering_agency"
FOSTER_GROUPS = (KINSHIP, OWN, AGENCY)
SOURCE = ("Source: the authority's monthly fostering returns to the portal, under the "
          "headings of Ofsted's \"Fostering in England\" data collection.")


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def latest_month_by(day: date) -> date:
    """The first day of the latest month that has ended by ``day`` (a return describes its
    month's end)."""
    return day.replace(day=1) if month_end(day.replace(day=1)) == day else (
        day.replace(day=1) - timedelta(days=1)).replace(day=1)


def returns_by(connection: sa.Connection, ids: list[UUID], first: date, last: date
               ) -> dict[UUID, dict[date, dict]]:
    """The returns of ``ids`` for the months ``first`` to ``last`` (first days), by authority
    and month."""
    t = fostering_returns
    found: dict[UUID, dict[date, dict]] = {}
    for row in connection.execute(sa.select(t).where(
            t.c.authority_id.in_(ids), t.c.month >= first, t.c.month <= last)).mappings():
        found.setdefault(row["authority_id"], {})[row["month"]] = dict(row)
    return found


def latest_returns(connection: sa.Connection, ids: list[UUID], on: date) -> dict[UUID, dict]:
    """Each authority's latest return for a month ended by ``on``."""
    t = fostering_returns
    last = latest_month_by(on)
    newest = (sa.select(t.c.authority_id, sa.func.max(t.c.month).label("month"))
              .where(t.c.authority_id.in_(ids), t.c.month <= last)
              .group_by(t.c.authority_id).subquery())
    query = sa.select(t).join(newest, sa.and_(t.c.authority_id == newest.c.authority_id,
                                              t.c.month == newest.c.month))
    return {row["authority_id"]: dict(row) for row in connection.execute(query).mappings()}


def _households_rows(found: list, latest: dict[UUID, dict]) -> tuple[list[Row], list, dict]:
    several = len(found) > 1
    rows: list[Row] = []
    sums: list[tuple[int, tuple[int, ...]]] = []
    facts: dict = {}
    for authority in found:
        figures = latest.get(authority.id)
        if figures is None:
            continue
        parts = []
        for kind, label in FOSTERING_TYPES.items():
            parts.append(len(rows))
            facts[(len(rows), "places")] = fostering_places(authority.id, kind)
            rows.append(_household_row(authority, f"{authority.name}: {label}" if several
                                       else label, figures, kind))
        sums.append((len(rows), tuple(parts)))
        rows.append(_household_row(authority, f"{authority.name}: all types" if several
                                   else "All types", figures, None))
    return rows, sums, facts


def fostered_children_fact(authority: UUID | str) -> tuple:
    """The fact "children in foster care on the dashboard's date" of one authority (or ALL)."""
    return ("fostered", authority)


def fostering_places(authority: UUID | str, kind: str | None = None) -> tuple:
    """The fact "in-house approved fostering places at the latest return" of one authority
    (or ALL), of one type of fostering or (None) of every type."""
    return ("fostering_places", authority, kind)


def _household_row(authority, label: str, figures: dict, kind: str | None) -> Row:
    def of(prefix: str) -> int:
        if kind is not None:
            return figures[f"{prefix}_{kind}"]
        return sum(figures[f"{prefix}_{k}"] for k in FOSTERING_TYPES)

    row = {ROW_AUTHORITY: authority.id, "name": label, "households": of("households"),
           "places": of("places"), "in_use": of("in_use"), "month": month_label(figures["month"])}
    return {**row, "utilisation": percent(row["in_use"], row["places"])}


def fostering_households(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    latest = latest_returns(connection, [a.id for a in found], filters.on)
    rows, sums, facts = _households_rows(found, latest)
    total = None
    alls = [index for index, _parts in sums]
    if len(alls) > 1:
        total = {"name": "Total", **sum_rows([rows[i] for i in alls],
                                             ["households", "places", "in_use"]), "month": ""}
        total["utilisation"] = percent(total["in_use"], total["places"])
        sums.append((TOTAL_ROW, tuple(alls)))
        facts[(TOTAL_ROW, "places")] = fostering_places(ALL)
    for index in alls:
        facts[(index, "places")] = fostering_places(rows[index][ROW_AUTHORITY])
    missing = [a.name for a in found if a.id not in latest]
    notes = filter_notes(filters, found)
    if missing:
        notes.append(f"No fostering return for a month ended by {long_date(filters.on)}: "
                     f"{', '.join(missing)}.")
    return Table(
        key="fostering-households",
        title="In-house foster carers: approved households, places and utilisation",
        definition=(
            "Each authority's own fostering households approved at the end of the latest "
            f"month ended by {long_date(filters.on)} for which it has recorded its monthly "
            "fostering return (the month is shown), with their approved places (the children "
            "each household is approved to foster at once) and the places children were "
            "living in, by type of fostering: mainstream, kinship (connected persons, "
            "approved to foster a child they know), parent and child, and short break. "
            "Utilisation is the places in use as a percentage of the approved places. "
            + SOURCE),
        columns=[Column("name", "Authority and type of fostering" if len(found) > 1
                        else "Type of fostering"),
                 Column("month", "Return for"),
                 Column("households", "Approved households", COUNT),
                 Column("places", "Approved places", COUNT),
                 Column("in_use", "Places in use", COUNT),
                 Column("utilisation", "Utilisation (%)", PERCENT,
                        derived_from=("in_use", "places"))],
        rows=rows, total=total, row_sums=sums, facts=facts, chart=Chart("utilisation"),
        notes=notes)


RECRUITMENT = (*PIPELINE, "resigned", *(f"resigned_{r}" for r in RESIGNATION_REASONS),
               "households_start", "households_end")


def _recruitment_row(returns: dict[date, dict], months: list[date], before: date) -> Row:
    """The pipeline summed over ``months``; the households before them (at the end of the
    month ``before``, None without its return) and at the end of the last month returned."""
    row: Row = dict.fromkeys(RECRUITMENT, 0)
    for figures in (returns[m] for m in months if m in returns):
        for key in (*PIPELINE, *(f"resigned_{r}" for r in RESIGNATION_REASONS)):
            row[key] += figures[key]
    row["resigned"] = sum(row[f"resigned_{r}"] for r in RESIGNATION_REASONS)
    last = next(returns[m] for m in reversed(months) if m in returns)
    row["households_start"] = _households(returns[before]) if before in returns else None
    row["households_end"] = _households(last)
    return {**row, **_derive_recruitment(row)}


def _households(figures: dict) -> int:
    return sum(figures[f"households_{k}"] for k in FOSTERING_TYPES)


def _derive_recruitment(row: Row) -> Row:
    start = row["households_start"]
    return {"conversion": percent(row["approvals"], row["enquiries"]),
            "net_change": None if start is None else row["households_end"] - start}


def months_of(filters: Filters) -> list[date]:
    """The months wholly inside the period (first days), oldest first."""
    month, months = filters.period_start.replace(day=1), []
    if month < filters.period_start:
        month = month_end(month) + timedelta(days=1)
    while month_end(month) <= filters.period_end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def fostering_recruitment(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    ids = [a.id for a in found]
    months = months_of(filters)
    before = (months[0] - timedelta(days=1)).replace(day=1) if months else None
    returns = returns_by(connection, ids, before, months[-1]) if months else {}
    each = {a: _recruitment_row(own, months, before) for a, own in returns.items()
            if any(m in own for m in months)}

    def recruitment_of(group: list[UUID]) -> Row | None:
        if len(group) == 1:
            return each.get(group[0])
        summed = sum_rows([each[a] for a in group], RECRUITMENT)
        if any(each[a]["households_start"] is None for a in group):
            summed["households_start"] = None
        return {**summed, **_derive_recruitment(summed)}

    rows, total, _sums = per_authority(found, recruitment_of)
    period = (f"{month_label(months[0])} to {month_label(months[-1])}" if months
              else "no whole month")
    reasons = [Column(f"resigned_{r}", f"Resigned: {label.lower()}", COUNT)
               for r, label in RESIGNATION_REASONS.items()]
    notes = filter_notes(filters, found)
    if not months:
        notes.append("The period holds no whole calendar month: choose a longer period.")
    return Table(
        key="fostering-recruitment",
        title="Foster carer recruitment and retention",
        definition=(
            "Each authority's recruitment pipeline over the whole calendar months of the "
            f"period ({period}), summed from its monthly fostering returns: enquiries from "
            "people interested in fostering, applications, assessments completed, households "
            "approved, and households that resigned or were deregistered, by reason. "
            "Conversion is households approved as a percentage of enquiries in the same "
            "months (an approval may follow an enquiry of an earlier month: over a year this "
            "is the usual measure). Net change is the approved households at the end of the "
            "period's last month less those at the end of the month before it (blank without "
            "that month's return). On a view of several authorities the total is the "
            "partnership's or regional recruitment hub's figures. " + SOURCE),
        columns=[Column("name", "Authority"),
                 *[Column(k, label, COUNT) for k, label in PIPELINE.items()],
                 Column("conversion", "Conversion, enquiry to approval (%)", PERCENT,
                        derived_from=("approvals", "enquiries")),
                 Column("resigned", "Households resigned or deregistered", COUNT,
                        parts=tuple(c.key for c in reasons)),
                 *reasons,
                 Column("households_start", "Approved households before the period", COUNT),
                 Column("households_end", "Approved households at the end", COUNT),
                 Column("net_change", "Net change in households", NUMBER,
                        derived_from=("households_start", "households_end", "approvals",
                                      "resigned"), rounding="none")],
        rows=rows, total=total, chart=Chart("approvals"), notes=notes)


def fostered_children(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    ids = [a.id for a in found]
    mix = today_by_group_each(connection, ids, all_types(filters),
                              everyone=whole_region(scope, filters))
    chosen = [g for g in FOSTER_GROUPS if filters.place_group in (None, g)]
    rows: list[Row] = []
    facts: dict = {}
    for authority in found:
        groups = mix.get(authority.id, {})
        row: Row = {"name": authority.name, ROW_AUTHORITY: authority.id,
                    **{g: groups.get(g, 0) if g in chosen else 0 for g in FOSTER_GROUPS}}
        for g in FOSTER_GROUPS:
            facts[(len(rows), g)] = in_care(authority.id, group=g)
        facts[(len(rows), "fostered")] = fostered_children_fact(authority.id)
        rows.append(row)
    total = None
    if len(rows) > 1:
        total = {"name": "Total", **sum_rows(rows, FOSTER_GROUPS)}
        facts.update({(TOTAL_ROW, g): in_care(ALL, group=g) for g in FOSTER_GROUPS})
        facts[(TOTAL_ROW, "fostered")] = fostered_children_fact(ALL)
    for row in [*rows, *([total] if total else [])]:
        row["fostered"] = sum(row[g] for g in FOSTER_GROUPS)
        row["own_carers"] = row[KINSHIP] + row[OWN]
        row["pct_own"] = percent(row["own_carers"], row["fostered"])
        row["pct_agency"] = percent(row[AGENCY], row["fostered"])
    return Table(
        key="fostered-children",
        title="Fostered children: with the authority's own carers or an agency's",
        definition=(
            f"Each authority's children in care on {long_date(filters.on)} (leaving out "
            "children looked after only under a series of short breaks) in foster care, by "
            "their placement's SSDA903 placement type and provider: with relatives or friends "
            "(kinship, U1 to U3), whose carers the authority approves as connected persons; "
            "with its own foster carers (U4 to U6 with placement provider PR1 to PR3: the "
            "authority's own provision or other public provision); and with an independent "
            "fostering agency's carers (U4 to U6 with PR4 private or PR5 voluntary provider). "
            "The authority's own carers' share is kinship and own carers together, as a "
            f"percentage of all its fostered children. Source of the codes: {DFE_CLA}."),
        columns=[Column("name", "Authority"),
                 Column("fostered", "Fostered children", COUNT, parts=FOSTER_GROUPS),
                 Column("own_carers", "With the authority's own carers", COUNT,
                        parts=(KINSHIP, OWN)),
                 Column(KINSHIP, "With relatives or friends (kinship)", COUNT),
                 Column(OWN, "With the authority's own foster carers", COUNT),
                 Column(AGENCY, "With an independent fostering agency", COUNT),
                 Column("pct_own", "With the authority's own carers (%)", PERCENT,
                        derived_from=("own_carers", "fostered")),
                 Column("pct_agency", "With an agency (%)", PERCENT,
                        derived_from=(AGENCY, "fostered"))],
        rows=rows, total=total, facts=facts, chart=Chart("pct_own"),
        notes=filter_notes(filters, found))


MEASURES = (fostering_households, fostering_recruitment, fostered_children)
