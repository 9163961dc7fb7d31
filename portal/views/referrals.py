"""Referrals: a council officer sends a home search to providers, sees their offers ranked and
accepts one; a provider sees the searches sent to it and answers with an offer or a decline.

Officers act on their own authority's searches only (another's answers 404). A provider reads
a search only when it was sent to it, and only what a referral shares: never the child's
reference. Its own offers are shown to it, never another provider's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from uuid import UUID

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from domain.errors import Conflict, DomainError
from domain.home_search import DECLINE_REASONS, OFFERS_OPEN, SearchRefused
from domain.timezone import LONDON
from portal.forms import FormResult, load
from portal.referral_schemas import DeclineSchema, parse_accept, parse_offer, parse_send
from portal.security import requires, services
from projections import matching
from projections.board_queries import asked_of_provider
from projections.directory_queries import provider_settings, providers
from projections.home_search_queries import home_search
from projections.referral_queries import (
    offer_contract,
    offers_on,
    referral_for,
    referrals_for,
)
from projections.vacancy_queries import own_vacancies

offers = Blueprint("search_offers", __name__, url_prefix="/home-searches")
bp = Blueprint("referrals", __name__, url_prefix="/referrals")


@offers.context_processor
def _vocabulary() -> dict:
    return {"matching": matching}


def _connect():
    return services().engine.connect()


def _now() -> datetime:
    return datetime.now(LONDON)


def _refused(form: FormResult, error: DomainError, default: str) -> None:
    found = error.errors if isinstance(error, SearchRefused) else {
        error.field or default: error.message}
    for field, message in found.items():
        form.errors.setdefault(field, message)


def _done(position: int, message: str, endpoint: str, **values):
    services().projections.wait_for(position)
    flash(message)
    return redirect(url_for(endpoint, **values))


def _act(load_search: Callable, search_id: UUID, form: FormResult, command: Callable[[], int],
         /, *, refused_on: str, page: Callable, message: str, endpoint: str, **values):
    """Act on a search the viewer may see (``load_search`` answers 404 for any other, before
    anything runs): when the form is valid, run ``command`` and go to ``endpoint`` with
    ``message`` once the projections have it; otherwise, or when it is refused (the refusal
    beside its field, ``refused_on`` by default), ``page`` again with what was posted (400)."""
    with _connect() as c:
        load_search(g.principal, c, search_id)
    if form.ok:
        try:
            position = command()
        except DomainError as error:
            _refused(form, error, refused_on)
        else:
            return _done(position, message, endpoint, **values)
    form.data = request.form.to_dict()
    return page(search_id, form, 400)


# --- the officer: sending ---------------------------------------------------------------------

def _send_page(search_id: UUID, form: FormResult):
    with _connect() as c:
        search = home_search(g.principal, c, search_id)
        found = matching.match_vacancies(g.principal, c, search_id)
        everyone = providers(g.principal, c)
    matched = {m.vacancy["provider_id"] for m in found.matches}
    if not form.data:
        tomorrow = date.today() + timedelta(days=1)
        form.data = {"provider_ids": [str(p) for p in matched], "offers_close_time": "17:00",
                     "offers_close_on-day": tomorrow.day, "offers_close_on-month":
                     tomorrow.month, "offers_close_on-year": tomorrow.year}
    return render_template("referrals/send.html", search=search, form=form,
                           providers=everyone, matched=matched)


@offers.route("/<uuid:search_id>/send", methods=["GET", "POST"])
@requires("home_searches.manage")
def send(search_id: UUID):
    if request.method == "GET":
        return _send_page(search_id, FormResult())
    form = parse_send(request.form)
    if form.ok:
        try:
            position = services().portal.send_home_search(
                g.principal.actor, search_id, provider_ids=form.data["provider_ids"],
                offers_close_at=form.data["offers_close_at"])
        except DomainError as error:
            _refused(form, error, "provider_ids")
        else:
            return _done(position, "Home search sent", "search_offers.show",
                         search_id=search_id)
    form.data = {**request.form.to_dict(), "provider_ids": request.form.getlist("provider_ids")}
    return _send_page(search_id, form)


# --- the officer: offers, closing and accepting -----------------------------------------------

def _offers_page(search_id: UUID, form: FormResult, status: int = 200, conflict: str = ""):
    with _connect() as c:
        view = offers_on(g.principal, c, search_id)
    child_known = services().portal.child_known_to_portal(view["search"]["authority_id"],
                                                     view["search"]["child_ref"])
    return render_template("referrals/offers.html", form=form, conflict=conflict,
                           child_known=child_known, now=_now(), OFFERS_OPEN=OFFERS_OPEN,
                           DECLINE_REASONS=DECLINE_REASONS, **view), status


@offers.get("/<uuid:search_id>/offers")
@requires("home_searches.view")
def show(search_id: UUID):
    return _offers_page(search_id, FormResult())


@offers.post("/<uuid:search_id>/close-to-offers")
@requires("home_searches.manage")
def close_to_offers(search_id: UUID):
    return _act(home_search, search_id, FormResult(), lambda: (
        services().portal.close_home_search_to_offers(
            g.principal.actor, search_id, reason="Closed early by the officer")),
        refused_on="close", page=_offers_page, message="Home search closed to offers",
        endpoint="search_offers.show", search_id=search_id)


@offers.post("/<uuid:search_id>/accept")
@requires("home_searches.manage")
def accept(search_id: UUID):
    form = parse_accept(request.form)
    if form.ok:
        try:
            bought = _bought(search_id, form.data["offer_id"])
            _, position = services().portal.accept_offer(
                g.principal.actor, search_id, form.data["offer_id"],
                contract_route=bought["contract_route"], contract_id=bought["contract_id"],
                birth_month=form.data["birth_month"], uasc=bool(form.data["uasc"]),
                approval=form.data["approval"])
        except Conflict as error:
            return _offers_page(search_id, FormResult(), 409, conflict=error.message)
        except DomainError as error:
            _refused(form, error, "offer_id")
        else:
            return _done(position, _accepted_message(bought["start_on"]),
                         "search_offers.show", search_id=search_id)
    form.data = request.form.to_dict()
    return _offers_page(search_id, form, 400)


def _bought(search_id: UUID, offer_id: UUID) -> dict:
    """How the offered place would be bought on its start day, and the contract the
    placement links to (spot, no contract, when none is in force)."""
    with _connect() as c:
        return offer_contract(g.principal, c, search_id, offer_id)


def _accepted_message(start_on: date) -> str:
    if start_on > _now().date():
        return (f"Offer accepted: the placement starts on {start_on.day} "
                f"{start_on:%B %Y}, when the child moves in")
    return "Offer accepted: the placement has started"


# --- the provider ------------------------------------------------------------------------------

@bp.get("/")
@requires("referrals.answer")
def index():
    with _connect() as c:
        sent = referrals_for(g.principal, c)
    return render_template("referrals/index.html", referrals=sent, now=_now())


def _referral_page(referral_id: UUID, form: FormResult, status: int = 200):
    with _connect() as c:
        search = referral_for(g.principal, c, referral_id)
        vacancies, _ = own_vacancies(g.principal, c)
        search["asked_vacancies"] = asked_of_provider(g.principal, c, referral_id)
        settings = provider_settings(g.principal, c, g.principal.organisation_id)
    open_now = search["status"] == OFFERS_OPEN and _now() < search["offers_close_at"]
    if not form.data:  # "Offer this vacancy to a search" names the vacancy: choose it
        form.data = {"vacancy_id": request.args.get("vacancy_id", "")}
    return render_template("referrals/show.html", search=search, form=form,
                           vacancies=[v for v in vacancies if v["status"] == "available"],
                           settings=[s for s in settings
                                     if s["setting_type"] in search["placement_types"]],
                           open_now=open_now, DECLINE_REASONS=DECLINE_REASONS), status


@bp.get("/<uuid:referral_id>")
@requires("referrals.answer")
def show_referral(referral_id: UUID):
    return _referral_page(referral_id, FormResult())


@bp.post("/<uuid:referral_id>/offer")
@requires("referrals.answer")
def offer(referral_id: UUID):
    form = parse_offer(request.form)
    return _act(referral_for, referral_id, form, lambda: _make_offer(referral_id, form.data)[1],
                refused_on="vacancy_id", page=_referral_page, message="Offer sent",
                endpoint="referrals.show_referral", referral_id=referral_id)


def _make_offer(referral_id: UUID, data: dict) -> tuple[UUID, int]:
    """Offer the chosen vacancy, or a place at the chosen setting."""
    terms = dict(weekly_price=data["weekly_price"], start_on=data["start_on"],
                 notes=data["notes"] or "")
    portal = services().portal
    if data["setting_id"] is not None:
        return portal.offer_setting(g.principal.actor, referral_id,
                                    provider_id=g.principal.organisation_id,
                                    setting_id=data["setting_id"], **terms)
    return portal.offer_place(g.principal.actor, referral_id, vacancy_id=data["vacancy_id"],
                              **terms)


@bp.post("/<uuid:referral_id>/decline")
@requires("referrals.answer")
def decline(referral_id: UUID):
    form = load(DeclineSchema(), request.form.to_dict())
    return _act(referral_for, referral_id, form, lambda: (
        services().portal.decline_home_search(
            g.principal.actor, referral_id, decline_reason=form.data["decline_reason"],
            reason=form.data["reason"])),
        refused_on="decline_reason", page=_referral_page, message="Search declined",
        endpoint="referrals.show_referral", referral_id=referral_id)
