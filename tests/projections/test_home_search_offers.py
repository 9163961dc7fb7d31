"""The referrals read model: who a search was sent to and how each answered, the offers and
their ranking with the matching's published weights; what a provider may read of a search
(only what a referral shares, only its own offers); incremental equals a rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import NotFound
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.referral_queries import SHARED, age_band, offers_on, referral_for, referrals_for
from tests.projections.home_search_world import TODAY, build, worked_example_search
from tests.projections.scenario import dump

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(hours=24)


def provider_user(provider) -> Principal:
    return Principal(user_id=uuid4(), email="", display_name="", organisation_id=provider,
                     organisation_kind="provider", organisation_name="",
                     roles=frozenset({"provider_user"}))


def referral_history(portal, world) -> dict:
    """A search sent to three providers: two offer, one declines; a second search sent to one
    provider only; a third accepted after its deadline."""
    p = world.providers
    kent = Actor(uuid4(), world.kent)
    sent = worked_example_search(portal, world)
    portal.send_home_search(kent, sent, provider_ids=list(p.values()),
                            offers_close_at=DEADLINE, now=NOW)
    offer_a, _ = portal.offer_place(
        Actor(uuid4(), p["Weald Homes"]), sent, vacancy_id=world.vacancies["A"],
        weekly_price=5_000, start_on=TODAY + timedelta(days=7), notes="Near ZZ2", now=NOW)
    offer_b, _ = portal.offer_place(
        Actor(uuid4(), p["Brook Care"]), sent, vacancy_id=world.vacancies["B"],
        weekly_price=4_000, start_on=TODAY + timedelta(days=7), now=NOW)
    portal.decline_home_search(Actor(uuid4(), p["Other Homes"]), sent,
                               decline_reason="matching", now=NOW)
    only_weald = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA2")
    portal.send_home_search(kent, only_weald, provider_ids=[p["Weald Homes"]],
                            offers_close_at=DEADLINE, now=NOW)
    return {"sent": sent, "only_weald": only_weald, "offer_a": offer_a, "offer_b": offer_b}


def test_the_officer_sees_every_offer_ranked_with_the_published_weights(services):
    world = build(services.portal)
    ids = referral_history(services.portal, world)
    services.projections.catch_up()
    with services.engine.connect() as c:
        view = offers_on(world.officer, c, ids["sent"], today=TODAY)
    assert view["search"]["status"] == "offers_open"
    answers = {s["name"]: (s["answer"], s["decline_reason"]) for s in view["sent_to"]}
    assert answers == {"Weald Homes": ("offered", None), "Brook Care": ("offered", None),
                       "Other Homes": ("declined", "matching")}
    # Worked example, points out of 100 (distance 35 at 0 miles to none at 50; inside the
    # authority 15; block 20, framework 10, spot 0; price 20 x lowest / this; Ofsted 10):
    # A, Weald, 5 miles, inside Kent, Kent's block, £5,000: 31.5 + 15 + 20 + 16 + 0 = 82.5
    # B, Brook, 20 miles, in Dorset, framework, £4,000:      21 + 0 + 10 + 20 + 0 = 51
    ranked = [(m.vacancy["id"], m.score) for m in view["offers"]]
    assert ranked == [(ids["offer_a"], 82.5), (ids["offer_b"], 51.0)]
    best = view["offers"][0]
    assert [c.name for c in best.components] == ["distance", "inside", "route", "fee",
                                                 "ofsted"]
    assert best.vacancy["notes"] == "Near ZZ2" and best.vacancy["setting_name"] == "Home A"


def test_a_provider_sees_only_searches_sent_to_it_what_they_share_and_its_own_offers(
        services):
    world = build(services.portal)
    ids = referral_history(services.portal, world)
    services.projections.catch_up()
    weald = provider_user(world.providers["Weald Homes"])
    brook = provider_user(world.providers["Brook Care"])
    with services.engine.connect() as c:
        assert {r["id"] for r in referrals_for(weald, c)} == {ids["sent"], ids["only_weald"]}
        assert [r["id"] for r in referrals_for(brook, c)] == [ids["sent"]]
        with pytest.raises(NotFound, match="There is no such home search"):
            referral_for(brook, c, ids["only_weald"])
        mine = referral_for(brook, c, ids["sent"])
        with pytest.raises(Forbidden):
            referrals_for(world.officer, c)
    assert [o["id"] for o in mine["own_offers"]] == [ids["offer_b"]]
    assert "child_ref" not in mine and "legal_status" not in mine and "age" not in mine
    assert "areas_to_avoid" not in mine and "authority_id" not in mine
    assert mine["age_band"] == "10 to 15" and mine["authority_name"] == "Kent"
    assert mine["family_district"] == "ZZ1" and mine["places_needed"] == 2
    assert mine["answer"] == "offered"
    assert "child_ref" not in SHARED
    assert [age_band(a) for a in (0, 4, 5, 15, 16, 18)] == [
        "Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and 17", "18 and over"]


def test_another_authority_reads_no_offers(services):
    world = build(services.portal)
    ids = referral_history(services.portal, world)
    services.projections.catch_up()
    with services.engine.connect() as c, pytest.raises(NotFound):
        offers_on(world.dorset_officer, c, ids["sent"], today=TODAY)


def test_acceptance_marks_the_offers_and_incremental_equals_a_rebuild(services, monkeypatch):
    from projections import runner

    world = build(services.portal)
    services.projections.catch_up()
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    ids = referral_history(services.portal, world)
    kent = Actor(uuid4(), world.kent)
    start_day = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    services.portal.accept_offer(kent, ids["sent"], ids["offer_a"], birth_month="2013-02",
                                 now=start_day)
    services.projections.catch_up()
    with services.engine.connect() as c:
        view = offers_on(world.officer, c, ids["sent"], today=TODAY)
    assert view["search"]["status"] == "placed"
    assert {m.vacancy["id"]: m.vacancy["status"] for m in view["offers"]} == {
        ids["offer_a"]: "accepted", ids["offer_b"]: "released"}
    names = {"home_searches", "home_search_referrals", "home_search_offers",
             "home_search_referral_authorities"}
    incremental = dump(services.engine, names=names)
    assert len(incremental["home_search_offers"]) == 2
    assert len(incremental["home_search_referrals"]) == 4
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=names) == incremental
