"""Joint tenders, evaluation and award: the quality questions and the quality/price weights
(fixed before any bid is opened), the evaluation panel, evaluators' scores and the moderator's
agreed scores, the ranking of each lot, the award with its standstill, and the contracts.

The opened bids come from the council-readable read model, which has no row for a bid until the
lead opens the bids after the deadline; before that these pages show that bids are sealed.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, g, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from portal.form_keys import opened_version
from portal.forms import FormResult
from portal.security import requires, services
from portal.tender_forms import (
    AWARD_ANCHORS,
    panel_values,
    parse_award,
    parse_contract,
    parse_evaluation,
    parse_panel,
)
from portal.tender_presenters import BidScoring
from portal.tender_schemas import parse_scores, row_count
from portal.views.tender_helpers import kept, register_vocabulary, run
from projections import tender_queries as tq
from projections.quality_queries import providers_quality
from projections.tender_panel_queries import panel_candidates

bp = Blueprint("tender_evaluation", __name__, url_prefix="/tenders")
register_vocabulary(bp)


def _connect():
    return services().engine.connect()


def _show(tender_id: UUID) -> str:
    return url_for("tenders.show", tender_id=tender_id)


def _bids_page(tender_id: UUID) -> str:
    return url_for("tender_evaluation.bids", tender_id=tender_id)


def _lead(tender_id: UUID, refused: int = 403) -> dict:
    """The tender, for a page only its lead authority uses: a partner is refused (403) and
    anyone else who may see the tender gets ``refused``."""
    version = services().portal.version_of(tender_id)  # read first: _opened_version.html
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
    if not tender["viewer_is_lead"]:
        abort(403 if tender["viewer_is_partner"] else refused)
    return {**tender, "version": version}


# --- quality questions and weights ------------------------------------------------------------

def _evaluation_values(tender: dict) -> MultiDict:
    questions = tender["quality_questions"]
    values = MultiDict({"quality-count": str(max(1, len(questions))),
                        "quality_weight": str(tender["quality_weight"] or ""),
                        "price_weight": str(tender["price_weight"] or "")})
    for number, question in enumerate(questions, start=1):
        values[f"quality-{number}-text"] = question["text"]
        values[f"quality-{number}-weight"] = str(question["weight"])
    return values


@bp.route("/<uuid:tender_id>/evaluation", methods=["GET", "POST"])
@requires("tenders.lead")
def evaluation(tender_id: UUID):
    tender = _lead(tender_id)
    posted = request.form if request.method == "POST" else _evaluation_values(tender)
    form = FormResult(data=posted)
    if request.method == "POST" and not request.form.get("add"):
        form, terms = parse_evaluation(posted)
        if form.ok:
            done = run(form, lambda: services().portal.set_evaluation(
                g.principal.actor, tender_id, expected_version=opened_version(), **terms),
                fields={"quality_questions", "quality_weight", "price_weight"},
                default="quality_questions", message="Quality questions and weights saved",
                then=lambda _: _show(tender_id))
            if done:
                return done
    return render_template("tenders/evaluation.html", tender=tender, form=form,
                           count=row_count(posted, "quality"))


# --- opened bids, rankings and the panel ------------------------------------------------------

@bp.get("/<uuid:tender_id>/bids")
@requires("tenders.lead")
def bids(tender_id: UUID):
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        if not (tender["viewer_is_lead"] or tender["viewer_is_partner"]):
            abort(404)
        opened = tq.opened_bids_for(g.principal, c, tender_id)
        rankings = tq.lot_rankings(g.principal, c, tender_id)
        scores = tq.tender_scores_for(g.principal, c, tender_id)
        quality = providers_quality(g.principal, c, (b["provider_id"] for b in opened))
    return render_template("tenders/bids.html", tender=tender, opened=opened,
                           rankings=rankings, scores=scores, quality=quality)


@bp.route("/<uuid:tender_id>/panel", methods=["GET", "POST"])
@requires("tenders.lead")
def panel(tender_id: UUID):
    tender = _lead(tender_id)
    with _connect() as c:
        people = panel_candidates(g.principal, c, tender_id)
    form = FormResult(data=panel_values(tender))
    if request.method == "POST":
        form = parse_panel(request.form, people)
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.appoint_evaluation_panel(
                g.principal.actor, tender_id, evaluators=data["evaluators"],
                moderator=data["moderator"], expected_version=opened_version()),
                fields={"evaluators", "moderator"},
                default="evaluators", message="Evaluation panel appointed",
                then=lambda _: _show(tender_id))
            if done:
                return done
        kept(form, request.form)
    return render_template("tenders/panel.html", tender=tender, people=people, form=form)


def _opened_bid(tender_id: UUID, bid_id: UUID) -> tuple[dict, dict, list[dict]]:
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        if not (tender["viewer_is_lead"] or tender["viewer_is_partner"]):
            abort(404)
        bid = next((b for b in tq.opened_bids_for(g.principal, c, tender_id)
                    if b["id"] == bid_id), None)
        scores = [s for s in tq.tender_scores_for(g.principal, c, tender_id)
                  if s["bid_id"] == bid_id]
        if bid is None:
            abort(404)
        bid["quality"] = providers_quality(g.principal, c, [bid["provider_id"]])[
            bid["provider_id"]]
    return tender, bid, scores


# What each member of the panel does with an opened bid: the command and what it says after.
SCORING = {
    "evaluator": ("record_scores", "Your scores are recorded"),
    "moderator": ("moderate_scores", "Final scores agreed"),
}


@bp.route("/<uuid:tender_id>/bids/<uuid:bid_id>", methods=["GET", "POST"])
@requires("tenders.lead")
def bid(tender_id: UUID, bid_id: UUID):
    """An opened bid: its answers; the evaluator's score form or the moderator's."""
    tender, opened, scores = _opened_bid(tender_id, bid_id)
    scoring = BidScoring.of(tender, opened, scores, g.principal.user_id)
    form = FormResult(data=scoring.form_values)
    if request.method == "POST":
        if scoring.role is None:
            abort(403)
        form = parse_scores(request.form, tender["quality_questions"])
        if form.ok:
            command, message = SCORING[scoring.role]
            scored = form.data
            done = run(form, lambda: getattr(services().portal, command)(
                g.principal.actor, tender_id, bid_id, scores=scored),
                fields=scoring.fields, default="scores", message=message,
                then=lambda _: _bids_page(tender_id))
            if done:
                return done
            form.data = request.form.to_dict()
    return render_template("tenders/bid.html", tender=tender, bid=opened, scores=scoring.shown,
                           role=scoring.role, form=form)


# --- award and contracts ----------------------------------------------------------------------

@bp.route("/<uuid:tender_id>/award", methods=["GET", "POST"])
@requires("tenders.lead")
def award(tender_id: UUID):
    tender = _lead(tender_id, refused=404)
    with _connect() as c:
        rankings = tq.lot_rankings(g.principal, c, tender_id)
    form = FormResult(anchors=dict(AWARD_ANCHORS))
    if request.method == "POST":
        form = parse_award(request.form, tender["lots"])
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.award_tender(
                g.principal.actor, tender_id, awards=data["awards"],
                standstill_ends=data["standstill_ends"]),
                fields={"awards", "key_decisions", "standstill_ends"}, default="awards",
                message="Award decision recorded: the standstill period has started",
                then=lambda _: _show(tender_id))
            if done:
                return done
        form.data = request.form
    return render_template("tenders/award.html", tender=tender, rankings=rankings, form=form)


@bp.route("/<uuid:tender_id>/contracts/new", methods=["GET", "POST"])
@requires("tenders.lead")
def new_contract(tender_id: UUID):
    tender = _lead(tender_id, refused=404)
    with _connect() as c:
        awarded = [b for b in tq.opened_bids_for(g.principal, c, tender_id) if b["awarded"]]
    form = FormResult()
    if request.method == "POST":
        form = parse_contract(request.form)
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.enter_tender_contract(
                g.principal.actor, tender_id, bid_id=data["bid"],
                authority_id=data["authority_id"], places=data["places"], start=data["start"],
                end=data["end"]), fields={"bid", "authority_id", "places", "start", "end"},
                default="bid", message="Contract entered",
                then=lambda _: _show(tender_id) + "#contracts")
            if done:
                return done
        form.data = request.form.to_dict()
    return render_template("tenders/contract.html", tender=tender, awarded=awarded, form=form)
