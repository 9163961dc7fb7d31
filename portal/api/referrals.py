"""Referrals through the API: a provider's system reads the home searches sent to its
organisation (only what the referral page shares: never the child's reference, age, legal
status or areas to avoid) and answers each with an offer or a decline, through the same
commands as the referral page.

A search not sent to the provider answers exactly like a missing one (404).
"""

from __future__ import annotations

from uuid import UUID

from flask import g, url_for

from domain.errors import NotFound
from domain.home_search import SearchRefused
from portal.api.access import (
    api_requires,
    decode_uuid_cursor,
    idempotent,
    json_body,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.home_searches import refused
from portal.api.problems import ApiProblem
from portal.api.read_back import read_written
from portal.api.schemas import PageQuery
from portal.api.search_schemas import DeclineIn, OfferIn, ReferralDetailOut, ReferralPage
from portal.api.spec import links_to, operation
from portal.form_keys import created_once
from portal.security import services
from projections.referral_queries import referral_for, referrals_after

ONE = {200: ("The search as sent to you, with your offers", ReferralDetailOut)}
TAG = "referrals"
# After a referral is read or answered: read it again, offer a place or decline.
LINKS = links_to("referral_id", "$response.body#/id", "referral", "make_offer",
                 "decline_referral")


def _referral(referral_id: UUID) -> dict:
    with services().engine.connect() as c:
        return referral_for(g.principal, c, referral_id)


def _answer(referral_id: UUID, position: int | None = None, status: int = 200, *,
            offer_id: UUID | None = None):
    """The referral once the projections have reached ``position``; after an offer, with that
    offer in it (the referral was there before the offer: found is not enough)."""
    shows = None if offer_id is None else (
        lambda row: any(str(offer["id"]) == str(offer_id) for offer in row["own_offers"]))
    row = read_written(position, lambda: _referral(referral_id), what=f"referral {referral_id}",
                       location=url_for("api.referral", referral_id=referral_id), shows=shows,
                       again=offer_id is not None)
    return respond(ReferralDetailOut(), row, status)


@bp.get("/referrals")
@api_requires("referrals.answer")
@operation(summary="The home searches sent to your organisation, in pages", query=PageQuery,
           responses={200: ("A page of referrals", ReferralPage)}, tag=TAG)
def referrals():
    args = query(PageQuery())
    with services().engine.connect() as c:
        rows = referrals_after(g.principal, c, after=decode_uuid_cursor(args["cursor"]),
                               limit=args["limit"])
    return respond(ReferralPage(), page_of(rows, args["limit"], lambda r: str(r["id"])))


@bp.get("/referrals/<uuid:referral_id>")
@api_requires("referrals.answer")
@operation(summary="A home search sent to your organisation, with your offers on it",
           responses=ONE, tag=TAG, links=LINKS)
def referral(referral_id: UUID):
    return _answer(referral_id)


@bp.post("/referrals/<uuid:referral_id>/offers")
@api_requires("referrals.answer")
@operation(summary="Offer one of your open vacancies, or a place at one of your settings",
           body=OfferIn, idempotent=True, stored_unreadable=True, tag=TAG,
           responses={201: ONE[200]}, links=LINKS)
@idempotent
def make_offer(referral_id: UUID):
    _referral(referral_id)
    data = json_body(OfferIn())
    terms = dict(weekly_price=data["weekly_price"], start_on=data["start_on"],
                 notes=data["notes"] or "")
    portal, actor = services().portal, g.principal.actor
    try:
        if data["setting_id"] is not None:
            offer_id, position = created_once(lambda new_id: portal.offer_setting(
                actor, referral_id, provider_id=g.principal.organisation_id,
                setting_id=data["setting_id"], offer_id=new_id, **terms))
        else:
            offer_id, position = created_once(lambda new_id: portal.offer_place(
                actor, referral_id, vacancy_id=data["vacancy_id"], offer_id=new_id,
                **terms))
    except SearchRefused as error:
        raise refused(error) from None
    except NotFound as error:  # another provider's vacancy or setting: as a missing one
        field = "setting_id" if data["setting_id"] is not None else "vacancy_id"
        raise ApiProblem("invalid-body", error.message, errors=[
            {"field": field, "message": error.message}]) from None
    return _answer(referral_id, position, 201, offer_id=offer_id)


@bp.post("/referrals/<uuid:referral_id>/decline")
@api_requires("referrals.answer")
@operation(summary="Decline a search: say why you cannot offer a place", body=DeclineIn,
           idempotent=True, responses=ONE, tag=TAG, links=LINKS)
@idempotent
def decline_referral(referral_id: UUID):
    _referral(referral_id)
    data = json_body(DeclineIn())
    try:
        position = services().portal.decline_home_search(
            g.principal.actor, referral_id, decline_reason=data["decline_reason"],
            reason=data["reason"])
    except SearchRefused as error:
        raise refused(error) from None
    return _answer(referral_id, position)
