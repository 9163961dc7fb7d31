"""Joint tenders, the providers' side: a tender open to the provider's organisation as a
provider sees it (the list of them is ``tender_pipelines.opportunities``); answering market
engagement (once, amendable until it closes); asking clarification questions and reading the
published answers (never who asked) and the answers to its own; and sealed bids per lot,
submitted, replaced or withdrawn before the deadline.

A tender the provider may not see (a draft, or one it is not eligible for) is the same 404 as a
missing one. Deadlines are the server's: a late or ineligible attempt is refused by the domain
with a clear message shown beside the form.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, g, render_template, request, url_for

from portal.forms import FormResult, load
from portal.security import requires, services
from portal.tender_forms import answer_values, parse_answers, parse_bid
from portal.tender_schemas import AskClarificationSchema, ReasonSchema
from portal.views.tender_helpers import kept, register_vocabulary, run
from projections import tender_queries as tq

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")
register_vocabulary(bp)


def _connect():
    return services().engine.connect()


def _show(tender_id: UUID) -> str:
    return url_for("opportunities.show", tender_id=tender_id)


def _context(tender_id: UUID) -> dict:
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        return {
            "tender": tender,
            "response": tq.my_engagement_response(g.principal, c, tender_id),
            "clarifications": tq.clarifications(g.principal, c, tender_id),
            "bids": {b["lot_id"]: b for b in tq.my_bids(
                g.principal, c, services().portal.bid_seal.unseal, tender_id)},
            "now": services().portal.clock(),
        }


@bp.get("/<uuid:tender_id>")
@requires("tenders.respond")
def show(tender_id: UUID):
    return render_template("opportunities/show.html", form=FormResult(),
                           **_context(tender_id))


# --- market engagement ------------------------------------------------------------------------

# Answering for the first time, or changing the answers given: the command and what it says.
ANSWERING = {
    False: ("respond_to_engagement", "Your answers have been sent"),
    True: ("amend_engagement_response", "Your answers have been changed"),
}


@bp.route("/<uuid:tender_id>/response", methods=["GET", "POST"])
@requires("tenders.respond")
def response(tender_id: UUID):
    context = _context(tender_id)
    tender, existing = context["tender"], context["response"]
    form = FormResult(data=answer_values(existing))
    if request.method == "POST":
        form = parse_answers(request.form, tender["questions"])
        if form.ok:
            command, message = ANSWERING[existing is not None]
            answers = form.data
            done = run(form, lambda: getattr(services().portal, command)(
                g.principal.actor, tender_id, provider_id=g.principal.organisation_id,
                answers=answers), fields={*answers, "answers"}, default="answers",
                message=message, then=lambda _: _show(tender_id))
            if done:
                return done
        kept(form, request.form)
    return render_template("opportunities/response.html", form=form, **context)


# --- clarifications ---------------------------------------------------------------------------

@bp.route("/<uuid:tender_id>/clarifications", methods=["GET", "POST"])
@requires("tenders.respond")
def ask(tender_id: UUID):
    context = _context(tender_id)
    form = FormResult()
    if request.method == "POST":
        form = load(AskClarificationSchema(), request.form.to_dict())
        if form.ok:
            data = form.data
            lots = {lot["lot_id"] for lot in context["tender"]["lots"]}
            if data["lot"] and data["lot"] not in lots:
                form.errors["lot"] = "Choose one of the tender's lots"
            else:
                done = run(form, lambda: services().portal.ask_clarification(
                    g.principal.actor, tender_id, provider_id=g.principal.organisation_id,
                    question=data["question"], lot_id=data["lot"]),
                    fields={"question", "lot"}, default="question",
                    message="Your question has been sent to the lead authority",
                    then=lambda _: _show(tender_id) + "#clarifications")
                if done:
                    return done
        kept(form, request.form.to_dict())
    return render_template("opportunities/ask.html", form=form, **context)


# --- bids -------------------------------------------------------------------------------------

def _lot(tender: dict, lot: int) -> dict:
    found = next((x for x in tender["lots"] if x["lot_id"] == str(lot)), None)
    if found is None:
        abort(404)
    return found


@bp.route("/<uuid:tender_id>/lots/<int:lot>/bid", methods=["GET", "POST"])
@requires("tenders.respond")
def bid(tender_id: UUID, lot: int):
    context = _context(tender_id)
    chosen = _lot(context["tender"], lot)
    existing = context["bids"].get(chosen["lot_id"])
    standing = existing is not None and existing["status"] != "withdrawn"
    form = FormResult(data={"weekly_price": existing["weekly_price"], **existing["answers"]}
                      if standing else {})
    if request.method == "POST":
        form = parse_bid(request.form, context["tender"]["quality_questions"])
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.submit_bid(
                g.principal.actor, tender_id, provider_id=g.principal.organisation_id,
                lot_id=chosen["lot_id"], weekly_price=data["weekly_price"],
                answers=data["answers"]),
                fields={"weekly_price", "bid", "lot", *data["answers"]}, default="bid",
                message=(f"Your bid for {chosen['name']} has been replaced" if standing
                         else f"Your bid for {chosen['name']} has been submitted"),
                then=lambda _: _show(tender_id) + "#bids")
            if done:
                return done
        kept(form, request.form.to_dict())
    return render_template("opportunities/bid.html", form=form, lot=chosen, bid=existing,
                           **context)


@bp.route("/<uuid:tender_id>/lots/<int:lot>/withdraw", methods=["GET", "POST"])
@requires("tenders.respond")
def withdraw(tender_id: UUID, lot: int):
    context = _context(tender_id)
    chosen = _lot(context["tender"], lot)
    existing = context["bids"].get(chosen["lot_id"])
    if existing is None:
        abort(404)
    form = FormResult()
    if request.method == "POST":
        form = load(ReasonSchema(), request.form.to_dict())
        if form.ok:
            done = run(form, lambda: services().portal.withdraw_bid(
                g.principal.actor, tender_id, provider_id=g.principal.organisation_id,
                lot_id=chosen["lot_id"], reason=form.data.get("reason")),
                fields={"reason"}, default="bid",
                message=f"Your bid for {chosen['name']} has been withdrawn",
                then=lambda _: _show(tender_id) + "#bids")
            if done:
                return done
            form.anchors["bid"] = "withdraw-heading"
        kept(form, request.form.to_dict())
    return render_template("opportunities/withdraw.html", form=form, lot=chosen, bid=existing,
                           **context)
