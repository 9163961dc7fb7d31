"""A vacancy's page on the board that leads somewhere: the provider's named contact, the
setting's Ofsted URN, the distance from one of the officer's home searches, and "Ask for this
place" (the officer's referral of that search to the vacancy's provider, the vacancy named).
Adds its routes to the board's blueprint (:mod:`portal.views.vacancies`)."""

from __future__ import annotations

from uuid import UUID

from flask import flash, g, redirect, render_template, request, url_for

from domain.errors import DomainError, NotFound
from portal.board_schemas import parse_ask
from portal.forms import FormResult
from portal.security import requires, services
from portal.views.vacancies import board
from projections.board_queries import ASKABLE, vacancy_page
from projections.vacancy_queries import NO_SUCH_VACANCY


def _search_arg() -> tuple[UUID | None, str | None]:
    """The search chosen for the distance (?search_id=), or the error of one that is not."""
    value = request.args.get("search_id", "").strip()
    if not value:
        return None, None
    try:
        return UUID(value), None
    except ValueError:
        return None, "Choose one of your authority's open home searches"


def render_vacancy(vacancy_id: UUID, search_id: UUID | None, form: FormResult,
                   status: int = 200, search_error: str | None = None):
    with services().engine.connect() as c:
        page = vacancy_page(g.principal, c, vacancy_id, search_id)
    page["search_error"] = search_error or page["search_error"]
    askable = [s for s in page["searches"] if s["status"] in ASKABLE
               and s["id"] not in page["asked"]]
    return render_template("vacancies/detail.html", form=form, askable=askable,
                           **page), status


@board.get("/<uuid:vacancy_id>")
@requires("vacancies.search")
def detail(vacancy_id: UUID):
    search_id, error = _search_arg()
    return render_vacancy(vacancy_id, search_id, FormResult(), search_error=error)


@board.post("/<uuid:vacancy_id>/ask")
@requires("home_searches.manage")
def ask(vacancy_id: UUID):
    """Ask the vacancy's provider for its place for one of the officer's searches."""
    with services().engine.connect() as c:
        if vacancy_page(g.principal, c, vacancy_id)["vacancy"]["holder"]:  # 404 unless on
            raise NotFound(NO_SUCH_VACANCY)  # the board (a place held or filled for us is not)
    form = parse_ask(request.form)
    if form.ok:
        search_id = form.data["search_id"]
        try:
            position = services().portal.ask_for_place(
                g.principal.actor, vacancy_id, search_ref=search_id,
                offers_close_at=form.data["offers_close_at"], reason=form.data.get("reason"))
        except DomainError as error:
            form.errors[error.field or "search_id"] = error.message
        else:
            services().projections.wait_for(position)
            flash("Place asked for: the provider has been sent the home search")
            return redirect(url_for("search_offers.show", search_id=search_id))
    form.data = request.form.to_dict()
    return render_vacancy(vacancy_id, None, form, 400)
