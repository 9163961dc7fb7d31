"""Vacancies: the regional board for councils, and each provider's own vacancies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from uuid import UUID

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from domain.errors import DomainError, StaleVersion
from domain.home_search import NO_SEARCH_TO_HOLD
from domain.permissions import can
from domain.timezone import LONDON
from portal.board_export import board_csv
from portal.extensions import htmx
from portal.form_keys import changed_since_opened, created_once, opened_version
from portal.forms import FormResult, combine_date, load, text
from portal.kept_pages import PAGE_CODE, in_layout
from portal.schemas import ReasonSchema, VacancySchema, VacancySearchSchema, setting_of
from portal.security import requires, services
from projections import directory_queries as directory
from projections.board_queries import searches_to_hold, searches_to_offer
from projections.sufficiency.builds import kept_or_built
from projections.vacancy_queries import (
    QUALITY,
    SORTS,
    VacancySearch,
    board_rows,
    own_vacancies,
    own_vacancy,
    search_vacancies,
)

board = Blueprint("vacancies", __name__, url_prefix="/vacancies")
manage = Blueprint("manage", __name__, url_prefix="/our-vacancies")


# --- the regional vacancy board -------------------------------------------------------------

def _search_from(args) -> tuple[VacancySearch, FormResult]:
    raw = args.to_dict()
    raw["needs"] = args.getlist("needs")
    date_errors: dict[str, str] = {}
    raw["available_by"] = combine_date(args, "available_by", "Available by", date_errors)
    form = load(VacancySearchSchema(), raw, date_errors)
    if not form.ok:
        # Show what was asked, with errors; search with the filters that were valid.
        valid = {k: v for k, v in raw.items() if k not in form.errors}
        retry = load(VacancySearchSchema(), valid)
        form = FormResult(data=retry.data, errors=form.errors)
    data = form.data
    area = data.get("area") or ""
    host, partnership = None, None
    if area.startswith("authority:"):
        try:
            host = UUID(area.removeprefix("authority:"))
        except ValueError:
            form.errors["area"] = "Choose an area from the list"
    elif area.startswith("partnership:"):
        partnership = area.removeprefix("partnership:")
    elif area:
        form.errors["area"] = "Choose an area from the list"
    search = VacancySearch(
        setting_type=data.get("setting_type"), host_authority_id=host, partnership=partnership,
        age=data.get("age"), needs=tuple(data.get("needs") or ()),
        max_weekly_fee=data.get("max_weekly_fee"), available_by=data.get("available_by"),
        quality=data.get("quality") or None, sort=data.get("sort") or "available",
        page=data.get("page") or 1,
    )
    form.data = {**raw, "needs": raw["needs"]}
    form.anchors = {"page": "results-heading"}
    return search, form


@board.get("/")
@requires("vacancies.search")
def search():
    """The board: the layout rendered for the viewer around its main content (filters and
    results), or for htmx the results alone. Either is kept rendered with the dashboard
    builds, whose key moves with every event the vacancy board's and the directory's read
    models take, so a kept one is never read after a vacancy changes."""
    query, form = _search_from(request.args)
    fragment = bool(htmx) and htmx.target == "results"
    key = ("board", PAGE_CODE, fragment, tuple(sorted(g.principal.roles)), _today(),
           request.query_string)
    with services().engine.connect() as c:
        if set(request.args) <= BOARD_ARGS:
            content = kept_or_built(c, key, lambda: _board(c, query, form, fragment))
        else:  # rendered for this request alone: made-up addresses never crowd out kept pages
            content = _board(c, query, form, fragment)
    if fragment:
        return Response(content, mimetype="text/html")
    return in_layout("vacancies/search.html", content, form=form)


# The query arguments the board reads: a board address with only these is kept.
BOARD_ARGS = frozenset({*VacancySearchSchema().fields, "sort", "page",
                        *(f"available_by-{p}" for p in ("day", "month", "year"))})


def _today() -> date:
    return datetime.now(LONDON).date()


def _board(c, query: VacancySearch, form: FormResult, fragment: bool) -> bytes:
    """The board's main content (or its results alone), rendered and encoded: what it shows
    depends on the query and the read models, and on the viewer only through their roles."""
    page = search_vacancies(g.principal, c, query)
    context = dict(page=page, form=form, query=query, sorts=SORTS, qualities=QUALITY)
    if fragment:
        return render_template("vacancies/_results.html", partial=True, **context).encode()
    return render_template("vacancies/_board.html", **context,
                           authorities=directory.authorities(g.principal, c),
                           partnerships=directory.partnerships(g.principal, c)).encode()


@board.get("/results.csv")
@requires("vacancies.search")
def results_csv():
    """Every vacancy the board shows for these filters, as CSV. Filters that are not valid
    are left out, as on the page."""
    query, _form = _search_from(request.args)
    with services().engine.connect() as c:
        rows = board_rows(g.principal, c, query)
    return Response(board_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="vacancy-board.csv"',
        "Cache-Control": "no-store"})


# A vacancy's page on the board (contact, Ofsted URN, distance, "Ask for this place") is in
# portal/views/vacancy_asks.py.


# --- a provider's own vacancies ---------------------------------------------------------------

@manage.get("/")
@requires("vacancies.view_own")
def index():
    page = request.args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() else 1
    with services().engine.connect() as c:
        open_, closed = own_vacancies(g.principal, c, page=number)
    return render_template("manage/index.html", open_vacancies=open_, closed=closed)


def _settings_for_provider() -> list:
    with services().engine.connect() as c:
        return directory.provider_settings(g.principal, c, g.principal.organisation_id)


def vacancy_form(settings: list, since: date | None = None,
                 setting_id: UUID | None = None) -> FormResult:
    """The posted vacancy, checked with the chosen setting's rules and today's date, so every
    mistake is named at once. ``setting_id``: the setting the page is for (a council home's),
    whatever the form says."""
    date_errors: dict[str, str] = {}
    raw = request.form.to_dict()
    if setting_id is not None:
        raw["setting_id"] = str(setting_id)
    raw["needs_met"] = request.form.getlist("needs_met")
    raw["available_from"] = combine_date(request.form, "available_from", "Available from",
                                         date_errors)
    raw["expires_on"] = combine_date(request.form, "expires_on", "Expiry date", date_errors)
    schema = VacancySchema(settings={s["id"]: setting_of(s) for s in settings},
                           today=services().portal.today(), since=since)
    form = load(schema, raw, date_errors)
    if form.ok:
        return form
    form.data = raw
    return form


def _done(position: int, message: str, vacancy_id: UUID):
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for("manage.show", vacancy_id=vacancy_id))


def apply_vacancy_error(form: FormResult, error: DomainError | StaleVersion,
                        default_field: str) -> None:
    """A refusal shown beside its field, with what was typed; terms refused for several
    reasons show them all. A change made since the form was opened is shown first."""
    form.data = {**request.form.to_dict(), "needs_met": request.form.getlist("needs_met")}
    if isinstance(error, StaleVersion):
        changed_since_opened(form, error, "This vacancy")
        return
    found = getattr(error, "errors", None) or {error.field or default_field: error.message}
    form.errors.update(found)


@manage.route("/new", methods=["GET", "POST"])
@requires("vacancies.manage")
def new():
    settings = _settings_for_provider()
    form = FormResult()
    if request.method == "POST":
        form = vacancy_form(settings)
        if form.ok:
            data = dict(form.data)
            data.pop("reason", None)
            publish = partial(services().portal.publish_vacancy, g.principal.actor,
                              provider_id=g.principal.organisation_id, **data)
            try:
                vacancy_id, position = created_once(lambda new_id: publish(vacancy_id=new_id))
            except DomainError as error:
                apply_vacancy_error(form, error, "setting_id")
            else:
                return _done(position, "Vacancy published", vacancy_id)
    return render_template("manage/form.html", form=form, settings=settings, vacancy=None)


@manage.get("/<uuid:vacancy_id>")
@requires("vacancies.view_own")
def show(vacancy_id: UUID):
    return _detail_page(vacancy_id, FormResult())


def _detail_page(vacancy_id: UUID, form: FormResult, failed_action: str | None = None,
                 status: int = 200):
    """A provider's own vacancy, with the searches sent to it that it could offer the vacancy
    to or hold the place for."""
    with services().engine.connect() as c:
        vacancy = own_vacancy(g.principal, c, vacancy_id)
        answering = can(g.principal, "referrals.answer")
        offerable = searches_to_offer(g.principal, c, vacancy, datetime.now(UTC)) \
            if answering else []
        holdable = searches_to_hold(g.principal, c, vacancy) if answering else []
    return render_template("manage/detail.html", vacancy=vacancy, form=form,
                           offerable=offerable, holdable=holdable,
                           failed_action=failed_action), status


@manage.route("/<uuid:vacancy_id>/edit", methods=["GET", "POST"])
@requires("vacancies.manage")
def edit(vacancy_id: UUID):
    with services().engine.connect() as c:
        vacancy = own_vacancy(g.principal, c, vacancy_id)
    if vacancy["status"] not in ("available", "held"):
        abort(404)
    settings = [s for s in _settings_for_provider() if s["id"] == vacancy["setting_id"]]
    form = FormResult(data=_form_values(vacancy))
    if request.method == "POST":
        form = vacancy_form(settings, since=vacancy["available_from"])
        if form.ok:
            data = dict(form.data)
            reason = data.pop("reason", None)
            data.pop("setting_id")  # a vacancy stays at its setting
            try:
                position = services().portal.update_vacancy(
                    g.principal.actor, vacancy_id, reason=reason,
                    expected_version=opened_version(), **data)
            except (DomainError, StaleVersion) as error:
                apply_vacancy_error(form, error, "weekly_fee")
            else:
                return _done(position, "Vacancy updated", vacancy_id)
    return render_template("manage/form.html", form=form, settings=settings, vacancy=vacancy)


def _form_values(vacancy) -> dict:
    values = {
        "setting_id": str(vacancy["setting_id"]), "age_from": vacancy["age_from"],
        "age_to": vacancy["age_to"], "weekly_fee": vacancy["weekly_fee"],
        "places": vacancy["places"],
        "description": vacancy["description"], "version": vacancy["version"],
        "needs_met": [n for n in vacancy["needs"].split("|") if n],
    }
    for name in ("available_from", "expires_on"):
        day = vacancy[name]
        if day is not None:
            values.update({f"{name}-day": day.day, f"{name}-month": day.month,
                           f"{name}-year": day.year})
    return values


_ACTIONS = {
    "withdraw": ("withdraw_vacancy", "Vacancy withdrawn"),
    "release": ("release_vacancy", "Vacancy released and available again"),
    "hold": ("hold_vacancy", "Vacancy on hold"),
    "fill": ("fill_vacancy", "Vacancy marked as filled"),
}


@manage.post("/<uuid:vacancy_id>/<any(withdraw, release, hold, fill):action>")
@requires("vacancies.manage")
def change_status(vacancy_id: UUID, action: str):
    with services().engine.connect() as c:
        own_vacancy(g.principal, c, vacancy_id)
    form = load(ReasonSchema(), request.form.to_dict())
    command, message = _ACTIONS[action]
    extra = _hold_terms(form) if action == "hold" else {}
    form.anchors = {"reason": f"{action}-reason", "status": "vacancy-status"}
    if form.ok:
        try:
            position = getattr(services().portal, command)(
                g.principal.actor, vacancy_id, reason=form.data.get("reason"),
                expected_version=opened_version(), **extra)
        except (DomainError, StaleVersion) as error:
            # A refused step (e.g. withdrawing a filled vacancy) is about the vacancy's status.
            apply_vacancy_error(form, error, "status")
        else:
            return _done(position, message, vacancy_id)
    form.data = request.form.to_dict()
    return _detail_page(vacancy_id, form, action, 422)


def _hold_terms(form: FormResult) -> dict:
    """What a hold is for: a search sent to the provider through the portal (its id, chosen
    from a list) or one named by its reference; errors join the form's."""
    # Whatever is typed is checked, even beside a chosen search: nothing unstorable is let by.
    ref = text(request.form.get("home_search_ref", ""), "home_search_ref", form.errors,
               label="Home search reference", limit=100).strip()
    chosen = request.form.get("home_search_id", "").strip()
    if chosen:
        try:
            return {"home_search_id": UUID(chosen)}
        except ValueError:
            form.errors["home_search_id"] = NO_SEARCH_TO_HOLD
            return {}
    if not ref:
        form.errors.setdefault("home_search_ref", "Enter the home search reference, or "
                               "choose one of the home searches sent to you")
    return {"home_search_ref": ref}
