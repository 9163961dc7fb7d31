"""The authority's own (in-house) homes and services: record one with where it stands in its
registration pipeline, record each next step with its date and reason, change its places with
why, and publish a vacancy at it once open (the vacancy command any provider uses, with the
authority's in-house provider as provider). Only the authority's own officers; another
authority's setting answers 404, exactly as a missing one."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError
from domain.in_house import IN_HOUSE_SETTING_TYPES, STAGES, TAKING_CHILDREN, in_house_provider_id
from domain.vocabulary import SETTING_TYPES
from portal import placement_forms as pf
from portal.form_keys import created_once
from portal.forms import FormResult
from portal.security import requires, services
from portal.supply_schemas import CouncilHomeSchema, PlacesSchema, StageSchema
from portal.views.vacancies import apply_vacancy_error, vacancy_form
from projections import directory_queries as directory
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
    result = pf.run_command(form, command, fields, "reason")
    if result is None:
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


@bp.route("/<uuid:setting_id>/places", methods=["GET", "POST"])
@requires("in_house.manage")
def places(setting_id: UUID):
    with services().engine.connect() as c:
        home = own_in_house_setting(g.principal, c, setting_id)
    form = FormResult(data={"registered_places": home["places"]})
    if request.method == "POST":
        form = pf.parse(PlacesSchema(), request.form)
        if form.ok:
            done = _done(form, lambda: services().portal.change_in_house_places(
                g.principal.actor, authority_id=g.principal.organisation_id,
                setting_id=setting_id, **form.data),
                {"registered_places", "reason"}, "Places changed", setting_id=setting_id)
            if done:
                return done
    return render_template("council_homes/places.html", home=home, form=form)


def _home_and_setting(setting_id: UUID) -> tuple[dict, list]:
    """The council's own open home (404 unless it is theirs and open) and its directory row,
    as the vacancy form checks a vacancy against it."""
    with services().engine.connect() as c:
        home = own_in_house_setting(g.principal, c, setting_id)
        rows = directory.provider_settings(g.principal, c,
                                           in_house_provider_id(g.principal.organisation_id))
    if home["stage"] != TAKING_CHILDREN:
        abort(404)
    return home, [s for s in rows if s["id"] == setting_id]


@bp.route("/<uuid:setting_id>/vacancies/new", methods=["GET", "POST"])
@requires("in_house.manage")
def new_vacancy(setting_id: UUID):
    home, settings = _home_and_setting(setting_id)
    form = FormResult()
    if request.method == "POST":
        form = vacancy_form(settings, setting_id=setting_id)
        if form.ok:
            data = {k: v for k, v in form.data.items() if k not in ("reason", "setting_id")}
            try:
                _vacancy, position = created_once(lambda new_id: services().portal.publish_vacancy(
                    g.principal.actor, setting_id=setting_id, vacancy_id=new_id, **data,
                    provider_id=in_house_provider_id(g.principal.organisation_id)))
            except DomainError as error:
                apply_vacancy_error(form, error, "setting_id")
            else:
                services().projections.wait_for(position)
                flash("Vacancy published")
                return redirect(url_for("council_homes.show", setting_id=setting_id))
    return render_template("manage/form.html", form=form, settings=settings, vacancy=None,
                           home=home)
