"""Demo joint tenders: the partnerships' real procurements, at realistic stages, run through
the portal's own commands with a controlled clock.

- The Peninsula fostering and residential frameworks re-tender (Plymouth lead with Devon, Torbay
  and Somerset): awarded, framework contracts entered. Devon contributes about £12m a year to
  the residential framework (Devon's sufficiency strategy).
- Devon's £10.78m five-year residential block contract: awarded, the block contract entered
  (it appears in Devon's block occupancy and voids; no demo child is placed in it yet, so the
  published placement figures stay as they were).
- Devon's £14m four-year supported living framework: invitation to tender, bids sealed, a
  clarification published.
- Dorset's supported-accommodation block contracts (up to 7 years): market engagement, closing
  in two days, with providers' responses.
- The South East regional procurement for children with complex needs (Kent lead with
  Portsmouth and West Sussex: 15 beds within 24 months, up to £3.564m a year, a 10-year term;
  Kent key decision 21/00094), preceded by market engagement: bids opened, under evaluation.

Dates are relative to the day the demo is loaded, so the stages hold whenever it is loaded;
the key decision's reference is Kent's, its date is the demo's. Values not in the councils'
papers (shares, prices, lot sizes, the other references) are illustrative.

Idempotent: ids derive from each tender's key, and each step checks the tender's state first,
so a second load (or one after an interrupted load) adds only what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid5

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import NAMESPACE, authority_id
from domain.tender import Tender, bid_id, response_id
from domain.tender_terms import STANDSTILL_WORKING_DAYS, add_months, add_working_days
from portal.demo.ids import provider_id
from portal.demo.region import AUTHORITIES
from portal.services.application import Portal

ORDER = ("draft", "market_engagement", "engagement_concluded", "invitation_to_tender",
         "evaluation", "awarded", "contracted")

QUESTIONNAIRE = [
    {"text": "How many places could you offer the partnership within 24 months?",
     "kind": "number", "required": True},
    {"text": "Where could you provide them?", "kind": "multiple",
     "options": ["Plymouth", "Devon", "Torbay", "Somerset", "Dorset", "Kent", "Portsmouth",
                 "West Sussex"], "required": True},
    {"text": "Would you bid for a block contract?", "kind": "single",
     "options": ["Yes", "No", "Not sure"], "required": True},
    {"text": "What would help you open places in the area?", "kind": "text",
     "required": False},
]
QUALITY = [{"text": "How you will meet the children's needs and keep them safe", "weight": 60},
           {"text": "Staffing, training and supervision", "weight": 40}]
QUALITY_ANSWERS = {"Q1": "Small homes with a therapeutic model and a clinical lead.",
                   "Q2": "Permanent staff, a training academy and weekly supervision."}


def tender_id(key: str) -> UUID:
    return uuid5(NAMESPACE, "demo-tender:" + key)


def tender_contract_id(key: str, provider: str, la_code: str) -> UUID:
    return uuid5(NAMESPACE, f"demo-tender-contract:{key}:{provider}:{la_code}")


@dataclass(frozen=True)
class Bid:
    provider: str
    lot_id: str
    weekly_price: int
    scores: dict[str, int] | None = None  # agreed scores (the evaluators agree with them)


@dataclass(frozen=True)
class DemoTender:
    key: str
    lead: str  # LA code
    partnership: str
    title: str
    description: str
    route: str
    annual: int
    total: int
    term_months: int
    lots: list[dict]
    shares: dict[str, int]  # LA code -> share of the total
    timetable: dict[str, int]  # entry -> days from the load day (deadlines at 17:00)
    stage: str  # how far the demo takes it
    responses: dict[str, dict] = field(default_factory=dict)  # provider -> answers
    clarifications: list[tuple[str, str, str, bool]] = field(default_factory=list)
    bids: list[Bid] = field(default_factory=list)
    key_decisions: dict[str, tuple[str, int]] = field(default_factory=dict)
    # Evaluator, evaluator, moderator: an LA code for its placements officer, or
    # "LA/commissioning" for its commissioning manager (COMMISSIONERS).
    panel: tuple[str, str, str] | None = None
    awards: dict[str, list[str]] = field(default_factory=dict)  # lot -> providers
    contracts: list[tuple[str, str, int | None]] = field(default_factory=list)


def _answers(places: int, where: list[str], bid: str, note: str = "") -> dict:
    return {"q1": places, "q2": where, "q3": bid, "q4": note}


TENDERS: tuple[DemoTender, ...] = (
    DemoTender(
        key="peninsula-frameworks", lead="879", partnership="Peninsula",
        title="Peninsula fostering and residential frameworks re-tender",
        description="The Peninsula partners' frameworks for independent fostering and "
                    "residential children's homes, re-tendered together for four years.",
        route="framework", annual=30_000_000, total=120_000_000, term_months=48,
        lots=[{"name": "Independent fostering", "setting_type": "independent_fostering_agency",
               "area": "Peninsula", "places": None, "age_from": 0, "age_to": 17, "needs": []},
              {"name": "Residential children's homes", "setting_type": "childrens_home",
               "area": "Peninsula", "places": None, "age_from": 8, "age_to": 17,
               "needs": ["emotional_behavioural", "complex_needs"]}],
        # Devon's share is about £12m a year on residential over the four years.
        shares={"879": 30_000_000, "878": 56_000_000, "880": 14_000_000, "933": 20_000_000},
        timetable={"engagement_opens": -330, "engagement_closes": -300,
                   "invitation_to_tender": -280, "clarification_deadline": -250,
                   "bid_deadline": -240, "evaluation_complete": -200, "award": -180,
                   "standstill_ends": -165, "contract_start": -150},
        stage="contracted",
        responses={
            "Kindlewood Fostering Ltd": _answers(12, ["Plymouth", "Devon"], "Not sure"),
            "Wessex Orchard Care Ltd": _answers(6, ["Devon", "Somerset"], "Yes",
                                                "Help finding suitable properties."),
            "Bellfounder Care Group Ltd": _answers(8, ["Plymouth", "Torbay", "Somerset"],
                                                   "Yes"),
        },
        bids=[Bid("Kindlewood Fostering Ltd", "1", 1_050, {"Q1": 4, "Q2": 4}),
              Bid("Ploverdale Family Placements Ltd", "1", 1_120, {"Q1": 4, "Q2": 3}),
              Bid("Wessex Orchard Care Ltd", "2", 5_450, {"Q1": 4, "Q2": 4}),
              Bid("Bellfounder Care Group Ltd", "2", 5_900, {"Q1": 5, "Q2": 4})],
        key_decisions={"879": ("PCC-KD-2025-031", -215), "878": ("DCC-FN/25/14", -212),
                       "880": ("TC-KD-2025-09", -210), "933": ("SC-KD-2025-118", -208)},
        panel=("879", "878", "933"),
        awards={"1": ["Kindlewood Fostering Ltd", "Ploverdale Family Placements Ltd"],
                "2": ["Wessex Orchard Care Ltd", "Bellfounder Care Group Ltd"]},
        contracts=[("Kindlewood Fostering Ltd", "879", None),
                   ("Kindlewood Fostering Ltd", "878", None),
                   ("Ploverdale Family Placements Ltd", "878", None),
                   ("Wessex Orchard Care Ltd", "878", None),
                   ("Wessex Orchard Care Ltd", "933", None),
                   ("Bellfounder Care Group Ltd", "879", None),
                   ("Bellfounder Care Group Ltd", "880", None)],
    ),
    DemoTender(
        key="devon-residential-block", lead="878", partnership="Peninsula",
        title="Devon residential block contract",
        description="Eight children's home places in Devon, bought as a block for five years "
                    "(£10.78m).",
        route="block_contract", annual=2_156_000, total=10_780_000, term_months=60,
        lots=[{"name": "Residential block, Devon", "setting_type": "childrens_home",
               "area": "Devon", "places": 8, "age_from": 8, "age_to": 17,
               "needs": ["emotional_behavioural"]}],
        shares={"878": 10_780_000},
        timetable={"invitation_to_tender": -200, "clarification_deadline": -170,
                   "bid_deadline": -160, "evaluation_complete": -130, "award": -120,
                   "standstill_ends": -105, "contract_start": -90},
        stage="contracted",
        bids=[Bid("Heronsgate Children's Services Ltd", "1", 5_150, {"Q1": 4, "Q2": 4}),
              Bid("Wessex Orchard Care Ltd", "1", 5_320, {"Q1": 3, "Q2": 4})],
        key_decisions={"878": ("DCC-FN/25/22", -140)},
        panel=("878", "878", "878/commissioning"),
        awards={"1": ["Heronsgate Children's Services Ltd"]},
        contracts=[("Heronsgate Children's Services Ltd", "878", 8)],
    ),
    DemoTender(
        key="devon-supported-living", lead="878", partnership="Peninsula",
        title="Devon supported living framework",
        description="Supported accommodation for 16 and 17 year olds and care leavers across "
                    "Devon: a four-year framework worth about £14m.",
        route="framework", annual=3_500_000, total=14_000_000, term_months=48,
        lots=[{"name": "Supported accommodation, Devon", "setting_type":
               "supported_accommodation", "area": "Devon", "places": None, "age_from": 16,
               "age_to": 17, "needs": []}],
        shares={"878": 14_000_000},
        timetable={"invitation_to_tender": -20, "clarification_deadline": 5,
                   "bid_deadline": 12, "evaluation_complete": 40, "award": 60,
                   "standstill_ends": 75, "contract_start": 90},
        stage="invitation_to_tender",
        clarifications=[("Ladderwell Young People's Housing Ltd",
                         "Can one bid cover both 16-17 year olds and care leavers?",
                         "Yes: the framework has one lot for both.", True)],
        bids=[Bid("Ladderwell Young People's Housing Ltd", "1", 1_350),
              Bid("Open Latch Supported Accommodation Ltd", "1", 1_290)],
    ),
    DemoTender(
        key="dorset-supported-blocks", lead="838", partnership="Dorset",
        title="Dorset supported accommodation block contracts",
        description="Block contracts of up to seven years for supported accommodation for "
                    "young people aged 16 and 17 in Dorset.",
        route="block_contract", annual=1_300_000, total=9_100_000, term_months=84,
        lots=[{"name": "West Dorset", "setting_type": "supported_accommodation",
               "area": "West Dorset", "places": 6, "age_from": 16, "age_to": 17, "needs": []},
              {"name": "East Dorset", "setting_type": "supported_accommodation",
               "area": "East Dorset", "places": 6, "age_from": 16, "age_to": 17,
               "needs": []}],
        shares={"838": 9_100_000},
        timetable={"engagement_opens": -26, "engagement_closes": 2,
                   "invitation_to_tender": 30, "clarification_deadline": 50,
                   "bid_deadline": 60, "award": 100, "contract_start": 150},
        stage="market_engagement",
        responses={
            "Open Latch Supported Accommodation Ltd": _answers(6, ["Dorset"], "Yes"),
            "Fledgewing Housing Trust": _answers(4, ["Dorset"], "Not sure",
                                                 "Longer contracts help us lease homes."),
            "Heronsgate Children's Services Ltd": _answers(3, ["Dorset"], "Yes"),
        },
        clarifications=[("Fledgewing Housing Trust",
                         "Would the council consider properties it owns?",
                         "Yes, we will set out the properties in the invitation.", True)],
    ),
    DemoTender(
        key="south-east-complex-needs", lead="886", partnership="South East",
        title="South East regional procurement: children with complex needs",
        description="Fifteen beds within 24 months for children with complex needs, bought "
                    "together by Kent, Portsmouth and West Sussex: up to £3.564m a year over "
                    "ten years.",
        route="block_contract", annual=3_564_000, total=35_640_000, term_months=120,
        lots=[{"name": "Complex needs homes, South East", "setting_type": "childrens_home",
               "area": "Kent, Portsmouth and West Sussex", "places": 15, "age_from": 8,
               "age_to": 17, "needs": ["complex_needs", "mental_health"]}],
        shares={"886": 17_820_000, "851": 8_910_000, "938": 8_910_000},
        timetable={"engagement_opens": -150, "engagement_closes": -120,
                   "invitation_to_tender": -100, "clarification_deadline": -75,
                   "bid_deadline": -60, "evaluation_complete": 20, "award": 35,
                   "standstill_ends": 50, "contract_start": 90},
        stage="evaluation",
        responses={
            "Bramblewick Children's Homes Ltd": _answers(4, ["Kent"], "Yes"),
            "Saltmarsh Lane Care Ltd": _answers(3, ["Portsmouth", "West Sussex"], "Yes"),
            "Downland Hearth Care Ltd": _answers(6, ["Kent", "West Sussex"], "Not sure",
                                                 "Planning permission is the main delay."),
            "Heronsgate Children's Services Ltd": _answers(5, ["Kent", "Portsmouth"], "Yes"),
        },
        bids=[Bid("Bramblewick Children's Homes Ltd", "1", 6_850),
              Bid("Downland Hearth Care Ltd", "1", 7_100),
              Bid("Heronsgate Children's Services Ltd", "1", 6_600)],
        # Kent's reference is its real key decision; the demo's date is relative.
        key_decisions={"886": ("21/00094", -130), "851": ("PCC-CS-2025-07", -110)},
        panel=("886", "851", "938"),
    ),
)


class Report(Protocol):
    created: int
    skipped: int
    last_position: int


# A second officer where a council runs a tender alone, to moderate the evaluation (the
# moderator may not be an evaluator). No password: they are never signed in as.
COMMISSIONERS = {"878": ("commissioning@devon.example.org", "Devon commissioning manager")}


def officer_actor(key: str) -> Actor:
    """The demo officer who acts: an authority's placements officer (the demo's sign-in
    account), or with "/commissioning" its commissioning manager."""
    la_code, _, role = key.partition("/")
    if role == "commissioning":
        email = COMMISSIONERS[la_code][0]
    else:
        name = next(a.name for a in AUTHORITIES if a.la_code == la_code)
        email = f"placements@{name.lower().replace(' ', '-')}.example.org"
    return Actor(user_id=account_id(email), organisation_id=authority_id(la_code))


def load_tenders(portal: Portal, today: date, report: Report) -> None:
    """Every demo tender, each to its stage (see the module's docstring)."""
    for la_code, (email, name) in COMMISSIONERS.items():
        if portal.exists(account_id(email)):
            report.skipped += 1
            continue
        report.last_position = portal.create_account(
            Actor.system(), email=email, display_name=name,
            organisation_id=authority_id(la_code), roles=["council_officer"])[1]
        report.created += 1
    original = portal.clock
    try:
        for demo in TENDERS:
            _Run(portal, demo, today, report).run()
    finally:
        portal.clock = original


class _Run:
    def __init__(self, portal: Portal, demo: DemoTender, today: date, report: Report) -> None:
        self.portal, self.demo, self.today, self.report = portal, demo, today, report
        self.id = tender_id(demo.key)
        self.lead = officer_actor(demo.lead)

    # --- the clock and the timetable ------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def moment(self, offset: int, hour: int = 9) -> datetime:
        return datetime.combine(self.day(offset), time(hour), UTC)

    def at(self, offset: int, hour: int = 9) -> None:
        self.portal.clock = lambda: self.moment(offset, hour)

    def timetable(self) -> dict:
        deadlines = {"engagement_closes", "clarification_deadline", "bid_deadline"}
        return {k: self.moment(v, 17) if k in deadlines else self.day(v)
                for k, v in self.demo.timetable.items()}

    # --- steps ----------------------------------------------------------------------------------

    def tender(self) -> Tender:
        return self.portal.get_tender(self.id)

    def reached(self, stage: str) -> bool:
        current = self.tender().stage
        return ORDER.index(current) >= ORDER.index(stage)

    def step(self, done: bool, command: Callable[[], Any]) -> None:
        if done:
            self.report.skipped += 1
            return
        result = command()
        self.report.last_position = result[1] if isinstance(result, tuple) else result
        self.report.created += 1

    def wanted(self, stage: str) -> bool:
        return ORDER.index(self.demo.stage) >= ORDER.index(stage)

    def run(self) -> None:
        demo, portal, lead, t = self.demo, self.portal, self.lead, self.demo.timetable
        first = t.get("engagement_opens", t.get("invitation_to_tender", 0))
        self.at(first - 14)
        self.step(portal.exists(self.id), lambda: portal.draft_tender(
            lead, tender_id=self.id, lead_authority_id=authority_id(demo.lead),
            partnership=demo.partnership, title=demo.title, description=demo.description,
            route=demo.route, estimated_annual_value=demo.annual,
            estimated_total_value=demo.total, term_months=demo.term_months, lots=demo.lots,
            partners=[{"authority_id": authority_id(la), "share": share}
                      for la, share in demo.shares.items()],
            timetable=self.timetable()))
        tender = self.tender()
        self.step(bool(tender.questionnaire) or tender.stage != "draft",
                  lambda: portal.set_questionnaire(lead, self.id, questions=QUESTIONNAIRE))
        self.step(bool(self.tender().quality_questions) or self.tender().stage != "draft",
                  lambda: portal.set_evaluation(lead, self.id, quality_questions=QUALITY,
                                                quality_weight=60, price_weight=40))
        if "engagement_opens" in t:
            self.engagement()
        if self.wanted("invitation_to_tender"):
            self.invitation()
        if self.wanted("evaluation"):
            self.evaluation()
        if self.wanted("awarded"):
            self.award()

    def engagement(self) -> None:
        demo, portal, lead, t = self.demo, self.portal, self.lead, self.demo.timetable
        self.at(t["engagement_opens"])
        self.step(self.reached("market_engagement"),
                  lambda: portal.open_market_engagement(lead, self.id))
        for n, (provider, answers) in enumerate(demo.responses.items()):
            pid = provider_id(provider)
            self.at(t["engagement_opens"] + 2 + n)
            self.step(portal.exists(response_id(self.id, pid)),
                      lambda pid=pid, answers=answers: portal.respond_to_engagement(
                          Actor.system(), self.id, provider_id=pid, answers=answers))
        if self.demo.stage == "market_engagement":
            self.clarify(t["engagement_opens"] + 5)

    def clarify(self, offset: int) -> None:
        portal = self.portal
        for provider, question, answer, publish in self.demo.clarifications:
            self.at(offset)
            self.step(self.clarification(question) is not None,
                      lambda provider=provider, question=question:
                      portal.ask_clarification(Actor.system(), self.id,
                                               provider_id=provider_id(provider),
                                               question=question))
            clarification_id, clarification = self.clarification(question)
            self.at(offset + 1)
            self.step(clarification["answer"] is not None,
                      lambda cid=clarification_id, answer=answer, publish=publish:
                      portal.answer_clarification(self.lead, self.id, cid, answer=answer,
                                                  publish=publish))

    def clarification(self, question: str) -> tuple[Any, dict] | None:
        """The clarification asking ``question`` (its id and record), if it has been asked."""
        return next(((k, c) for k, c in self.tender().clarifications.items()
                     if c["question"] == question), None)

    def invitation(self) -> None:
        demo, portal, t = self.demo, self.portal, self.demo.timetable
        self.at(t["invitation_to_tender"])
        self.step(self.reached("invitation_to_tender"),
                  lambda: portal.publish_invitation(self.lead, self.id))
        self.clarify(t["invitation_to_tender"] + 3)
        for n, bid in enumerate(demo.bids):
            pid = provider_id(bid.provider)
            self.at(t["invitation_to_tender"] + 6 + n)
            self.step(portal.exists(bid_id(self.id, bid.lot_id, pid)) or
                      self.reached("evaluation"),
                      lambda bid=bid, pid=pid: portal.submit_bid(
                          Actor.system(), self.id, provider_id=pid, lot_id=bid.lot_id,
                          weekly_price=bid.weekly_price, answers=QUALITY_ANSWERS))

    def evaluation(self) -> None:
        demo, portal, t = self.demo, self.portal, self.demo.timetable
        evaluators = [officer_actor(key) for key in dict.fromkeys(demo.panel[:2])] \
            if demo.panel else []
        moderator = officer_actor(demo.panel[2]) if demo.panel else None
        self.at(t["bid_deadline"], 18)
        if moderator is not None:
            self.step(bool(self.tender().evaluators), lambda: portal.appoint_evaluation_panel(
                self.lead, self.id, evaluators=[e.user_id for e in evaluators],
                moderator=moderator.user_id))
        self.step(self.reached("evaluation"), lambda: portal.open_bids(self.lead, self.id))
        if moderator is not None:
            self.scores(evaluators, moderator)
        for la, (reference, offset) in demo.key_decisions.items():
            self.at(max(offset, t["bid_deadline"] + 11))
            self.step(authority_id(la) in self.tender().key_decisions,
                      lambda la=la, reference=reference, offset=offset:
                      portal.record_key_decision(
                          officer_actor(la), self.id, authority_id=authority_id(la),
                          reference=reference, taken_on=self.day(offset)))

    def scores(self, evaluators: list[Actor], moderator: Actor) -> None:
        demo, portal, t = self.demo, self.portal, self.demo.timetable
        self.at(t["bid_deadline"] + 10)
        for bid in demo.bids:
            if bid.scores is None:
                continue
            ref = bid_id(self.id, bid.lot_id, provider_id(bid.provider))
            for evaluator in evaluators:
                self.step((ref, evaluator.user_id) in self.tender().scores,
                          lambda ref=ref, evaluator=evaluator, bid=bid: portal.record_scores(
                              evaluator, self.id, ref, scores=bid.scores))
            self.step(ref in self.tender().moderated, lambda ref=ref, bid=bid:
                      portal.moderate_scores(moderator, self.id, ref, scores=bid.scores))

    def award(self) -> None:
        demo, portal, t = self.demo, self.portal, self.demo.timetable
        awards = {lot: [bid_id(self.id, lot, provider_id(p)) for p in providers]
                  for lot, providers in demo.awards.items()}
        self.at(t["award"])
        # The planned standstill, or later where bank holidays make eight working days longer
        # (the demo's dates move with the day it is loaded).
        standstill_ends = max(self.day(t["standstill_ends"]), add_working_days(
            self.day(t["award"]), STANDSTILL_WORKING_DAYS))
        self.step(self.reached("awarded"), lambda: portal.award_tender(
            self.lead, self.id, awards=awards, standstill_ends=standstill_ends,
            reason="The highest-scoring bids"))
        if not self.wanted("contracted"):
            return
        start = max(self.day(t["contract_start"]), standstill_ends)
        end = add_months(start, demo.term_months) - timedelta(days=1)
        self.at((standstill_ends - self.today).days)
        for provider, la, places in demo.contracts:
            lot = next(lot for lot, providers in demo.awards.items() if provider in providers)
            ref = tender_contract_id(demo.key, provider, la)
            self.step(portal.exists(ref), lambda provider=provider, la=la, places=places,
                      lot=lot, ref=ref: portal.enter_tender_contract(
                          self.lead, self.id, bid_id=bid_id(self.id, lot, provider_id(provider)),
                          authority_id=authority_id(la), places=places, start=start, end=end,
                          contract_id=ref))
