"""Out-of-area placements: the placing authority's approvals and notices, the host authority's
notices, and the administrators' table of adjoining authorities.

- ``/out-of-area/``: the officer's own authority's children placed in other authorities' areas,
  each with its approval (or that it is missing) and its notices to the host (overdue ones
  marked); an emergency start's approval is recorded, and its host notified, from here.
- ``/host-notices/``: the notices other authorities sent the officer's authority as host: age
  band, setting, dates, the placing authority and its contact; never a child's reference.
- ``/admin/adjoining-authorities/``: the shipped adjacency and the pairs administrators add.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError, NotFound, StaleVersion
from domain.out_of_area import APPROVER_ROLES, URGENCIES
from domain.timezone import LONDON
from portal import placement_forms as pf
from portal.form_keys import changed_since_opened, opened_version
from portal.forms import FormResult, load
from portal.out_of_area_schemas import APPROVAL_FIELDS, AdjoiningSchema, ApprovalSchema
from portal.security import requires, services
from projections.adjacency import adjacency_summary
from projections.out_of_area_queries import (
    host_notices_for,
    placing_records,
    unrecorded_out_of_area,
)

bp = Blueprint("out_of_area", __name__, url_prefix="/out-of-area")
host = Blueprint("host_notices", __name__, url_prefix="/host-notices")
adjoining = Blueprint("adjoining", __name__, url_prefix="/admin/adjoining-authorities")


@bp.app_context_processor
def _vocabulary() -> dict:
    return {"URGENCIES": URGENCIES, "APPROVER_ROLES": APPROVER_ROLES}


def _today():
    return services().portal.clock().astimezone(LONDON).date()


def _connect():
    return services().engine.connect()


# --- the placing authority -------------------------------------------------------------------

@bp.get("/")
@requires("placements.view")
def index():
    with _connect() as c:
        records = placing_records(g.principal, c, today=_today())
        unrecorded = unrecorded_out_of_area(g.principal, c)
    return render_template("out_of_area/index.html", records=records, unrecorded=unrecorded)


def _own_record(out_of_area_id: UUID) -> dict:
    """The authority's own record (another authority's, or none, answers 404), and the
    version its approval form carries (read first: see _opened_version.html)."""
    version = services().portal.version_of(out_of_area_id)
    with _connect() as c:
        found = [r for r in placing_records(g.principal, c, today=_today())
                 if r["id"] == out_of_area_id]
    if not found:
        raise NotFound("There is no such out-of-area placement")
    return {**found[0], "version": version}


@bp.route("/<uuid:out_of_area_id>/approval", methods=["GET", "POST"])
@requires("placements.manage")
def approval(out_of_area_id: UUID):
    record = _own_record(out_of_area_id)
    form = FormResult()
    if request.method == "POST":
        form = pf.parse(ApprovalSchema(), request.form, dates=("approved_on",))
        if form.ok:
            try:
                position = services().portal.approve_out_of_area_placement(
                    g.principal.actor, out_of_area_id, approval=form.data["approval"],
                    today=_today(), expected_version=opened_version())
            except DomainError as error:
                pf.apply_error(form, error, set(APPROVAL_FIELDS), "approver_name")
                form.data = request.form.to_dict()
            except StaleVersion as error:
                form.data = request.form.to_dict()
                changed_since_opened(form, error, "This out-of-area placement")
            else:
                return _done(position, "Approval recorded")
    return render_template("out_of_area/approval.html", record=record, form=form)


@bp.post("/<uuid:out_of_area_id>/notify")
@requires("placements.manage")
def notify(out_of_area_id: UUID):
    record = _own_record(out_of_area_id)
    try:
        position = services().portal.notify_host_authority(g.principal.actor,
                                                           out_of_area_id)
    except DomainError as error:
        flash(error.message)
        return redirect(url_for("out_of_area.index"))
    what = "consulted" if record["at_distance"] else "notified"
    return _done(position, f"{record['host_name']} has been {what}")


def _done(position: int, message: str):
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("out_of_area.index"))


# --- the host authority ----------------------------------------------------------------------

@host.get("/")
@requires("out_of_area.host_view")
def index_for_host():
    with _connect() as c:
        notices = host_notices_for(g.principal, c, today=_today())
    return render_template("out_of_area/host.html", notices=notices)


# --- adjoining authorities (platform administrators) ----------------------------------------

def _adjoining_page(form: FormResult, status: int = 200):
    with _connect() as c:
        summary = adjacency_summary(g.principal, c)
    return render_template("out_of_area/adjoining.html", form=form, summary=summary), status


@adjoining.get("/")
@requires("reference.manage")
def adjoining_index():
    return _adjoining_page(FormResult())


@adjoining.post("/")
@requires("reference.manage")
def add_adjoining():
    form = load(AdjoiningSchema(), request.form.to_dict())
    if form.ok:
        try:
            position = services().portal.add_adjoining_authorities(
                g.principal.actor, pairs=[(form.data["ons_code"],
                                           form.data["adjoining_ons_code"])],
                reason=form.data["reason"])
        except DomainError as error:
            form.errors[error.field or "adjoining_ons_code"] = error.message
        else:
            services().projections.wait_for(position)
            flash(f"{form.data['ons_code']} and {form.data['adjoining_ons_code']} recorded as "
                  "adjoining")
            return redirect(url_for("adjoining.adjoining_index"))
    form.data = request.form.to_dict()
    return _adjoining_page(form, 400)
