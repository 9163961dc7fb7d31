"""Auditors see a view as it stood at any past moment, rebuilt from the events up to then."""

from __future__ import annotations

import re
import time
from datetime import datetime

from flask import Blueprint, g, render_template, request

from domain.errors import NotFound
from domain.timezone import LONDON
from portal.forms import FormResult, combine_date
from portal.security import requires, services
from portal.views import sufficiency_as_at
from projections import directory_queries as directory
from projections.directory import Directory
from projections.quality import Quality
from projections.timetravel import HistoryError, position_at, rebuild_as_at
from projections.vacancies import VacancyBoard
from projections.vacancy_queries import VacancySearch, search_vacancies

bp = Blueprint("as_at", __name__, url_prefix="/audit/as-at")


TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

# The views that can be shown as at a moment: what they need rebuilt, and how to read them.
VIEWS = {
    "vacancy_board": {
        "label": "Vacancy board",
        "projections": lambda: [Directory(), VacancyBoard(), Quality()],
    },
    "sufficiency": {
        "label": "Sufficiency dashboard",
        "projections": sufficiency_as_at.projections,
    },
}


def _moment(form: FormResult) -> datetime | None:
    day = combine_date(request.args, "date", "Date", form.errors)
    clock = request.args.get("time", "").strip() or "23:59:59"
    match = TIME.match(clock)
    if day is None:
        form.errors.setdefault("date", "Enter the date to see the view as it stood")
        return None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or \
            int(match.group(3) or 0) > 59:
        form.errors["time"] = "Enter a time like 09:30 or 09:30:15, or leave it blank"
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, second=second,
                                               tzinfo=LONDON)


@bp.get("/")
@requires("audit.read")
def show():
    form = FormResult(data=request.args.to_dict())
    view = request.args.get("view", "vacancy_board")
    if view not in VIEWS:
        form.errors["view"] = "Choose a view from the list"
    result = None
    if "date-day" in request.args:
        moment = _moment(form)
        if moment is not None and form.ok:
            result = _rebuild(form, view, moment, request.args.get("from_start") == "yes")
    with services().engine.connect() as c:
        dashboards = sufficiency_as_at.choices(g.principal, c)
    return render_template("as_at/show.html", form=form, views=VIEWS, view=view,
                           result=result, dashboards=dashboards)


def _rebuild(form: FormResult, view: str, moment: datetime, from_start: bool):
    svc = services()
    started = time.perf_counter()
    try:
        position = position_at(svc.portal, moment)
        as_at = rebuild_as_at(svc.portal, svc.engine, VIEWS[view]["projections"](), position,
                              key=svc.snapshot_key, use_snapshots=not from_start)
    except HistoryError as error:
        form.errors["date"] = str(error)
        return None
    try:
        with as_at.engine.connect() as c:
            if view == "sufficiency":
                shown = sufficiency_as_at.read(g.principal, c, moment,
                                               request.args.get(sufficiency_as_at.FIELD))
            else:
                shown = {"page": search_vacancies(g.principal, c, VacancySearch(page=1),
                                                  page_size=10_000),
                         "authorities": directory.authorities(g.principal, c)}
    except NotFound as error:
        form.errors[sufficiency_as_at.FIELD] = str(error)
        return None
    finally:
        as_at.close()
    return {
        **shown, "moment": moment, "position": position,
        "snapshot": max(as_at.started_from.values()), "replayed": as_at.replayed,
        "seconds": time.perf_counter() - started,
    }
