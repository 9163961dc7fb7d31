"""Quality of the homes children live in: the share of each authority's children in care
placed in settings Ofsted judged good or outstanding, judged requiring improvement or
inadequate, and in unregistered provision where registration is required.

Every count is of children in care on the dashboard's date (as the other population
measures count them), by the placement's Ofsted URN as the authority recorded it (SSDA903's
URN) read against Ofsted's register as last imported (:mod:`projections.quality`).
"""

from __future__ import annotations

import sqlalchemy as sa

from domain import ssda903
from domain.ofsted import GOOD_OR_BETTER
from projections.quality import ofsted_registrations
from projections.sufficiency.common import (
    DFE_CLA,
    Row,
    authorities,
    authority_rows,
    counted,
    ep,
    filter_notes,
    in_care_facts,
    long_date,
    open_on,
    percent,
    whole_region,
)
from projections.sufficiency.population import IN_CARE
from projections.sufficiency.tables import COUNT, PERCENT, Chart, Column, Filters, Scope, Table

# The council's own foster carers (placement types U1 to U6 with placement provider PR1) are
# approved by its fostering service, which Ofsted inspects with the council, not as a
# registered provider: like the placement types SSDA903 needs no URN for, they need no
# registration of their own.
OWN_FOSTERING = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
CATEGORIES = ("good_or_better", "ri_or_inadequate", "not_judged", "unregistered",
              "urn_unknown")
COUNTS = ("children", "not_required", "required", *CATEGORIES)


def _category() -> sa.ColumnElement[str]:
    r = ofsted_registrations
    return sa.case(
        (ep.c.place.in_(sorted(ssda903.URN_NOT_REQUIRED)), "not_required"),
        (sa.and_(ep.c.place_provider == "PR1", ep.c.place.in_(sorted(OWN_FOSTERING))),
         "not_required"),
        (sa.or_(ep.c.urn.is_(None), ep.c.urn == ssda903.URN_PLACEHOLDER), "urn_unknown"),
        (sa.or_(r.c.registration_status.is_(None), r.c.registration_status != "active"),
         "unregistered"),
        (r.c.judgement.in_(sorted(GOOD_OR_BETTER)), "good_or_better"),
        (r.c.judgement.is_not(None), "ri_or_inadequate"),
        else_="not_judged")


def _counts(connection: sa.Connection, ids, filters: Filters, everyone: bool) -> dict:
    category = _category().label("category")
    query = (sa.select(ep.c.authority_id, category, sa.func.count().label("children"))
             .select_from(ep.outerjoin(ofsted_registrations,
                                       ofsted_registrations.c.urn == ep.c.urn))
             .where(*counted(ids, filters, everyone=everyone), open_on(filters.on))
             .group_by(ep.c.authority_id, category))
    found: dict = {}
    for authority, kind, children in connection.execute(query):
        row = found.setdefault(authority, dict.fromkeys(COUNTS, 0))
        row[kind] += children
        row["children"] += children
        if kind != "not_required":
            row["required"] += children
    return found


def _derive(row: Row) -> Row:
    return {f"pct_{key}": percent(row[key], row["required"])
            for key in ("good_or_better", "ri_or_inadequate", "unregistered")}


DEFINITION = (
    " Children in a placement that needs a setting registered with Ofsted are those whose "
    "placement type needs an Ofsted URN in SSDA903 (every type but {not_required}), other "
    "than the authority's own foster carers (placement types U1 to U6 with placement "
    "provider PR1, approved by its own fostering service). Each is counted by the setting's "
    "URN the authority recorded, read against Ofsted's register of children's social care "
    "providers and inspections as the portal last imported it: judged good or better when "
    "the setting is registered and its latest overall judgement (\"overall experiences and "
    "progress of children and young people\") is outstanding or good; judged requires "
    "improvement or inadequate likewise; registered but not yet judged; unregistered "
    "provision when the register does not hold the URN as registered (not on it, or its "
    "registration suspended, resigned or cancelled: supported accommodation for 16 and "
    "17-year-olds must be registered since 28 October 2023, and placing a child under 16 in "
    "unregistered provision has been unlawful since 2021); and URN not recorded (blank or "
    "XXXXXXX), whose setting's quality cannot be told. Percentages are of the children whose "
    "placement needs a registered setting. Sources: Ofsted, \"Children's social care "
    "providers and inspections\" (official statistics); {dfe}.")


def placed_by_quality(connection: sa.Connection, scope: Scope, filters: Filters) -> Table:
    found = authorities(connection, scope, filters)
    values = _counts(connection, [a.id for a in found], filters,
                     whole_region(scope, filters))
    rows, total = authority_rows(found, values, COUNTS, _derive)
    for row in [*rows, *([total] if total else [])]:
        row.pop("population", None)
    definition = IN_CARE.format(day=long_date(filters.on)) + DEFINITION.format(
        not_required=", ".join(sorted(ssda903.URN_NOT_REQUIRED)), dfe=DFE_CLA)
    return Table(
        key="placed-by-quality", title="Children by the Ofsted judgement of their home",
        definition=definition,
        columns=[Column("name", "Authority"),
                 Column("children", "Children in care", COUNT,
                        parts=("not_required", "required")),
                 Column("not_required", "Placement needs no registered setting", COUNT),
                 Column("required", "Placement needs a registered setting", COUNT,
                        parts=CATEGORIES),
                 Column("good_or_better", "Good or outstanding", COUNT),
                 Column("ri_or_inadequate", "Requires improvement or inadequate", COUNT),
                 Column("not_judged", "Registered, not yet judged", COUNT),
                 Column("unregistered", "Unregistered provision", COUNT),
                 Column("urn_unknown", "URN not recorded", COUNT),
                 Column("pct_good_or_better", "Percentage good or outstanding", PERCENT,
                        derived_from=("good_or_better", "required")),
                 Column("pct_ri_or_inadequate",
                        "Percentage requires improvement or inadequate", PERCENT,
                        derived_from=("ri_or_inadequate", "required")),
                 Column("pct_unregistered", "Percentage in unregistered provision", PERCENT,
                        derived_from=("unregistered", "required"))],
        rows=rows, total=total, facts=in_care_facts(rows, total),
        chart=Chart("pct_good_or_better"), notes=filter_notes(filters, found))


MEASURES = (placed_by_quality,)
