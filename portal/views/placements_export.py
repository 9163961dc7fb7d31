"""A council officer downloads their authority's placements in the national Placements Data
Standard (v2) field layout, as CSV or JSON. Only their own authority's placements, ever."""

from __future__ import annotations

import io
import logging
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, g

from portal.security import requires, services
from projections.directory import organisations
from projections.placements_standard import WRITERS, placements_standard_records

bp = Blueprint("placements_export", __name__, url_prefix="/placements/export")
log = logging.getLogger(__name__)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def _download(fmt: str) -> Response:
    out = io.StringIO()
    with services().engine.connect() as c:
        count = WRITERS[fmt](placements_standard_records(g.principal, c), out)
        la_code = c.execute(sa.select(organisations.c.la_code).where(
            organisations.c.id == g.principal.organisation_id)).scalar()
    # Who downloaded how many, never which children.
    log.info("placements standard export", extra={"user_id": str(g.principal.user_id),
                                                  "format": fmt, "records": count})
    name = f"placements-standard-{la_code or 'authority'}-{date.today().isoformat()}.{fmt}"
    return Response(out.getvalue(), mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@bp.get("/placements-standard.csv")
@requires("placements.view")
def placements_standard_csv():
    return _download("csv")


@bp.get("/placements-standard.json")
@requires("placements.view")
def placements_standard_json():
    return _download("json")
