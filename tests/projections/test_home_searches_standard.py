"""The home searches export in the Placements Data Standard layout: the standard's fields in
order with only what the portal holds, the portal's own search group and offers after them, and
only ever the viewer's own authority's searches."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.home_searches_standard import (
    CSV_FIELDS,
    home_searches_standard_records,
    needed_by,
    write_csv,
    write_json,
)
from projections.placements_standard import FIELDS, GROUPS
from tests.projections.home_search_world import TODAY, build, worked_example_search
from tests.projections.test_home_search_offers import referral_history


def test_needed_by_is_counted_from_the_referrals_day():
    day = date(2026, 3, 2)
    assert needed_by(day, day) == "Today"
    assert needed_by(day, day + timedelta(days=1)) == "Within 5 days"
    assert needed_by(day, day + timedelta(days=5)) == "Within 5 days"
    assert needed_by(day, day + timedelta(days=6)) == "Later"


@pytest.fixture
def history(services):
    """Kent: a search placed (offer A accepted, B released, one decline), one sent to Weald
    only, one closed unfilled; Dorset: one draft of its own."""
    world = build(services.portal)
    ids = referral_history(services.portal, world)
    kent = Actor(uuid4(), world.kent)
    services.portal.accept_offer(kent, ids["sent"], ids["offer_a"], birth_month="2013-02",
                                 now=datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    unfilled = worked_example_search(services.portal, world, child_ref="CAAAAAAAAAAA3",
                                     siblings=0, needs=["communication"])
    services.portal.close_home_search_unfilled(kent, unfilled, unfilled_reason="too_far")
    services.portal.draft_home_search(
        Actor(uuid4(), world.dorset), authority_id=world.dorset, child_ref="CDDDDDDDDDDD1",
        urgency="emergency", needed_by=TODAY, latest_start=TODAY, placement_types=[
            "independent_fostering_agency"], age=9, sex="1", siblings=0, legal_status="C2",
        today=TODAY)
    services.projections.catch_up()
    return services, world, ids, unfilled


def test_one_record_per_search_with_its_offers_and_outcome(history):
    services, world, ids, unfilled = history
    with services.engine.connect() as c:
        records = {r["HomeSearch"]["searchId"]: r
                   for r in home_searches_standard_records(world.officer, c)}
    assert set(records) == {str(ids["sent"]), str(ids["only_weald"]), str(unfilled)}
    placed = records[str(ids["sent"])]
    assert list(placed)[:len(FIELDS)] == list(FIELDS)
    assert (placed["childId"], placed["siblingCount"], placed["preferredLocation"]) == (
        "CAAAAAAAAAAA1", 1, "ZZ1")
    assert (placed["residentialCareSuitability"], placed["fosterCareSuitability"]) == (
        "Preferred", "Not specified")
    # Offer A (Weald Homes' ZZ2 home at £5,000) was accepted: the actual placement.
    assert (placed["totalWeeklyCost"], placed["placementLocation"], placed["placementType"],
            placed["siblingsPlacedTogether"], placed["providerURN"]) == (
        5_000, "ZZ2", "Residential", "Yes", None)
    assert placed["placementDate"] == "2026-11-30"
    assert placed["HomeSearch"]["status"] == "Placed"
    assert (placed["HomeSearch"]["providersApproached"], placed["HomeSearch"]["offersMade"],
            placed["HomeSearch"]["declines"]) == (3, 2, 1)
    assert sorted((o["weeklyPrice"], o["status"]) for o in placed["Offers"]) == [
        (4_000, "released"), (5_000, "accepted")]
    waiting = records[str(ids["only_weald"])]
    assert waiting["totalWeeklyCost"] is None and waiting["Offers"] == []
    assert waiting["HomeSearch"]["providersApproached"] == 1
    closed = records[str(unfilled)]
    assert closed["HomeSearch"]["unfilledReason"] == (
        "Nothing close enough to the child's home or school")
    assert closed["communicationNeeds"] == "Yes" and placed["communicationNeeds"] is None
    assert closed["placementType"] is None


def test_another_authority_sees_only_its_own_and_others_are_refused(history):
    services, world, _, _ = history
    with services.engine.connect() as c:
        dorset = list(home_searches_standard_records(world.dorset_officer, c))
        assert [(r["childId"], r["neededBy"], r["fosterCareSuitability"]) for r in dorset] == [
            ("CDDDDDDDDDDD1", "Today", "Preferred")]
        for role in ("provider_user", "auditor", "platform_admin"):
            viewer = Principal(user_id=uuid4(), email="", display_name="",
                               organisation_id=world.kent, organisation_kind="authority",
                               organisation_name="", roles=frozenset({role}))
            with pytest.raises(Forbidden):
                list(home_searches_standard_records(viewer, c))


def test_csv_and_json_keep_the_layout(history):
    services, world, ids, _ = history
    with services.engine.connect() as c:
        out = io.StringIO()
        assert write_csv(home_searches_standard_records(world.officer, c), out) == 3
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert list(rows[0]) == list(CSV_FIELDS)
        placed = next(r for r in rows if r["HomeSearch.searchId"] == str(ids["sent"]))
        assert placed["totalWeeklyCost"] == "5000" and placed["pets"] == ""
        out = io.StringIO()
        assert write_json(home_searches_standard_records(world.officer, c), out) == 3
    document = json.loads(out.getvalue())
    assert (document["standard"], document["version"]) == ("Placements Data Standard", "v2")
    first = document["homeSearches"][0]
    assert list(first) == [*GROUPS, "HomeSearch", "Offers"]
    assert first["PlacementAvailability"]["childId"] == "CAAAAAAAAAAA1"
