"""A sufficiency dashboard as it stood at a past moment, for the auditor's "as at" view.

The directory, the placements, the postcode districts and the home searches' unmet need are
rebuilt from the events up to the moment (``portal/views/as_at.py``); the dashboard is then
read from that private database exactly as the live one is, counting children in care on the
moment's date. An auditor's view is never in full: it crosses authority lines, so small counts
are suppressed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from domain.errors import NotFound
from portal.dashboards import present
from projections.directory import Directory
from projections.fostering import Fostering
from projections.gazetteer import Gazetteer
from projections.placements import Placements
from projections.quality import Quality
from projections.sufficiency.dashboard import build_dashboard, filters_from
from projections.sufficiency.scope import PARTNERSHIP, REGION, REGION_KEY, resolve_scope, scopes_for
from projections.supply import Supply
from projections.unmet_need import UnmetNeed

FIELD = "dashboard"


def projections() -> list:
    """What a dashboard reads, to rebuild as it stood (unmet need: the home searches;
    fostering: the authorities' fostering returns; supply: the council's own homes and places
    in development)."""
    return [Directory(), Placements(), Gazetteer(), UnmetNeed(), Quality(), Fostering(),
            Supply()]


def choice_value(scope) -> str:
    return scope.kind if scope.kind == REGION else f"{scope.kind}:{scope.key}"


def choices(viewer, connection: sa.Connection) -> list[dict[str, str]]:
    """The dashboards an auditor may ask for, as they are named today."""
    return [{"value": choice_value(s),
             "text": f"{s.name} partnership" if s.kind == PARTNERSHIP else s.name}
            for s in scopes_for(viewer, connection)]


def parse(value: str | None) -> tuple[str, str | None] | None:
    """("region", None), ("partnership", name) or ("authority", LA code); None when wrong."""
    value = (value or REGION).strip()
    if value == REGION:
        return REGION, REGION_KEY
    kind, _, key = value.partition(":")
    if kind in ("authority", PARTNERSHIP) and key:
        return kind, key
    return None


def read(viewer, connection: sa.Connection, moment: datetime, value: str | None,
         store: sa.Engine | None = None) -> dict:
    """The dashboard named by ``value`` as it stood at ``moment`` (``connection`` reads the
    rebuilt tables; its build is kept in ``store``, the live database, by the position it was
    rebuilt to and the date). Raises NotFound when that dashboard did not exist then."""
    wanted = parse(value)
    if wanted is None:
        raise NotFound("Choose a dashboard from the list")
    try:
        scope = resolve_scope(viewer, connection, *wanted)
    except NotFound as error:
        raise NotFound(f"That dashboard did not exist then: {error}") from error
    choice = filters_from({}, moment.date(), scope)
    tables = build_dashboard(viewer, connection, scope, choice.filters, store=store)
    label = f"{scope.name} partnership" if scope.kind == PARTNERSHIP else scope.name
    return {"label": f"Sufficiency dashboard: {label}", "scope": scope,
            "filters": choice.filters, "tables": [present(t) for t in tables]}
