"""A council officer downloads their authority's placements in the national Placements Data
Standard (v2) field layout, as CSV or JSON. Only their own authority's placements, ever."""

from __future__ import annotations

from flask import Blueprint, Response

from portal.security import requires
from portal.standard_export import standard_download
from projections.placements_standard import WRITERS, placements_standard_records

bp = Blueprint("placements_export", __name__, url_prefix="/placements/export")


def _download(fmt: str) -> Response:
    return standard_download(fmt, writers=WRITERS, records=placements_standard_records,
                             name="placements-standard")


@bp.get("/placements-standard.csv")
@requires("placements.view")
def placements_standard_csv():
    return _download("csv")


@bp.get("/placements-standard.json")
@requires("placements.view")
def placements_standard_json():
    return _download("json")
