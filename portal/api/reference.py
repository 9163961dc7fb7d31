"""The API's description (``openapi.json``) and its reference page, both public: a page
rendered on the server from the same description, listing every operation."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template

from portal.api.blueprint import bp
from portal.api.presenters import reference_operations
from portal.api.problems import KINDS, TYPE_BASE
from portal.api.spec import build
from portal.security import public


def description() -> dict:
    """The description, built once per app (the routes do not change while it runs)."""
    app = current_app._get_current_object()
    built = app.extensions.get("api_description")
    if built is None:
        built = app.extensions["api_description"] = build(app)
    return built


@bp.get("/openapi.json")
@public
def openapi():
    return Response(json.dumps(description(), indent=1), mimetype="application/json")


@bp.get("/reference")
@public
def reference():
    spec = description()
    return render_template("api/reference.html", spec=spec, kinds=KINDS, type_base=TYPE_BASE,
                           operations=reference_operations(spec))
