"""Platform administration of organisations' identity providers (single sign-on)."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError, NotFound, StaleVersion
from portal.form_keys import changed_since_opened, opened_version
from portal.forms import FormResult, load
from portal.identity_provider_schemas import (
    IdentityProviderSchema,
    NewIdentityProviderSchema,
    ReasonSchema,
)
from portal.links import external_url
from portal.security import requires, services
from projections import identity_providers as queries

bp = Blueprint("identity_providers", __name__, url_prefix="/admin/identity-providers")

FIELDS = ("display_name", "discovery_url", "client_id", "client_secret_ref", "allowed_domains")


def _provider(provider_id: UUID) -> dict:
    with services().engine.connect() as c:
        try:
            return queries.identity_provider(g.principal, c, provider_id)
        except NotFound:
            abort(404)


def _domains_free(form: FormResult, organisation_id: UUID) -> bool:
    """A domain vouched for by two organisations' providers would let either sign in the
    other's users: refuse one another provider already has."""
    with services().engine.connect() as c:
        taken = queries.domains_claimed_elsewhere(g.principal, c, organisation_id,
                                                  form.data["allowed_domains"])
    if taken:
        domain, owner = sorted(taken.items())[0]
        form.errors["allowed_domains"] = (
            f"{domain} already signs in through {owner}'s identity provider")
    return not taken


def _redisplay(form: FormResult) -> FormResult:
    """The submitted values, for the form shown again with its errors; except a refused secret
    reference, which may be the secret itself pasted by mistake: it is not sent back."""
    stale = "version" in form.errors  # the record's new version, to send it again with
    form.data = {**request.form.to_dict(), **({"version": form.data["version"]} if stale else {})}
    if "client_secret_ref" in form.errors:
        form.data["client_secret_ref"] = ""
    return form


def _run(form: FormResult, command, default_field: str):
    try:
        return command()
    except DomainError as error:
        form.errors[error.field or default_field] = error.message
        return None
    except StaleVersion as error:
        changed_since_opened(form, error, "This identity provider")
        return None


def _links(provider_id: UUID) -> dict[str, str]:
    """What the administrator gives the council's identity team."""
    return {
        "redirect_uri": external_url("oidc.callback", identity_provider_id=provider_id),
        "sign_in_page": external_url("oidc.organisation", identity_provider_id=provider_id),
    }


@bp.get("/")
@requires("identity_providers.manage")
def index():
    with services().engine.connect() as c:
        providers = queries.all_identity_providers(g.principal, c)
    return render_template("identity_providers/index.html", providers=providers)


@bp.route("/new", methods=["GET", "POST"])
@requires("identity_providers.manage")
def new():
    with services().engine.connect() as c:
        choices = queries.organisations_without_provider(g.principal, c)
    form = FormResult()
    if request.method == "POST":
        form = load(NewIdentityProviderSchema(), request.form.to_dict())
        if form.ok and _domains_free(form, form.data["organisation_id"]):
            data = dict(form.data)
            done = _run(form, lambda: services().portal.register_identity_provider(
                g.principal.actor, **data), "display_name")
            if done is not None:
                provider_id, position = done
                services().projections.wait_for(position)
                flash(f"{data['display_name']} registered: give its identity team the redirect "
                      "URI below")
                return redirect(url_for("identity_providers.show",
                                        identity_provider_id=provider_id))
        _redisplay(form)
    return render_template("identity_providers/form.html", form=form, choices=choices,
                           provider=None)


@bp.get("/<uuid:identity_provider_id>")
@requires("identity_providers.manage")
def show(identity_provider_id: UUID):
    provider = _provider(identity_provider_id)
    return render_template("identity_providers/show.html", provider=provider,
                           links=_links(identity_provider_id), form=FormResult())


@bp.route("/<uuid:identity_provider_id>/change", methods=["GET", "POST"])
@requires("identity_providers.manage")
def change(identity_provider_id: UUID):
    provider = _provider(identity_provider_id)
    form = FormResult(data={k: provider[k] for k in FIELDS})
    form.data["allowed_domains"] = ", ".join(provider["allowed_domains"])
    if request.method == "POST":
        form = load(IdentityProviderSchema(), request.form.to_dict())
        if form.ok and _domains_free(form, provider["organisation_id"]):
            data = dict(form.data)
            position = _run(form, lambda: services().portal.change_identity_provider(
                g.principal.actor, identity_provider_id, expected_version=opened_version(),
                **data), "display_name")
            if position is not None:
                services().projections.wait_for(position)
                flash(f"{data['display_name']} changed")
                return redirect(url_for("identity_providers.show",
                                        identity_provider_id=identity_provider_id))
        _redisplay(form)
    return render_template("identity_providers/form.html", form=form, choices=[],
                           provider=provider)


@bp.post("/<uuid:identity_provider_id>/disable")
@requires("identity_providers.manage")
def disable(identity_provider_id: UUID):
    return _switch(identity_provider_id, "disable_identity_provider", "turned off")


@bp.post("/<uuid:identity_provider_id>/enable")
@requires("identity_providers.manage")
def enable(identity_provider_id: UUID):
    return _switch(identity_provider_id, "enable_identity_provider", "turned on")


def _switch(identity_provider_id: UUID, command: str, done: str):
    provider = _provider(identity_provider_id)
    form = load(ReasonSchema(), request.form.to_dict())
    if form.ok:
        position = _run(form, lambda: getattr(services().portal, command)(
            g.principal.actor, identity_provider_id, reason=form.data["reason"],
            expected_version=opened_version()), "reason")
        if position is not None:
            services().projections.wait_for(position)
            flash(f"Single sign-on through {provider['display_name']} {done}")
            return redirect(url_for("identity_providers.show",
                                    identity_provider_id=identity_provider_id))
    if "version" in form.errors:  # this page shows the provider as it is now: said at the form
        form.errors = {"reason": form.errors["version"]}
    form.data = request.form.to_dict()
    return render_template("identity_providers/show.html", provider=provider,
                           links=_links(identity_provider_id), form=form), 400
