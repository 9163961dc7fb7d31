"""In-house fostering read model: each authority's monthly fostering returns, as last
recorded or corrected (one row per authority and month, with every figure of the return).

A fostering return counts households and places, not children: it names no child. It is still
the authority's own record: its officers read the rows (:func:`fostering_returns_for`); other
authorities see them only through the sufficiency measures, summed and suppressed
(:mod:`projections.sufficiency.fostering`).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from domain.fostering import FIELDS, FosteringService
from domain.permissions import check
from projections.base import Projection, handles
from projections.database import metadata

fostering_returns = sa.Table(
    "fostering_returns",
    metadata,
    sa.Column("authority_id", sa.Uuid, primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    *[sa.Column(name, sa.Integer, nullable=False) for name in FIELDS],
    sa.Column("corrections", sa.Integer, nullable=False),
    sa.Column("file_name", sa.String(255)),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)


class Fostering(Projection):
    name = "fostering"
    tables = (fostering_returns,)

    @handles(FosteringService.ReturnRecorded)
    def recorded(self, c: sa.Connection, e) -> None:
        c.execute(fostering_returns.insert().values(
            authority_id=e.authority_id, month=e.month, **e.figures, corrections=0,
            file_name=e.file_name, recorded_at=e.timestamp))

    @handles(FosteringService.ReturnCorrected)
    def corrected(self, c: sa.Connection, e) -> None:
        t = fostering_returns
        c.execute(t.update().where(t.c.authority_id == e.authority_id, t.c.month == e.month)
                  .values(**e.figures, corrections=t.c.corrections + 1,
                          file_name=e.file_name, recorded_at=e.timestamp))


def fostering_returns_for(viewer, connection: sa.Connection,
                          months: int | None = None) -> list[dict]:
    """The viewer's own authority's returns, the latest month first."""
    check(viewer, "fostering.manage")
    t = fostering_returns
    query = (sa.select(t).where(t.c.authority_id == viewer.organisation_id)
             .order_by(t.c.month.desc()))
    if months is not None:
        query = query.limit(months)
    return [_with_totals(dict(r)) for r in connection.execute(query).mappings()]


def _with_totals(row: dict) -> dict:
    """A return with its households, places, places in use and resignations of every kind."""
    for prefix in ("households", "places", "in_use", "resigned"):
        row[prefix] = sum(v for k, v in row.items() if k.startswith(f"{prefix}_"))
    return row


def fostering_return_for(viewer, connection: sa.Connection, month: date) -> dict | None:
    check(viewer, "fostering.manage")
    t = fostering_returns
    row = connection.execute(sa.select(t).where(
        t.c.authority_id == viewer.organisation_id, t.c.month == month)).mappings().first()
    return dict(row) if row else None
