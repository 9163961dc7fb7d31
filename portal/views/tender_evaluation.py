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

from portal.forms import FormResult, load
from portal.security import requires, services
from portal.tender_schemas import (
    AwardSchema,
    ContractSchema,
    EvaluationSchema,
    PanelSchema,
    QualityQuestionSchema,
    day,
    load_row,
    parse_scores,
    row_count,
    rows,
)
from portal.views.tender_helpers import register_vocabulary, run
from projections import tender_queries as tq
from projections.tender_panel_queries import panel_candidates

bp = Blueprint("tender_evaluation", __name__, url_prefix="/tenders")
register_vocabulary(bp)


def _connect():
    return services().engine.connect()


def _show(tender_id: UUID) -> str:
    return url_for("tenders.show", tender_id=tender_id)


def _bids_page(tender_id: UUID) -> str:
    return url_for("tender_evaluation.bids", tender_id=tender_id)


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
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
    if not tender["viewer_is_lead"]:
        abort(403)
    posted = request.form if request.method == "POST" else _evaluation_values(tender)
    form = FormResult(data=posted)
    if request.method == "POST" and not request.form.get("add"):
        weights = load(EvaluationSchema(), posted.to_dict())
        errors = dict(weights.errors)
        questions = []
        for number, raw in rows(posted, "quality", ("text", "weight")):
            question = load_row(QualityQuestionSchema(), raw, "quality", number, errors)
            if question is not None:
                questions.append(question)
        if not rows(posted, "quality", ("text", "weight")):
            errors["quality-1-text"] = "Add at least one quality question"
        elif questions and "quality-1-weight" not in errors \
                and sum(q["weight"] for q in questions) != 100:
            errors["quality-1-weight"] = "The quality questions' weights must add up to 100"
        form = FormResult(data=posted, errors=errors,
                          anchors={"quality_questions": "quality-1-text", "route": "actions"})
        if form.ok:
            done = run(form, lambda: services().portal.set_evaluation(
                g.principal.actor, tender_id, quality_questions=questions,
                **weights.data), fields={"quality_questions", "quality_weight", "price_weight"},
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
    return render_template("tenders/bids.html", tender=tender, opened=opened,
                           rankings=rankings, scores=scores)


@bp.route("/<uuid:tender_id>/panel", methods=["GET", "POST"])
@requires("tenders.lead")
def panel(tender_id: UUID):
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        if not tender["viewer_is_lead"]:
            abort(403)
        people = panel_candidates(g.principal, c, tender_id)
    form = FormResult(data=MultiDict(
        [("evaluators", str(UUID(e))) for e in tender["evaluators"]]
        + [("moderator", str(tender["moderator"] or ""))]))
    if request.method == "POST":
        raw = {"evaluators": request.form.getlist("evaluators"),
               "moderator": request.form.get("moderator")}
        form = load(PanelSchema(), raw)
        form.anchors = {"evaluators": "evaluators"}
        known = {p["id"] for p in people}
        if form.ok and not set(form.data["evaluators"]) | {form.data["moderator"]} <= known:
            form.errors["evaluators"] = "Choose people from the lead and partner authorities"
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.appoint_evaluation_panel(
                g.principal.actor, tender_id, evaluators=data["evaluators"],
                moderator=data["moderator"]), fields={"evaluators", "moderator"},
                default="evaluators", message="Evaluation panel appointed",
                then=lambda _: _show(tender_id))
            if done:
                return done
        form.data = request.form
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
    return tender, bid, scores


@bp.route("/<uuid:tender_id>/bids/<uuid:bid_id>", methods=["GET", "POST"])
@requires("tenders.lead")
def bid(tender_id: UUID, bid_id: UUID):
    """An opened bid: its answers; the evaluator's score form or the moderator's."""
    tender, opened, scores = _opened_bid(tender_id, bid_id)
    user = g.principal.user_id
    role = ("moderator" if tender["moderator"] == user
            else "evaluator" if user in {UUID(e) for e in tender["evaluators"]} else None)
    mine = next((s["scores"] for s in scores if s["evaluator_id"] == user), None)
    agreed = opened["agreed_scores"]
    start = agreed if role == "moderator" and agreed else mine
    form = FormResult(data={f"score-{k}": str(v) for k, v in (start or {}).items()})
    if request.method == "POST":
        if role is None:
            abort(403)
        form = parse_scores(request.form, tender["quality_questions"])
        form.anchors = {"scores": f"score-{tender['quality_questions'][0]['question_id']}"}
        if form.ok:
            command = (services().portal.moderate_scores if role == "moderator"
                       else services().portal.record_scores)
            scored = form.data
            done = run(form, lambda: command(g.principal.actor, tender_id, bid_id,
                                             scores=scored),
                       fields={f"score-{q['question_id']}" for q in tender["quality_questions"]}
                       | {"scores"}, default="scores",
                       message=("Final scores agreed" if role == "moderator"
                                else "Your scores are recorded"),
                       then=lambda _: _bids_page(tender_id))
            if done:
                return done
            form.data = request.form.to_dict()
    # Evaluators score independently: each sees only their own scores until agreed.
    shown = [s for s in scores if role != "evaluator" or s["evaluator_id"] == user]
    return render_template("tenders/bid.html", tender=tender, bid=opened, scores=shown,
                           role=role, form=form)


# --- award and contracts ----------------------------------------------------------------------

@bp.route("/<uuid:tender_id>/award", methods=["GET", "POST"])
@requires("tenders.lead")
def award(tender_id: UUID):
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        if not tender["viewer_is_lead"]:
            abort(403 if tender["viewer_is_partner"] else 404)
        rankings = tq.lot_rankings(g.principal, c, tender_id)
    form = FormResult(anchors={"standstill_ends": "standstill_ends-day",
                               "awards": "awards", "key_decisions": "awards"})
    if request.method == "POST":
        errors: dict[str, str] = {}
        raw = {"standstill_ends": day(request.form, "standstill_ends", errors)}
        form = load(AwardSchema(), raw, errors)
        form.anchors = {"standstill_ends": "standstill_ends-day", "awards": "awards",
                        "key_decisions": "awards"}
        awards: dict[str, list[UUID]] = {}
        for lot in tender["lots"]:
            chosen = request.form.getlist(f"award-{lot['lot_id']}")
            try:
                awards[lot["lot_id"]] = [UUID(b) for b in chosen]
            except ValueError:
                form.errors["awards"] = "Choose the bids to award from the lists"
        if form.ok:
            done = run(form, lambda: services().portal.award_tender(
                g.principal.actor, tender_id, awards=awards,
                standstill_ends=form.data["standstill_ends"]),
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
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        if not tender["viewer_is_lead"]:
            abort(403 if tender["viewer_is_partner"] else 404)
        awarded = [b for b in tq.opened_bids_for(g.principal, c, tender_id) if b["awarded"]]
    form = FormResult()
    if request.method == "POST":
        errors: dict[str, str] = {}
        raw = {**request.form.to_dict(), "start": day(request.form, "start", errors),
               "end": day(request.form, "end", errors)}
        form = load(ContractSchema(), raw, errors)
        form.anchors = {"start": "start-day", "end": "end-day"}
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.enter_tender_contract(
                g.principal.actor, tender_id, bid_id=data["bid"],
                authority_id=data["authority_id"], places=data["places"], start=data["start"],
                end=data["end"]), fields={"bid", "authority_id", "places", "start", "end"},
                default="bid", message="Contract entered",
                then=lambda result: url_for("tenders.show", tender_id=tender_id)
                + "#contracts")
            if done:
                return done
        form.data = request.form.to_dict()
    return render_template("tenders/contract.html", tender=tender, awarded=awarded, form=form)
