"""A council officer downloads their authority's home searches, with their offers and
outcomes, in the national Placements Data Standard (v2) layout, as CSV or JSON. Only their own
authority's searches, ever."""

from __future__ import annotations

import io
import logging
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, g

from portal.security import requires, services
from projections.directory import organisations
from projections.home_searches_standard import WRITERS, home_searches_standard_records

bp = Blueprint("home_searches_export", __name__, url_prefix="/home-searches/export")
log = logging.getLogger(__name__)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _download(fmt: str) -> Response:
    out = io.StringIO()
    with services().engine.connect() as c:
        count = WRITERS[fmt](home_searches_standard_records(g.principal, c), out)
        la_code = c.execute(sa.select(organisations.c.la_code).where(
            organisations.c.id == g.principal.organisation_id)).scalar()
    # Who downloaded how many, never which children.
    log.info("home searches standard export", extra={"user_id": str(g.principal.user_id),
                                                     "format": fmt, "records": count})
    name = f"home-searches-standard-{la_code or 'authority'}-{date.today().isoformat()}.{fmt}"
    return Response(out.getvalue(), mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@bp.get("/home-searches-standard.csv")
@requires("home_searches.view")
def home_searches_standard_csv():
    return _download("csv")


@bp.get("/home-searches-standard.json")
@requires("home_searches.view")
def home_searches_standard_json():
    return _download("json")
