"""Tender read models: rows from events, rebuild equal to incremental processing, and who sees
what: the lead and partners everything (bids only once opened), other councils of the
partnership the tender alone, a provider only what is open to it and its own answers."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.errors import NotFound
from domain.permissions import Forbidden
from domain.principal import Principal
from projections import tender_queries as q
from projections.audit.queries import SEALED, record_history
from projections.placements import contracts
from projections.tenders import COUNCIL_READABLE, Tenders, sealed_bids
from projections.timetravel import rebuild_as_at, take_snapshot
from tests.application.tender_world import (
    BID_DEADLINE,
    ENGAGEMENT_CLOSES,
    STANDSTILL_ENDS,
    START,
    build_world,
    draft,
    run_to,
)
from tests.projections.scenario import dump

SECRET_PRICE = 6_237  # a price found nowhere else in the world


def council(world, organisation, user=None, roles=("council_officer",)) -> Principal:
    partnerships = world.portal.get_authority(organisation).partnerships
    return Principal(user_id=user or uuid4(), email="o@example.org", display_name="Officer",
                     organisation_id=organisation, organisation_kind="authority",
                     organisation_name="Council", roles=frozenset(roles),
                     partnerships=frozenset(partnerships))


def provider(organisation) -> Principal:
    return Principal(user_id=uuid4(), email="p@example.org", display_name="Provider user",
                     organisation_id=organisation, organisation_kind="provider",
                     organisation_name="Provider", roles=frozenset({"provider_user"}))


@pytest.fixture
def world(services):
    return build_world(services.portal)


@pytest.fixture
def read(services):
    def reader(query, viewer, *args, **kwargs):
        services.projections.catch_up()
        with services.engine.connect() as c:
            return query(viewer, c, *args, **kwargs)
    return reader


def two_partner_tender(world):
    """Kent and Portsmouth only: West Sussex is in the partnership but not a partner."""
    return draft(world, partners=[{"authority_id": world.kent, "share": 30_000_000},
                                  {"authority_id": world.portsmouth, "share": 5_640_000}])


def test_incremental_processing_equals_a_rebuild(services, world):
    for stage in ("market_engagement", "bids", "scored", "contracted"):
        made = run_to(world, stage)
        world.clock.set(START)
        if stage == "market_engagement":
            world.portal.respond_to_engagement(
                world.provider(world.weald), made["tender"], provider_id=world.weald,
                answers={"q1": 3, "q2": ["Kent"]})
        services.projections.catch_up()
    names = [t.name for t in Tenders.tables]
    incremental = dump(services.engine, names)
    assert incremental["opened_bids"] and incremental["tender_contracts"]
    assert services.projections.rebuild(["tenders"]) > 0
    assert dump(services.engine, names) == incremental


def test_the_lead_and_partners_see_the_tender_with_its_key_decisions(world, read):
    made = run_to(world, "scored")
    for viewer in (council(world, world.kent), council(world, world.portsmouth)):
        detail = read(q.tender_detail, viewer, made["tender"])
        assert detail["stage"] == "evaluation"
        assert [lot["name"] for lot in detail["lots"]] == ["Complex needs homes",
                                                          "Foster care"]
        assert {(p["name"], p["key_decision_needed"], p["decision_reference"])
                for p in detail["partners"]} == {("Kent", True, "21/00094"),
                                                 ("Portsmouth", True, "PCC-2026-14"),
                                                 ("West Sussex", False, None)}
        assert detail["key_decisions_missing"] == []
        assert detail["bid_deadline"] == BID_DEADLINE
    assert read(q.tender_detail, council(world, world.kent), made["tender"])["viewer_is_lead"]


def test_councils_outside_the_partnership_and_ineligible_providers_see_nothing(world, read):
    made = run_to(world, "market_engagement")
    for outsider in (council(world, world.dorset), provider(world.coast)):
        if outsider.organisation_kind == "provider":
            homes = draft(world, lots=[{"name": "Homes", "setting_type": "childrens_home",
                                        "area": "Kent"}])
            run_to(world, "market_engagement", tender=homes)
            with pytest.raises(NotFound):
                read(q.tender_detail, outsider, homes)
        else:
            with pytest.raises(NotFound):
                read(q.tender_detail, outsider, made["tender"])
            assert made["tender"] not in {t["id"] for t in read(q.tender_list, outsider)}
    with pytest.raises(NotFound):
        read(q.tender_detail, council(world, world.kent), uuid4())


def test_providers_see_no_drafts(world, read):
    planned = draft(world)
    with pytest.raises(NotFound):
        read(q.tender_detail, provider(world.weald), planned)
    assert read(q.tender_list, provider(world.weald)) == []
    run_to(world, "market_engagement", tender=planned)
    assert [t["id"] for t in read(q.tender_list, provider(world.weald))] == [planned]


def test_responses_and_their_summary_are_for_the_lead_and_partners_only(world, read):
    tender = two_partner_tender(world)
    run_to(world, "market_engagement", tender=tender)
    answers = [(world.weald, {"q1": 4, "q2": ["Kent", "West Sussex"], "q3": "Yes"}),
               (world.harbour, {"q1": 10, "q2": ["Kent"], "q3": "No", "q4": "Two sites"}),
               (world.summit, {"q1": 1, "q2": ["Portsmouth", "Kent"], "q3": "Yes"})]
    for organisation, given in answers:
        world.portal.respond_to_engagement(world.provider(organisation), tender,
                                           provider_id=organisation, answers=given)
    lead = council(world, world.kent)
    assert {r["provider_name"] for r in read(q.engagement_responses_for, lead, tender)} == {
        "Weald Homes", "Harbour Care", "Summit Care"}
    summary = {s["question_id"]: s for s in read(q.engagement_summary,
                                                 council(world, world.portsmouth), tender)}
    assert (summary["q1"]["answered"], summary["q1"]["lowest"], summary["q1"]["highest"],
            summary["q1"]["mean"], summary["q1"]["median"]) == (3, 1, 10, 5.0, 4)
    assert summary["q2"]["options"] == [{"option": "Kent", "count": 3},
                                        {"option": "Portsmouth", "count": 1},
                                        {"option": "West Sussex", "count": 1}]
    assert summary["q2"]["most_common"] == ["Kent"]
    assert summary["q3"]["most_common"] == ["Yes"]
    assert summary["q4"]["answered"] == 1
    # West Sussex is in the partnership, not a partner: it sees the tender, not the answers.
    west_sussex = council(world, world.west_sussex)
    assert read(q.tender_detail, west_sussex, tender)["viewer_role"] == "council"
    for query in (q.engagement_responses_for, q.engagement_summary):
        with pytest.raises(NotFound):
            read(query, west_sussex, tender)
        with pytest.raises(NotFound):
            read(query, provider(world.weald), tender)
    own = read(q.my_engagement_response, provider(world.harbour), tender)
    assert own["answers"] == {"q1": 10, "q2": ["Kent"], "q3": "No", "q4": "Two sites"}
    assert read(q.my_engagement_response, provider(world.coast), tender) is None
    with pytest.raises(Forbidden):
        read(q.my_engagement_response, lead, tender)


def test_clarifications_hide_who_asked_from_everyone_but_the_councils_running_it(world, read):
    tender = two_partner_tender(world)
    run_to(world, "market_engagement", tender=tender)
    asker = world.provider(world.weald)
    private, _ = world.portal.ask_clarification(asker, tender, provider_id=world.weald,
                                                question="Weald asks: one site?")
    public, _ = world.portal.ask_clarification(asker, tender, provider_id=world.weald,
                                               question="Weald asks: TUPE?")
    unanswered, _ = world.portal.ask_clarification(world.provider(world.harbour), tender,
                                                   provider_id=world.harbour,
                                                   question="Harbour asks: parking?")
    world.portal.answer_clarification(world.lead, tender, private, answer="No",
                                      publish=False)
    world.portal.answer_clarification(world.lead, tender, public, answer="Not expected",
                                      publish=True, question="Is TUPE likely?")
    for running in (council(world, world.kent), council(world, world.portsmouth)):
        rows = {r["id"]: r for r in read(q.clarifications, running, tender)}
        assert set(rows) == {private, public, unanswered}
        assert rows[private]["asked_by"] == "Weald Homes"
    weald = {r["id"]: r for r in read(q.clarifications, provider(world.weald), tender)}
    assert set(weald) == {private, public}
    assert weald[private]["answer"] == "No" and weald[private]["mine"]
    for other in (provider(world.harbour), provider(world.summit),
                  council(world, world.west_sussex)):
        rows = read(q.clarifications, other, tender)
        published = [r for r in rows if not r["mine"]]
        assert [(r["id"], r["question"], r["answer"]) for r in published] == [
            (public, "Is TUPE likely?", "Not expected")]
        assert all("provider_id" not in r and "asked_by" not in r for r in rows)
    harbour = {r["id"] for r in read(q.clarifications, provider(world.harbour), tender)}
    assert harbour == {public, unanswered}


def council_tables(services) -> list[str]:
    """Every value in every council-readable tender table, as text."""
    with services.engine.connect() as c:
        return [str(v) for table in COUNCIL_READABLE
                for row in c.execute(sa.select(table)) for v in row]


def test_no_council_readable_table_holds_a_bid_before_opening(services, world, read):
    unseal = world.portal.bid_seal.unseal
    made = run_to(world, "invitation_to_tender")
    tender = made["tender"]
    bid, _ = world.portal.submit_bid(
        world.provider(world.summit), tender, provider_id=world.summit, lot_id="1",
        weekly_price=SECRET_PRICE, answers={"Q1": "Our secret approach", "Q2": "Secret staff"})
    services.projections.catch_up()
    values = council_tables(services)
    assert str(SECRET_PRICE) not in " ".join(values)
    assert "Our secret approach" not in " ".join(values)
    assert str(bid) not in values  # not even that a bid exists
    # The provider sees its own bid's content.
    own = read(q.my_bids, provider(world.summit), unseal)
    assert [(b["id"], b["weekly_price"], b["status"]) for b in own] == [
        (bid, SECRET_PRICE, "submitted")]
    assert read(q.my_bids, provider(world.weald), unseal) == []
    for lead_or_partner in (council(world, world.kent), council(world, world.portsmouth)):
        assert read(q.opened_bids_for, lead_or_partner, tender) == []
        assert read(q.lot_rankings, lead_or_partner, tender) == {}
        with pytest.raises(Forbidden):
            read(q.my_bids, lead_or_partner, unseal)
    # Opened after the deadline: now the councils running it read it.
    world.clock.set(BID_DEADLINE + timedelta(minutes=1))
    world.portal.open_bids(world.lead, tender)
    opened = read(q.opened_bids_for, council(world, world.portsmouth), tender)
    assert [(b["id"], b["weekly_price"], b["provider_name"]) for b in opened] == [
        (bid, SECRET_PRICE, "Summit Care")]
    with pytest.raises(NotFound):
        read(q.opened_bids_for, council(world, world.dorset), tender)
    assert read(q.my_bids, provider(world.summit), unseal)[0]["status"] == "opened"


def test_a_withdrawn_bid_never_reaches_the_councils(services, world, read):
    made = run_to(world, "bids")
    world.portal.withdraw_bid(world.provider(world.harbour), made["tender"],
                              provider_id=world.harbour, lot_id="1")
    world.clock.set(BID_DEADLINE)
    world.portal.open_bids(world.lead, made["tender"])
    opened = read(q.opened_bids_for, council(world, world.kent), made["tender"])
    assert [b["provider_id"] for b in opened] == [world.weald]
    with services.engine.connect() as c:
        statuses = dict(c.execute(sa.select(sealed_bids.c.provider_id,
                                            sealed_bids.c.status)).all())
    assert statuses == {world.weald: "opened", world.harbour: "withdrawn"}


def test_scores_rankings_and_award_are_read_by_the_councils_running_it(world, read):
    made = run_to(world, "awarded")
    lead = council(world, world.kent)
    rankings = read(q.lot_rankings, lead, made["tender"])
    assert [(r["provider_name"], r["rank"], r["total_score"], r["awarded"])
            for r in rankings["1"]] == [("Weald Homes", 1, 92.62, True),
                                        ("Harbour Care", 2, 76.0, False)]
    scores = read(q.tender_scores_for, council(world, world.portsmouth), made["tender"])
    assert len(scores) == 4  # two evaluators, two bids
    for outsider in (council(world, world.dorset), provider(world.weald)):
        with pytest.raises(NotFound):
            read(q.tender_scores_for, outsider, made["tender"])
    # The panel is named to the councils running the tender, never to bidders.
    assert len(read(q.tender_detail, lead, made["tender"])["evaluators"]) == 2
    seen_by_bidder = read(q.tender_detail, provider(world.weald), made["tender"])
    assert (seen_by_bidder["evaluators"], seen_by_bidder["moderator"]) == ([], None)
    detail = read(q.tender_detail, lead, made["tender"])
    assert (detail["stage"], detail["standstill_ends"]) == ("awarded", STANDSTILL_ENDS)


def test_contracts_from_an_award_reach_the_contract_register(services, world, read):
    made = run_to(world, "contracted")
    with services.engine.connect() as c:
        services.projections.catch_up()
        row = c.execute(sa.select(contracts).where(contracts.c.id == made["contract"])
                        ).mappings().one()
    assert (row["tender_id"], row["route"], row["places"], row["weekly_price"],
            row["authority_id"], row["provider_id"]) == (
        made["tender"], "block", 10, 6_200, world.kent, world.weald)
    detail = read(q.tender_detail, council(world, world.kent), made["tender"])
    assert [c["contract_id"] for c in detail["contracts"]] == [made["contract"]]
    assert detail["stage"] == "contracted"


def test_the_partnership_pipeline_shows_stages_values_and_key_decisions(world, read):
    planned = draft(world, title="Supported living framework", route="framework")
    running = run_to(world, "bids")["tender"]
    pipeline = read(q.partnership_pipeline, council(world, world.west_sussex), "South East")
    rows = {r["id"]: r for r in pipeline}
    assert set(rows) == {planned, running}
    assert (rows[planned]["stage"], rows[planned]["estimated_total_value"],
            rows[planned]["key_decisions_needed"], rows[planned]["key_decisions_taken"]) == (
        "draft", 35_640_000, 2, 0)
    assert rows[running]["stage"] == "invitation_to_tender"
    assert rows[running]["lead_authority_name"] == "Kent"
    with pytest.raises(NotFound):
        read(q.partnership_pipeline, council(world, world.dorset), "South East")
    with pytest.raises(Forbidden):
        read(q.partnership_pipeline, provider(world.weald), "South East")


def test_a_provider_sees_its_opportunities_and_its_own_activity(world, read):
    unseal = world.portal.bid_seal.unseal
    engagement = run_to(world, "market_engagement")["tender"]
    itt = run_to(world, "invitation_to_tender")["tender"]
    world.clock.set(START)
    weald = provider(world.weald)
    opportunities = read(q.provider_opportunities, weald, now=START)
    assert {o["id"]: o["closes"] for o in opportunities} == {
        engagement: ENGAGEMENT_CLOSES, itt: BID_DEADLINE}
    later = read(q.provider_opportunities, weald, now=ENGAGEMENT_CLOSES)
    assert [o["id"] for o in later] == [itt]
    world.portal.respond_to_engagement(world.provider(world.weald), engagement,
                                       provider_id=world.weald,
                                       answers={"q1": 2, "q2": ["Kent"]})
    world.clock.set(ENGAGEMENT_CLOSES + timedelta(hours=2))
    world.portal.submit_bid(world.provider(world.weald), itt, provider_id=world.weald,
                            lot_id="1", weekly_price=5_000,
                            answers={"Q1": "a", "Q2": "b"})
    activity = read(q.provider_activity, weald, unseal)
    assert [r["tender_id"] for r in activity["responses"]] == [engagement]
    assert [(b["tender_id"], b["lot_name"], b["weekly_price"]) for b in activity["bids"]] == [
        (itt, "Complex needs homes", 5_000)]
    assert read(q.provider_activity, provider(world.harbour), unseal) == {"responses": [],
                                                                  "bids": []}
    with pytest.raises(Forbidden):
        read(q.provider_opportunities, council(world, world.kent))


def test_an_auditor_sees_a_bids_price_only_once_opened(services, world):
    made = run_to(world, "bids")
    bid = made["bids"][world.weald]
    auditor = Principal(user_id=uuid4(), email="a@example.org", display_name="Auditor",
                        organisation_id=world.kent, organisation_kind="authority",
                        organisation_name="Kent", roles=frozenset({"auditor"}))
    services.projections.catch_up()
    with services.engine.connect() as c:
        history = record_history(auditor, services.portal, c, bid)
    shown = {ch.field: ch.new for step in history.steps for ch in step.changes}
    assert shown["sealed"] == SEALED
    assert "weekly_price" not in shown and "answers" not in shown
    assert "6,200" not in " ".join(step.summary for step in history.steps)
    world.clock.set(BID_DEADLINE)
    world.portal.open_bids(world.lead, made["tender"])
    services.projections.catch_up()
    with services.engine.connect() as c:
        history = record_history(auditor, services.portal, c, bid)
    assert {ch.field: ch.new for step in history.steps for ch in step.changes}[
        "weekly_price"] == 6_200


def test_as_at_from_a_snapshot_equals_the_tables_as_they_were(services, world):
    run_to(world, "evaluation")
    services.projections.catch_up()
    snapshot_at = take_snapshot(services.engine, Tenders(), services.snapshot_key)
    run_to(world, "awarded")
    services.projections.catch_up()
    middle = services.portal.last_position()
    names = [t.name for t in Tenders.tables]
    expected = dump(services.engine, names)
    run_to(world, "contracted")
    services.projections.catch_up()
    as_at = rebuild_as_at(services.portal, services.engine, [Tenders()], middle,
                          key=services.snapshot_key, use_snapshots=True)
    try:
        assert as_at.started_from == {"tenders": snapshot_at}
        assert dump(as_at.engine, names) == expected
    finally:
        as_at.close()
