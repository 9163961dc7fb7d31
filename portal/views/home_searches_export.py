"""A council officer downloads their authority's home searches, with their offers and
outcomes, in the national Placements Data Standard (v2) layout, as CSV or JSON. Only their own
authority's searches, ever."""

from __future__ import annotations

from flask import Blueprint, Response

from portal.security import requires
from portal.standard_export import standard_download
from projections.home_searches_standard import WRITERS, home_searches_standard_records

bp = Blueprint("home_searches_export", __name__, url_prefix="/home-searches/export")


def _download(fmt: str) -> Response:
    return standard_download(fmt, writers=WRITERS, records=home_searches_standard_records,
                             name="home-searches-standard")


@bp.get("/home-searches-standard.csv")
@requires("home_searches.view")
def home_searches_standard_csv():
    return _download("csv")


@bp.get("/home-searches-standard.json")
@requires("home_searches.view")
def home_searches_standard_json():
    return _download("json")
