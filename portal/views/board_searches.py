"""A council officer's saved searches of the vacancy board: save the board's filters under a
name, list them, delete one. A new vacancy that matches a saved search is a notice to its
owner (``/notices/``) and an e-mail (``portal notices run``). Each officer sees only their own
saved searches; anyone else's answers 404, exactly like a missing one."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.board_search import BoardSearchRefused
from domain.errors import DomainError
from portal.board_schemas import BoardSearchNameSchema
from portal.forms import FormResult, load
from portal.security import requires, services
from portal.views.vacancies import _search_from
from projections import directory_queries as directory
from projections.board_searches import board_searches_for

bp = Blueprint("board_searches", __name__, url_prefix="/vacancies/saved-searches")


def _area_names() -> dict[str, str]:
    with services().engine.connect() as c:
        names = {f"authority:{a['id']}": a["name"]
                 for a in directory.authorities(g.principal, c)}
        names.update({f"partnership:{p}": f"{p} partnership"
                      for p in directory.partnerships(g.principal, c)})
    return names


@bp.get("/")
@requires("board_searches.manage")
def index():
    with services().engine.connect() as c:
        searches = board_searches_for(g.principal, c)
    return render_template("board_searches/index.html", searches=searches,
                           areas=_area_names())


def _save(form: FormResult, query) -> bool:
    try:
        _, position = services().portal.save_board_search(
            g.principal.actor, name=form.data.get("name") or "",
            setting_type=query.setting_type, host_authority_id=query.host_authority_id,
            partnership=query.partnership, age=query.age, needs=query.needs,
            max_weekly_fee=query.max_weekly_fee, available_by=query.available_by,
            quality=query.quality)
    except BoardSearchRefused as refused:
        form.errors.update(refused.errors)
        return False
    except DomainError as error:
        form.errors[error.field or "name"] = error.message
        return False
    services().projections.wait_for(position)
    return True


@bp.route("/new", methods=["GET", "POST"])
@requires("board_searches.manage")
def new():
    """The board's filters (from the board's address, or this form's hidden fields) and a
    name; saved, they are listed with the officer's other saved searches."""
    source = request.form if request.method == "POST" else request.args
    query, filters = _search_from(source)
    form = FormResult(data={"name": source.get("name", "")}, errors=dict(filters.errors))
    if request.method == "POST":
        named = load(BoardSearchNameSchema(), {"name": source.get("name", "")})
        form.errors.update(named.errors)
        if form.ok and _save(FormResult(data=named.data, errors=form.errors), query):
            flash("Search saved: you will be told when a new vacancy matches it")
            return redirect(url_for("board_searches.index"))
    # The filters are set on the board: their errors point at what the page says of them.
    form.anchors = {name: "filters" for name in form.errors if name != "name"}
    return render_template("board_searches/new.html", form=form, filters=filters.data,
                           query=query, areas=_area_names()), \
        400 if request.method == "POST" and not form.ok else 200


@bp.post("/<uuid:board_search_id>/delete")
@requires("board_searches.manage")
def delete(board_search_id: UUID):
    position = services().portal.delete_board_search(g.principal.actor, board_search_id)
    services().projections.wait_for(position)
    flash("Saved search deleted")
    return redirect(url_for("board_searches.index"), 303)
