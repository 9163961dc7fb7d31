"""The authority's own (in-house) homes and services: record one with where it stands in its
registration pipeline, and record each next step with its date and reason. Only the
authority's own officers; another authority's setting answers 404, exactly as a missing one.
Their places are offered on the vacancy board like any provider's once open."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError
from domain.in_house import IN_HOUSE_SETTING_TYPES, STAGES
from domain.vocabulary import SETTING_TYPES
from portal import placement_forms as pf
from portal.forms import FormResult
from portal.security import requires, services
from portal.supply_schemas import CouncilHomeSchema, StageSchema
from projections.supply_queries import own_in_house_setting, own_in_house_settings

bp = Blueprint("council_homes", __name__, url_prefix="/council-homes")
HOME_FIELDS = {"name", "setting_type", "postcode_district", "registered_places", "ofsted_urn",
               "stage", "on", "reason"}


@bp.context_processor
def _vocabulary() -> dict:
    return {"STAGES": STAGES,
            "KINDS": {k: SETTING_TYPES[k] for k in IN_HOUSE_SETTING_TYPES}}


def _done(form: FormResult, command, fields: set[str], message: str, setting_id=None):
    """Run the command; on success wait for the projections and show the setting."""
    try:
        result = command()
    except DomainError as error:
        pf.apply_error(form, error, fields, "reason")
        form.data = request.form.to_dict()
        return None
    setting_id, position = result if setting_id is None else (setting_id, result)
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("council_homes.show", setting_id=setting_id))


@bp.get("/")
@requires("in_house.manage")
def index():
    with services().engine.connect() as c:
        homes = own_in_house_settings(g.principal, c)
    return render_template("council_homes/index.html", homes=homes)


@bp.route("/new", methods=["GET", "POST"])
@requires("in_house.manage")
def new():
    form = FormResult()
    if request.method == "POST":
        form = pf.parse(CouncilHomeSchema(today=services().portal.today()), request.form,
                        dates=("on",))
        if form.ok:
            done = _done(form, lambda: services().portal.add_in_house_setting(
                g.principal.actor, authority_id=g.principal.organisation_id, **form.data),
                HOME_FIELDS, "Home recorded")
            if done:
                return done
    return render_template("council_homes/form.html", form=form)


@bp.route("/<uuid:setting_id>", methods=["GET", "POST"])
@requires("in_house.manage")
def show(setting_id: UUID):
    with services().engine.connect() as c:
        home = own_in_house_setting(g.principal, c, setting_id)
    form = FormResult()
    if request.method == "POST":
        form = pf.parse(StageSchema(today=services().portal.today()), request.form, dates=("on",))
        if form.ok:
            done = _done(form, lambda: services().portal.change_in_house_stage(
                g.principal.actor, authority_id=g.principal.organisation_id,
                setting_id=setting_id, open_vacancies=home["open_vacancies"], **form.data),
                {"stage", "on", "reason"}, "Step recorded", setting_id=setting_id)
            if done:
                return done
    return render_template("council_homes/show.html", home=home, form=form)
