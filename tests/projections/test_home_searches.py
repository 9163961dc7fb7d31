"""The home searches read model: events in, rows out; incremental equals a rebuild; each
authority reads only its own searches."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from domain.errors import NotFound
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.home_search_queries import (
    home_search,
    home_searches_for,
    largest_registered_places,
)
from projections.home_searches import home_searches
from tests.projections.home_search_world import TODAY, build, worked_example_search
from tests.projections.scenario import dump


def history(portal, world) -> dict[str, object]:
    """Searches in every state this slice reaches, by named officers."""
    kent = Actor(uuid4(), world.kent)
    dorset = Actor(uuid4(), world.dorset)
    ids = {"draft": worked_example_search(portal, world, child_ref="CAAAAAAAAAAA1")}
    ids["edited"] = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA2")
    portal.edit_home_search(kent, ids["edited"], today=TODAY, reason="Needs reassessed",
                            changes={"needs": ["emotional_behavioural", "exploitation_risk"],
                                     "areas_to_avoid": ["ZZ5", "zz4"], "age": 14})
    ids["cancelled"] = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA3")
    portal.cancel_home_search(kent, ids["cancelled"], reason="Returned home")
    ids["unfilled"] = worked_example_search(portal, world, child_ref="CAAAAAAAAAAA4",
                                            needed_by=TODAY + timedelta(days=1))
    portal.close_home_search_unfilled(kent, ids["unfilled"], unfilled_reason="too_far")
    ids["dorset"], _ = portal.draft_home_search(
        dorset, authority_id=world.dorset, child_ref="CAAAAAAAAAAA5", urgency="emergency",
        needed_by=TODAY, latest_start=TODAY, placement_types=["independent_fostering_agency"],
        age=4, sex="1", siblings=2, legal_status="C1", today=TODAY)
    return ids


def test_rows_follow_each_step(services):
    world = build(services.portal)
    ids = history(services.portal, world)
    services.projections.catch_up()
    with services.engine.connect() as c:
        rows = {r.id: r for r in c.execute(sa.select(home_searches))}
        listed = home_searches_for(world.officer, c)
        one = home_search(world.officer, c, ids["edited"])
        assert largest_registered_places(c) == 4
    assert rows[ids["draft"]].status == "draft"
    assert rows[ids["edited"]].needs == "|emotional_behavioural|exploitation_risk|"
    assert rows[ids["edited"]].areas_to_avoid == "|ZZ4|ZZ5|"
    assert rows[ids["edited"]].last_reason == "Needs reassessed"
    assert rows[ids["cancelled"]].status == "cancelled"
    assert rows[ids["cancelled"]].last_reason == "Returned home"
    assert rows[ids["unfilled"]].status == "closed_unfilled"
    assert rows[ids["unfilled"]].unfilled_reason == "too_far"
    assert one["needs"] == ["emotional_behavioural", "exploitation_risk"] and one["age"] == 14
    assert one["status_label"] == "Draft" and one["places_needed"] == 2
    # Kent's own four, the open ones first, the home needed soonest first.
    assert [s["id"] for s in listed][:2] == [ids["draft"], ids["edited"]]
    assert {s["id"] for s in listed} == {ids[k] for k in ("draft", "edited", "cancelled",
                                                          "unfilled")}
    assert [s["is_open"] for s in listed] == [True, True, False, False]


def test_another_authority_reads_none_of_them_and_a_provider_nothing(services):
    world = build(services.portal)
    ids = history(services.portal, world)
    services.projections.catch_up()
    with services.engine.connect() as c:
        assert [s["id"] for s in home_searches_for(world.dorset_officer, c)] == [ids["dorset"]]
        with pytest.raises(NotFound, match="There is no such home search"):
            home_search(world.dorset_officer, c, ids["draft"])
    provider = Principal(user_id=uuid4(), email="", display_name="",
                         organisation_id=world.providers["Weald Homes"],
                         organisation_kind="provider", organisation_name="",
                         roles=frozenset({"provider_user"}))
    with services.engine.connect() as c, pytest.raises(Forbidden):
        home_searches_for(provider, c)


def test_incremental_processing_equals_a_rebuild(services, monkeypatch):
    from projections import runner

    world = build(services.portal)
    services.projections.catch_up()
    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    history(services.portal, world)
    services.projections.catch_up()
    incremental = dump(services.engine, names={"home_searches"})
    assert len(incremental["home_searches"]) == 5
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names={"home_searches"}) == incremental
