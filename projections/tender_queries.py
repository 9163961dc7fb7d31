"""Queries over the joint tender read models. Each takes the viewer first.

Who sees what:
- the lead authority and the partner authorities (their council officers): everything about
  the tender, every market engagement response with a per-question summary, every
  clarification with who asked it, and, once the bids are opened, the bids, scores and
  rankings;
- other council officers of the tender's partnership, and auditors: the tender itself (details,
  lots, partners, key decisions, timetable, stage) and published clarifications;
- a provider: tenders past draft that it is eligible for, its own response and bids,
  published clarifications (never who asked) and its own questions;
- anyone else: "There is no such tender", exactly as if it did not exist.
Before the bids are opened no council user sees anything of them, not even that one exists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from domain.organisation import KIND_COVERS
from domain.permissions import check, check_in_scope, in_scope
from domain.tender import rank_bids
from domain.tender_terms import TIMETABLE
from domain.vocabulary import SETTING_TYPES
from projections.directory import organisations, settings
from projections.tenders import (
    engagement_responses,
    opened_bids,
    sealed_bids,
    tender_clarifications,
    tender_contracts,
    tender_eligible_providers,
    tender_lots,
    tender_partners,
    tender_quality_questions,
    tender_questions,
    tender_scores,
    tenders,
)

MISSING = "There is no such tender"
COUNCIL_ROLES = ("lead", "partner")


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes for UTC columns; PostgreSQL aware ones."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("engagement_closes", "clarification_deadline", "bid_deadline", "drafted_at",
                "changed_at", "opened_at", "awarded_at"):
        if key in out:
            out[key] = aware(out[key])
    return out


# --- who the viewer is to a tender -----------------------------------------------------------

def provider_setting_types(c: sa.Connection, provider_id: UUID) -> frozenset[str]:
    kind = c.execute(sa.select(organisations.c.provider_kind)
                     .where(organisations.c.id == provider_id)).scalar()
    if kind == "mixed":
        return frozenset(SETTING_TYPES)
    types = set(KIND_COVERS.get(kind or "", frozenset()))
    types.update(c.execute(sa.select(settings.c.setting_type).distinct()
                           .where(settings.c.provider_id == provider_id)).scalars())
    return frozenset(types)


def _eligible_condition(c: sa.Connection, provider_id: UUID):
    """Tenders past draft that this provider may answer: named, or open to every provider,
    with a lot of a setting type it offers."""
    types = provider_setting_types(c, provider_id)
    named = sa.exists().where(tender_eligible_providers.c.tender_id == tenders.c.id,
                              tender_eligible_providers.c.provider_id == provider_id)
    offers = sa.exists().where(tender_lots.c.tender_id == tenders.c.id,
                               tender_lots.c.setting_type.in_(sorted(types)))
    return sa.and_(tenders.c.stage != "draft", offers,
                   sa.or_(tenders.c.named_providers.is_(False), named))


def _partner_ids(c: sa.Connection, tender_id: UUID) -> set[UUID]:
    return set(c.execute(sa.select(tender_partners.c.authority_id)
                         .where(tender_partners.c.tender_id == tender_id)).scalars())


def viewer_role(viewer, c: sa.Connection, tender: dict) -> str:
    """``lead``, ``partner``, ``council`` (another officer of the partnership), ``auditor``
    or ``provider``; NotFound if the viewer may not see the tender at all."""
    check(viewer, "tenders.view")
    organisation = viewer.organisation_id
    if viewer.organisation_kind == "provider":
        found = c.execute(sa.select(tenders.c.id).where(
            tenders.c.id == tender["id"], _eligible_condition(c, organisation))).first()
        if found is None:
            raise NotFound(MISSING)
        return "provider"
    if viewer.organisation_kind == "authority" and viewer.has_role("council_officer"):
        if organisation == tender["lead_authority_id"]:
            return "lead"
        if organisation in _partner_ids(c, tender["id"]):
            return "partner"
    if not in_scope(viewer, "tenders.view", tender["lead_authority_id"],
                    [tender["partnership"]]):
        raise NotFound(MISSING)
    return "auditor" if viewer.has_role("auditor") and not viewer.has_role(
        "council_officer") else "council"


def _tender(viewer, c: sa.Connection, tender_id: UUID) -> tuple[dict, str]:
    row = c.execute(sa.select(tenders).where(tenders.c.id == tender_id)).mappings().first()
    if row is None:
        check(viewer, "tenders.view")
        raise NotFound(MISSING)
    tender = _row(row)
    return tender, viewer_role(viewer, c, tender)


def _council_only(viewer, c: sa.Connection, tender_id: UUID) -> dict:
    tender, role = _tender(viewer, c, tender_id)
    if role not in COUNCIL_ROLES:
        raise NotFound(MISSING)
    return tender


# --- tenders ---------------------------------------------------------------------------------

def tender_list(viewer, c: sa.Connection, *, stage: str | None = None) -> list[dict]:
    """The tenders the viewer may see, newest first."""
    scope = check(viewer, "tenders.view")
    query = sa.select(tenders).order_by(tenders.c.drafted_at.desc(), tenders.c.title)
    if viewer.organisation_kind == "provider":
        query = query.where(_eligible_condition(c, viewer.organisation_id))
    elif scope != "region":
        mine = sa.exists().where(tender_partners.c.tender_id == tenders.c.id,
                                 tender_partners.c.authority_id == viewer.organisation_id)
        partnerships = sorted(getattr(viewer, "partnerships", ()) or ())
        query = query.where(sa.or_(tenders.c.lead_authority_id == viewer.organisation_id,
                                   mine, tenders.c.partnership.in_(partnerships)))
    if stage is not None:
        query = query.where(tenders.c.stage == stage)
    return [_row(r) for r in c.execute(query).mappings()]


def tender_detail(viewer, c: sa.Connection, tender_id: UUID) -> dict:
    tender, role = _tender(viewer, c, tender_id)
    lots = [dict(r) for r in c.execute(sa.select(tender_lots)
                                       .where(tender_lots.c.tender_id == tender_id)
                                       .order_by(tender_lots.c.position)).mappings()]
    partners = [dict(r) for r in c.execute(
        sa.select(tender_partners).where(tender_partners.c.tender_id == tender_id)
        .order_by(tender_partners.c.is_lead.desc(), tender_partners.c.name)).mappings()]
    questions = [dict(r) for r in c.execute(
        sa.select(tender_questions).where(tender_questions.c.tender_id == tender_id)
        .order_by(tender_questions.c.position)).mappings()]
    quality = [dict(r) for r in c.execute(
        sa.select(tender_quality_questions)
        .where(tender_quality_questions.c.tender_id == tender_id)
        .order_by(tender_quality_questions.c.position)).mappings()]
    lead_name = c.execute(sa.select(organisations.c.name).where(
        organisations.c.id == tender["lead_authority_id"])).scalar()
    if role not in COUNCIL_ROLES:
        # Who evaluates is for the councils running the tender: bidders must not know whom
        # to lobby.
        tender = {**tender, "evaluators": [], "moderator": None}
    return {
        **tender, "lead_authority_name": lead_name, "viewer_role": role,
        "viewer_is_lead": role == "lead", "viewer_is_partner": role in COUNCIL_ROLES,
        "lots": lots, "partners": partners, "questions": questions,
        "quality_questions": quality,
        "timetable": [{"name": k, "label": label, "value": tender[k]}
                      for k, label in TIMETABLE.items()],
        "key_decisions_needed": [p for p in partners if p["key_decision_needed"]],
        "key_decisions_missing": [p for p in partners if p["key_decision_needed"]
                                  and p["decision_reference"] is None],
        "contracts": [dict(r) for r in c.execute(
            sa.select(tender_contracts).where(tender_contracts.c.tender_id == tender_id)
            .order_by(tender_contracts.c.entered_at)).mappings()],
    }


# --- market engagement -----------------------------------------------------------------------

def engagement_responses_for(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """Every response, with the provider's name: the lead and partners only."""
    _council_only(viewer, c, tender_id)
    return [dict(r) for r in c.execute(
        sa.select(engagement_responses, organisations.c.name.label("provider_name"))
        .join(organisations, organisations.c.id == engagement_responses.c.provider_id)
        .where(engagement_responses.c.tender_id == tender_id)
        .order_by(organisations.c.name)).mappings()]


def engagement_summary(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """Per question: how many answered; for numbers the lowest, highest, mean and median;
    for choices how many chose each option; for free text how many answered."""
    _council_only(viewer, c, tender_id)
    questions = c.execute(sa.select(tender_questions)
                          .where(tender_questions.c.tender_id == tender_id)
                          .order_by(tender_questions.c.position)).mappings().all()
    answers = [r for r in c.execute(sa.select(engagement_responses.c.answers).where(
        engagement_responses.c.tender_id == tender_id)).scalars()]
    summary = []
    for q in questions:
        given = [a[q["question_id"]] for a in answers if q["question_id"] in a]
        row: dict[str, Any] = {"question_id": q["question_id"], "text": q["text"],
                               "kind": q["kind"], "responses": len(answers),
                               "answered": len(given)}
        if q["kind"] == "number" and given:
            ordered = sorted(given)
            middle = len(ordered) // 2
            row.update(lowest=ordered[0], highest=ordered[-1],
                       mean=round(sum(ordered) / len(ordered), 2),
                       median=(ordered[middle] if len(ordered) % 2 else
                               (ordered[middle - 1] + ordered[middle]) / 2))
        elif q["kind"] in ("single", "multiple"):
            counts = Counter(o for a in given for o in (a if isinstance(a, list) else [a]))
            row["options"] = [{"option": o, "count": counts.get(o, 0)} for o in q["options"]]
            row["most_common"] = [o for o, n in counts.most_common()
                                  if n == max(counts.values())] if counts else []
        summary.append(row)
    return summary


def my_engagement_response(viewer, c: sa.Connection, tender_id: UUID) -> dict | None:
    """The viewer's own organisation's response (a provider), or None if not yet answered."""
    check(viewer, "tenders.respond")
    _tender(viewer, c, tender_id)
    row = c.execute(sa.select(engagement_responses).where(
        engagement_responses.c.tender_id == tender_id,
        engagement_responses.c.provider_id == viewer.organisation_id)).mappings().first()
    return dict(row) if row else None


# --- clarifications --------------------------------------------------------------------------

def clarifications(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """The lead and partners: every question, with who asked. A provider: published ones
    (without who asked) and its own. Other council officers and auditors: published ones."""
    _tender_row, role = _tender(viewer, c, tender_id)
    t = tender_clarifications
    query = sa.select(t).where(t.c.tender_id == tender_id).order_by(t.c.asked_at)
    if role in COUNCIL_ROLES:
        rows = c.execute(sa.select(t, organisations.c.name.label("asked_by")).join(
            organisations, organisations.c.id == t.c.provider_id)
            .where(t.c.tender_id == tender_id).order_by(t.c.asked_at)).mappings()
        return [dict(r) for r in rows]
    own = role == "provider"
    out = []
    for r in c.execute(query).mappings():
        mine = own and r["provider_id"] == viewer.organisation_id
        if not (r["published"] or mine):
            continue
        row = {k: v for k, v in r.items() if k != "provider_id"}
        if not mine:
            row["question"] = r["published_question"]
        row["mine"] = mine
        out.append(row)
    return out


# --- bids, scores, rankings ------------------------------------------------------------------

def my_bids(viewer, c: sa.Connection, unseal: Callable[[str], dict],
            tender_id: UUID | None = None) -> list[dict]:
    """The viewer's own organisation's bids, with their content unsealed by ``unseal`` (the
    portal's ``bid_seal.unseal``): a provider only."""
    check(viewer, "tenders.respond")
    if viewer.organisation_kind != "provider":
        return []
    query = (sa.select(sealed_bids, tenders.c.title.label("tender_title"),
                       tenders.c.stage.label("tender_stage"),
                       tenders.c.bid_deadline, tender_lots.c.name.label("lot_name"))
             .join(tenders, tenders.c.id == sealed_bids.c.tender_id)
             .join(tender_lots, sa.and_(tender_lots.c.tender_id == sealed_bids.c.tender_id,
                                        tender_lots.c.lot_id == sealed_bids.c.lot_id))
             .where(sealed_bids.c.provider_id == viewer.organisation_id)
             .order_by(tenders.c.title, tender_lots.c.position))
    if tender_id is not None:
        query = query.where(sealed_bids.c.tender_id == tender_id)
    rows = []
    for r in c.execute(query).mappings():
        row = _row(r)
        row.update(unseal(row.pop("sealed")))
        rows.append(row)
    return rows


def opened_bids_for(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """The opened bids with the bidders' names: the lead and partners, after opening (before
    it there are none to show)."""
    _council_only(viewer, c, tender_id)
    return [dict(r) for r in c.execute(
        sa.select(opened_bids, organisations.c.name.label("provider_name"))
        .join(organisations, organisations.c.id == opened_bids.c.provider_id)
        .where(opened_bids.c.tender_id == tender_id)
        .order_by(opened_bids.c.lot_id, organisations.c.name)).mappings()]


def tender_scores_for(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """Each evaluator's scores of each bid: the lead and partners."""
    _council_only(viewer, c, tender_id)
    return [dict(r) for r in c.execute(
        sa.select(tender_scores).where(tender_scores.c.tender_id == tender_id)
        .order_by(tender_scores.c.bid_id, tender_scores.c.recorded_at)).mappings()]


def lot_rankings(viewer, c: sa.Connection, tender_id: UUID) -> dict[str, list[dict]]:
    """Per lot, its opened bids best first with quality, price and total scores (bids not yet
    moderated last, unranked): the lead and partners."""
    tender = _council_only(viewer, c, tender_id)
    quality = [dict(r) for r in c.execute(
        sa.select(tender_quality_questions)
        .where(tender_quality_questions.c.tender_id == tender_id)).mappings()]
    bids = opened_bids_for(viewer, c, tender_id)
    by_lot: dict[str, list[dict]] = {}
    for bid in bids:
        by_lot.setdefault(bid["lot_id"], []).append({**bid, "bid_id": bid["id"]})
    names = {b["id"]: b["provider_name"] for b in bids}
    awarded = {b["id"] for b in bids if b["awarded"]}
    out = {}
    for lot_id, lot_bids in sorted(by_lot.items()):
        ranked = rank_bids(lot_bids, quality, tender["quality_weight"] or 0,
                           tender["price_weight"] or 0)
        out[lot_id] = [{**r, "provider_name": names[r["bid_id"]],
                        "awarded": r["bid_id"] in awarded} for r in ranked]
    return out


# --- pipelines -------------------------------------------------------------------------------

def partnership_pipeline(viewer, c: sa.Connection, partnership: str) -> list[dict]:
    """The partnership's procurement timetable: every tender run for it (planned ones
    included), its stage, values and dates, and the key decisions needed and taken."""
    check_in_scope(viewer, "tenders.pipeline", None, [partnership],
                   missing="There is no such partnership")
    rows = [_row(r) for r in c.execute(
        sa.select(tenders, organisations.c.name.label("lead_authority_name"))
        .join(organisations, organisations.c.id == tenders.c.lead_authority_id)
        .where(tenders.c.partnership == partnership)
        .order_by(sa.func.coalesce(tenders.c.contract_start, tenders.c.award),
                  tenders.c.title)).mappings()]
    ids = [r["id"] for r in rows]
    partners: dict[UUID, list[dict]] = {}
    if ids:
        for p in c.execute(sa.select(tender_partners)
                           .where(tender_partners.c.tender_id.in_(ids))
                           .order_by(tender_partners.c.is_lead.desc(),
                                     tender_partners.c.name)).mappings():
            partners.setdefault(p["tender_id"], []).append(dict(p))
    for row in rows:
        row["partners"] = partners.get(row["id"], [])
        needed = [p for p in row["partners"] if p["key_decision_needed"]]
        row["key_decisions_needed"] = len(needed)
        row["key_decisions_taken"] = sum(p["decision_reference"] is not None for p in needed)
    return rows


def provider_opportunities(viewer, c: sa.Connection, *,
                           now: datetime | None = None) -> list[dict]:
    """Tenders open to the viewer's provider now: market engagement before it closes, or an
    invitation to tender before the bid deadline."""
    check(viewer, "tenders.respond")
    now = now or datetime.now(UTC)
    rows = c.execute(sa.select(tenders).where(
        _eligible_condition(c, viewer.organisation_id),
        tenders.c.stage.in_(("market_engagement", "invitation_to_tender")))
        .order_by(tenders.c.title)).mappings()
    out = []
    for r in rows:
        row = _row(r)
        deadline = row["engagement_closes"] if row["stage"] == "market_engagement" \
            else row["bid_deadline"]
        if deadline is None or deadline > now:
            row["closes"] = deadline
            out.append(row)
    out.sort(key=lambda r: (r["closes"] is None, r["closes"] or now, r["title"]))
    return out


def provider_activity(viewer, c: sa.Connection,
                      unseal: Callable[[str], dict]) -> dict[str, list[dict]]:
    """The viewer's provider's market engagement responses and bids (``unseal``: see
    ``my_bids``)."""
    check(viewer, "tenders.respond")
    responses = [_row(r) for r in c.execute(
        sa.select(engagement_responses, tenders.c.title.label("tender_title"),
                  tenders.c.stage.label("tender_stage"), tenders.c.engagement_closes)
        .join(tenders, tenders.c.id == engagement_responses.c.tender_id)
        .where(engagement_responses.c.provider_id == viewer.organisation_id)
        .order_by(tenders.c.title)).mappings()]
    return {"responses": responses, "bids": my_bids(viewer, c, unseal)}
