"""Home searches through the API: a council's system drafts, reads, changes, sends, cancels and
closes its own authority's searches, reads the offers made on them (ranked as the offers page
ranks them) and accepts one, through the same commands as the pages.

Another authority's search answers exactly like a missing one (404). The council's own child id
is accepted only in the body that drafts a search, hashed at once, never stored or echoed.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import g, url_for

from domain.errors import DomainError
from domain.home_search import TERMS, SearchRefused, clean_terms
from portal.api.access import (
    api_requires,
    decode_uuid_cursor,
    etag,
    expected_version,
    idempotent,
    json_body,
    json_object,
    load,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.read_back import read_written
from portal.api.search_schemas import (
    AcceptIn,
    CancelIn,
    CloseToOffersIn,
    CloseUnfilledIn,
    HomeSearchChanges,
    HomeSearchIn,
    HomeSearchOut,
    HomeSearchPage,
    OffersOut,
    SearchesQuery,
    SendIn,
)
from portal.api.spec import links_to, operation
from portal.form_keys import created_once
from portal.security import services
from projections import home_search_queries as hsq
from projections.placement_queries import own_authority
from projections.referral_queries import offer_contract, offers_on

ONE = {200: ("The home search", HomeSearchOut)}
TAGGED = {"ETag": "The search's version, for If-Match"}
TAG = "home searches"
# After a search is read or changed: read it and its offers, and every step on it (ETag).
LINKS = links_to("search_id", "$response.body#/id", "home_search", "home_search_offers",
                 versioned=("edit_home_search", "send_home_search", "cancel_home_search",
                            "close_home_search", "close_to_offers", "accept_offer"))


def refused(error: DomainError) -> ApiProblem:
    """A refusal of the domain's rules: every field it names, at once."""
    found = error.errors if isinstance(error, SearchRefused) else {
        error.field or "body": error.message}
    return ApiProblem("invalid-body", "Correct the fields listed in 'errors'.", errors=[
        {"field": "child_id" if name == "child_ref" else name, "message": message}
        for name, message in found.items()])


def _search(search_id: UUID) -> dict:
    """One of the client's authority's searches (404 for another's, as for a missing one)."""
    with services().engine.connect() as c:
        return hsq.home_search(g.principal, c, search_id)


def _answer(search_id: UUID, position: int | None = None, status: int = 200):
    address = url_for("api.home_search", search_id=search_id)
    # Only a draft takes its id from the Idempotency-Key (a retry finds it); a step on a
    # search sent again would be refused, the search having moved on.
    search = read_written(position, lambda: _search(search_id), what=f"home search {search_id}",
                          location=address, again=status == 201)
    # The aggregate's own version: offers are events on the search that its row does not count.
    search["version"] = services().portal.get_home_search(g.principal.actor, search_id).version
    headers = {"ETag": etag(search["version"])}
    if status == 201:
        headers["Location"] = address
    return respond(HomeSearchOut(), search, status, headers)


def _terms_schema(schema_class, *, today: date | None):
    with services().engine.connect() as c:
        largest = hsq.largest_registered_places(c)
    return schema_class(today=today, largest_group=largest)


def _run(command):
    try:
        return command()
    except SearchRefused as error:
        raise refused(error) from None


@bp.get("/home-searches")
@api_requires("home_searches.view")
@operation(summary="List your authority's home searches, in pages", query=SearchesQuery,
           responses={200: ("A page of home searches", HomeSearchPage)}, tag=TAG)
def home_searches():
    args = query(SearchesQuery())
    with services().engine.connect() as c:
        rows = hsq.home_searches_after(g.principal, c, after=decode_uuid_cursor(args["cursor"]),
                                   limit=args["limit"], status=args["status"])
    return respond(HomeSearchPage(), page_of(rows, args["limit"], lambda r: str(r["id"])))


@bp.post("/home-searches")
@api_requires("home_searches.manage")
@operation(summary="Draft a home search for one of your authority's children",
           body=HomeSearchIn, idempotent=True, stored_unreadable=True, tag=TAG, headers={
               **TAGGED, "Location": "The search's address"},
           responses={201: ("The home search, drafted", HomeSearchOut)}, links=LINKS)
@idempotent
def draft_home_search():
    data = json_body(_terms_schema(HomeSearchIn, today=services().portal.today()))
    with services().engine.connect() as c:
        la_code = own_authority(g.principal, c)["la_code"]
    try:
        child_ref = services().child_refs.reference(la_code, data.pop("child_id"))
    except DomainError as error:
        raise ApiProblem("invalid-body", error.message, errors=[
            {"field": "child_id", "message": error.message}]) from None
    search_id, position = _run(lambda: created_once(
        lambda new_id: services().portal.draft_home_search(
            g.principal.actor, authority_id=g.principal.organisation_id, child_ref=child_ref,
            search_id=new_id, **data)))
    return _answer(search_id, position, 201)


@bp.get("/home-searches/<uuid:search_id>")
@api_requires("home_searches.view")
@operation(summary="One of your authority's home searches", responses=ONE, headers=TAGGED,
           tag=TAG, links=LINKS)
def home_search(search_id: UUID):
    return _answer(search_id)


@bp.patch("/home-searches/<uuid:search_id>")
@api_requires("home_searches.manage")
@operation(summary="Change a draft's terms (those sent; the rest are kept)",
           body=HomeSearchChanges, if_match="required", responses=ONE, headers=TAGGED,
           tag=TAG, links=LINKS)
def edit_home_search(search_id: UUID):
    search = _search(search_id)
    version = expected_version()
    sent = json_object()
    stored = {k: v for k, v in HomeSearchOut().dump(search).items() if k in TERMS}
    data = load(_terms_schema(HomeSearchChanges, today=None), {**stored, **sent},
                "invalid-body")
    reason = data.pop("reason", None)
    changes = {name: value for name, value in clean_terms(data).items()
               if name in sent and value != search[name]}
    if not changes:
        return _answer(search_id)
    position = _run(lambda: services().portal.edit_home_search(
        g.principal.actor, search_id, changes=changes, reason=reason, expected_version=version))
    return _answer(search_id, position)


def _act(search_id: UUID, schema, command: str, **fixed):
    """Check the search is the client's, read If-Match and the body, run ``command`` with the
    body's fields, answer with the search."""
    _search(search_id)
    version = expected_version()
    data = json_body(schema)
    position = _run(lambda: getattr(services().portal, command)(
        g.principal.actor, search_id, expected_version=version, **data, **fixed))
    return _answer(search_id, position)


@bp.post("/home-searches/<uuid:search_id>/send")
@api_requires("home_searches.manage")
@operation(summary="Send a draft to providers, open to offers until a deadline", body=SendIn,
           if_match="optional", idempotent=True, responses=ONE, headers=TAGGED, tag=TAG,
           links=LINKS)
@idempotent
def send_home_search(search_id: UUID):
    return _act(search_id, SendIn(), "send_home_search")


@bp.post("/home-searches/<uuid:search_id>/cancel")
@api_requires("home_searches.manage")
@operation(summary="Cancel a search (why is needed)", body=CancelIn, if_match="optional",
           idempotent=True, responses=ONE, headers=TAGGED, tag=TAG)
@idempotent
def cancel_home_search(search_id: UUID):
    return _act(search_id, CancelIn(), "cancel_home_search")


@bp.post("/home-searches/<uuid:search_id>/close")
@api_requires("home_searches.manage")
@operation(summary="Close a search unfilled (it counts as unmet need)", body=CloseUnfilledIn,
           if_match="optional", idempotent=True, responses=ONE, headers=TAGGED, tag=TAG)
@idempotent
def close_home_search(search_id: UUID):
    return _act(search_id, CloseUnfilledIn(), "close_home_search_unfilled")


@bp.post("/home-searches/<uuid:search_id>/close-to-offers")
@api_requires("home_searches.manage")
@operation(summary="Close a sent search to offers before its deadline", body=CloseToOffersIn,
           if_match="optional", idempotent=True, responses=ONE, headers=TAGGED, tag=TAG,
           links=LINKS)
@idempotent
def close_to_offers(search_id: UUID):
    return _act(search_id, CloseToOffersIn(), "close_home_search_to_offers")


@bp.get("/home-searches/<uuid:search_id>/offers")
@api_requires("home_searches.view")
@operation(summary="The offers on a search, best first, and the providers' answers",
           responses={200: ("The search, who it was sent to and its offers", OffersOut)},
           tag=TAG)
def home_search_offers(search_id: UUID):
    with services().engine.connect() as c:
        view = offers_on(g.principal, c, search_id)
    view["offers"] = [{**match.vacancy, "rank": rank, "score": match.score,
                       "distance_miles": match.distance,
                       "inside_authority": match.inside_authority, "route": match.route}
                      for rank, match in enumerate(view["offers"], start=1)]
    return respond(OffersOut(), view)


@bp.post("/home-searches/<uuid:search_id>/accept")
@api_requires("home_searches.manage")
@operation(summary="Accept an offer: the child's placement starts (or is scheduled for the "
                   "offer's start day) and the offered vacancy is filled", body=AcceptIn,
           if_match="optional", idempotent=True, responses=ONE, headers=TAGGED, tag=TAG)
@idempotent
def accept_offer(search_id: UUID):
    _search(search_id)
    version = expected_version()
    data = json_body(AcceptIn())
    with services().engine.connect() as c:
        bought = offer_contract(g.principal, c, search_id, data["offer_id"])
    _, position = _run(lambda: services().portal.accept_offer(
        g.principal.actor, search_id, data["offer_id"], birth_month=data["birth_month"],
        uasc=data["uasc"], approval=data["approval"], reason=data["reason"],
        contract_route=bought["contract_route"], contract_id=bought["contract_id"],
        expected_version=version))
    return _answer(search_id, position)
