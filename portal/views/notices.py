"""Notices: for providers, tenders opening, published clarifications, deadlines near; for
council officers, new vacancies matching their saved searches of the board.

A provider's notice is about a tender; each user of an eligible provider sees it and marks it
read for themselves. An officer's is their own. Opening a notice marks it read and goes to the
tender, or to the vacancy. How notices are derived
from events, and why their e-mails are never sent twice, is in ``projections/notices.py``.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from portal.security import requires, services
from portal.views.tender_helpers import register_vocabulary
from projections.notices import KINDS, mark_read, notices_for, unread_count
from projections.vacancy_queries import vacancy_available

bp = Blueprint("notices", __name__, url_prefix="/notices")
register_vocabulary(bp)


@bp.get("/")
@requires("notices.view")
def index():
    with services().engine.connect() as c:
        notices = notices_for(g.principal, c)
    unread = sum(1 for n in notices if n["read_at"] is None)
    return render_template("notices/index.html", notices=notices, kinds=KINDS, unread=unread)


@bp.get("/<uuid:notice_id>")
@requires("notices.view")
def show(notice_id: UUID):
    """Mark the notice read and go to its tender or vacancy (another's notice: 404)."""
    with services().engine.begin() as c:
        notice = next((n for n in notices_for(g.principal, c) if n["id"] == notice_id), None)
        if notice is None:
            abort(404)
        mark_read(g.principal, c, [notice_id], services().portal.clock())
        gone = notice["vacancy_id"] is not None and not vacancy_available(c, notice["vacancy_id"])
    if gone:
        flash("That vacancy is no longer available: it has been filled, held or withdrawn")
        return redirect(url_for("notices.index"), 303)
    if notice["vacancy_id"] is not None:
        return redirect(url_for("vacancies.detail", vacancy_id=notice["vacancy_id"]), 303)
    return redirect(url_for("opportunities.show", tender_id=notice["tender_id"]), 303)


@bp.post("/read")
@requires("notices.view")
def read_all():
    with services().engine.begin() as c:
        ids = [n["id"] for n in notices_for(g.principal, c) if n["read_at"] is None]
        mark_read(g.principal, c, ids, services().portal.clock())
    return redirect(url_for("notices.index"), 303)


def navigation_label(principal) -> str:
    """"Notices" with the number unread, for the header navigation."""
    with services().engine.connect() as c:
        count = unread_count(principal, c)
    return f"Notices ({count} unread)" if count else "Notices"
