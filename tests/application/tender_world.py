"""A joint tender world for the tender tests: the South East partnership (Kent leading,
Portsmouth and West Sussex), Dorset outside it, four providers, a panel, and a clock the tests
move. ``run_to(stage)`` drives one tender through the real commands to any stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from domain.actor import Actor

SYSTEM = Actor.system()
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ENGAGEMENT_CLOSES = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
CLARIFICATION_DEADLINE = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BID_DEADLINE = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
STANDSTILL_ENDS = date(2026, 4, 10)

QUESTIONS = [
    {"text": "How many beds could you open in the region within 24 months?", "kind": "number",
     "required": True},
    {"text": "Where could you open them?", "kind": "multiple",
     "options": ["Kent", "Portsmouth", "West Sussex"], "required": True},
    {"text": "Would you bid for a block contract?", "kind": "single",
     "options": ["Yes", "No", "Not sure"], "required": False},
    {"text": "Anything else we should know?", "kind": "text", "required": False},
]
QUALITY = [{"text": "Your approach to complex needs", "weight": 60},
           {"text": "Staffing and training", "weight": 40}]
LOTS = [
    {"name": "Complex needs homes", "setting_type": "childrens_home", "area": "South East",
     "places": 15, "age_from": 8, "age_to": 17, "needs": ["complex_needs", "mental_health"]},
    {"name": "Foster care", "setting_type": "independent_fostering_agency",
     "area": "Kent and Medway", "places": None, "age_from": 0, "age_to": 17, "needs": []},
]


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@dataclass
class World:
    portal: object
    clock: Clock
    kent: UUID = None
    portsmouth: UUID = None
    west_sussex: UUID = None
    dorset: UUID = None
    weald: UUID = None  # children's homes
    harbour: UUID = None  # children's homes
    coast: UUID = None  # fostering only: not eligible for lot 1
    summit: UUID = None  # mixed: eligible for every lot
    users: dict = field(default_factory=dict)

    def officer(self, organisation: UUID) -> Actor:
        return Actor(user_id=uuid4(), organisation_id=organisation)

    @property
    def lead(self) -> Actor:
        return self.users["lead"]

    def provider(self, organisation: UUID) -> Actor:
        return Actor(user_id=uuid4(), organisation_id=organisation)


def build_world(portal) -> World:
    clock = Clock()
    portal.clock = clock
    world = World(portal=portal, clock=clock)
    for attr, la, ons, name, partnerships, threshold in [
        ("kent", "886", "E10000016", "Kent", ["South East"], 1_000_000),
        ("portsmouth", "851", "E06000044", "Portsmouth", ["South East"], 500_000),
        ("west_sussex", "938", "E10000032", "West Sussex", ["South East"], 5_000_000),
        ("dorset", "838", "E06000059", "Dorset", ["Dorset"], 500_000),
    ]:
        ref, _ = portal.register_authority(SYSTEM, la_code=la, ons_code=ons, name=name,
                                           population_0_17=100_000, partnerships=partnerships,
                                           key_decision_threshold=threshold)
        setattr(world, attr, ref)
    for attr, name, kind in [("weald", "Weald Homes", "childrens_home_operator"),
                             ("harbour", "Harbour Care", "childrens_home_operator"),
                             ("coast", "Coast Fostering", "fostering_agency"),
                             ("summit", "Summit Care", "mixed")]:
        ref, _ = portal.register_provider(SYSTEM, name=name, kind=kind)
        setattr(world, attr, ref)
    for key, email, organisation in [
        ("lead", "lead@kent.example.org", world.kent),
        ("evaluator_kent", "eva@kent.example.org", world.kent),
        ("evaluator_portsmouth", "eve@portsmouth.example.org", world.portsmouth),
        ("moderator", "mo@westsussex.example.org", world.west_sussex),
        ("dorset_officer", "do@dorset.example.org", world.dorset),
    ]:
        user, _ = portal.create_account(SYSTEM, email=email, display_name=key.title(),
                                        organisation_id=organisation,
                                        roles=["council_officer"])
        world.users[key] = Actor(user_id=user, organisation_id=organisation)
    return world


def draft(world: World, **overrides) -> UUID:
    terms = dict(
        lead_authority_id=world.kent, partnership="South East",
        title="South East complex needs", description="15 beds within 24 months",
        route="block_contract", estimated_annual_value=3_564_000,
        estimated_total_value=35_640_000, term_months=120, lots=LOTS,
        partners=[{"authority_id": world.kent, "share": 20_000_000},
                  {"authority_id": world.portsmouth, "share": 11_640_000},
                  {"authority_id": world.west_sussex, "share": 4_000_000}],
        timetable={"engagement_closes": ENGAGEMENT_CLOSES})
    terms.update(overrides)
    tender, _ = world.portal.draft_tender(world.lead, **terms)
    return tender


ORDER = ["draft", "market_engagement", "invitation_to_tender", "bids", "evaluation",
         "scored", "awarded", "contracted"]


def run_to(world: World, stage: str, tender: UUID | None = None, **draft_terms) -> dict:
    """Drive a tender to ``stage`` and return what was made on the way."""
    portal, lead = world.portal, world.lead
    made: dict = {"tender": tender or draft(world, **draft_terms)}
    tender = made["tender"]
    wanted = ORDER.index(stage)
    world.clock.set(START)
    portal.set_questionnaire(lead, tender, questions=QUESTIONS)
    portal.set_evaluation(lead, tender, quality_questions=QUALITY, quality_weight=60,
                          price_weight=40)
    if wanted < 1:
        return made
    portal.open_market_engagement(lead, tender)
    if wanted < 2:
        return made
    world.clock.set(ENGAGEMENT_CLOSES + timedelta(hours=1))
    portal.set_tender_timetable(lead, tender, timetable={
        "clarification_deadline": CLARIFICATION_DEADLINE, "bid_deadline": BID_DEADLINE})
    portal.publish_invitation(lead, tender)
    if wanted < 3:
        return made
    made["bids"] = {}
    for provider, price in ((world.weald, 6_200), (world.harbour, 5_800)):
        bid, _ = portal.submit_bid(world.provider(provider), tender, provider_id=provider,
                                   lot_id="1", weekly_price=price,
                                   answers={"Q1": "Small homes", "Q2": "Trained staff"})
        made["bids"][provider] = bid
    if wanted < 4:
        return made
    world.clock.set(BID_DEADLINE + timedelta(minutes=1))
    portal.appoint_evaluation_panel(
        lead, tender, evaluators=[world.users["evaluator_kent"].user_id,
                                  world.users["evaluator_portsmouth"].user_id],
        moderator=world.users["moderator"].user_id)
    portal.open_bids(lead, tender)
    if wanted < 5:
        return made
    for bid, scores in ((made["bids"][world.weald], {"Q1": 5, "Q2": 4}),
                        (made["bids"][world.harbour], {"Q1": 3, "Q2": 3})):
        for key in ("evaluator_kent", "evaluator_portsmouth"):
            portal.record_scores(world.users[key], tender, bid, scores=scores)
        portal.moderate_scores(world.users["moderator"], tender, bid, scores=scores)
    portal.record_key_decision(lead, tender, authority_id=world.kent, reference="21/00094",
                               taken_on=date(2026, 3, 1))
    portal.record_key_decision(world.officer(world.portsmouth), tender,
                               authority_id=world.portsmouth, reference="PCC-2026-14",
                               taken_on=date(2026, 3, 3))
    if wanted < 6:
        return made
    portal.award_tender(lead, tender, awards={"1": [made["bids"][world.weald]]},
                        standstill_ends=STANDSTILL_ENDS, reason="Highest score")
    if wanted < 7:
        return made
    world.clock.set(datetime(2026, 4, 10, 9, tzinfo=UTC))
    made["contract"], _ = portal.enter_tender_contract(
        lead, tender, bid_id=made["bids"][world.weald], authority_id=world.kent, places=10,
        start=date(2026, 5, 1), end=date(2031, 4, 30))
    return made


def tender_history(portal, lead: UUID, partner: UUID, providers: list[UUID]) -> dict:
    """Every kind of tender, bid and market engagement event, for the audit tests: all by the
    system except one evaluator's scores and the moderator's (two events by named people).
    ``lead`` and ``partner`` are authorities of one partnership; ``providers`` two providers of
    children's homes."""
    previous = portal.clock
    clock = Clock()
    portal.clock = clock
    first, second = providers
    partnership = portal.get_authority(lead).partnerships[0]
    evaluator, _ = portal.create_account(SYSTEM, email="evaluator@lead.example.org",
                                         display_name="Eve Evaluator", organisation_id=lead,
                                         roles=["council_officer"])
    moderator, _ = portal.create_account(SYSTEM, email="moderator@partner.example.org",
                                         display_name="Mo Moderator", organisation_id=partner,
                                         roles=["council_officer"])
    terms = dict(lead_authority_id=lead, partnership=partnership, title="Regional homes",
                 description="Children's homes for the partnership", route="block_contract",
                 estimated_annual_value=1_200_000, estimated_total_value=6_000_000,
                 term_months=60, lots=LOTS[:1],
                 partners=[{"authority_id": lead, "share": 4_000_000},
                           {"authority_id": partner, "share": 2_000_000}],
                 timetable={"engagement_closes": ENGAGEMENT_CLOSES})
    tender, _ = portal.draft_tender(SYSTEM, **terms)
    portal.revise_tender(SYSTEM, tender, title="Regional children's homes")
    portal.set_questionnaire(SYSTEM, tender, questions=QUESTIONS)
    portal.set_evaluation(SYSTEM, tender, quality_questions=QUALITY, quality_weight=60,
                          price_weight=40)
    portal.open_market_engagement(SYSTEM, tender)
    portal.respond_to_engagement(SYSTEM, tender, provider_id=first,
                                 answers={"q1": 2, "q2": ["Kent"]})
    portal.amend_engagement_response(SYSTEM, tender, provider_id=first,
                                     answers={"q1": 3, "q2": ["Kent"], "q3": "Yes"})
    asked, _ = portal.ask_clarification(SYSTEM, tender, provider_id=first,
                                        question="Is the lot one site?")
    portal.answer_clarification(SYSTEM, tender, asked, answer="No", publish=True)
    private, _ = portal.ask_clarification(SYSTEM, tender, provider_id=second,
                                          question="Our registration is pending: may we bid?")
    portal.answer_clarification(SYSTEM, tender, private, answer="Yes", publish=False)
    clock.set(ENGAGEMENT_CLOSES + timedelta(hours=1))
    portal.set_tender_timetable(SYSTEM, tender, timetable={
        "clarification_deadline": CLARIFICATION_DEADLINE, "bid_deadline": BID_DEADLINE})
    portal.publish_invitation(SYSTEM, tender)
    answers = {"Q1": "Small homes", "Q2": "Trained staff"}
    winning, _ = portal.submit_bid(SYSTEM, tender, provider_id=first, lot_id="1",
                                   weekly_price=6_400, answers=answers)
    portal.submit_bid(SYSTEM, tender, provider_id=first, lot_id="1", weekly_price=6_100,
                      answers=answers)
    portal.submit_bid(SYSTEM, tender, provider_id=second, lot_id="1", weekly_price=5_000,
                      answers=answers)
    portal.withdraw_bid(SYSTEM, tender, provider_id=second, lot_id="1", reason="No staff")
    portal.appoint_evaluation_panel(SYSTEM, tender, evaluators=[evaluator],
                                    moderator=moderator)
    clock.set(BID_DEADLINE + timedelta(minutes=5))
    portal.open_bids(SYSTEM, tender)
    scores = {"Q1": 4, "Q2": 3}
    portal.record_scores(Actor(evaluator, lead), tender, winning, scores=scores)
    portal.moderate_scores(Actor(moderator, partner), tender, winning, scores=scores)
    for authority, reference in ((lead, "21/00094"), (partner, "P-2026-3")):
        portal.record_key_decision(SYSTEM, tender, authority_id=authority, reference=reference,
                                   taken_on=date(2026, 3, 10))
    portal.award_tender(SYSTEM, tender, awards={"1": [winning]},
                        standstill_ends=STANDSTILL_ENDS)
    clock.set(datetime(2026, 4, 10, 9, tzinfo=UTC))
    contract, _ = portal.enter_tender_contract(SYSTEM, tender, bid_id=winning,
                                               authority_id=lead, places=4,
                                               start=date(2026, 5, 1), end=date(2031, 4, 30))
    clock.set(START)
    cancelled, _ = portal.draft_tender(SYSTEM, **terms)
    portal.cancel_tender(SYSTEM, cancelled, reason="Merged into the regional tender")
    engagement, _ = portal.draft_tender(SYSTEM, **{**terms, "route": "market_engagement_only"})
    portal.set_questionnaire(SYSTEM, engagement, questions=QUESTIONS)
    portal.open_market_engagement(SYSTEM, engagement)
    clock.set(ENGAGEMENT_CLOSES)
    portal.conclude_market_engagement(SYSTEM, engagement)
    portal.clock = previous
    return {"tender": tender, "bid": winning, "contract": contract,
            "evaluator": evaluator, "moderator": moderator}
