"""Changing, ending and correcting a child's placement (routes of the placements blueprint).

Each form goes through its schema, then one command; a refused step shows the domain's own
message beside the field it is about, and keeps what was typed.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from portal import placement_forms as pf
from portal.form_keys import opened_version
from portal.forms import FormResult
from portal.out_of_area_schemas import OUT_OF_AREA_FIELDS
from portal.placement_schemas import (
    ChangeSchema,
    CorrectChildSchema,
    CorrectEpisodeSchema,
    EndSchema,
)
from portal.security import requires, services
from portal.views.placements import bp
from projections.placement_queries import child_timeline

DETAILS = {"legal_status", "cin", "place", "place_provider", "provider", "setting_id",
           "placement_area", "home_postcode", "placement_postcode", "weekly_cost",
           "contract_route", "contract_id"}


def _timeline(child_ref: str) -> dict:
    with services().engine.connect() as c:
        return child_timeline(g.principal, c, child_ref)


def _opened(child_ref: str) -> dict:
    """The child's timeline and the version of its placement record as this page shows it
    (the version a change or end form carries)."""
    timeline = _timeline(child_ref)
    version = services().portal.get_placement(*_portal_args(child_ref)).version
    return {**timeline, "version": version}


def _options(provider: str | None, current_contract=None) -> dict:
    with services().engine.connect() as c:
        return pf.choices(g.principal, c, provider, current_contract=current_contract)


def _run(form: FormResult, command, fields: set[str], default: str, child_ref: str,
         message: str, also: dict[str, str] | None = None):
    """Run the command; on success wait for the projections and go to the child's page."""
    position = pf.run_command(form, command, fields, default,
                              what="This child's placement record", also=also)
    if position is None:
        return None
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("placements.child", child_ref=child_ref))


def _portal_args(child_ref: str) -> tuple:
    return g.principal.actor, g.principal.organisation_id, child_ref


def _rules(timeline: dict) -> dict:
    """What a details form needs to name the domain's episode rules with its own errors."""
    return {"today": services().portal.today(), "birth_month": timeline["child"]["birth_month"]}


def _details_form(schema, stored: dict, dates: tuple[str, ...]) -> tuple[FormResult, bool]:
    """A placement details form and whether it was submitted: the stored values at first;
    what was typed when the chosen provider's settings are asked for (without JavaScript);
    else the parsed submission."""
    if request.method != "POST":
        return FormResult(data=stored), False
    if "show_settings" in request.form:
        return FormResult(data=request.form.to_dict()), False
    return pf.parse(schema, request.form, dates=dates), True


@bp.route("/children/<child_ref:child_ref>/change", methods=["GET", "POST"])
@requires("placements.manage")
def change(child_ref: str):
    timeline = _opened(child_ref)
    current = timeline["episodes"][-1]
    if not timeline["open"] and request.method == "GET":
        return redirect(url_for("placements.child", child_ref=child_ref))
    stored = {k: v for k, v in pf.form_values(current).items()
              if k not in ("rne", "reason_place_change", "rec")}
    form, submitted = _details_form(ChangeSchema(**_rules(timeline)), stored,
                                    dates=("on", "approved_on"))
    if submitted and form.ok:
        data = form.data
        terms = pf.change_terms(form, _options(data["provider"]))
        if form.ok:
            done = _run(form, lambda: services().portal.change_placement(
                *_portal_args(child_ref), on=data["on"], terms=terms, reason=data["reason"],
                urgency=data["urgency"], approval=data["approval"],
                expected_version=opened_version()),
                DETAILS | OUT_OF_AREA_FIELDS | {"on", "rne", "reason_place_change"}, "on",
                child_ref,
                "Change of placement recorded", also={"start": "on", "end": "on"})
            if done:
                return done
        form.data = request.form.to_dict()
    return render_template("placements/change.html", form=form, current=current,
                           **timeline, **_options(form.data.get("provider")))


@bp.route("/children/<child_ref:child_ref>/end", methods=["GET", "POST"])
@requires("placements.manage")
def end(child_ref: str):
    timeline = _opened(child_ref)
    if not timeline["open"] and request.method == "GET":
        return redirect(url_for("placements.child", child_ref=child_ref))
    form = FormResult()
    if request.method == "POST":
        form = pf.parse(EndSchema(), request.form, dates=("on",))
        if form.ok:
            data = form.data
            done = _run(form, lambda: services().portal.end_placement(
                *_portal_args(child_ref), on=data["on"], rec=data["rec"],
                reason=data["reason"], expected_version=opened_version()),
                {"on", "rec", "reason"}, "on", child_ref,
                "Placement ended", also={"start": "on", "end": "on"})
            if done:
                return done
    return render_template("placements/end.html", form=form, current=timeline["episodes"][-1],
                           **timeline)


@bp.route("/children/<child_ref:child_ref>/correct", methods=["GET", "POST"])
@requires("placements.manage")
def correct_child(child_ref: str):
    timeline = _timeline(child_ref)
    child = timeline["child"]
    year, month = child["birth_month"].split("-")
    form = FormResult(data={"birth_month-month": int(month), "birth_month-year": year,
                            "sex": child["sex"], "uasc": "yes" if child["uasc"] else "no"})
    if request.method == "POST":
        form = pf.parse(CorrectChildSchema(), request.form, months=("birth_month",))
        if form.ok:
            data = form.data
            changes = {k: data[k] for k in ("birth_month", "sex", "uasc") if child[k] != data[k]}
            if not changes:
                form.errors["birth_month"] = pf.NOT_CHANGED
            else:
                done = _run(form, lambda: services().portal.correct_placement(
                    *_portal_args(child_ref), episode_number=None, changes=changes,
                    reason=data["reason"]), {"birth_month", "sex", "uasc", "reason"},
                    "birth_month", child_ref, "Child's details corrected",
                    also={"start": "birth_month"})
                if done:
                    return done
            form.data = request.form.to_dict()
    return render_template("placements/correct_child.html", form=form, **timeline)


@bp.route("/children/<child_ref:child_ref>/episodes/<int:number>/correct",
          methods=["GET", "POST"])
@requires("placements.manage")
def correct_episode(child_ref: str, number: int):
    timeline = _timeline(child_ref)
    if not 1 <= number <= len(timeline["episodes"]):
        abort(404)
    episode = timeline["episodes"][number - 1]
    stored = pf.form_values(episode, dates=("start", "end"))
    form, submitted = _details_form(CorrectEpisodeSchema(**_rules(timeline)), stored,
                                    dates=("start", "end"))
    if submitted and form.ok:
        data = form.data
        changes = pf.episode_correction(
            form, episode, _options(data["provider"], episode["contract_id"]))
        if form.ok:
            done = _run(form, lambda: services().portal.correct_placement(
                *_portal_args(child_ref), episode_number=number, changes=changes,
                reason=data["reason"]),
                DETAILS | {"start", "end", "rne", "rec", "reason_place_change", "reason"},
                "start", child_ref, f"Episode {number} corrected")
            if done:
                return done
        form.data = request.form.to_dict()
    return render_template("placements/correct_episode.html", form=form, episode=episode,
                           number=number, **timeline,
                           **_options(form.data.get("provider"), episode["contract_id"]))
