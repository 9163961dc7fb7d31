"""Children coming into care, leaving it and moving, and the stability of their placements.

Each measure is ``(connection, scope, filters) -> Table`` over ``placement_episodes``, for the
period ``filters.period_start`` to ``filters.period_end`` (both days included), following the
DfE's definitions (DfE, "Children looked after in England including adoptions"; DfE,
"Stability measures for children looked after in England").
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from domain import ssda903
from projections.sufficiency.common import (
    DFE_CLA,
    DFE_STABILITY,
    Row,
    authorities,
    authority_rows,
    by_authority,
    counted,
    ep,
    filter_notes,
    in_care_facts,
    long_date,
    open_on,
    percent,
    whole_region,
)
from projections.sufficiency.tables import COUNT, PERCENT, Chart, Column, Filters, Scope, Table

NEW_PLACEMENT = ("P", "T", "B", "U")  # RNE: a change of placement (with or without carer)
# Being placed for adoption with the current foster carer is not a change of placement for the
# DfE's stability measure.
ADOPTION_WITH_CARER = ("A3", "A5")


def _is_move(table: sa.Table = ep) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.rne.in_(NEW_PLACEMENT), table.c.place.not_in(ADOPTION_WITH_CARER))


def _in_period(column: sa.Column, filters: Filters) -> sa.ColumnElement[bool]:
    return column.between(filters.period_start, filters.period_end)


def starts_ends_moves(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    where = counted([a.id for a in found], filters, everyone=whole_region(scope, filters))
    child = sa.func.count(sa.distinct(ep.c.placement_id))
    queries = {
        "starts": sa.select(ep.c.authority_id, child.label("starts"))
        .where(*where, ep.c.rne == "S", _in_period(ep.c.start, filters)),
        "ends": sa.select(ep.c.authority_id, child.label("ends"))
        .where(*where, ep.c.start <= filters.period_end, _in_period(ep.c.end, filters),
               ep.c.rec.is_not(None), ep.c.rec != ssda903.CONTINUING),
        "moves": sa.select(ep.c.authority_id, sa.func.count().label("moves"))
        .where(*where, _is_move(), _in_period(ep.c.start, filters)),
    }
    values: dict = {}
    for query in queries.values():
        for authority_id, row in by_authority(connection,
                                              query.group_by(ep.c.authority_id)).items():
            values.setdefault(authority_id, {}).update(row)
    rows, total = authority_rows(found, values, tuple(queries), lambda row: {})
    period = f"{long_date(filters.period_start)} to {long_date(filters.period_end)}"
    definition = (
        f"Between {period}, both days included. Children who started to be looked after: "
        "children with a new period of care (reason for new episode S) starting in the "
        "period; a child who started more than once is counted once (only the first start "
        "counts). Children who ceased to be looked after: children with an episode ending in "
        "the period for a reason other than X1 (X1 means a new episode began the same day, so "
        "the child stayed in care); a child who left more than once is counted once. Moves: "
        "new episodes starting in the period because of a change of placement (reason for new "
        "episode P, T, B or U), each counted; being placed for adoption with the current "
        "foster carer (A3, A5) is not a move. Children looked after only under a series of "
        f"short breaks (legal status V3 or V4) are left out throughout. Source: {DFE_CLA}.")
    return Table(
        key="starts-ends-moves", title="Starts, ends and moves",
        definition=definition,
        columns=[Column("name", "Authority"),
                 Column("starts", "Children who started to be looked after", COUNT),
                 Column("ends", "Children who ceased to be looked after", COUNT),
                 Column("moves", "Moves between placements", COUNT)],
        rows=rows, total=total, chart=Chart("starts"), notes=filter_notes(filters, found),
        hidden_together=("starts", "ends"))


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def stability(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    """Children looked after on the period's last day with 3 or more placements in the year to
    it."""
    found = authorities(connection, scope, filters)
    end = filters.period_end
    before = year_before(end)  # the year runs from the day after this to ``end``
    # One pass over the episodes that touch the year, a group for each child: whether they
    # are looked after on the last day (in a placement of the chosen type, not a short break)
    # and how many placements they had in the year.
    counts = sa.not_(ep.c.short_breaks)
    in_care = sa.and_(*counted([a.id for a in found], filters, everyone=True), open_on(end))
    placement = sa.and_(counts, sa.or_(
        open_on(before),  # the placement the child was in as the year began
        sa.and_(ep.c.start > before, sa.or_(ep.c.rne == "S", _is_move()))))
    where = [ep.c.start <= end, sa.or_(ep.c.end.is_(None), ep.c.end > before)]
    if not whole_region(scope, filters):
        where.append(ep.c.authority_id.in_([a.id for a in found]))
    looked_after = sa.func.max(sa.case((in_care, 1), else_=0))
    per_child = (
        sa.select(ep.c.authority_id,
                  sa.func.sum(sa.case((placement, 1), else_=0)).label("placements"))
        .where(*where).group_by(ep.c.placement_id, ep.c.authority_id)
        .having(looked_after == 1).subquery())
    three_plus = sa.func.sum(sa.case((per_child.c.placements >= 3, 1), else_=0))
    values = by_authority(connection, sa.select(
        per_child.c.authority_id, sa.func.count().label("children"),
        three_plus.label("three_plus")).group_by(per_child.c.authority_id))
    for row in values.values():
        row["fewer"] = row["children"] - row["three_plus"]

    def derive(row: Row) -> Row:
        return {"pct": percent(row["three_plus"], row["children"])}

    rows, total = authority_rows(found, values, ("children", "three_plus", "fewer"), derive)
    definition = (
        f"Children looked after on {long_date(end)} (leaving out children looked after only "
        "under a series of short breaks, legal status V3 or V4) who had 3 or more placements "
        f"in the year to that day ({long_date(before + timedelta(days=1))} to "
        f"{long_date(end)}). A child's placements are counted as: the placement they were in "
        f"as the year began (the episode open on {long_date(before)}), plus every episode "
        "starting in the year that began a placement, whether a new period of care (reason "
        "for new episode S) or a change of placement (P, T, B or U). A change of legal status "
        "alone (L) is not a new placement, and nor is being placed for adoption with the "
        "current foster carer (A3, A5). Short-break episodes are not counted. The year always "
        "ends on the last day of the chosen period. The percentage is of the children looked "
        f"after on that day. Source: {DFE_STABILITY}.")
    return Table(
        key="placement-stability", title="Children with 3 or more placements in a year",
        definition=definition,
        columns=[Column("name", "Authority"),
                 Column("children", "Children in care on the day", COUNT,
                        parts=("three_plus", "fewer")),
                 Column("three_plus", "With 3 or more placements", COUNT),
                 Column("fewer", "With fewer than 3 placements", COUNT),
                 Column("pct", "Percentage with 3 or more", PERCENT,
                        derived_from=("three_plus", "children"))],
        rows=rows, total=total, chart=Chart("pct"), notes=filter_notes(filters, found),
        # On the dashboard's own date, the children are those counted in care that day.
        facts=in_care_facts(rows, total) if end == filters.on else {})
