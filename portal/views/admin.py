"""Platform administration: register partner authorities, providers and their settings; see
the projections and retry one that stopped."""

from __future__ import annotations

import logging
from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError
from portal.behind import title as projection_title
from portal.forms import FormResult, load
from portal.schemas import AuthoritySchema, ProviderSchema, SettingSchema
from portal.security import requires, services
from projections import directory_queries as directory

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)


def _submit(schema, command, default_field: str, done: str = "registered"
            ) -> tuple[FormResult, UUID | None]:
    """Validate the posted form and run ``command(data)``, which returns (new id, position).
    Domain errors become field errors. On success, wait until the projections show the new
    record and say so; returns the form and the new record's id (None when refused)."""
    form = load(schema, request.form.to_dict())
    if form.ok:
        try:
            new_id, position = command(form.data)
        except DomainError as error:
            form.errors[error.field or default_field] = error.message
        else:
            services().projections.wait_for(position)
            flash(f"{form.data['name']} {done}")
            return form, new_id
    form.data = request.form.to_dict()
    return form, None


@bp.get("/")
@requires("organisations.manage")
def index():
    with services().engine.connect() as c:
        return render_template("admin/index.html",
                               authorities=directory.authorities(g.principal, c),
                               providers=directory.providers(g.principal, c))


@bp.route("/authorities/new", methods=["GET", "POST"])
@requires("organisations.manage")
def new_authority():
    form = FormResult()
    if request.method == "POST":
        form, new_id = _submit(AuthoritySchema(), lambda data: services().portal.register_authority(
            g.principal.actor, **data), "la_code")
        if new_id:
            return redirect(url_for("admin.index"))
    return render_template("admin/authority_form.html", form=form)


@bp.route("/providers/new", methods=["GET", "POST"])
@requires("organisations.manage")
def new_provider():
    form = FormResult()
    if request.method == "POST":
        form, new_id = _submit(ProviderSchema(), lambda data: services().portal.register_provider(
            g.principal.actor, **data), "name")
        if new_id:
            return redirect(url_for("admin.provider", provider_id=new_id))
    return render_template("admin/provider_form.html", form=form)


# A new setting's details the page may be opened with (from a URN of Ofsted's register that no
# setting carries yet: see portal/views/ofsted.py); shown in the form, stored only when posted.
SUGGESTED = ("name", "setting_type", "host_authority_id", "registered_places", "ofsted_urn")


def _suggested_setting(args) -> dict[str, str]:
    return {key: args[key][:200] for key in SUGGESTED if args.get(key)}


@bp.route("/providers/<uuid:provider_id>", methods=["GET", "POST"])
@requires("organisations.manage")
def provider(provider_id: UUID):
    with services().engine.connect() as c:
        organisation = directory.organisation(g.principal, c, provider_id)
        if organisation["kind"] != "provider":
            abort(404)
        authorities = directory.authorities(g.principal, c)
    form = FormResult(data=_suggested_setting(request.args))
    if request.method == "POST":
        form, new_id = _submit(SettingSchema(), lambda data: services().portal.add_setting(
            g.principal.actor, provider_id, **data), "name", done="added")
        if new_id:
            return redirect(url_for("admin.provider", provider_id=provider_id))
    with services().engine.connect() as c:
        settings = directory.provider_settings(g.principal, c, provider_id)
    return render_template("admin/provider.html", provider=organisation, settings=settings,
                           authorities=authorities, form=form)


# --- projections: which stopped at an event they could not apply, and retrying them ---------

@bp.get("/projections")
@requires("system.health")
def projections():
    """Each projection's position, lag and version; the stopped ones with the event they
    stopped at; those another version built, being rebuilt."""
    runner = services().projections
    retried = request.args.get("retried")
    lags = runner.lags()
    still_stopped = next((lag.failure for lag in lags
                          if lag.name == retried and lag.failure is not None), None)
    built = {b.name: b for b in runner.versions()}
    return render_template("admin/projections.html", lags=lags, still_stopped=still_stopped,
                           built=built)


@bp.post("/projections/retry")
@requires("system.retry_projections")
def retry_projection():
    """Try a stopped projection again now; it stays stopped if it still cannot apply the
    event."""
    name = request.form.get("name", "")
    runner = services().projections
    if name not in runner.projections:
        abort(404)
    failure = runner.retry(name)
    log.info("projection retried", extra={"projection": name, "stopped": failure is not None,
                                          "user_id": str(g.principal.user_id)})
    if failure is None:
        flash(f"Retried: {projection_title(name)} has caught up")
        return redirect(url_for("admin.projections"))
    return redirect(url_for("admin.projections", retried=name))
