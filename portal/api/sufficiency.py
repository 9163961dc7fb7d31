"""Sufficiency figures through the API: the dashboards' own measures, for the client's
authority in full and for any other authority, partnership or the region as aggregates, with
the same disclosure control as the pages (small counts hidden as "c", counts across authority
lines at month ends; see projections/sufficiency/disclosure.py). Never a child-level row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import g

from domain.errors import NotFound
from domain.timezone import LONDON
from portal.api.access import api_requires, query
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.spec import operation
from portal.api.sufficiency_schemas import DashboardOut, ScopeList, SufficiencyQuery
from portal.dashboards import slug
from portal.security import services
from projections.sufficiency.dashboard import build_dashboard, filters_from
from projections.sufficiency.scope import (
    AUTHORITY,
    PARTNERSHIP,
    REGION,
    resolve_scope,
    scopes_for,
)
from projections.sufficiency.tables import Scope, Table

TAG = "sufficiency"
ONE = {200: ("The dashboard's measures, as the viewer may see them", DashboardOut)}


def _scope_out(scope: Scope) -> dict[str, Any]:
    address = {AUTHORITY: f"/sufficiency/authorities/{scope.key}",
               PARTNERSHIP: f"/sufficiency/partnerships/{slug(scope.key)}",
               REGION: "/sufficiency/region"}[scope.kind]
    return {"kind": scope.kind, "key": scope.key if scope.kind != PARTNERSHIP
            else slug(scope.key), "name": scope.name, "in_full": scope.disclose,
            "authorities": len(scope.authority_ids), "path": address}


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _table(table: Table) -> dict[str, Any]:
    keys = [column.key for column in table.columns]

    def row(values: dict) -> dict:
        return {key: _cell(values.get(key)) for key in keys}

    return {"key": table.key, "title": table.title, "definition": table.definition,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind}
                        for c in table.columns],
            "rows": [row(r) for r in table.rows],
            "total": None if table.total is None else row(table.total),
            "notes": list(table.notes), "suppressed": table.suppressed}


def _dashboard(kind: str, key: str | None):
    args = query(SufficiencyQuery())
    raw = {"on": args["on"], "from": args["from"], "to": args["to"]}
    raw = {name: day.isoformat() for name, day in raw.items() if day is not None}
    raw.update({name: args[name] for name in ("area", "type") if args[name]})
    today = datetime.now(LONDON).date()
    with services().engine.connect() as c:
        scope = resolve_scope(g.principal, c, kind, key)
        choice = filters_from(raw, today, scope)
        if choice.errors:
            raise ApiProblem("invalid-parameters", "Correct the parameters listed in "
                             "'errors'.", errors=[{"field": name, "message": message}
                                                  for name, message in choice.errors.items()])
        tables = build_dashboard(g.principal, c, scope, choice.filters)
    filters = choice.filters
    return respond(DashboardOut(), {
        "scope": _scope_out(scope),
        "filters": {"on": filters.on, "from": filters.period_start, "to": filters.period_end,
                    "area": args["area"] if filters.area else None,
                    "type": filters.place_group},
        "tables": [_table(t) for t in tables]})


@bp.get("/sufficiency")
@api_requires("sufficiency.view_regional")
@operation(summary="The sufficiency views you may read: your authority's in full, others as "
                   "aggregates", responses={200: ("Every view", ScopeList)}, tag=TAG)
def sufficiency_views():
    with services().engine.connect() as c:
        scopes = scopes_for(g.principal, c)
    return respond(ScopeList(), {"items": [_scope_out(s) for s in scopes]})


@bp.get("/sufficiency/authorities/<la_code>")
@api_requires("sufficiency.view_regional")
@operation(summary="An authority's measures: your own in full, another's as aggregates",
           query=SufficiencyQuery, responses=ONE, tag=TAG)
def sufficiency_authority(la_code: str):
    return _dashboard(AUTHORITY, la_code)


@bp.get("/sufficiency/partnerships/<name>")
@api_requires("sufficiency.view_regional")
@operation(summary="A partnership's measures, as aggregates", query=SufficiencyQuery,
           responses=ONE, tag=TAG)
def sufficiency_partnership(name: str):
    with services().engine.connect() as c:
        found = [s.key for s in scopes_for(g.principal, c)
                 if s.kind == PARTNERSHIP and slug(s.key) == name.lower()]
    if not found:
        raise NotFound("There is no partnership with that name")
    return _dashboard(PARTNERSHIP, found[0])


@bp.get("/sufficiency/region")
@api_requires("sufficiency.view_regional")
@operation(summary="The whole region's measures, as aggregates", query=SufficiencyQuery,
           responses=ONE, tag=TAG)
def sufficiency_region():
    return _dashboard(REGION, None)
