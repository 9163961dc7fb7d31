"""Joint tender read models: tenders with their lots, partners and key decisions; market
engagement questions and responses; clarifications; bids; scores; contracts entered.

Sealed bids: a bid's price and answers, still encrypted (``domain.sealing``), are written only
to ``sealed_bids``, which only the bidding provider's own query (``tender_queries.my_bids``)
reads and unseals. Council-readable tables get a bid only when the bids are opened
(``Bid.Opened``, which carries its content in clear), in ``opened_bids``. Before that no
council-readable table holds a bid at all, not even its existence. ``COUNCIL_READABLE`` lists
the tables council users' queries read (a test checks no price is in them before opening).

Rows are changed in memory during a batch (``BufferedRows``) and written once at its end; the
few tables replaced wholesale by an event (lots, partners, questions) are written at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid5

import sqlalchemy as sa

from domain.bid import Bid
from domain.engagement import EngagementResponse
from domain.tender import Tender, key_decision_needed
from domain.tender_terms import TIMETABLE
from projections.base import BufferedRows, Projection, handles
from projections.database import metadata

tenders = sa.Table(
    "tenders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("lead_authority_id", sa.Uuid, nullable=False, index=True),
    sa.Column("partnership", sa.String(100), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("route", sa.String(32), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),
    sa.Column("estimated_annual_value", sa.BigInteger, nullable=False),
    sa.Column("estimated_total_value", sa.BigInteger, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("named_providers", sa.Boolean, nullable=False),  # eligibility by name only
    sa.Column("engagement_opens", sa.Date),
    sa.Column("engagement_closes", sa.DateTime(timezone=True)),
    sa.Column("invitation_to_tender", sa.Date),
    sa.Column("clarification_deadline", sa.DateTime(timezone=True)),
    sa.Column("bid_deadline", sa.DateTime(timezone=True)),
    sa.Column("evaluation_complete", sa.Date),
    sa.Column("award", sa.Date),
    sa.Column("standstill_ends", sa.Date),
    sa.Column("contract_start", sa.Date),
    sa.Column("quality_weight", sa.Integer),
    sa.Column("price_weight", sa.Integer),
    sa.Column("evaluators", sa.JSON, nullable=False),  # user ids (hex)
    sa.Column("moderator", sa.Uuid),
    sa.Column("bids_opened", sa.Integer),  # how many bids were opened (None: still sealed)
    sa.Column("cancelled_reason", sa.Text),
    sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True)),
    sa.Column("awarded_at", sa.DateTime(timezone=True)),
)

tender_partners = sa.Table(
    "tender_partners",
    metadata,
    sa.Column("tender_id", sa.Uuid, primary_key=True),
    sa.Column("authority_id", sa.Uuid, primary_key=True, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("is_lead", sa.Boolean, nullable=False),
    sa.Column("share", sa.BigInteger, nullable=False),
    sa.Column("key_decision_threshold", sa.BigInteger, nullable=False),
    sa.Column("key_decision_needed", sa.Boolean, nullable=False),
    sa.Column("decision_reference", sa.String(100)),
    sa.Column("decision_taken_on", sa.Date),
)

tender_lots = sa.Table(
    "tender_lots",
    metadata,
    sa.Column("tender_id", sa.Uuid, primary_key=True),
    sa.Column("lot_id", sa.String(4), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("setting_type", sa.String(40), nullable=False, index=True),
    sa.Column("area", sa.String(200), nullable=False),
    sa.Column("places", sa.Integer),
    sa.Column("age_from", sa.Integer, nullable=False),
    sa.Column("age_to", sa.Integer, nullable=False),
    sa.Column("needs", sa.JSON, nullable=False),
)

tender_eligible_providers = sa.Table(
    "tender_eligible_providers",
    metadata,
    sa.Column("tender_id", sa.Uuid, primary_key=True),
    sa.Column("provider_id", sa.Uuid, primary_key=True, index=True),
)

tender_questions = sa.Table(
    "tender_questions",
    metadata,
    sa.Column("tender_id", sa.Uuid, primary_key=True),
    sa.Column("question_id", sa.String(8), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),
)

tender_quality_questions = sa.Table(
    "tender_quality_questions",
    metadata,
    sa.Column("tender_id", sa.Uuid, primary_key=True),
    sa.Column("question_id", sa.String(8), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("weight", sa.Integer, nullable=False),
)

engagement_responses = sa.Table(
    "engagement_responses",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("amended_at", sa.DateTime(timezone=True)),
)

tender_clarifications = sa.Table(
    "tender_clarifications",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("provider_id", sa.Uuid, nullable=False),  # who asked: never shown to others
    sa.Column("lot_id", sa.String(4)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("published", sa.Boolean, nullable=False),
    sa.Column("published_question", sa.Text),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True)),
)

# Provider-private: read only by the bidding provider's own query.
sealed_bids = sa.Table(
    "sealed_bids",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("lot_id", sa.String(4), nullable=False),
    sa.Column("provider_id", sa.Uuid, nullable=False, index=True),
    # The price and answers, encrypted (domain.sealing); ``my_bids`` unseals them.
    sa.Column("sealed", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # submitted | withdrawn | opened
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# Council-readable: a row appears only when the bid is opened.
opened_bids = sa.Table(
    "opened_bids",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("lot_id", sa.String(4), nullable=False),
    sa.Column("provider_id", sa.Uuid, nullable=False),
    sa.Column("weekly_price", sa.Integer, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("agreed_scores", sa.JSON),  # the moderator's, None until agreed
    sa.Column("awarded", sa.Boolean, nullable=False),
)

tender_scores = sa.Table(
    "tender_scores",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # uuid5(bid, evaluator)
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("bid_id", sa.Uuid, nullable=False),
    sa.Column("evaluator_id", sa.Uuid, nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

tender_contracts = sa.Table(
    "tender_contracts",
    metadata,
    sa.Column("contract_id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("bid_id", sa.Uuid, nullable=False),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("places", sa.Integer),
    sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
)

# The tables council users' queries read. ``sealed_bids`` is not among them.
COUNCIL_READABLE = (tenders, tender_partners, tender_lots, tender_eligible_providers,
                    tender_questions, tender_quality_questions, engagement_responses,
                    tender_clarifications, opened_bids, tender_scores, tender_contracts)

_DETAILS = ("partnership", "title", "description", "route", "estimated_annual_value",
            "estimated_total_value", "term_months")


def score_id(bid_id: UUID, evaluator_id: UUID) -> UUID:
    return uuid5(bid_id, f"score:{evaluator_id.hex}")


class Tenders(Projection):
    name = "tenders"
    tables = (tenders, tender_partners, tender_lots, tender_eligible_providers,
              tender_questions, tender_quality_questions, engagement_responses,
              tender_clarifications, sealed_bids, opened_bids, tender_scores,
              tender_contracts)

    def __init__(self) -> None:
        self._tenders = BufferedRows(tenders)
        self._responses = BufferedRows(engagement_responses)
        self._clarifications = BufferedRows(tender_clarifications)
        self._sealed = BufferedRows(sealed_bids)
        self._opened = BufferedRows(opened_bids)
        self._scores = BufferedRows(tender_scores)

    def prepare(self, c: sa.Connection, notifications: Sequence[Any]) -> None:
        ids = [n.originator_id for n in notifications]
        self._tenders.load(c, ids)
        self._responses.load(c, ids)
        self._sealed.load(c, ids)
        self._opened.load(c, ids)

    def end_batch(self, c: sa.Connection) -> None:
        for rows in (self._tenders, self._responses, self._clarifications, self._sealed,
                     self._opened, self._scores):
            rows.flush(c)

    def clear(self, c: sa.Connection) -> None:
        self.__init__()
        super().clear(c)

    @staticmethod
    def _row(rows: BufferedRows, c: sa.Connection, row_id: Any) -> dict:
        rows.load(c, [row_id])
        row = rows.get(row_id)
        if row is None:
            raise LookupError(f"{rows.table.name} has no row {row_id}")
        return row

    def _tender(self, c: sa.Connection, e: Any, **values: Any) -> dict:
        row = self._row(self._tenders, c, e.originator_id)
        self._tenders.update(e.originator_id, changed_at=e.timestamp, **values)
        return row

    # --- the tender ---------------------------------------------------------------------------

    @handles(Tender.Drafted)
    def drafted(self, c: sa.Connection, e: Tender.Drafted) -> None:
        row = {k: getattr(e, k) for k in _DETAILS}
        row.update(id=e.originator_id, lead_authority_id=e.lead_authority_id, stage="draft",
                   named_providers=e.eligible_providers is not None, evaluators=[],
                   moderator=None, quality_weight=None, price_weight=None, bids_opened=None,
                   cancelled_reason=None, drafted_at=e.timestamp, changed_at=e.timestamp,
                   opened_at=None, awarded_at=None,
                   **{k: e.timetable.get(k) for k in TIMETABLE})
        self._tenders.load(c, [e.originator_id])
        self._tenders.put(row)
        self._set_lots(c, e.originator_id, e.lots)
        self._set_partners(c, e.originator_id, e.lead_authority_id, e.partners)
        self._set_eligible(c, e.originator_id, e.eligible_providers)

    @handles(Tender.Revised)
    def revised(self, c: sa.Connection, e: Tender.Revised) -> None:
        changes = dict(e.changes)
        row = self._tender(c, e, **{k: v for k, v in changes.items() if k in _DETAILS})
        if "lots" in changes:
            self._set_lots(c, e.originator_id, changes["lots"])
        if "partners" in changes:
            self._set_partners(c, e.originator_id, row["lead_authority_id"],
                               changes["partners"])
        if "eligible_providers" in changes:
            self._tenders.update(e.originator_id,
                                 named_providers=changes["eligible_providers"] is not None)
            self._set_eligible(c, e.originator_id, changes["eligible_providers"])

    @staticmethod
    def _set_lots(c: sa.Connection, tender_id: UUID, lots: list[dict]) -> None:
        c.execute(tender_lots.delete().where(tender_lots.c.tender_id == tender_id))
        c.execute(tender_lots.insert(), [
            {"tender_id": tender_id, "position": n, **lot} for n, lot in enumerate(lots)])

    @staticmethod
    def _set_partners(c: sa.Connection, tender_id: UUID, lead: UUID,
                      partners: list[dict]) -> None:
        """Replace the partners, keeping any key decision already recorded for one."""
        t = tender_partners
        decisions = {row.authority_id: row for row in c.execute(
            sa.select(t.c.authority_id, t.c.decision_reference, t.c.decision_taken_on)
            .where(t.c.tender_id == tender_id))}
        c.execute(t.delete().where(t.c.tender_id == tender_id))
        rows = []
        for p in partners:
            decision = decisions.get(p["authority_id"])
            rows.append({
                "tender_id": tender_id, "authority_id": p["authority_id"], "name": p["name"],
                "is_lead": p["authority_id"] == lead, "share": p["share"],
                "key_decision_threshold": p["key_decision_threshold"],
                "key_decision_needed": key_decision_needed(p["share"],
                                                           p["key_decision_threshold"]),
                "decision_reference": decision.decision_reference if decision else None,
                "decision_taken_on": decision.decision_taken_on if decision else None})
        c.execute(t.insert(), rows)

    @staticmethod
    def _set_eligible(c: sa.Connection, tender_id: UUID, providers: list | None) -> None:
        t = tender_eligible_providers
        c.execute(t.delete().where(t.c.tender_id == tender_id))
        if providers:
            c.execute(t.insert(), [{"tender_id": tender_id, "provider_id": p}
                                   for p in providers])

    @handles(Tender.TimetableSet)
    def timetable_set(self, c: sa.Connection, e: Tender.TimetableSet) -> None:
        self._tender(c, e, **{k: e.timetable.get(k) for k in TIMETABLE})

    @handles(Tender.QuestionnaireSet)
    def questionnaire_set(self, c: sa.Connection, e: Tender.QuestionnaireSet) -> None:
        self._tender(c, e)
        t = tender_questions
        c.execute(t.delete().where(t.c.tender_id == e.originator_id))
        c.execute(t.insert(), [{"tender_id": e.originator_id, "position": n, **q}
                               for n, q in enumerate(e.questions)])

    @handles(Tender.EvaluationSet)
    def evaluation_set(self, c: sa.Connection, e: Tender.EvaluationSet) -> None:
        self._tender(c, e, quality_weight=e.quality_weight, price_weight=e.price_weight)
        t = tender_quality_questions
        c.execute(t.delete().where(t.c.tender_id == e.originator_id))
        c.execute(t.insert(), [{"tender_id": e.originator_id, "position": n, **q}
                               for n, q in enumerate(e.quality_questions)])

    @handles(Tender.KeyDecisionRecorded)
    def key_decision(self, c: sa.Connection, e: Tender.KeyDecisionRecorded) -> None:
        self._tender(c, e)
        t = tender_partners
        c.execute(t.update().where(t.c.tender_id == e.originator_id,
                                   t.c.authority_id == e.authority_id)
                  .values(decision_reference=e.reference, decision_taken_on=e.taken_on))

    @handles(Tender.MarketEngagementOpened)
    def engagement_opened(self, c: sa.Connection, e: Any) -> None:
        self._tender(c, e, stage="market_engagement")

    @handles(Tender.MarketEngagementConcluded)
    def engagement_concluded(self, c: sa.Connection, e: Any) -> None:
        self._tender(c, e, stage="engagement_concluded")

    @handles(Tender.InvitationPublished)
    def invitation_published(self, c: sa.Connection, e: Any) -> None:
        self._tender(c, e, stage="invitation_to_tender")

    @handles(Tender.Cancelled)
    def cancelled(self, c: sa.Connection, e: Tender.Cancelled) -> None:
        self._tender(c, e, stage="cancelled", cancelled_reason=e.reason)

    @handles(Tender.BidRegistered)
    def bid_registered(self, c: sa.Connection, e: Tender.BidRegistered) -> None:
        """Nothing for council users: a bid is not shown, not even as existing, until opened.
        The tender's own row is not touched either, so its change time gives nothing away."""

    @handles(Tender.BidsOpened)
    def bids_opened(self, c: sa.Connection, e: Tender.BidsOpened) -> None:
        self._tender(c, e, stage="evaluation", bids_opened=len(e.bids), opened_at=e.timestamp)

    @handles(Tender.PanelAppointed)
    def panel_appointed(self, c: sa.Connection, e: Tender.PanelAppointed) -> None:
        self._tender(c, e, evaluators=[u.hex for u in e.evaluators], moderator=e.moderator)

    @handles(Tender.ScoresRecorded)
    def scores_recorded(self, c: sa.Connection, e: Tender.ScoresRecorded) -> None:
        self._tender(c, e)
        ref = score_id(e.bid_id, e.evaluator)
        self._scores.load(c, [ref])
        self._scores.put({"id": ref, "tender_id": e.originator_id, "bid_id": e.bid_id,
                          "evaluator_id": e.evaluator, "scores": dict(e.scores),
                          "recorded_at": e.timestamp})

    @handles(Tender.ScoresModerated)
    def scores_moderated(self, c: sa.Connection, e: Tender.ScoresModerated) -> None:
        self._tender(c, e)
        self._row(self._opened, c, e.bid_id)
        self._opened.update(e.bid_id, agreed_scores=dict(e.scores))

    @handles(Tender.Awarded)
    def awarded(self, c: sa.Connection, e: Tender.Awarded) -> None:
        self._tender(c, e, stage="awarded", standstill_ends=e.standstill_ends,
                     awarded_at=e.timestamp)
        for bids in e.awards.values():
            for bid in bids:
                self._row(self._opened, c, bid)
                self._opened.update(bid, awarded=True)

    @handles(Tender.ContractEntered)
    def contract_entered(self, c: sa.Connection, e: Tender.ContractEntered) -> None:
        self._tender(c, e, stage="contracted")
        c.execute(tender_contracts.insert().values(
            contract_id=e.contract_id, tender_id=e.originator_id, bid_id=e.bid_id,
            authority_id=e.authority_id, places=e.places, entered_at=e.timestamp))

    # --- clarifications -----------------------------------------------------------------------

    @handles(Tender.ClarificationAsked)
    def clarification_asked(self, c: sa.Connection, e: Tender.ClarificationAsked) -> None:
        self._clarifications.load(c, [e.clarification_id])
        self._clarifications.put({
            "id": e.clarification_id, "tender_id": e.originator_id,
            "provider_id": e.provider_id, "lot_id": e.lot_id, "question": e.question,
            "answer": None, "published": False, "published_question": None,
            "asked_at": e.timestamp, "answered_at": None})

    @handles(Tender.ClarificationAnswered)
    def clarification_answered(self, c: sa.Connection, e: Tender.ClarificationAnswered) -> None:
        self._row(self._clarifications, c, e.clarification_id)
        self._clarifications.update(e.clarification_id, answer=e.answer, published=e.published,
                                    published_question=e.published_question,
                                    answered_at=e.timestamp)

    # --- market engagement responses ---------------------------------------------------------

    @handles(EngagementResponse.Submitted)
    def response_submitted(self, c: sa.Connection, e: EngagementResponse.Submitted) -> None:
        self._responses.put({"id": e.originator_id, "tender_id": e.tender_id,
                             "provider_id": e.provider_id, "answers": dict(e.answers),
                             "submitted_at": e.timestamp, "amended_at": None})

    @handles(EngagementResponse.Amended)
    def response_amended(self, c: sa.Connection, e: EngagementResponse.Amended) -> None:
        self._row(self._responses, c, e.originator_id)
        self._responses.update(e.originator_id, answers=dict(e.answers),
                               amended_at=e.timestamp)

    # --- bids ---------------------------------------------------------------------------------

    @handles(Bid.Submitted)
    def bid_submitted(self, c: sa.Connection, e: Bid.Submitted) -> None:
        self._sealed.put({"id": e.originator_id, "tender_id": e.tender_id, "lot_id": e.lot_id,
                          "provider_id": e.provider_id, "sealed": e.sealed,
                          "status": "submitted", "submitted_at": e.timestamp,
                          "changed_at": e.timestamp})

    @handles(Bid.Replaced)
    def bid_replaced(self, c: sa.Connection, e: Bid.Replaced) -> None:
        self._row(self._sealed, c, e.originator_id)
        self._sealed.update(e.originator_id, sealed=e.sealed, status="submitted",
                            changed_at=e.timestamp)

    @handles(Bid.Withdrawn)
    def bid_withdrawn(self, c: sa.Connection, e: Bid.Withdrawn) -> None:
        self._row(self._sealed, c, e.originator_id)
        self._sealed.update(e.originator_id, status="withdrawn", changed_at=e.timestamp)

    @handles(Bid.Opened)
    def bid_opened(self, c: sa.Connection, e: Bid.Opened) -> None:
        """The one place a bid's content reaches a council-readable table."""
        sealed = self._row(self._sealed, c, e.originator_id)
        self._sealed.update(e.originator_id, status="opened", changed_at=e.timestamp)
        self._opened.load(c, [e.originator_id])
        self._opened.put({k: sealed[k] for k in ("id", "tender_id", "lot_id", "provider_id")}
                         | {"weekly_price": e.weekly_price, "answers": dict(e.answers),
                            "opened_at": e.timestamp, "agreed_scores": None,
                            "awarded": False})
