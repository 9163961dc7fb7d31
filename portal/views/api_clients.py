"""An organisation's API clients: its administrator creates them (the key is shown once, on
the page that answers the creation, and never again) and revokes them.

The commands (portal/services/api_clients.py) keep every rule: the administrator's own
organisation only, roles of its kind only. Another organisation's client answers 404, like a
missing one.
"""

from __future__ import annotations

import logging
from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from marshmallow import fields, validate

from domain.errors import DomainError
from domain.permissions import PLATFORM_ROLES, REGION, scope_for
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES
from portal.forms import FormResult, load
from portal.schemas import FormSchema
from portal.security import requires, services
from portal.services.api_clients import CLIENT_ROLES

bp = Blueprint("api_clients", __name__, url_prefix="/api-clients")
log = logging.getLogger(__name__)


class ApiClientSchema(FormSchema):
    name = fields.String(required=True, validate=validate.Length(
        max=100, error="Name must be 100 characters or fewer"), error_messages={
        "required": "Enter a name for the client", "null": "Enter a name for the client"})
    roles = fields.List(fields.String(validate=validate.OneOf(
        CLIENT_ROLES, error="Choose what the client may do from the list")), required=True,
        validate=validate.Length(min=1, error="Choose what the client may do"),
        error_messages={"required": "Choose what the client may do",
                        "null": "Choose what the client may do"})


@bp.context_processor
def _vocabulary() -> dict:
    return {"ROLES": ROLES}


def _role_choices() -> list[tuple[str, str]]:
    """The roles of the organisation's kind; the auditor's only for a platform administrator
    (who alone gives it, to people and clients alike)."""
    kind = g.principal.organisation_kind
    region_wide = scope_for(g.principal, "accounts.manage") == REGION
    return [(role, ROLES[role]) for role in CLIENT_ROLES
            if kind in ROLE_ORGANISATION_KINDS[role]
            and (region_wide or role not in PLATFORM_ROLES)]


def _page(form: FormResult, status: int = 200, **extra):
    clients = services().portal.api_clients_of(g.principal.actor)
    page = render_template("api_clients/index.html", clients=clients, form=form,
                           role_choices=_role_choices(), **extra)
    return page, status, {"Cache-Control": "no-store"}


@bp.get("/")
@requires("api_clients.manage")
def index():
    return _page(FormResult())


@bp.post("/")
@requires("api_clients.manage")
def create():
    form = load(ApiClientSchema(), {"name": request.form.get("name"),
                                    "roles": request.form.getlist("roles") or None})
    if form.ok:
        try:
            client_id, key = services().portal.create_api_client(
                g.principal.actor, name=form.data["name"], roles=form.data["roles"])
        except DomainError as error:
            form.errors[error.field or "name"] = error.message
        else:
            log.info("api client created", extra={"client_id": str(client_id)})
            return _page(FormResult(), 201, new_key=key, new_client=client_id)
    form.data = {"name": request.form.get("name", ""), "roles": request.form.getlist("roles")}
    return _page(form, 422)


@bp.post("/<uuid:client_id>/revoke")
@requires("api_clients.manage")
def revoke(client_id: UUID):
    services().portal.revoke_api_client(g.principal.actor, client_id)
    log.info("api client revoked", extra={"client_id": str(client_id)})
    flash("API client revoked: its key no longer works")
    return redirect(url_for("api_clients.index"))
