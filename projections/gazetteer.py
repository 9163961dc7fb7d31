"""Postcode districts: where each lies on the grid and which authority it belongs to.

``postcode_districts`` holds the shipped ONS-derived rows (``source`` "ons", from
``projections/data/postcode_districts.csv``; see the README beside it for the source and
licence) overlaid with the districts administrators added by CSV (``source`` "added"), which
override or extend them. The projection seeds the shipped rows whenever its table starts
empty (a new database, a rebuild, an "as at" replay) and then applies the uploads in order.

The sufficiency views join ``placement_episodes.home_district`` and ``placement_district`` to
it: "placed outside the authority's boundary" compares ``la_ons_code`` with the placing
authority's ONS code; "more than 20 miles from home" uses :func:`distance_miles`.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from domain.gazetteer import DistrictUpload
from domain.postcode import NotAPostcode, normalise_postcode
from projections.base import Projection, handles
from projections.database import metadata

SHIPPED_CSV = Path(__file__).parent / "data" / "postcode_districts.csv"
ONS, ADDED = "ons", "added"
IRISH_GRID = "NIR"  # Northern Ireland's grid references are on the Irish Grid

postcode_districts = sa.Table(
    "postcode_districts",
    metadata,
    sa.Column("district", sa.String(4), primary_key=True),
    sa.Column("easting", sa.Integer, nullable=False),
    sa.Column("northing", sa.Integer, nullable=False),
    sa.Column("la_ons_code", sa.String(9), nullable=False, index=True),
    sa.Column("source", sa.String(5), nullable=False),
)


@functools.cache
def shipped_districts() -> tuple[dict, ...]:
    """The shipped rows, as table rows (read once per process)."""
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as file:
        return tuple({"district": r["district"], "easting": int(r["easting"]),
                      "northing": int(r["northing"]), "la_ons_code": r["la_ons_code"],
                      "source": ONS} for r in csv.DictReader(file))


@functools.cache
def authority_names() -> dict[str, str]:
    """ONS code (or SCO, WAL, NIR) -> the authority's or country's name, from the shipped
    file: every upper-tier authority in England holds at least one district."""
    with SHIPPED_CSV.open(encoding="utf-8", newline="") as file:
        return {r["la_ons_code"]: r["la_name"] for r in csv.DictReader(file)}


class Gazetteer(Projection):
    name = "gazetteer"
    tables = (postcode_districts,)

    def seed(self, connection: sa.Connection) -> None:
        """Load the shipped rows unless they are there already (idempotent)."""
        t = postcode_districts
        if connection.execute(sa.select(t.c.district).where(t.c.source == ONS).limit(1)
                              ).first() is not None:
            return
        present = set(connection.execute(sa.select(t.c.district)).scalars())
        rows = [r for r in shipped_districts() if r["district"] not in present]
        if rows:
            connection.execute(t.insert(), rows)

    @handles(DistrictUpload.DistrictsAdded)
    def districts_added(self, c: sa.Connection, e: DistrictUpload.DistrictsAdded) -> None:
        t = postcode_districts
        names = [row["district"] for row in e.rows]
        for start in range(0, len(names), 500):
            c.execute(t.delete().where(t.c.district.in_(names[start:start + 500])))
        c.execute(t.insert(), [{**row, "source": ADDED} for row in e.rows])


# --- helpers ---------------------------------------------------------------------------------

def distance_miles(e1: float, n1: float, e2: float, n2: float) -> float:
    """Straight-line distance between two grid references in miles, to one decimal place:
    metres / 1000 / 1.6093, as the DfE's SSDA903 validator computes placement distance."""
    return round(math.hypot(e2 - e1, n2 - n1) / 1000 / 1.6093, 1)


@dataclass(frozen=True)
class District:
    district: str
    easting: int
    northing: int
    la_ons_code: str
    source: str

    @property
    def irish_grid(self) -> bool:
        return self.la_ons_code == IRISH_GRID


def districts(connection: sa.Connection, names: Iterable[str | None]) -> dict[str, District]:
    """The known districts among ``names`` (postcodes and sectors are read as their
    district; junk and unknown districts are left out)."""
    wanted = set()
    for name in names:
        try:
            wanted.add(normalise_postcode(name)[0])
        except NotAPostcode:
            continue
    found: dict[str, District] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        rows = connection.execute(sa.select(postcode_districts).where(
            postcode_districts.c.district.in_(ordered[start:start + 500])))
        found.update({row.district: District(**row._mapping) for row in rows})
    return found


def district(connection: sa.Connection, name: str | None) -> District | None:
    """One district's centroid and authority, or None when unknown or not a postcode."""
    try:
        key = normalise_postcode(name)[0]
    except NotAPostcode:
        return None
    return districts(connection, [key]).get(key)


def district_distance(home: District | None, placement: District | None) -> float | None:
    """Miles between two districts' centroids; None (unknown, never 0) when either is
    unknown or they lie on different grids (Northern Ireland against Great Britain)."""
    if home is None or placement is None or home.irish_grid != placement.irish_grid:
        return None
    return distance_miles(home.easting, home.northing, placement.easting, placement.northing)


def reference_summary(viewer, connection: sa.Connection) -> dict:
    """For the administrators' page: how many districts of each source, and the added ones."""
    from domain.permissions import check

    check(viewer, "reference.manage")
    t = postcode_districts
    counts = dict(connection.execute(
        sa.select(t.c.source, sa.func.count()).group_by(t.c.source)).all())
    added = connection.execute(sa.select(t).where(t.c.source == ADDED)
                               .order_by(t.c.district)).mappings().all()
    return {"shipped": counts.get(ONS, 0), "added": counts.get(ADDED, 0), "added_rows": added}
