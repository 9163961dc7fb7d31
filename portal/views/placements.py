"""Children in our care: a council officer's own authority's placements, and nothing else.

The authority is always the officer's own organisation. A child is named in addresses only by
the portal's pseudonymous reference; the council's own child id is hashed as soon as it
arrives (in a POST body) and is never stored, logged, echoed or put in an address.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter

from domain import ssda903
from domain.errors import DomainError
from domain.out_of_area import APPROVER_ROLES, URGENCIES
from domain.vocabulary import CONTRACT_ROUTES
from portal import placement_forms as pf
from portal.extensions import htmx
from portal.forms import FormResult
from portal.out_of_area_schemas import OUT_OF_AREA_FIELDS
from portal.placement_schemas import (
    CHANGE_RNE,
    PROVIDER_CHOICES,
    ChildSearchSchema,
    PeriodSchema,
    StartSchema,
)
from portal.security import requires, services
from projections.out_of_area_queries import approval_label, approvals_of_child
from projections.placement_location import NOT_KNOWN
from projections.placement_queries import (
    AREAS,
    STATUSES,
    ChildSearch,
    child_timeline,
    children_in_care,
    own_authority,
)
from projections.vacancy_queries import vacancies_filled_for_child

bp = Blueprint("placements", __name__, url_prefix="/placements")


class ChildRefConverter(BaseConverter):
    """A pseudonymous child reference: ``C`` and 12 base-32 characters."""

    regex = r"C[0-9A-Z]{12}"


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters.setdefault("child_ref", ChildRefConverter)


@bp.context_processor
def _vocabulary() -> dict:
    return {"ssda903": ssda903, "code_items": pf.code_items, "month_label": pf.month_label,
            "AREAS": AREAS, "NOT_KNOWN": NOT_KNOWN,
            "STATUSES": STATUSES, "CONTRACT_ROUTES": CONTRACT_ROUTES,
            "PROVIDER_CHOICES": PROVIDER_CHOICES, "CHANGE_RNE": CHANGE_RNE,
            "URGENCIES": URGENCIES, "APPROVER_ROLES": APPROVER_ROLES}


def _connect():
    return services().engine.connect()


# --- the list ---------------------------------------------------------------------------------

def _search_from(args: MultiDict) -> tuple[ChildSearch, FormResult]:
    dates = ("started_from", "started_to")
    form = pf.parse(ChildSearchSchema(), args, dates=dates)
    data = form.data
    if not form.ok:
        # Show what was asked, with errors; search with the filters that were valid.
        kept = MultiDict([(k, v) for k, v in args.items(multi=True)
                          if k.split("-")[0] not in form.errors])
        retry = pf.parse(ChildSearchSchema(), kept, dates=dates)
        data = retry.data if retry.ok else {}
        form.data = args.to_dict()
    else:
        form.data = args.to_dict()
    search = ChildSearch(
        status=data.get("status") or "open", group=data.get("group"), place=data.get("place"),
        area=data.get("area"), route=data.get("route"), started_from=data.get("started_from"),
        started_to=data.get("started_to"), page=data.get("page") or 1)
    form.anchors = {**form.anchors, "page": "results-heading"}
    return search, form


@bp.get("/")
@requires("placements.view")
def children():
    search, filters = _search_from(request.args)
    with _connect() as c:
        context = dict(authority=own_authority(g.principal, c),
                       page=children_in_care(g.principal, c, search), filters=filters,
                       form=filters, find=FormResult())
    if htmx and htmx.target == "results":
        return render_template("placements/_results.html", partial=True, **context)
    return render_template("placements/children.html", **context)


@bp.post("/find-child")
@requires("placements.view")
def find_child():
    """Find a child by the council's own id: hashed here, so it never reaches an address."""
    find = FormResult()
    with _connect() as c:
        authority = own_authority(g.principal, c)
        try:
            ref = services().child_refs.reference(authority["la_code"],
                                                  request.form.get("child_id", ""))
        except DomainError as error:
            find.errors["child_id"] = error.message
        else:
            found = children_in_care(g.principal, c, ChildSearch(status="all", child_ref=ref))
            if found.total:
                return redirect(url_for("placements.child", child_ref=ref))
            find.errors["child_id"] = "No child in your authority's records has that id"
        page = children_in_care(g.principal, c, ChildSearch())
    return render_template("placements/children.html", authority=authority, page=page,
                           filters=FormResult(), form=find, find=find)


# --- one child --------------------------------------------------------------------------------

@bp.get("/children/<child_ref:child_ref>")
@requires("placements.view")
def child(child_ref: str):
    with _connect() as c:
        timeline = child_timeline(g.principal, c, child_ref)
        records = approvals_of_child(g.principal, c, child_ref)
        filled = vacancies_filled_for_child(g.principal, c, child_ref)
    for episode in timeline["episodes"]:
        episode["approval_label"] = approval_label(records, episode)
    return render_template("placements/child.html", filled=filled, **timeline)


@bp.get("/setting-options")
@requires("placements.manage")
def setting_options():
    """The setting field for the chosen provider (htmx swaps it in when the provider changes)."""
    form = FormResult(data=request.args.to_dict())
    with _connect() as c:
        settings = pf.settings_of(g.principal, c, request.args.get("provider"))
    return render_template("placements/_setting_field.html", form=form, settings=settings)


def _render_record(form: FormResult, child, child_ref: str | None):
    with _connect() as c:
        options = pf.choices(g.principal, c, form.data.get("provider"))
    return render_template("placements/record.html", form=form, child=child,
                           child_ref=child_ref, **options)


START_FIELDS = {"child_id", "birth_month", "sex", "uasc", "start", "legal_status", "cin",
                "place", "place_provider", "provider", "setting_id", "placement_area",
                "home_postcode", "placement_postcode", "weekly_cost", "contract_route",
                "contract_id", "reason", *OUT_OF_AREA_FIELDS}


def _record(child):
    """Record a first placement (``child`` None) or a new period of care for a known child."""
    if request.method == "GET":
        return _render_record(FormResult(), child, None)
    errors: dict[str, str] = {}
    if child is None:
        with _connect() as c:
            la_code = own_authority(g.principal, c)["la_code"]
        child_ref = pf.child_ref_from_form(request.form, services().child_refs, la_code, errors)
    else:
        child_ref = child["child_ref"]
    posted = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k != "child_id"])
    if "show_settings" in request.form:
        return _render_record(FormResult(data=posted.to_dict()), child, child_ref)
    today = services().portal.today()  # the domain's rules are named with the form's own
    schema = StartSchema(today=today) if child is None else PeriodSchema(
        today=today, birth_month=child["birth_month"])
    form = pf.parse(schema, posted, dates=("start", "approved_on"),
                    months=("birth_month",) if child is None else ())
    form.errors = {**errors, **form.errors}
    if form.ok:
        data = form.data
        with _connect() as c:
            terms = pf.terms_from(data, form, pf.choices(g.principal, c, data["provider"]))
        who = child if child is not None else data
        if form.ok:
            try:
                _, position = services().portal.start_placement(
                    g.principal.actor, authority_id=g.principal.organisation_id,
                    child_ref=child_ref, birth_month=who["birth_month"], sex=who["sex"],
                    uasc=who["uasc"], on=data["start"], terms=terms, reason=data["reason"],
                    urgency=data["urgency"], approval=data["approval"])
            except DomainError as error:
                pf.apply_error(form, error, START_FIELDS,
                               "child_id" if child is None else "start")
            else:
                services().projections.wait_for(position)
                flash("Placement recorded")
                return redirect(url_for("placements.child", child_ref=child_ref))
        form.data = posted.to_dict()
    return _render_record(form, child, child_ref)


@bp.route("/new", methods=["GET", "POST"])
@requires("placements.manage")
def new():
    return _record(None)


@bp.route("/children/<child_ref:child_ref>/new-period", methods=["GET", "POST"])
@requires("placements.manage")
def new_period(child_ref: str):
    with _connect() as c:
        timeline = child_timeline(g.principal, c, child_ref)
    if timeline["open"] and request.method == "GET":
        return redirect(url_for("placements.child", child_ref=child_ref))
    return _record(timeline["child"])

