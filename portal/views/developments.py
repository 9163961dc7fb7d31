"""Places in development: the authority's own schemes of new places (council homes, block
contracts' new builds, supported accommodation schemes), recorded and changed by its officers,
each change an event with its reason; and the region's pipeline as totals of places by
authority and kind of setting, for anyone with the regional view."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.development import CONFIDENCE, DEVELOPMENT_TYPES, SCHEME_SETTING_TYPES
from domain.vocabulary import SETTING_TYPES
from portal import placement_forms as pf
from portal.form_keys import opened_version
from portal.forms import FormResult
from portal.security import requires, services
from portal.supply_schemas import (
    OUTCOMES,
    ChangeDevelopmentSchema,
    DevelopmentSchema,
    EndDevelopmentSchema,
)
from projections.placement_queries import contracts_for
from projections.supply_queries import (
    YEARS,
    own_development,
    own_developments,
    regional_pipeline,
)
from projections.tender_queries import tender_list

bp = Blueprint("developments", __name__, url_prefix="/developments")
FIELDS = {"name", "development_type", "setting_type", "places", "expected_opening",
          "confidence", "tender_id", "contract_id", "reason"}
BUILT = sorted({t for types in SCHEME_SETTING_TYPES.values() for t in types},
               key=list(SETTING_TYPES).index)


@bp.context_processor
def _vocabulary() -> dict:
    return {"DEVELOPMENT_TYPES": DEVELOPMENT_TYPES, "CONFIDENCE": CONFIDENCE,
            "OUTCOMES": OUTCOMES, "BUILT": {t: SETTING_TYPES[t] for t in BUILT}, "YEARS": YEARS}


def _links() -> dict:
    """The authority's own tenders (those it leads) and contracts a scheme may be linked to."""
    with services().engine.connect() as c:
        tenders = [t for t in tender_list(g.principal, c)
                   if t["lead_authority_id"] == g.principal.organisation_id]
        return {"tenders": tenders, "contracts": contracts_for(g.principal, c)}


def _schema(cls, links: dict):
    return cls(today=services().portal.today(), tenders={t["id"] for t in links["tenders"]},
               contracts={k["id"] for k in links["contracts"]})


def _values(scheme: dict) -> dict:
    """A scheme as the values of its form, to change it."""
    values = {k: "" if scheme[k] is None else str(scheme[k]) for k in FIELDS - {
        "reason", "expected_opening"}}
    day = scheme["expected_opening"]
    return values | {"expected_opening-day": day.day, "expected_opening-month": day.month,
                     "expected_opening-year": day.year}


def _done(form: FormResult, command, message: str, development_id=None):
    result = pf.run_command(form, command, FIELDS | {"outcome", "on"}, "reason",
                            what="This scheme")
    if result is None:
        return None
    development_id, position = result if development_id is None else (development_id, result)
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("developments.show", development_id=development_id))


@bp.get("/")
@requires("developments.manage")
def index():
    with services().engine.connect() as c:
        schemes = own_developments(g.principal, c)
    return render_template("developments/index.html", schemes=schemes)


@bp.route("/new", methods=["GET", "POST"])
@requires("developments.manage")
def new():
    form, links = FormResult(), _links()
    if request.method == "POST":
        form = pf.parse(_schema(DevelopmentSchema, links), request.form,
                        dates=("expected_opening",))
        if form.ok:
            done = _done(form, lambda: services().portal.record_development(
                g.principal.actor, authority_id=g.principal.organisation_id, **form.data),
                "Scheme recorded")
            if done:
                return done
    return render_template("developments/form.html", form=form, scheme=None, **links)


@bp.get("/<uuid:development_id>")
@requires("developments.manage")
def show(development_id: UUID):
    with services().engine.connect() as c:
        scheme = own_development(g.principal, c, development_id)
    return render_template("developments/show.html", scheme=scheme, form=FormResult())


@bp.route("/<uuid:development_id>/change", methods=["GET", "POST"])
@requires("developments.manage")
def change(development_id: UUID):
    version = services().portal.version_of(development_id)  # read first: _opened_version.html
    with services().engine.connect() as c:
        scheme = {**own_development(g.principal, c, development_id), "version": version}
    form, links = FormResult(data=_values(scheme)), _links()
    if request.method == "POST":
        form = pf.parse(_schema(ChangeDevelopmentSchema, links), request.form,
                        dates=("expected_opening",))
        if form.ok:
            done = _done(form, lambda: services().portal.change_development(
                g.principal.actor, authority_id=g.principal.organisation_id,
                development_id=development_id, expected_version=opened_version(), **form.data),
                "Scheme changed", development_id)
            if done:
                return done
    return render_template("developments/form.html", form=form, scheme=scheme, **links)


@bp.post("/<uuid:development_id>/end")
@requires("developments.manage")
def end(development_id: UUID):
    with services().engine.connect() as c:
        scheme = own_development(g.principal, c, development_id)
    form = pf.parse(EndDevelopmentSchema(), request.form, dates=("on",))
    if form.ok:
        data, portal, actor = form.data, services().portal, g.principal.actor
        ids = dict(authority_id=g.principal.organisation_id, development_id=development_id)
        done = _done(form, (lambda: portal.open_development(
            actor, on=data["on"], reason=data["reason"], **ids)) if data["outcome"] == "opened"
            else (lambda: portal.drop_development(actor, reason=data["reason"], **ids)),
            "Scheme " + data["outcome"], development_id)
        if done:
            return done
    return render_template("developments/show.html", scheme=scheme, form=form), 400


@bp.get("/region")
@requires("sufficiency.view_regional")
def region():
    with services().engine.connect() as c:
        rows = regional_pipeline(g.principal, c, services().portal.today())
    return render_template("developments/region.html", rows=rows)
