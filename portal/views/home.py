from __future__ import annotations

from flask import Blueprint, render_template

from portal.security import public

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    return render_template("home/index.html")


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("home/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("home/privacy.html")
