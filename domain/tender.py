"""A joint tender: a procurement led by one authority with partner authorities.

Its life is a stage machine (``domain.tender_terms.TRANSITIONS``): draft, market engagement,
invitation to tender (clarifications and sealed bids), evaluation, award with a standstill, and
contracts; or cancelled. Market engagement responses and bids are aggregates of their own
(``domain.engagement``, ``domain.bid``), so providers answering never contend with each other;
the tender keeps a register of the bids lodged (never their content) so they can be opened
together, and the clarifications, scores and awards. Every method takes ``now`` (the server's
clock, given by the application) so deadlines are the server's, never the browser's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition, NotFound
from domain.tender_terms import (
    CONTRACT_ROUTE,
    MAX_SCORE,
    STAGES,
    STANDSTILL_WORKING_DAYS,
    TIMETABLE,
    TRANSITIONS,
    Problems,
    add_working_days,
    check_quality_questions,
    check_questionnaire,
    check_timetable,
    clean_text,
    require,
)
from domain.timezone import uk_date
from domain.words import counted


def key_decision_needed(share: int, threshold: int) -> bool:
    """Whether a partner's share needs its key decision: at or above its threshold. The
    partner councils whose wording is verified state it inclusively: Dorset and West Sussex
    "£500,000 or more", Portsmouth "at least £250,000" (sources beside the demo's authority
    facts, portal/demo/region.py); no partner's threshold is "more than", so one comparison
    serves them all."""
    return share >= threshold


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def bid_id(tender_id: UUID, lot_id: str, provider_id: UUID) -> UUID:
    """One bid per provider per lot: replacing it changes the same record."""
    return uuid5(tender_id, f"bid:{lot_id}:{provider_id.hex}")


def response_id(tender_id: UUID, provider_id: UUID) -> UUID:
    """One market engagement response per provider organisation."""
    return uuid5(tender_id, f"response:{provider_id.hex}")


def rank_bids(bids: list[dict], quality_questions: list[dict], quality_weight: int,
              price_weight: int) -> list[dict]:
    """A lot's opened bids (each with ``bid_id``, ``provider_id``, ``weekly_price`` and
    ``agreed_scores``, None until moderated), best first, with quality, price and total scores.

    Quality: each question's agreed score out of MAX_SCORE times its weight, scaled to the
    quality weight. Price: the lowest price in the lot divided by the bid's, times the price
    weight. Ties go to the lower price. Bids without agreed scores come last, unranked."""
    if not bids:
        return []
    lowest = min(b["weekly_price"] for b in bids)
    rows = []
    for bid in bids:
        row = {k: bid[k] for k in ("bid_id", "provider_id", "weekly_price")}
        row.update(quality_score=None, price_score=None, total_score=None)
        agreed = bid.get("agreed_scores")
        if agreed is not None:
            quality = sum(agreed[q["question_id"]] / MAX_SCORE * q["weight"]
                          for q in quality_questions) / 100
            row["quality_score"] = round(quality * quality_weight, 2)
            row["price_score"] = round(lowest / bid["weekly_price"] * price_weight, 2)
            row["total_score"] = round(row["quality_score"] + row["price_score"], 2)
        rows.append(row)
    rows.sort(key=lambda r: (r["total_score"] is None, -(r["total_score"] or 0),
                             r["weekly_price"], r["provider_id"].hex))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank if row["total_score"] is not None else None
    return rows


class Tender(PortalAggregate):
    id: UUID

    @event("Drafted")
    def __init__(self, *, lead_authority_id: UUID, partnership: str, title: str,
                 description: str, route: str,
                 estimated_annual_value: int, estimated_total_value: int, term_months: int,
                 lots: list[dict], partners: list[dict], timetable: dict,
                 eligible_providers: list[UUID] | None, actor: Actor,
                 reason: str | None) -> None:
        self.lead_authority_id = lead_authority_id
        self.partnership = partnership  # the partnership the tender is run for
        self.title = title
        self.description = description
        self.route = route
        self.estimated_annual_value = estimated_annual_value
        self.estimated_total_value = estimated_total_value
        self.term_months = term_months
        self.lots = lots
        # [{"authority_id", "name", "share", "key_decision_threshold"}]: the name and threshold
        # as they were when the partner was added.
        self.partners = partners
        self.timetable = dict(timetable)
        # None: every registered provider of the lots' setting types; else only these.
        self.eligible_providers = eligible_providers
        self.stage = "draft"
        self.questionnaire: list[dict] = []
        self.quality_questions: list[dict] = []
        self.quality_weight: int | None = None
        self.price_weight: int | None = None
        self.key_decisions: dict[UUID, dict] = {}
        self.clarifications: dict[UUID, dict] = {}
        self.bids: dict[UUID, dict] = {}  # the register: {"lot_id", "provider_id"}, no content
        self.opened_bids: dict[UUID, dict] = {}  # at opening: lot, provider and weekly price
        self.evaluators: list[UUID] = []
        self.moderator: UUID | None = None
        self.scores: dict[tuple[UUID, UUID], dict] = {}  # (bid, evaluator) -> scores
        self.moderated: dict[UUID, dict] = {}  # bid -> agreed scores
        self.awards: dict[str, list[UUID]] = {}  # lot -> bids awarded
        self.standstill_ends: date | None = None
        self.contracts: dict[UUID, dict] = {}

    # --- reading ------------------------------------------------------------------------------

    def lot(self, lot_id: str) -> dict:
        for lot in self.lots:
            if lot["lot_id"] == lot_id:
                return lot
        raise DomainError("Choose one of the tender's lots", field="lot_id")

    def partner(self, authority_id: UUID) -> dict | None:
        return next((p for p in self.partners if p["authority_id"] == authority_id), None)

    @property
    def partner_ids(self) -> set[UUID]:
        return {p["authority_id"] for p in self.partners}

    def key_decisions_needed(self) -> list[dict]:
        """Partners whose share of the estimated value reaches their key-decision threshold."""
        return [p for p in self.partners
                if key_decision_needed(p["share"], p["key_decision_threshold"])]

    def key_decisions_missing(self) -> list[dict]:
        return [p for p in self.key_decisions_needed()
                if p["authority_id"] not in self.key_decisions]

    def deadline_passed(self, name: str, now: datetime) -> bool:
        deadline = self.timetable.get(name)
        return deadline is not None and now >= deadline

    def accepting_responses(self, now: datetime) -> bool:
        return self.stage == "market_engagement" and not self.deadline_passed(
            "engagement_closes", now)

    def accepting_bids(self, now: datetime) -> bool:
        return self.stage == "invitation_to_tender" and not self.deadline_passed(
            "bid_deadline", now)

    def ranking(self, lot_id: str) -> list[dict]:
        """The lot's opened bids, best first (see :func:`rank_bids`)."""
        return rank_bids(
            [{"bid_id": b, **o, "agreed_scores": self.moderated.get(b)}
             for b, o in self.opened_bids.items() if o["lot_id"] == lot_id],
            self.quality_questions, self.quality_weight or 0, self.price_weight or 0)

    # --- guards -------------------------------------------------------------------------------

    def _check_stage(self, *stages: str, doing: str) -> None:
        if self.stage not in stages:
            raise IllegalTransition(
                f"You cannot {doing} while the tender is at the stage "
                f"\u201c{STAGES[self.stage]}\u201d")

    def _check_move(self, to: str) -> None:
        if to not in TRANSITIONS[self.stage]:
            raise IllegalTransition(
                f"A tender at the stage \u201c{STAGES[self.stage]}\u201d cannot move to "
                f"\u201c{STAGES[to]}\u201d")

    def _check_ready(self, problems: Problems) -> None:
        total = sum(p["share"] for p in self.partners)
        problems.require(total == self.estimated_total_value,
                         f"The partners' shares add up to £{total:,}, not the estimated total "
                         f"value of £{self.estimated_total_value:,}", "partners")

    def _check_future(self, name: str, now: datetime, problems: Problems) -> None:
        deadline = self.timetable.get(name)
        if problems.require(deadline is not None,
                            f"Set the timetable's {TIMETABLE[name].lower()} first", name):
            problems.require(deadline > now, f"{TIMETABLE[name]} must be in the future", name)

    # --- drafting -----------------------------------------------------------------------------

    def revise(self, *, changes: dict[str, Any], actor: Actor, reason: str | None) -> bool:
        """Change the tender's details, lots, partners or eligibility while it is a draft
        (``changes`` already checked by the command)."""
        self._check_stage("draft", doing="change the tender's details")
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return False
        self._revised(changes=changed, actor=actor, reason=reason)
        return True

    @event("Revised")
    def _revised(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def set_timetable(self, *, timetable: dict, now: datetime, actor: Actor,
                      reason: str | None) -> bool:
        """Set or move timetable entries. A deadline that has passed cannot move, and once the
        tender is open a deadline can only be moved to a moment still to come."""
        self._check_stage("draft", "market_engagement", "invitation_to_tender",
                          doing="change the timetable")
        merged = {**self.timetable, **timetable}
        problems = Problems()  # every entry's problem at once
        problems.check(lambda: check_timetable(merged))
        changed = {k: v for k, v in merged.items() if self.timetable.get(k) != v}
        removed = [k for k in self.timetable if k not in merged]
        for name in [*changed, *removed]:
            if name in ("engagement_closes", "clarification_deadline", "bid_deadline") \
                    and self.stage != "draft" \
                    and problems.require(not self.deadline_passed(name, now),
                                         f"{TIMETABLE[name]} has passed and cannot be moved",
                                         name):
                problems.require(merged.get(name) is not None and merged[name] > now,
                                 f"{TIMETABLE[name]} must be in the future", name)
        problems.raise_any()
        merged = check_timetable(merged)
        if not changed and not removed:
            return False
        self._timetable_set(timetable=merged, actor=actor, reason=reason)
        return True

    @event("TimetableSet")
    def _timetable_set(self, *, timetable: dict, actor: Actor, reason: str | None) -> None:
        self.timetable = dict(timetable)

    def set_questionnaire(self, *, questions: list[dict], actor: Actor,
                          reason: str | None) -> None:
        self._check_stage("draft", doing="change the market engagement questionnaire")
        self._questionnaire_set(questions=check_questionnaire(questions), actor=actor,
                                reason=reason)

    @event("QuestionnaireSet")
    def _questionnaire_set(self, *, questions: list, actor: Actor, reason: str | None) -> None:
        self.questionnaire = list(questions)

    def set_evaluation(self, *, quality_questions: list[dict], quality_weight: int,
                       price_weight: int, actor: Actor, reason: str | None) -> None:
        """The quality questions and the quality/price weights: fixed once the invitation to
        tender is published, so long before any bid is opened."""
        require(self.route != "market_engagement_only",
                "A market engagement has no bids to evaluate", "route")
        self._check_stage("draft", "market_engagement",
                          doing="change the evaluation questions or weights")
        questions = check_quality_questions(quality_questions)
        for value, field in ((quality_weight, "quality_weight"), (price_weight, "price_weight")):
            require(isinstance(value, int) and not isinstance(value, bool)
                    and 0 <= value <= 100, "Weights are whole per cents from 0 to 100", field)
        require(quality_weight + price_weight == 100,
                "The quality and price weights must add up to 100", "quality_weight")
        self._evaluation_set(quality_questions=questions, quality_weight=quality_weight,
                             price_weight=price_weight, actor=actor, reason=reason)

    @event("EvaluationSet")
    def _evaluation_set(self, *, quality_questions: list, quality_weight: int,
                        price_weight: int, actor: Actor, reason: str | None) -> None:
        self.quality_questions = list(quality_questions)
        self.quality_weight = quality_weight
        self.price_weight = price_weight

    def record_key_decision(self, *, authority_id: UUID, reference: str, taken_on: date,
                            now: datetime, actor: Actor, reason: str | None) -> None:
        require(self.partner(authority_id) is not None,
                "Only a partner authority's key decision can be recorded", "authority_id")
        self._check_stage("draft", "market_engagement", "invitation_to_tender", "evaluation",
                          doing="record a key decision")
        problems = Problems()  # the reference's and the date's problems at once
        reference = clean_text(reference, "Enter the key decision's reference, like 21/00094",
                               "reference", limit=100, problems=problems)
        problems.require(isinstance(taken_on, date) and taken_on <= now.date(),
                         "The key decision's date cannot be in the future", "taken_on")
        problems.raise_any()
        self._key_decision_recorded(authority_id=authority_id, reference=reference,
                                    taken_on=taken_on, actor=actor, reason=reason)

    @event("KeyDecisionRecorded")
    def _key_decision_recorded(self, *, authority_id: UUID, reference: str, taken_on: date,
                               actor: Actor, reason: str | None) -> None:
        self.key_decisions[authority_id] = {"reference": reference, "taken_on": taken_on}

    # --- market engagement --------------------------------------------------------------------

    def open_market_engagement(self, *, now: datetime, actor: Actor,
                               reason: str | None) -> None:
        self._check_move("market_engagement")
        problems = Problems()  # every reason it cannot open yet, at once
        problems.require(bool(self.questionnaire),
                         "Write the market engagement questionnaire first", "questions")
        self._check_future("engagement_closes", now, problems)
        self._check_ready(problems)
        problems.raise_any()
        self._market_engagement_opened(actor=actor, reason=reason)

    @event("MarketEngagementOpened")
    def _market_engagement_opened(self, *, actor: Actor, reason: str | None) -> None:
        self.stage = "market_engagement"

    def conclude_market_engagement(self, *, now: datetime, actor: Actor,
                                   reason: str | None) -> None:
        self._check_move("engagement_concluded")
        require(self.route == "market_engagement_only",
                "Publish the invitation to tender, or cancel: this tender goes on to bids",
                "route")
        require(self.deadline_passed("engagement_closes", now),
                "Market engagement is still open: conclude it once it closes",
                "engagement_closes")
        self._market_engagement_concluded(actor=actor, reason=reason)

    @event("MarketEngagementConcluded")
    def _market_engagement_concluded(self, *, actor: Actor, reason: str | None) -> None:
        self.stage = "engagement_concluded"

    # --- invitation to tender, clarifications, bids ------------------------------------------

    def publish_invitation(self, *, now: datetime, actor: Actor, reason: str | None) -> None:
        self._check_move("invitation_to_tender")
        require(self.route != "market_engagement_only",
                "A market engagement only tender has no invitation to tender", "route")
        problems = Problems()  # every reason it cannot be published yet, at once
        if self.stage == "market_engagement":
            problems.require(self.deadline_passed("engagement_closes", now),
                             "Market engagement is still open: publish the invitation once it "
                             "closes", "engagement_closes")
        problems.require(bool(self.quality_questions) and self.quality_weight is not None,
                         "Set the quality questions and the quality and price weights first",
                         "quality_questions")
        self._check_future("clarification_deadline", now, problems)
        self._check_future("bid_deadline", now, problems)
        self._check_ready(problems)
        problems.raise_any()
        self._invitation_published(actor=actor, reason=reason)

    @event("InvitationPublished")
    def _invitation_published(self, *, actor: Actor, reason: str | None) -> None:
        self.stage = "invitation_to_tender"

    def ask_clarification(self, *, provider_id: UUID, question: str, lot_id: str | None,
                          now: datetime, actor: Actor) -> UUID:
        if self.stage == "market_engagement":
            require(not self.deadline_passed("engagement_closes", now),
                    "Market engagement has closed: questions can no longer be asked",
                    "question")
        elif self.stage == "invitation_to_tender":
            require(not self.deadline_passed("clarification_deadline", now),
                    "The deadline for clarification questions has passed", "question")
        else:
            self._check_stage("market_engagement", "invitation_to_tender",
                              doing="ask a clarification question")
        if lot_id is not None:
            self.lot(lot_id)
        text = clean_text(question, "Enter your question", "question")
        clarification_id = uuid4()
        self._clarification_asked(clarification_id=clarification_id, provider_id=provider_id,
                                  lot_id=lot_id, question=text, actor=actor, reason=None)
        return clarification_id

    @event("ClarificationAsked")
    def _clarification_asked(self, *, clarification_id: UUID, provider_id: UUID,
                             lot_id: str | None, question: str, actor: Actor,
                             reason: str | None) -> None:
        self.clarifications[clarification_id] = {
            "provider_id": provider_id, "lot_id": lot_id, "question": question,
            "answer": None, "published": False}

    def answer_clarification(self, *, clarification_id: UUID, answer: str, publish: bool,
                             question: str | None, now: datetime, actor: Actor,
                             reason: str | None) -> None:
        """Answer privately, or publish the question and answer to every bidder. A published
        question may be reworded (``question``) so it does not give away who asked."""
        clarification = self.clarifications.get(clarification_id)
        if clarification is None:
            raise NotFound("There is no such clarification question")
        self._check_stage("market_engagement", "invitation_to_tender",
                          doing="answer a clarification question")
        require(not self.deadline_passed("bid_deadline", now),
                "The bid deadline has passed: clarifications can no longer be answered",
                "answer")
        require(clarification["answer"] is None, "This question has already been answered",
                "answer")
        text = clean_text(answer, "Enter the answer", "answer")
        published_question = None
        if publish:
            published_question = clean_text(question or clarification["question"],
                                            "Enter the question as it will be published",
                                            "question")
        self._clarification_answered(clarification_id=clarification_id, answer=text,
                                     published=bool(publish),
                                     published_question=published_question, actor=actor,
                                     reason=reason)

    @event("ClarificationAnswered")
    def _clarification_answered(self, *, clarification_id: UUID, answer: str, published: bool,
                                published_question: str | None, actor: Actor,
                                reason: str | None) -> None:
        self.clarifications[clarification_id].update(
            answer=answer, published=published, published_question=published_question)

    def register_bid(self, *, bid: UUID, lot_id: str, provider_id: UUID, now: datetime,
                     actor: Actor) -> bool:
        """Note that a provider has lodged a bid for a lot (its content stays on the bid)."""
        self.check_accepting_bids(now)
        self.lot(lot_id)
        if bid in self.bids:
            return False
        self._bid_registered(bid_id=bid, lot_id=lot_id, provider_id=provider_id, actor=actor,
                             reason=None)
        return True

    def check_accepting_bids(self, now: datetime) -> None:
        if self.stage == "invitation_to_tender" and self.deadline_passed("bid_deadline", now):
            deadline = self.timetable["bid_deadline"]
            raise DomainError(
                f"The bid deadline passed at {deadline:%H:%M} on {uk_date(deadline)}: "
                "late bids cannot be accepted", field="bid")
        self._check_stage("invitation_to_tender", doing="submit, replace or withdraw a bid")

    @event("BidRegistered")
    def _bid_registered(self, *, bid_id: UUID, lot_id: str, provider_id: UUID, actor: Actor,
                        reason: str | None) -> None:
        self.bids[bid_id] = {"lot_id": lot_id, "provider_id": provider_id}

    def open_bids(self, *, bids: list[dict], now: datetime, actor: Actor,
                  reason: str | None) -> None:
        """Open the bids still standing at the deadline (``bids``: each bid's id, lot,
        provider and weekly price, read from the bids by the command). An audited event."""
        self._check_move("evaluation")
        require(self.deadline_passed("bid_deadline", now),
                "Bids stay sealed until the bid deadline has passed", "bid_deadline")
        self._bids_opened(bids=bids, actor=actor, reason=reason)

    @event("BidsOpened")
    def _bids_opened(self, *, bids: list, actor: Actor, reason: str | None) -> None:
        self.stage = "evaluation"
        self.opened_bids = {b["bid_id"]: {"lot_id": b["lot_id"],
                                          "provider_id": b["provider_id"],
                                          "weekly_price": b["weekly_price"]} for b in bids}

    # --- evaluation ---------------------------------------------------------------------------

    def appoint_panel(self, *, evaluators: list[UUID], moderator: UUID, actor: Actor,
                      reason: str | None) -> None:
        """Evaluators and moderator: users of the lead or partner authorities (checked by the
        command). The panel is fixed once scoring starts."""
        self._check_stage("draft", "market_engagement", "invitation_to_tender", "evaluation",
                          doing="appoint the evaluation panel")
        require(self.route != "market_engagement_only",
                "A market engagement has no bids to evaluate", "evaluators")
        require(not self.scores, "Scoring has started: the panel can no longer change",
                "evaluators")
        require(bool(evaluators) and len(set(evaluators)) == len(evaluators),
                "Choose at least one evaluator, each once", "evaluators")
        require(moderator not in evaluators,
                "The moderator must be someone other than the evaluators", "moderator")
        self._panel_appointed(evaluators=list(evaluators), moderator=moderator, actor=actor,
                              reason=reason)

    @event("PanelAppointed")
    def _panel_appointed(self, *, evaluators: list, moderator: UUID, actor: Actor,
                         reason: str | None) -> None:
        self.evaluators = list(evaluators)
        self.moderator = moderator

    def _check_scores(self, bid: UUID, scores: Any) -> dict[str, int]:
        if bid not in self.opened_bids:
            raise NotFound("There is no such opened bid")
        require(isinstance(scores, dict), "Score every quality question", "scores")
        problems = Problems()  # every question's score at once
        checked = {}
        for question in self.quality_questions:
            value = scores.get(question["question_id"])
            problems.require(isinstance(value, int) and not isinstance(value, bool)
                             and 0 <= value <= MAX_SCORE,
                             f"Score {question['question_id']} from 0 to {MAX_SCORE}",
                             question["question_id"])
            checked[question["question_id"]] = value
        unknown = sorted(set(scores) - set(checked))
        problems.require(not unknown, f"There is no quality question {', '.join(unknown)}",
                         "scores")
        problems.raise_any()
        return checked

    def record_scores(self, *, bid: UUID, scores: dict, actor: Actor,
                      reason: str | None) -> None:
        self._check_stage("evaluation", doing="score bids")
        require(actor.user_id in self.evaluators,
                "Only an evaluator on the panel can score bids", "scores")
        checked = self._check_scores(bid, scores)
        require(bid not in self.moderated,
                "The moderator has agreed this bid's scores: they can no longer change",
                "scores")
        self._scores_recorded(bid_id=bid, evaluator=actor.user_id, scores=checked,
                              actor=actor, reason=reason)

    @event("ScoresRecorded")
    def _scores_recorded(self, *, bid_id: UUID, evaluator: UUID, scores: dict, actor: Actor,
                         reason: str | None) -> None:
        self.scores[(bid_id, evaluator)] = dict(scores)

    def moderate_scores(self, *, bid: UUID, scores: dict, actor: Actor,
                        reason: str | None) -> None:
        self._check_stage("evaluation", doing="agree final scores")
        require(self.moderator is not None and actor.user_id == self.moderator,
                "Only the panel's moderator can agree final scores", "scores")
        checked = self._check_scores(bid, scores)
        missing = [e for e in self.evaluators if (bid, e) not in self.scores]
        require(not missing, f"{_count(len(missing), 'evaluator has', 'evaluators have')} "
                "not scored this bid yet", "scores")
        self._scores_moderated(bid_id=bid, scores=checked, actor=actor, reason=reason)

    @event("ScoresModerated")
    def _scores_moderated(self, *, bid_id: UUID, scores: dict, actor: Actor,
                          reason: str | None) -> None:
        self.moderated[bid_id] = dict(scores)

    # --- award and contracts ------------------------------------------------------------------

    def award(self, *, awards: dict[str, list[UUID]], standstill_ends: date, now: datetime,
              actor: Actor, reason: str | None) -> None:
        """The award decision: for each lot awarded, the bids that win it. A lot left out is
        not awarded. Needs every opened bid in an awarded lot moderated and every key decision
        the partners need."""
        self._check_move("awarded")
        problems = Problems()  # every reason it cannot be awarded yet, at once
        missing = self.key_decisions_missing()
        if missing:
            one = len(missing) == 1
            problems.require(
                False, f"Record the key decision{'' if one else 's'} of "
                f"{' and '.join(p['name'] for p in missing)} before award: "
                f"{'its share reaches its' if one else 'their shares reach their'} "
                f"key-decision threshold{'' if one else 's'}", "key_decisions")
        checked: dict[str, list[UUID]] = {}
        if problems.require(isinstance(awards, dict) and any(awards.values()),
                            "Choose the bids to award in at least one lot", "awards"):
            for lot_id, bids in awards.items():
                if bids and problems.check(lambda lot_id=lot_id: self.lot(lot_id)) is not None:
                    checked[lot_id] = self._awarded_in(lot_id, bids, problems)
        earliest = add_working_days(now.date(), STANDSTILL_WORKING_DAYS)
        problems.require(isinstance(standstill_ends, date) and standstill_ends >= earliest,
                         f"The standstill must last at least {STANDSTILL_WORKING_DAYS} working "
                         f"days: it can end on {uk_date(earliest)} at the earliest",
                         "standstill_ends")
        problems.raise_any()
        self._awarded(awards=checked, standstill_ends=standstill_ends, actor=actor,
                      reason=reason)

    def _awarded_in(self, lot_id: str, bids: list[UUID], problems: Problems) -> list[UUID]:
        """The bids awarded in one lot; what is wrong with them goes to ``problems``."""
        problems.require(len(set(bids)) == len(bids), "Award each bid once", "awards")
        if self.route == "block_contract":
            problems.require(len(bids) == 1, "A block contract lot is awarded to one bid",
                             "awards")
        for bid in bids:
            opened = self.opened_bids.get(bid)
            problems.require(opened is not None and opened["lot_id"] == lot_id,
                             f"Lot {lot_id}: award only bids opened for that lot", "awards")
        unscored = [b for b, o in self.opened_bids.items()
                    if o["lot_id"] == lot_id and b not in self.moderated]
        problems.require(not unscored,
                         f"Lot {lot_id}: {_count(len(unscored), 'bid has', 'bids have')} no "
                         "agreed scores yet", "awards")
        return list(bids)

    @event("Awarded")
    def _awarded(self, *, awards: dict, standstill_ends: date, actor: Actor,
                 reason: str | None) -> None:
        self.stage = "awarded"
        self.awards = {k: list(v) for k, v in awards.items()}
        self.standstill_ends = standstill_ends
        self.timetable["standstill_ends"] = standstill_ends

    def awarded_bids(self) -> set[UUID]:
        return {b for bids in self.awards.values() for b in bids}

    def check_contract(self, *, bid: UUID, authority_id: UUID, places: int | None,
                       start: date, now: datetime) -> dict[str, Any]:
        """What a contract under this award is (route, setting type, price), or why not."""
        self._check_stage("awarded", "contracted", doing="enter contracts")
        problems = Problems()  # every problem with the contract at once
        if problems.require(now.date() >= self.standstill_ends,
                            f"The standstill runs until {uk_date(self.standstill_ends)}: "
                            "contracts can be entered from then", "start"):
            problems.require(isinstance(start, date) and start >= self.standstill_ends,
                             "A contract cannot start before the standstill ends", "start")
        awarded = problems.require(bid in self.awarded_bids(), "Choose an awarded bid",
                                   "bid_id")
        if problems.require(authority_id in self.partner_ids,
                            "Choose one of the partner authorities", "authority_id"):
            problems.require(not any(c["bid_id"] == bid and c["authority_id"] == authority_id
                                     for c in self.contracts.values()),
                             "That authority already has a contract under this bid",
                             "authority_id")
        if not awarded:
            problems.raise_any()
        opened = self.opened_bids[bid]
        lot = self.lot(opened["lot_id"])
        if lot["places"] is not None and isinstance(places, int):
            taken = sum(c.get("places") or 0 for c in self.contracts.values()
                        if self.opened_bids[c["bid_id"]]["lot_id"] == lot["lot_id"])
            problems.require(taken + places <= lot["places"],
                             f"Lot {lot['lot_id']} buys {counted(lot['places'], 'place')} and "
                             f"{taken} are already contracted: at most {lot['places'] - taken} "
                             "more", "places")
        problems.raise_any()
        return {"route": CONTRACT_ROUTE[self.route], "setting_type": lot["setting_type"],
                "weekly_price": opened["weekly_price"], "provider_id": opened["provider_id"],
                "title": f"{self.title}: {lot['name']}"}

    def enter_contract(self, *, contract_id: UUID, bid: UUID, authority_id: UUID,
                       places: int | None, actor: Actor, reason: str | None) -> None:
        if self.stage == "awarded":
            self._check_move("contracted")
        self._contract_entered(contract_id=contract_id, bid_id=bid, authority_id=authority_id,
                               places=places, actor=actor, reason=reason)

    @event("ContractEntered")
    def _contract_entered(self, *, contract_id: UUID, bid_id: UUID, authority_id: UUID,
                          actor: Actor, reason: str | None, places: int | None = None) -> None:
        self.stage = "contracted"
        self.contracts[contract_id] = {"bid_id": bid_id, "authority_id": authority_id,
                                       "places": places}

    def cancel(self, *, actor: Actor, reason: str) -> None:
        self._check_move("cancelled")
        reason = clean_text(reason, "Say why the tender is being cancelled", "reason")
        self._cancelled(actor=actor, reason=reason)

    @event("Cancelled")
    def _cancelled(self, *, actor: Actor, reason: str | None) -> None:
        self.stage = "cancelled"
