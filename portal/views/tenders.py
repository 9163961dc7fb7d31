"""Joint tenders, the councils' side: the lead authority drafts and runs a tender with its
partner authorities; partners see it, its responses and (once opened) its bids, and record their
own key decisions.

Who may see a tender is decided by the read models (the lead, its partners, or councils of the
partnership it is run for; anyone else gets the same 404 as a missing tender); who may change it
is decided by the domain (a partner trying a lead's step gets 403). Bid content never reaches
these pages before the bids are opened: the read models have no council-readable bid rows
until then. The evaluation and award pages are in ``tender_evaluation``.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, g, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from domain.in_house import IN_HOUSE
from domain.tender_terms import (
    TIMETABLE,
    check_details,
    check_lots,
    check_partners,
    check_timetable,
)
from portal.form_keys import opened_version
from portal.forms import FormResult, load, readable, text
from portal.security import requires, services
from portal.tender_forms import (
    alongside,
    parse_key_decision,
    parse_questionnaire,
    questionnaire_values,
)
from portal.tender_schemas import (
    AnswerClarificationSchema,
    CancelSchema,
    LotSchema,
    ReasonSchema,
    ShareSchema,
    TenderDetailsSchema,
    load_row,
    row_count,
    rows,
    timetable,
    timetable_values,
)
from portal.views.tender_helpers import kept, register_vocabulary, run
from projections import directory_queries as directory
from projections import tender_queries as tq
from projections.quality_queries import providers_quality
from projections.tender_panel_queries import named_providers

bp = Blueprint("tenders", __name__, url_prefix="/tenders")
register_vocabulary(bp)

DETAILS = ("title", "description", "route", "partnership", "estimated_annual_value",
           "estimated_total_value", "term_months")
LOT_FIELDS = ("name", "setting_type", "area", "places", "age_from", "age_to")


def _connect():
    return services().engine.connect()


def _tender(tender_id: UUID) -> dict:
    with _connect() as c:
        return tq.tender_detail(g.principal, c, tender_id)


def _lead(tender_id: UUID) -> dict:
    """The tender, for a page only its lead authority uses: anyone else who may see the tender
    is refused (403); anyone who may not see it gets the same 404 as a missing tender."""
    version = services().portal.version_of(tender_id)  # read first: see _opened_version.html
    tender = _tender(tender_id)
    if not tender["viewer_is_lead"]:
        abort(403)
    return {**tender, "version": version}


def _show(tender_id: UUID) -> str:
    return url_for("tenders.show", tender_id=tender_id)


# --- the list ---------------------------------------------------------------------------------

@bp.get("/")
@requires("tenders.lead")
def index():
    with _connect() as c:
        tenders = tq.tender_list(g.principal, c)
    led = [t for t in tenders if t["lead_authority_id"] == g.principal.organisation_id]
    others = [t for t in tenders if t["lead_authority_id"] != g.principal.organisation_id]
    return render_template("tenders/index.html", led=led, others=others)


# --- drafting ---------------------------------------------------------------------------------

def _candidates() -> list[dict]:
    """The authorities that can be partners: members of a partnership the lead belongs to."""
    with _connect() as c:
        authorities = directory.authorities(g.principal, c)
    own = set(g.principal.partnerships)
    return [a for a in authorities if own & set(a["partnerships"])
            or a["id"] == g.principal.organisation_id]


def _providers() -> list[dict]:
    """The providers a lead may name: the market, not a council's own (in-house) provision."""
    with _connect() as c:
        return [{"id": p["id"], "name": p["name"]}
                for p in directory.providers(g.principal, c) if p["provider_kind"] != IN_HOUSE]


def _named(posted: MultiDict, errors: dict[str, str]) -> list[UUID] | None:
    """The providers the lead names as the only ones who may answer (None: every provider of
    the lots' kinds of placement)."""
    chosen = posted.getlist("eligible_providers")
    if not chosen:
        return None
    known = {str(p["id"]): p["id"] for p in _providers()}
    if not set(chosen) <= set(known):
        errors["eligible_providers"] = "Choose providers from the list"
        return None
    return [known[p] for p in chosen]


def _parse_tender(posted: MultiDict, candidates: list[dict]) -> tuple[FormResult, dict]:
    """The draft's terms from the form: details, partners' shares, lots, the providers named
    (if any) and timetable."""
    errors: dict[str, str] = {}
    named = _named(posted, errors)
    entries = timetable(posted, errors)
    details = load(TenderDetailsSchema(), posted.to_dict())
    errors.update(details.errors)
    partners = []
    for authority in candidates:
        name = f"share-{authority['id']}"
        if not posted.get(name, "").strip():
            continue
        share = load(ShareSchema(), {"share": posted.get(name)})
        if share.ok:
            partners.append({"authority_id": authority["id"], "share": share.data["share"]})
        else:
            errors[name] = f"{authority['name']}: {share.errors['share']}"
    lots = []
    for number, raw in rows(posted, "lot", LOT_FIELDS, multi=("needs",)):
        lot = load_row(LotSchema(), raw, "lot", number, errors)
        if lot is not None:
            lots.append(lot)
    if not rows(posted, "lot", LOT_FIELDS, multi=("needs",)):
        errors["lot-1-name"] = "Add at least one lot"
    terms = {**details.data, "partners": partners, "lots": lots, "eligible_providers": named,
             "timetable": {k: v for k, v in entries.items() if v is not None}}
    form = FormResult(data=terms if not errors else posted, errors=errors)
    if errors:  # the rules across fields, on what could be read, beside the fields' errors
        details_read = readable(TenderDetailsSchema(), posted.to_dict(), errors)
        alongside(form, _draft_rules(details_read, terms, errors), TENDER_FIELDS, "title")
    return form, terms


def _draft_rules(details: dict, terms: dict, errors: dict[str, str]) -> list:
    """The domain's checks of a draft's terms (those it can make without the records) on what
    the form could read: the partners and lots only when every row of them could be read, so
    none is judged without its neighbours (and lots are numbered as the form numbers them)."""
    checks = [lambda: check_details(**{f: details.get(f) for f in DETAILS
                                       if f != "partnership"}),
              lambda: check_timetable(terms["timetable"])]
    if terms["partners"] and not any(k.startswith("share-") for k in errors):
        checks.append(lambda: check_partners(terms["partners"], g.principal.organisation_id))
    if terms["lots"] and not any(k.startswith("lot-") for k in errors):
        checks.append(lambda: check_lots(terms["lots"]))
    return checks


TENDER_FIELDS = {*DETAILS, "partners", "lots", "partnership", "eligible_providers", *TIMETABLE}


def _render_form(form: FormResult, candidates: list[dict], tender: dict | None = None):
    posted = form.data if isinstance(form.data, MultiDict) else MultiDict(form.data)
    anchors = {**{k: f"{k}-day" for k in TIMETABLE}, **form.anchors}
    return render_template(
        "tenders/form.html", form=FormResult(data=posted, errors=form.errors, anchors=anchors),
        tender=tender, candidates=candidates, partnerships=sorted(g.principal.partnerships),
        providers=_providers(),
        lot_count=row_count(posted, "lot"))


@bp.route("/new", methods=["GET", "POST"])
@requires("tenders.lead")
def new():
    candidates = _candidates()
    if request.method == "GET" or request.form.get("add"):
        posted = request.form.copy() if request.method == "POST" else MultiDict()
        return _render_form(FormResult(data=posted), candidates)
    form, terms = _parse_tender(request.form, candidates)
    if form.ok:
        done = run(form, lambda: services().portal.draft_tender(
            g.principal.actor, lead_authority_id=g.principal.organisation_id, **terms),
            fields=TENDER_FIELDS, default="title", message="Tender drafted",
            then=lambda result: _show(result[0]))
        if done:
            return done
        kept(form, request.form)
    return _render_form(form, candidates)


def _tender_values(tender: dict) -> MultiDict:
    values = MultiDict({k: str(tender[k]) for k in DETAILS})
    with _connect() as c:
        values.setlist("eligible_providers",
                       [str(p["id"]) for p in named_providers(g.principal, c, tender["id"])])
    for partner in tender["partners"]:
        values[f"share-{partner['authority_id']}"] = str(partner["share"])
    lots = tender["lots"]
    values["lot-count"] = str(len(lots))
    for number, lot in enumerate(lots, start=1):
        for name in LOT_FIELDS:
            values[f"lot-{number}-{name}"] = "" if lot[name] is None else str(lot[name])
        values.setlist(f"lot-{number}-needs", list(lot["needs"]))
    return values


@bp.route("/<uuid:tender_id>/edit", methods=["GET", "POST"])
@requires("tenders.lead")
def edit(tender_id: UUID):
    tender = _lead(tender_id)
    candidates = _candidates()
    if request.method == "GET" or request.form.get("add"):
        posted = request.form.copy() if request.method == "POST" else _tender_values(tender)
        return _render_form(FormResult(data=posted), candidates, tender)
    form, terms = _parse_tender(request.form, candidates)
    if form.ok:
        # The timetable has its own page (and command): this form changes the draft's terms.
        terms.pop("timetable")

        def revise() -> int:
            return services().portal.revise_tender(g.principal.actor, tender_id,
                                                   expected_version=opened_version(), **terms)

        done = run(form, revise, fields=TENDER_FIELDS, default="title",
                   message="Tender changed", then=lambda _: _show(tender_id))
        if done:
            return done
        kept(form, request.form)
    return _render_form(form, candidates, tender)


# --- the tender -------------------------------------------------------------------------------

def _page(tender_id: UUID, form: FormResult | None = None, status: int = 200):
    version = services().portal.version_of(tender_id)  # its stage buttons carry it
    with _connect() as c:
        tender = {**tq.tender_detail(g.principal, c, tender_id), "version": version}
        clarifications = tq.clarifications(g.principal, c, tender_id)
        council = tender["viewer_is_partner"]
        responses = tq.engagement_responses_for(g.principal, c, tender_id) if council else []
        named = named_providers(g.principal, c, tender_id) if council else []
    return render_template("tenders/show.html", tender=tender, form=form or FormResult(),
                           clarifications=clarifications, responses=responses, named=named,
                           now=services().portal.clock()), status


@bp.get("/<uuid:tender_id>")
@requires("tenders.lead")
def show(tender_id: UUID):
    return _page(tender_id)


STAGE_ACTIONS = {
    "open-engagement": ("open_market_engagement", "Market engagement opened: eligible "
                        "providers can now answer the questionnaire"),
    "conclude-engagement": ("conclude_market_engagement", "Market engagement concluded"),
    "publish-invitation": ("publish_invitation", "Invitation to tender published: eligible "
                           "providers can now bid"),
}


@bp.post("/<uuid:tender_id>/<any('open-engagement', 'conclude-engagement', "
         "'publish-invitation'):action>")
@requires("tenders.lead")
def stage_action(tender_id: UUID, action: str):
    _lead(tender_id)
    command, message = STAGE_ACTIONS[action]
    form = FormResult(anchors={"actions": "actions"})
    done = run(form, lambda: getattr(services().portal, command)(
        g.principal.actor, tender_id, expected_version=opened_version()),
        fields={"actions"}, default="actions", message=message,
        then=lambda _: _show(tender_id))
    if "version" in form.errors:  # this page shows the tender as it is now: said at its buttons
        form.errors = {"actions": form.errors["version"]}
    return done or _page(tender_id, form, 422)


@bp.route("/<uuid:tender_id>/timetable", methods=["GET", "POST"])
@requires("tenders.lead")
def set_timetable(tender_id: UUID):
    tender = _lead(tender_id)
    form = FormResult(data=timetable_values(tender["timetable"]))
    if request.method == "POST":
        errors: dict[str, str] = {}
        entries = timetable(request.form, errors)
        reason = text(request.form.get("reason", ""), "reason", errors, label="Reason",
                      limit=500).strip() or None
        form = FormResult(data=request.form.to_dict(), errors=errors,
                          anchors={k: f"{k}-day" for k in TIMETABLE})
        if form.ok:
            done = run(form, lambda: services().portal.set_tender_timetable(
                g.principal.actor, tender_id, timetable=entries,
                reason=reason, expected_version=opened_version()),
                fields=set(TIMETABLE), default="engagement_opens", message="Timetable saved",
                then=lambda _: _show(tender_id))
            if done:
                return done
    return render_template("tenders/timetable.html", tender=tender, form=form)


# --- the questionnaire ------------------------------------------------------------------------

@bp.route("/<uuid:tender_id>/questionnaire", methods=["GET", "POST"])
@requires("tenders.lead")
def questionnaire(tender_id: UUID):
    tender = _lead(tender_id)
    posted = request.form if request.method == "POST" else questionnaire_values(
        tender["questions"])
    form = FormResult(data=posted)
    if request.method == "POST" and not request.form.get("add"):
        form, questions = parse_questionnaire(posted)
        if form.ok:
            done = run(form, lambda: services().portal.set_questionnaire(
                g.principal.actor, tender_id, questions=questions,
                expected_version=opened_version()),
                fields={"questions"}, default="questions",
                message="Market engagement questionnaire saved",
                then=lambda _: _show(tender_id))
            if done:
                return done
            form.anchors["questions"] = "question-1-text"
    return render_template("tenders/questionnaire.html", tender=tender, form=form,
                           count=row_count(posted, "question"))


# --- key decisions ----------------------------------------------------------------------------

def _partner(tender: dict, authority_id: UUID) -> dict:
    """The partner whose key decision is recorded: the lead records any partner's, a partner
    only its own (403); an authority that is not a partner is 404."""
    partner = next((p for p in tender["partners"] if p["authority_id"] == authority_id), None)
    if partner is None:
        abort(404)
    if not (tender["viewer_is_lead"] or authority_id == g.principal.organisation_id):
        abort(403)
    return partner


@bp.route("/<uuid:tender_id>/key-decisions/<uuid:authority_id>", methods=["GET", "POST"])
@requires("tenders.lead")
def key_decision(tender_id: UUID, authority_id: UUID):
    tender = _tender(tender_id)
    partner = _partner(tender, authority_id)
    form = FormResult(anchors={"taken_on": "taken_on-day"})
    if request.method == "POST":
        form = parse_key_decision(request.form)
        if form.ok:
            data = form.data
            done = run(form, lambda: services().portal.record_key_decision(
                g.principal.actor, tender_id, authority_id=authority_id,
                reference=data["reference"], taken_on=data["taken_on"]),
                fields={"reference", "taken_on"}, default="reference",
                message=f"Key decision recorded for {partner['name']}",
                then=lambda _: _show(tender_id))
            if done:
                return done
        kept(form, request.form.to_dict())
    return render_template("tenders/key_decision.html", tender=tender, partner=partner,
                           form=form)


# --- market engagement responses --------------------------------------------------------------

@bp.get("/<uuid:tender_id>/responses")
@requires("tenders.lead")
def responses(tender_id: UUID):
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        listed = tq.engagement_responses_for(g.principal, c, tender_id)
        summary = tq.engagement_summary(g.principal, c, tender_id)
        quality = providers_quality(g.principal, c, (r["provider_id"] for r in listed))
    return render_template("tenders/responses.html", tender=tender, responses=listed,
                           summary=summary, quality=quality)


# --- clarifications ---------------------------------------------------------------------------

def _clarification(tender_id: UUID, clarification_id: UUID) -> tuple[dict, dict]:
    """The tender and one of its clarification questions, for its lead to answer (a partner
    is refused, 403; a question not on the tender is 404)."""
    with _connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
        found = next((q for q in tq.clarifications(g.principal, c, tender_id)
                      if q["id"] == clarification_id), None)
    if found is None:
        abort(404)
    if not tender["viewer_is_lead"]:
        abort(403)
    return tender, found


@bp.route("/<uuid:tender_id>/clarifications/<uuid:clarification_id>",
          methods=["GET", "POST"])
@requires("tenders.lead")
def clarification(tender_id: UUID, clarification_id: UUID):
    tender, found = _clarification(tender_id, clarification_id)
    form = FormResult(data={"question": found["question"]})
    if request.method == "POST":
        form = load(AnswerClarificationSchema(), request.form.to_dict())
        if form.ok:
            data = form.data
            publish = data["publish"] == "yes"
            done = run(form, lambda: services().portal.answer_clarification(
                g.principal.actor, tender_id, clarification_id, answer=data["answer"],
                publish=publish, question=data.get("question") if publish else None),
                fields={"answer", "question", "publish"}, default="answer",
                message=("Answer published to every bidder" if publish
                         else "Answer sent to the provider who asked"),
                then=lambda _: _show(tender_id) + "#clarifications")
            if done:
                return done
        kept(form, request.form.to_dict())
    return render_template("tenders/clarification.html", tender=tender, clarification=found,
                           form=form)


# --- opening bids and cancelling --------------------------------------------------------------

@bp.route("/<uuid:tender_id>/open-bids", methods=["GET", "POST"])
@requires("tenders.lead")
def open_bids(tender_id: UUID):
    tender = _lead(tender_id)
    form = FormResult()
    if request.method == "POST":
        form = load(ReasonSchema(), request.form.to_dict())
        if form.ok:
            done = run(form, lambda: services().portal.open_bids(
                g.principal.actor, tender_id, reason=form.data.get("reason")),
                fields={"reason"}, default="open", message="Bids opened",
                then=lambda _: url_for("tender_evaluation.bids", tender_id=tender_id))
            if done:
                return done
            form.anchors["open"] = "open-bids"
        kept(form, request.form.to_dict())
    return render_template("tenders/open_bids.html", tender=tender, form=form)


@bp.route("/<uuid:tender_id>/cancel", methods=["GET", "POST"])
@requires("tenders.lead")
def cancel(tender_id: UUID):
    tender = _lead(tender_id)
    form = FormResult()
    if request.method == "POST":
        form = load(CancelSchema(), request.form.to_dict())
        if form.ok:
            done = run(form, lambda: services().portal.cancel_tender(
                g.principal.actor, tender_id, reason=form.data["reason"]),
                fields={"reason"}, default="reason", message="Tender cancelled",
                then=lambda _: _show(tender_id))
            if done:
                return done
        kept(form, request.form.to_dict())
    return render_template("tenders/cancel.html", tender=tender, form=form)
