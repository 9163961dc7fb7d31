"""Adjoining authorities: the shipped table (``projections/data/authority_adjacency.csv``; see
the README beside it for its source) overlaid with the pairs administrators added
(:class:`domain.adjacency.AdjacencyRegister`). The projection seeds the shipped pairs whenever
its table starts empty (a new database, a rebuild, an "as at" replay), then applies additions.

The application reads the shipped pairs from the file itself (:func:`shipped_pairs`) and the
added ones from the register, so its "at a distance" decision never waits for a read model;
this table serves the administrators' page.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import sqlalchemy as sa

from domain.adjacency import AdjacencyRegister, Pair, pair
from projections.base import Projection, handles
from projections.database import metadata
from projections.gazetteer import authority_names

SHIPPED_CSV = Path(__file__).parent / "data" / "authority_adjacency.csv"
SHIPPED, ADDED = "shipped", "added"

authority_adjacency = sa.Table(
    "authority_adjacency",
    metadata,
    sa.Column("ons_code", sa.String(9), primary_key=True),
    sa.Column("adjoining_ons_code", sa.String(9), primary_key=True),
    sa.Column("source", sa.String(7), nullable=False),
    sa.Column("reason", sa.String(1000)),
)


@functools.cache
def shipped_rows() -> tuple[dict[str, str], ...]:
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as file:
        return tuple(csv.DictReader(file))


@functools.cache
def shipped_pairs() -> frozenset[Pair]:
    """Every shipped pair, in :func:`domain.adjacency.pair` order (read once per process)."""
    return frozenset(pair(r["ons_code"], r["adjoining_ons_code"]) for r in shipped_rows())


def authority_label(code: str) -> str:
    """An authority's name from the shipped tables, else its code."""
    names = {r["ons_code"]: r["name"] for r in shipped_rows()}
    names.update({r["adjoining_ons_code"]: r["adjoining_name"] for r in shipped_rows()})
    return names.get(code) or authority_names().get(code) or code


class Adjacency(Projection):
    name = "adjacency"
    tables = (authority_adjacency,)

    def seed(self, connection: sa.Connection) -> None:
        t = authority_adjacency
        if connection.execute(sa.select(t.c.ons_code).where(t.c.source == SHIPPED).limit(1)
                              ).first() is not None:
            return
        present = {(r.ons_code, r.adjoining_ons_code) for r in connection.execute(
            sa.select(t.c.ons_code, t.c.adjoining_ons_code))}
        rows = [{"ons_code": a, "adjoining_ons_code": b, "source": SHIPPED, "reason": None}
                for a, b in sorted(shipped_pairs()) if (a, b) not in present]
        if rows:
            connection.execute(t.insert(), rows)

    @handles(AdjacencyRegister.PairsAdded)
    def pairs_added(self, c: sa.Connection, e: AdjacencyRegister.PairsAdded) -> None:
        c.execute(authority_adjacency.insert(), [
            {"ons_code": a, "adjoining_ons_code": b, "source": ADDED, "reason": e.reason}
            for a, b in (pair(*p) for p in e.pairs)])


def adjacency_summary(viewer, connection: sa.Connection) -> dict:
    """For the administrators' page: every pair with both authorities' names, added ones
    first, and the counts of each source."""
    from domain.permissions import check

    check(viewer, "reference.manage")
    t = authority_adjacency
    rows = connection.execute(sa.select(t).order_by(
        (t.c.source == SHIPPED), t.c.ons_code, t.c.adjoining_ons_code)).mappings().all()
    pairs = [{**row, "name": authority_label(row["ons_code"]),
              "adjoining_name": authority_label(row["adjoining_ons_code"])} for row in rows]
    return {"pairs": pairs, "shipped": sum(p["source"] == SHIPPED for p in pairs),
            "added": sum(p["source"] == ADDED for p in pairs)}
