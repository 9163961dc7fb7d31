"""Pipelines: a partnership's procurement timetable for its council officers, and for each
provider the tenders open to it and its own responses and bids.

The timetable follows the councils' own appendices: each planned or running tender with its
stage, estimated values, each partner's share and key decision (needed or not, taken or not),
and its next milestone.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, g, render_template, request

from domain.tender_terms import TIMETABLE
from portal.security import requires, services
from portal.views.tender_helpers import register_vocabulary, uk_time
from projections import tender_queries as tq

bp = Blueprint("tender_pipelines", __name__, url_prefix="/tenders")
register_vocabulary(bp)


def next_milestone(tender: dict, today: date) -> dict | None:
    """The first timetable entry on or after ``today``: what happens next, and when."""
    if tender["stage"] in ("cancelled", "contracted", "engagement_concluded"):
        return None
    for key, label in TIMETABLE.items():
        value = tender.get(key)
        if value is None:
            continue
        day = value.date() if isinstance(value, datetime) else value
        if day >= today:
            when = uk_time(value) if isinstance(value, datetime) else f"{value:%-d %B %Y}"
            return {"label": label, "when": when, "day": day}
    return None


@bp.get("/pipeline/")
@requires("tenders.pipeline")
def pipeline():
    partnerships = sorted(g.principal.partnerships)
    chosen = request.args.get("partnership") or (partnerships[0] if partnerships else None)
    if chosen is not None and chosen not in partnerships:
        abort(404)
    today = services().portal.clock().date()
    rows = []
    if chosen is not None:
        with services().engine.connect() as c:
            rows = tq.partnership_pipeline(g.principal, c, chosen)
        for row in rows:
            row["next_milestone"] = next_milestone(row, today)
    totals = {"annual": sum(r["estimated_annual_value"] for r in rows
                            if r["stage"] != "cancelled"),
              "total": sum(r["estimated_total_value"] for r in rows
                           if r["stage"] != "cancelled")}
    return render_template("tender_pipelines/pipeline.html", partnerships=partnerships,
                           partnership=chosen, rows=rows, totals=totals)


@bp.get("/opportunities/")
@requires("tenders.respond")
def opportunities():
    now = services().portal.clock()
    with services().engine.connect() as c:
        open_now = tq.provider_opportunities(g.principal, c, now=now)
        activity = tq.provider_activity(g.principal, c, services().portal.bid_seal.unseal)
    return render_template("tender_pipelines/opportunities.html", opportunities=open_now,
                           responses=activity["responses"], bids=activity["bids"])
