"""Where a placement is: one answer, read by every page and measure.

A placement's setting and area are resolved when they are read, by joining its episode row to
the directory and the gazetteer, so a URN or postcode district the portal learns after the
placement was recorded or imported changes the answer everywhere at once, and a rebuild gives
the same answer as the projections that ran as events arrived, whatever order the placements,
directory and gazetteer projections caught up in.

- The setting: the one the placement names (``setting_id``), else the setting in the directory
  with the placement's Ofsted URN (an URN two settings claim names neither: never a guess).
- The provider: the one the placement names, else the setting's.
- The area (host authority): the setting's host authority, else the authority recorded for
  the placement, else the authority of the placement's postcode district through the gazetteer
  (ONS postcode directory), compared with the placing authority's ONS code. A district whose
  authority is not a partner council is still known to be outside.
- ``where_placed``: ``inside`` or ``outside`` the placing authority's area, or ``unknown``
  when none of these is known: never counted as inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from domain import ssda903
from projections.directory import organisations, settings
from projections.gazetteer import postcode_districts
from projections.placements import placement_episodes

INSIDE, OUTSIDE, UNKNOWN = "inside", "outside", "unknown"
# How a placement whose setting or area is not known reads on every page.
NOT_KNOWN = {
    "setting": "Not in the directory",
    "area": "Area not known",
}

ep = placement_episodes


@dataclass(frozen=True)
class Located:
    """The joins and the resolved columns of one episode table (see the module's docstring)."""

    joined: sa.FromClause
    setting_id: sa.ColumnElement
    provider_id: sa.ColumnElement
    setting_type: sa.ColumnElement
    host_authority_id: sa.ColumnElement
    area_authority_id: sa.ColumnElement
    area_ons_code: sa.ColumnElement
    where_placed: sa.ColumnElement
    urn: sa.ColumnElement
    district: sa.ColumnElement
    district_known: sa.ColumnElement

    def columns(self) -> tuple[sa.ColumnElement, ...]:
        """The resolved columns, labelled ``located_*`` (and ``where_placed``)."""
        return (self.setting_id.label("located_setting_id"),
                self.provider_id.label("located_provider_id"),
                self.setting_type.label("located_setting_type"),
                self.host_authority_id.label("located_host_authority_id"),
                self.area_authority_id.label("located_area_authority_id"),
                self.area_ons_code.label("located_area_ons_code"),
                self.urn.label("located_urn"),
                self.district.label("located_district"),
                self.district_known.label("located_district_known"),
                self.where_placed.label("where_placed"))


def _unique_urns() -> sa.Subquery:
    """Each Ofsted URN exactly one setting in the directory holds."""
    s = settings.c
    return (sa.select(s.ofsted_urn.label("urn"))
            .where(s.ofsted_urn.is_not(None))
            .group_by(s.ofsted_urn).having(sa.func.count() == 1).subquery("unique_urn"))


def located(from_: sa.FromClause | None = None, *, prefix: str = "loc") -> Located:
    """The placement location of each row of ``from_`` (which includes
    ``placement_episodes``; by default it alone). ``prefix`` names the joined aliases, so a
    query may locate twice without clashes."""
    base = ep if from_ is None else from_
    named = settings.alias(f"{prefix}_named_setting")
    unique = _unique_urns().alias(f"{prefix}_unique_urn")
    by_urn = settings.alias(f"{prefix}_urn_setting")
    placing = organisations.alias(f"{prefix}_placing")
    area = organisations.alias(f"{prefix}_area")
    placed = postcode_districts.alias(f"{prefix}_district")
    joined = (base.join(placing, placing.c.id == ep.c.authority_id)
              .outerjoin(named, named.c.id == ep.c.setting_id)
              .outerjoin(unique, sa.and_(ep.c.setting_id.is_(None), unique.c.urn == ep.c.urn))
              .outerjoin(by_urn, by_urn.c.ofsted_urn == unique.c.urn)
              .outerjoin(area, area.c.id == sa.func.coalesce(
                  named.c.host_authority_id, by_urn.c.host_authority_id,
                  ep.c.placement_authority_id))
              .outerjoin(placed, placed.c.district == ep.c.placement_district))
    host = sa.func.coalesce(named.c.host_authority_id, by_urn.c.host_authority_id)
    area_id = sa.func.coalesce(host, ep.c.placement_authority_id)
    ons = sa.case((area.c.id.is_not(None), area.c.ons_code), else_=placed.c.la_ons_code)
    where = sa.case(
        (area_id == ep.c.authority_id, INSIDE),
        (area_id.is_not(None), OUTSIDE),
        (placed.c.la_ons_code == placing.c.ons_code, INSIDE),
        (placed.c.la_ons_code.is_not(None), OUTSIDE),
        else_=UNKNOWN)
    urn = sa.case((ep.c.urn == ssda903.URN_PLACEHOLDER, None), else_=ep.c.urn)
    return Located(
        joined=joined,
        setting_id=sa.func.coalesce(named.c.id, by_urn.c.id),
        provider_id=sa.func.coalesce(ep.c.provider_id, named.c.provider_id,
                                     by_urn.c.provider_id),
        setting_type=sa.func.coalesce(named.c.setting_type, by_urn.c.setting_type),
        host_authority_id=host,
        area_authority_id=area_id,
        area_ons_code=ons,
        where_placed=where,
        urn=sa.func.coalesce(urn, named.c.ofsted_urn),
        district=sa.func.coalesce(ep.c.placement_district, named.c.postcode_district,
                                  by_urn.c.postcode_district),
        district_known=placed.c.district.is_not(None),
    )


def unknown_urn(urn: str) -> str:
    return f"Ofsted URN {urn} is not a setting in the directory"


def unknown_district(district: str) -> str:
    return f"Postcode district {district} is not in the postcode directory"


def location_notes(row) -> list[str]:
    """What could not be resolved about a located row (one with the ``located_*`` columns),
    in the words every page and the import report use."""
    notes = []
    urn = row["urn"]
    if urn and urn != ssda903.URN_PLACEHOLDER and row["located_setting_id"] is None:
        notes.append(unknown_urn(urn))
    if row["placement_district"] and not row["located_district_known"]:
        notes.append(unknown_district(row["placement_district"]))
    return notes


def known_locations(connection: sa.Connection, urns: set[str],
                    districts: set[str]) -> tuple[set[str], set[str]]:
    """Of ``urns``, those that name a setting in the directory (exactly one holds it), and of
    ``districts``, those in the gazetteer: what a placement with them would resolve to now."""
    unique = _unique_urns()
    known_urns: set[str] = set()
    ordered = sorted(urns)
    for start in range(0, len(ordered), 500):
        known_urns.update(connection.execute(sa.select(unique.c.urn).where(
            unique.c.urn.in_(ordered[start:start + 500]))).scalars())
    known_districts: set[str] = set()
    ordered = sorted(districts)
    for start in range(0, len(ordered), 500):
        known_districts.update(connection.execute(
            sa.select(postcode_districts.c.district).where(
                postcode_districts.c.district.in_(ordered[start:start + 500]))).scalars())
    return known_urns, known_districts
