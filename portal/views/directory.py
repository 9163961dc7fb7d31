from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, g, render_template

from portal.security import requires, services
from projections import directory_queries as q

bp = Blueprint("directory", __name__, url_prefix="/directory")


@bp.get("/")
@requires("directory.view")
def index():
    with services().engine.connect() as c:
        return render_template("directory/index.html",
                               authorities=q.authorities(g.principal, c),
                               providers=q.providers(g.principal, c))


@bp.get("/providers/<uuid:provider_id>")
@requires("directory.view")
def provider(provider_id: UUID):
    with services().engine.connect() as c:
        organisation = q.organisation(g.principal, c, provider_id)
        if organisation["kind"] != "provider":
            abort(404)
        return render_template("directory/provider.html", provider=organisation,
                               settings=q.provider_settings(g.principal, c, provider_id))
