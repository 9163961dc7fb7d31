"""Notices: for providers, tenders opening, published clarifications, deadlines near, and the
home searches sent to them (sent or asked for from the board, closed, their offer accepted or
released, withdrawn); for council officers, offers closing on their authority's home searches,
and new vacancies matching their own saved searches of the board.

Each user of the organisation a notice is for sees it and marks it read for themselves (an
officer's saved-search notices are their own). Opening a notice marks it read and goes to its
tender, home search or vacancy. How notices are derived from events, and why their e-mails are
never sent twice, is in ``projections/notices.py``, ``projections/search_notices.py`` and
``projections/board_searches.py``.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from portal.security import requires, services
from portal.views.tender_helpers import register_vocabulary
from projections import search_notices as searches
from projections.notices import KINDS, mark_read, notices_for
from projections.vacancy_queries import vacancy_available

bp = Blueprint("notices", __name__, url_prefix="/notices")
register_vocabulary(bp)


def _tender_notice(n: dict) -> dict:
    detail = ""
    if n["kind"] == "deadline_near":
        detail = ("Market engagement closes" if n["deadline_name"] == "engagement_closes"
                  else "Bids are due")
    href = (url_for("vacancies.detail", vacancy_id=n["vacancy_id"])
            if n["vacancy_id"] is not None
            else url_for("opportunities.show", tender_id=n["tender_id"]))
    return {**n, "label": KINDS[n["kind"]], "source": "tender", "deadline_label": detail,
            "href": href}


def _search_notice(n: dict) -> dict:
    href = (url_for("search_offers.show", search_id=n["search_id"])
            if n["audience"] == searches.AUTHORITY
            else url_for("referrals.show_referral", referral_id=n["search_id"]))
    return {**n, "label": searches.KINDS[n["kind"]], "source": "search", "href": href,
            "vacancy_id": None}


def _all(c) -> list[dict]:
    """The viewer's notices of every kind, newest first: home search notices, and (through
    ``notices_for``) tender notices for providers and saved-search notices for officers."""
    found = [_search_notice(n) for n in searches.search_notices_for(g.principal, c)]
    found += [_tender_notice(n) for n in notices_for(g.principal, c)]
    return sorted(found, key=lambda n: (n["created_at"], str(n["id"])), reverse=True)


def _mark_read(c, chosen: list[dict]) -> None:
    now = services().portal.clock()
    mark_read(g.principal, c, [n["id"] for n in chosen if n["source"] == "tender"], now)
    searches.mark_search_notices_read(
        g.principal, c, [n["id"] for n in chosen if n["source"] == "search"], now)


@bp.get("/")
@requires("notices.read")
def index():
    with services().engine.connect() as c:
        notices = _all(c)
    unread = sum(1 for n in notices if n["read_at"] is None)
    return render_template("notices/index.html", notices=notices, unread=unread)


@bp.get("/<uuid:notice_id>")
@requires("notices.read")
def show(notice_id: UUID):
    """Mark the notice read and go to its tender, search or vacancy (another's notice: 404)."""
    with services().engine.begin() as c:
        notice = next((n for n in _all(c) if n["id"] == notice_id), None)
        if notice is None:
            abort(404)
        _mark_read(c, [notice])
        gone = notice["vacancy_id"] is not None and not vacancy_available(c, notice["vacancy_id"])
    if gone:
        flash("That vacancy is no longer available: it has been filled, held or withdrawn")
        return redirect(url_for("notices.index"), 303)
    return redirect(notice["href"], 303)


@bp.post("/read")
@requires("notices.read")
def read_all():
    with services().engine.begin() as c:
        _mark_read(c, [n for n in _all(c) if n["read_at"] is None])
    return redirect(url_for("notices.index"), 303)


def navigation_label(principal) -> str:
    """"Notices" with the number unread, for the header navigation."""
    with services().engine.connect() as c:
        count = searches.unread_notice_count(principal, c)
    return f"Notices ({count} unread)" if count else "Notices"
