from __future__ import annotations

from flask import Blueprint, g, render_template

from portal.home_page import panels, tasks
from portal.security import public, services

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def index():
    """Signed out: what the service is. Signed in: what needs the user now, and their tasks."""
    principal = g.get("principal")
    if principal is None:
        return render_template("home/index.html")
    svc = services()
    return render_template("home/index.html", tasks=tasks(principal), panels=panels(
        principal, svc.engine, signing_key=svc.checkpoints.key, now=svc.portal.clock()))


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("home/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("home/privacy.html")
