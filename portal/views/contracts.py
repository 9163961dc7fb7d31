"""An authority's contracts with providers: record, vary and terminate.

Only ever the officer's own authority's contracts; another authority's contract answers 404.
The tenders area will later create contracts by award; these pages record existing ones.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.vocabulary import CONTRACT_ROUTES
from portal import placement_forms as pf
from portal.form_keys import opened_version
from portal.forms import FormResult
from portal.placement_schemas import ContractSchema, TerminateContractSchema, VaryContractSchema
from portal.security import requires, services
from projections import directory_queries as directory
from projections.placement_queries import contract_for, contracts_for

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
ROUTES = {k: v for k, v in CONTRACT_ROUTES.items() if k != "in_house"}
CONTRACT_FIELDS = {"title", "provider_id", "route", "setting_type", "places", "weekly_price",
                   "start", "end"}


@bp.context_processor
def _vocabulary() -> dict:
    return {"ROUTES": ROUTES, "code_items": pf.code_items}


def _contract(contract_id: UUID) -> dict:
    """The contract as its pages show it, and the version its change forms carry (read
    first: a change made between the two reads is then refused, never saved over)."""
    version = services().portal.version_of(contract_id)
    with services().engine.connect() as c:
        return {**contract_for(g.principal, c, contract_id), "version": version}


def _done(form: FormResult, command, fields: set[str], default: str, message: str):
    """Run the command; on success wait for the projections and show the contract."""
    done = pf.run_command(form, command, fields, default, what="This contract",
                          also={"provider_id": "provider_id"})
    if done is None:
        return None
    contract_id, position = done
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("contracts.show", contract_id=contract_id))


@bp.get("/")
@requires("contracts.manage")
def index():
    with services().engine.connect() as c:
        contracts = contracts_for(g.principal, c)
    return render_template("contracts/index.html", contracts=contracts)


@bp.route("/new", methods=["GET", "POST"])
@requires("contracts.manage")
def new():
    form = FormResult()
    with services().engine.connect() as c:
        providers = directory.providers(g.principal, c)
    if request.method == "POST":
        form = pf.parse(ContractSchema(providers={p["id"] for p in providers}), request.form,
                        dates=("start", "end"))
        if form.ok:
            done = _done(form, lambda: services().portal.record_contract(
                g.principal.actor, authority_id=g.principal.organisation_id, **form.data),
                CONTRACT_FIELDS, "title", "Contract recorded")
            if done:
                return done
    return render_template("contracts/form.html", form=form, providers=providers)


@bp.get("/<uuid:contract_id>")
@requires("contracts.manage")
def show(contract_id: UUID):
    return render_template("contracts/show.html", contract=_contract(contract_id))


@bp.route("/<uuid:contract_id>/vary", methods=["GET", "POST"])
@requires("contracts.manage")
def vary(contract_id: UUID):
    contract = _contract(contract_id)
    end = contract["end"]
    form = FormResult(data={"places": contract["places"] if contract["places"] is not None
                            else "", "weekly_price": contract["weekly_price"],
                            "end-day": end.day, "end-month": end.month, "end-year": end.year})
    if request.method == "POST":
        form = pf.parse(VaryContractSchema(), request.form, dates=("end",))
        if form.ok:
            data = form.data
            changes = {k: data[k] for k in ("places", "weekly_price", "end")
                       if contract[k] != data[k]}
            if not changes:
                form.errors["weekly_price"] = ("Nothing has changed: change the places, price "
                                               "or end date, or go back")
                form.data = request.form.to_dict()
            else:
                done = _done(form, lambda: (contract_id, services().portal.vary_contract(
                    g.principal.actor, contract_id, reason=data["reason"],
                    expected_version=opened_version(), **changes)),
                    {"places", "weekly_price", "end", "reason"}, "reason", "Contract varied")
                if done:
                    return done
    return render_template("contracts/vary.html", form=form, contract=contract)


@bp.route("/<uuid:contract_id>/terminate", methods=["GET", "POST"])
@requires("contracts.manage")
def terminate(contract_id: UUID):
    contract = _contract(contract_id)
    form = FormResult()
    if request.method == "POST":
        form = pf.parse(TerminateContractSchema(), request.form, dates=("on",))
        if form.ok:
            data = form.data
            done = _done(form, lambda: (contract_id, services().portal.terminate_contract(
                g.principal.actor, contract_id, on=data["on"], reason=data["reason"],
                expected_version=opened_version())),
                {"on", "reason"}, "on", "Contract terminated")
            if done:
                return done
    return render_template("contracts/terminate.html", form=form, contract=contract)
