"""Tenders through the API: the tenders open to the client's organisation (a provider's: those
it is eligible for, past draft; a council's: its partnership's), each as the opportunity page
shows it; and, for a provider, its own market engagement answers and sealed bids, given, changed
and withdrawn through the same commands as the opportunity pages.

A tender the client may not see answers exactly like a missing one (404). Who evaluates,
other providers' answers and bids are never shown.
"""

from __future__ import annotations

from uuid import UUID

from flask import g, url_for

from domain.errors import DomainError
from portal.api.access import (
    api_requires,
    decode_uuid_cursor,
    idempotent,
    json_body,
    page_of,
    query,
)
from portal.api.blueprint import bp, respond
from portal.api.problems import ApiProblem
from portal.api.read_back import read_written
from portal.api.spec import links_along, links_to, operation
from portal.api.tender_schemas import (
    AnswersIn,
    BidIn,
    OwnAnswersOut,
    TenderOut,
    TenderPage,
    TendersQuery,
    WithdrawBidIn,
)
from portal.security import services
from projections import tender_queries as tq

TAG = "tenders"
OWN = {200: ("Your organisation's answers and bids on the tender", OwnAnswersOut)}
# A tender read links to the provider's answers on it; a bid to its withdrawal (same lot).
TENDER_LINKS = links_to("tender_id", "$response.body#/id", "own_answers",
                        "engagement_response")
ANSWER_LINKS = links_along(("tender_id",), "own_answers")
BID_LINKS = {**ANSWER_LINKS, **links_along(("tender_id", "lot"), "withdraw_bid", "submit_bid")}


def _connect():
    return services().engine.connect()


def _tender(tender_id: UUID) -> dict:
    with _connect() as c:
        return tq.tender_detail(g.principal, c, tender_id)


def _lot(tender: dict, lot: int) -> str:
    found = next((x["lot_id"] for x in tender["lots"] if x["lot_id"] == str(lot)), None)
    if found is None:
        raise ApiProblem("not-found", "There is no such lot")
    return found


def _own(tender_id: UUID, position: int | None = None):
    def read() -> dict:
        with _connect() as c:
            return {"response": tq.my_engagement_response(g.principal, c, tender_id),
                    "bids": tq.my_bids(g.principal, c, services().portal.bid_seal.unseal,
                                       tender_id)}

    # A tender command takes no id from the Idempotency-Key: sent again it would be refused
    # or repeated, so a client whose answer was stored but not yet readable is told to read.
    answers = read_written(position, read, what=f"answer to tender {tender_id}",
                           location=url_for("api.own_answers", tender_id=tender_id),
                           again=False)
    return respond(OwnAnswersOut(), answers)


def _run(command) -> int:
    """Run a tender command; a refused answer is named as ``answers.<question>``."""
    try:
        result = command()
    except DomainError as error:
        if error.field is None or error.field in ("weekly_price", "reason"):
            raise
        field = error.field if error.field in ("answers", "lot") else f"answers.{error.field}"
        raise ApiProblem("invalid-body", error.message, errors=[
            {"field": field, "message": error.message}]) from None
    return result[1] if isinstance(result, tuple) else result


@bp.get("/tenders")
@api_requires("tenders.view")
@operation(summary="The tenders open to your organisation, in pages", query=TendersQuery,
           responses={200: ("A page of tenders", TenderPage)}, tag=TAG)
def tenders():
    args = query(TendersQuery())
    after = decode_uuid_cursor(args["cursor"])
    with _connect() as c:
        rows = sorted(tq.tender_list(g.principal, c, stage=args["stage"]),
                      key=lambda row: row["id"])
    rows = [row for row in rows if after is None or row["id"] > after][:args["limit"] + 1]
    return respond(TenderPage(), page_of(rows, args["limit"], lambda row: str(row["id"])))


@bp.get("/tenders/<uuid:tender_id>")
@api_requires("tenders.view")
@operation(summary="A tender: its lots, timetable and questionnaire",
           responses={200: ("The tender", TenderOut)}, tag=TAG, links=TENDER_LINKS)
def tender(tender_id: UUID):
    return respond(TenderOut(), _tender(tender_id))


@bp.get("/tenders/<uuid:tender_id>/own-answers")
@api_requires("tenders.respond")
@operation(summary="Your market engagement answers and sealed bids on a tender",
           responses=OWN, tag=TAG)
def own_answers(tender_id: UUID):
    _tender(tender_id)
    return _own(tender_id)


@bp.put("/tenders/<uuid:tender_id>/engagement-response")
@api_requires("tenders.respond")
@operation(summary="Answer the market engagement questionnaire (or change your answers) "
                   "while it is open", body=AnswersIn, responses=OWN, tag=TAG,
           links=ANSWER_LINKS)
def engagement_response(tender_id: UUID):
    _tender(tender_id)
    answers = json_body(AnswersIn())["answers"]
    with _connect() as c:
        answered = tq.my_engagement_response(g.principal, c, tender_id) is not None
    command = "amend_engagement_response" if answered else "respond_to_engagement"
    position = _run(lambda: getattr(services().portal, command)(
        g.principal.actor, tender_id, provider_id=g.principal.organisation_id,
        answers=answers))
    return _own(tender_id, position)


@bp.post("/tenders/<uuid:tender_id>/lots/<int:lot>/bid")
@api_requires("tenders.respond")
@operation(summary="Submit a sealed bid for a lot (or replace yours) before the deadline",
           body=BidIn, idempotent=True, responses=OWN, tag=TAG, links=BID_LINKS)
@idempotent
def submit_bid(tender_id: UUID, lot: int):
    lot_id = _lot(_tender(tender_id), lot)
    data = json_body(BidIn())
    position = _run(lambda: services().portal.submit_bid(
        g.principal.actor, tender_id, provider_id=g.principal.organisation_id, lot_id=lot_id,
        weekly_price=data["weekly_price"], answers=data["answers"]))
    return _own(tender_id, position)


@bp.post("/tenders/<uuid:tender_id>/lots/<int:lot>/withdraw")
@api_requires("tenders.respond")
@operation(summary="Withdraw your bid for a lot before the deadline", body=WithdrawBidIn,
           idempotent=True, responses=OWN, tag=TAG, links=BID_LINKS)
@idempotent
def withdraw_bid(tender_id: UUID, lot: int):
    lot_id = _lot(_tender(tender_id), lot)
    data = json_body(WithdrawBidIn())
    position = _run(lambda: services().portal.withdraw_bid(
        g.principal.actor, tender_id, provider_id=g.principal.organisation_id, lot_id=lot_id,
        reason=data["reason"]))
    return _own(tender_id, position)
