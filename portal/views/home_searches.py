"""Home searches: a council officer's searches for homes for their own authority's children,
and the region's vacancies ranked for each.

The authority is always the officer's own organisation; another authority's search answers
404, exactly as a missing one. The council's own child id is hashed as soon as it arrives (in
a POST body) and is never stored, logged, echoed or put in an address.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from domain import ssda903
from domain.errors import DomainError, StaleVersion
from domain.home_search import (
    DRAFT,
    TERMS,
    TRANSITIONS,
    UNFILLED_REASONS,
    URGENCIES,
    SearchRefused,
    clean_terms,
)
from portal.extensions import htmx
from portal.form_keys import changed_since_opened, opened_version
from portal.forms import FormResult, load
from portal.home_search_schemas import (
    CancelSchema,
    CloseUnfilledSchema,
    in_form_order,
    parse,
)
from portal.placement_forms import child_ref_from_form
from portal.security import requires, services
from projections import matching
from projections.home_search_queries import (
    home_search,
    home_searches_for,
    largest_registered_places,
)
from projections.paging import Page
from projections.placement_queries import own_authority
from projections.vacancy_queries import vacancies_held_for

bp = Blueprint("home_searches", __name__, url_prefix="/home-searches")
MATCHES_PER_PAGE = 10
# A domain rule names a fact; the form shows it under another field.
FIELD_OF = {"child_ref": "child_id"}


@bp.context_processor
def _vocabulary() -> dict:
    return {"URGENCIES": URGENCIES, "UNFILLED_REASONS": UNFILLED_REASONS,
            "SEXES": ssda903.SEXES, "LEGAL_STATUSES": ssda903.LEGAL_STATUSES,
            "matching": matching}


def _connect():
    return services().engine.connect()


def _search(search_id: UUID) -> dict:
    with _connect() as c:
        return home_search(g.principal, c, search_id)


def _largest_group() -> int | None:
    with _connect() as c:
        return largest_registered_places(c)


def _done(position: int, message: str, search_id: UUID):
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("home_searches.show", search_id=search_id))


def _refused(form: FormResult, error: DomainError | StaleVersion, default: str) -> None:
    """A refusal shown beside the fields it is about: every one, for refused terms. A change
    made since the form was opened is shown first."""
    if isinstance(error, StaleVersion):
        changed_since_opened(form, error, "This home search")
        return
    found = error.errors if isinstance(error, SearchRefused) else {
        error.field or default: error.message}
    for field, message in found.items():
        form.errors.setdefault(FIELD_OF.get(field, field), message)
    form.errors = in_form_order(form.errors)


# --- the list ---------------------------------------------------------------------------------

@bp.get("/")
@requires("home_searches.view")
def index():
    with _connect() as c:
        searches = home_searches_for(g.principal, c)
        authority = own_authority(g.principal, c)
        held = vacancies_held_for(g.principal, c)
    return render_template("home_searches/index.html", searches=searches, authority=authority,
                           held=held)


# --- drafting ---------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@requires("home_searches.manage")
def new():
    if request.method == "GET":
        return _form_page(None, FormResult(data={"siblings": "0", "stay_near_school": "no"}))
    child_ref, form = _parse_new()
    if form.ok:
        data = dict(form.data)
        reason = data.pop("reason", None)
        try:
            search_id, position = services().portal.draft_home_search(
                g.principal.actor, authority_id=g.principal.organisation_id,
                child_ref=child_ref, reason=reason, **data)
        except DomainError as error:
            _refused(form, error, "child_id")
        else:
            return _done(position, "Home search drafted", search_id)
        form.data = {k: v for k, v in _posted_values().items() if k != "child_id"}
    return _form_page(None, form, child_ref=child_ref)


def _parse_new() -> tuple[str | None, FormResult]:
    """The child's pseudonymous reference (the council's own id is hashed at once) and the
    search's terms, with every error at once in the form's order."""
    errors: dict[str, str] = {}
    with _connect() as c:
        la_code = own_authority(g.principal, c)["la_code"]
    child_ref = child_ref_from_form(request.form, services().child_refs, la_code, errors)
    form = parse(request.form, today=date.today(), largest_group=_largest_group())
    form.errors = in_form_order({**errors, **form.errors})
    return child_ref, form


def _posted_values() -> dict:
    """The form as typed, to show again beside its errors."""
    return {**request.form.to_dict(),
            **{n: request.form.getlist(n) for n in ("placement_types", "needs")}}


def _form_page(search: dict | None, form: FormResult, child_ref: str | None = None):
    return render_template("home_searches/form.html", form=form, search=search,
                           child_ref=child_ref)


# --- one search and its matches ---------------------------------------------------------------

@bp.get("/<uuid:search_id>")
@requires("home_searches.view")
def show(search_id: UUID):
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() else 1
    with _connect() as c:
        found = matching.match_vacancies(g.principal, c, search_id)
        held = [v for v in vacancies_held_for(g.principal, c) if v["home_search_id"] == search_id]
    total = len(found.matches)
    number = max(1, min(number, max(1, -(-total // MATCHES_PER_PAGE))))
    start = (number - 1) * MATCHES_PER_PAGE
    matches = Page(rows=found.matches[start:start + MATCHES_PER_PAGE], total=total,
                   number=number, size=MATCHES_PER_PAGE)
    context = dict(search=found.search, found=found, matches=matches, first_rank=start + 1,
                   can_close=_may_close(found.search), held=held)
    if htmx and htmx.target == "matches":
        return render_template("home_searches/_matches.html", partial=True, **context)
    return render_template("home_searches/show.html", **context)


def _may_close(search: dict) -> bool:
    return "cancelled" in TRANSITIONS[search["status"]]


# --- changing a draft -------------------------------------------------------------------------

def _form_values(search: dict) -> dict:
    values = {name: ("" if search[name] is None else str(search[name]))
              for name in ("urgency", "age", "sex", "siblings", "family_district",
                           "school_district", "legal_status")}
    values["placement_types"] = list(search["placement_types"])
    values["needs"] = list(search["needs"])
    values["areas_to_avoid"] = ", ".join(search["areas_to_avoid"])
    values["stay_near_school"] = "yes" if search["stay_near_school"] else "no"
    for name in ("needed_by", "latest_start"):
        day = search[name]
        values.update({f"{name}-day": day.day, f"{name}-month": day.month,
                       f"{name}-year": day.year})
    return values


@bp.route("/<uuid:search_id>/edit", methods=["GET", "POST"])
@requires("home_searches.manage")
def edit(search_id: UUID):
    search = _search(search_id)
    if search["status"] != DRAFT:
        abort(404)
    if request.method == "GET":
        return _form_page(search, FormResult(data=_form_values(search)))
    form = parse(request.form, today=None, largest_group=_largest_group())
    if form.ok:
        reason, changes = _changes(search, form.data)
        if not changes:
            flash("Nothing was changed")
            return redirect(url_for("home_searches.show", search_id=search_id))
        form.data = _posted_values()
        try:
            position = services().portal.edit_home_search(
                g.principal.actor, search_id, changes=changes, reason=reason,
                expected_version=opened_version())
        except (DomainError, StaleVersion) as error:
            _refused(form, error, "urgency")
        else:
            return _done(position, "Home search changed", search_id)
    return _form_page(search, form)


def _changes(search: dict, parsed: dict) -> tuple[str | None, dict]:
    """The reason given, and the terms that differ from the search as it stands."""
    data = dict(parsed)
    reason = data.pop("reason", None)
    data = clean_terms(data)
    return reason, {name: data[name] for name in TERMS if data[name] != search[name]}


# --- cancelling and closing unfilled ----------------------------------------------------------

@bp.route("/<uuid:search_id>/cancel", methods=["GET", "POST"])
@requires("home_searches.manage")
def cancel(search_id: UUID):
    search = _search(search_id)
    if not _may_close(search):
        abort(404)
    form = FormResult()
    if request.method == "POST":
        form = load(CancelSchema(), request.form.to_dict())
        if form.ok:
            try:
                position = services().portal.cancel_home_search(
                    g.principal.actor, search_id, reason=form.data["reason"])
            except DomainError as error:
                _refused(form, error, "reason")
            else:
                return _done(position, "Home search cancelled", search_id)
        form.data = request.form.to_dict()
    return render_template("home_searches/cancel.html", form=form, search=search)


@bp.route("/<uuid:search_id>/close", methods=["GET", "POST"])
@requires("home_searches.manage")
def close(search_id: UUID):
    search = _search(search_id)
    if not _may_close(search):
        abort(404)
    form = FormResult()
    if request.method == "POST":
        form = load(CloseUnfilledSchema(), request.form.to_dict())
        if form.ok:
            try:
                position = services().portal.close_home_search_unfilled(
                    g.principal.actor, search_id,
                    unfilled_reason=form.data["unfilled_reason"], reason=form.data["reason"])
            except DomainError as error:
                _refused(form, error, "unfilled_reason")
            else:
                return _done(position, "Home search closed unfilled", search_id)
        form.data = request.form.to_dict()
    return render_template("home_searches/close.html", form=form, search=search)
