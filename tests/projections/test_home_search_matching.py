"""Matching a home search to the vacancy board: the worked example, scored by hand.

The search (tests/projections/home_search_world.py): a 13-year-old girl and her brother
(two places), a children's home meeting emotional and behavioural needs, starting within 28
days, family in ZZ1, avoiding ZZ5. Ten vacancies are open; six each fail one hard filter. The
four left, with the published weights (distance 35 falling to 0 at 50 miles; inside the
authority 15; block 20, framework 10, spot 0; fee 20 x lowest / fee; Ofsted not known, 0):

| vacancy | distance            | inside | route          | fee               | total |
| ------- | ------------------- | ------ | -------------- | ----------------- | ----- |
| A       | 5 mi: 35x0.9 = 31.5 | 15     | block: 20      | 20x4000/5000 = 16 | 82.5  |
| B       | 20 mi: 35x0.6 = 21  | 0      | framework: 10  | 20x4000/4000 = 20 | 51.0  |
| C       | not known: 0        | 15     | spot: 0        | 20                | 35.0  |
| D       | 60 mi: 0            | 0      | spot: 0        | 20x4000/8000 = 10 | 10.0  |
"""

from __future__ import annotations

import pytest

from domain.errors import NotFound
from domain.permissions import Forbidden
from domain.principal import Principal
from projections import matching
from projections.matching import FILTERS, MAX_POINTS, match_vacancies
from tests.projections.home_search_world import SYSTEM, TODAY, build, worked_example_search


@pytest.fixture
def world(services):
    world = build(services.portal)
    world.search = worked_example_search(services.portal, world)
    services.projections.catch_up()
    return world


def ranked(services, world, search_id=None):
    with services.engine.connect() as c:
        return match_vacancies(world.officer, c, search_id or world.search, today=TODAY)


def label(match) -> str:
    return match.vacancy["setting_name"].removeprefix("Home ")


def test_the_weights_add_up_to_100():
    assert MAX_POINTS == 100


def test_the_worked_example(services, world):
    result = ranked(services, world)
    assert result.considered == 10
    assert result.excluded == {name: 1 for name in FILTERS if name != "school"} | {"school": 0}
    assert [label(m) for m in result.matches] == ["A", "B", "C", "D"]
    assert [m.score for m in result.matches] == [82.5, 51.0, 35.0, 10.0]
    a, b, c, d = result.matches
    assert [(x.name, x.points) for x in a.components] == [
        ("distance", 31.5), ("inside", 15), ("route", 20), ("fee", 16.0), ("ofsted", 0)]
    assert [(x.name, x.points) for x in b.components] == [
        ("distance", 21.0), ("inside", 0), ("route", 10), ("fee", 20.0), ("ofsted", 0)]
    assert [(x.name, x.points) for x in c.components] == [
        ("distance", 0.0), ("inside", 15), ("route", 0), ("fee", 20.0), ("ofsted", 0)]
    assert [(x.name, x.points) for x in d.components] == [
        ("distance", 0.0), ("inside", 0), ("route", 0), ("fee", 10.0), ("ofsted", 0)]
    assert (a.distance, b.distance, c.distance, d.distance) == (5.0, 20.0, None, 60.0)
    assert (a.route, b.route, c.route, d.route) == ("block", "framework", "spot", "spot")
    # Why, in words: an unknown distance is "not known", never 0 miles.
    assert a.components[0].why == "5 miles from the family's district ZZ1"
    assert c.components[0].why == "Distance from the family's district ZZ1 not known: no points"
    assert "0 miles" not in " ".join(x.why for x in c.components)
    assert a.components[2].why == "Block contract Kent residential block: 2 of 2 places free"
    assert b.components[2].why == "Framework Peninsula residential framework"
    assert a.components[1].why == "Inside Kent" and b.components[1].why == "Outside Kent"
    assert a.components[4].why == "Ofsted judgement not known: no points"
    assert a.vacancy["provider_name"] == "Weald Homes"
    assert a.vacancy["host_authority_name"] == "Kent"


def test_a_full_block_is_no_longer_the_route(services, world):
    """With both block places taken by Kent's children, Weald's vacancy would be bought spot."""
    from datetime import timedelta
    from uuid import uuid4

    from domain.actor import Actor

    actor = Actor(uuid4(), world.kent)
    for n in (1, 2):
        services.portal.start_placement(
            actor, authority_id=world.kent, child_ref=f"CAAAAAAAAAAB{n}", birth_month="2011-01",
            sex="1", uasc=False, on=TODAY - timedelta(days=20), today=TODAY,
            terms={"legal_status": "C2", "place": "K2", "provider_id": world.providers[
                "Weald Homes"], "weekly_cost": 4_800, "contract_route": "block",
                "contract_id": world.block})
    services.projections.catch_up()
    a = next(m for m in ranked(services, world).matches if label(m) == "A")
    assert a.route == "spot" and a.score == 31.5 + 15 + 0 + 16


def test_staying_near_school_filters_by_distance_from_the_school(services, world):
    search = worked_example_search(services.portal, world, child_ref="CAAAAAAAAAAA2",
                                   school_district="ZZ2", stay_near_school=True)
    services.projections.catch_up()
    result = ranked(services, world, search)
    # ZZ4 is 55 miles from ZZ2 (more than 15); ZZ3 exactly 15.0 (kept); ZZ9 not known (kept,
    # counted); ZZ2 itself 0.
    assert [label(m) for m in result.matches] == ["A", "B", "C"]
    assert result.excluded["school"] == 1
    assert result.school_unknown == 1


def test_the_sex_of_the_child_is_not_a_filter_and_the_page_says_so():
    assert "single" not in FILTERS and "sex" not in FILTERS
    assert "does not yet record" in matching.NOT_FILTERED


def test_no_match_at_all(services, world):
    search = worked_example_search(services.portal, world, child_ref="CAAAAAAAAAAA3",
                                   needs=["disability", "parent_and_child"])
    services.projections.catch_up()
    result = ranked(services, world, search)
    assert result.matches == [] and result.excluded["needs"] == 8


def test_only_the_searching_authoritys_officers_may_match(services, world):
    with services.engine.connect() as c:
        with pytest.raises(NotFound):
            match_vacancies(world.dorset_officer, c, world.search, today=TODAY)
        provider = Principal(user_id=SYSTEM.user_id, email="", display_name="",
                             organisation_id=world.providers["Weald Homes"],
                             organisation_kind="provider", organisation_name="",
                             roles=frozenset({"provider_user"}))
        with pytest.raises(Forbidden):
            match_vacancies(provider, c, world.search, today=TODAY)
