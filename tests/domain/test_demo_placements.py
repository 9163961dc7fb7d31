"""The demo placements are generated relative to the day they are loaded on: on any day the
plan reproduces the published figures and every child's history passes the Placement
aggregate's own rules (dates in order, codes valid for each episode's collection year)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from domain import ssda903
from domain.actor import Actor
from domain.organisation import authority_id
from portal.demo.placements import demo_placements, facts, spend, trend
from portal.demo.placements.histories import add_years
from portal.demo.placements.loader import history

DAYS = (date(2026, 11, 23), date(2027, 6, 15), date(2028, 4, 1))


def on_the_day(plan, la_code: str) -> list:
    """The placement each of the authority's children is in on the day (short breaks out)."""
    return [child.steps[-1].where for child in plan.children
            if child.la_code == la_code and child.steps[-1].rec is None
            and child.steps[-1].legal_status not in {"V3", "V4"}]


@pytest.fixture(scope="module", params=DAYS, ids=str)
def plan(request):
    return request.param, demo_placements(request.param)


def test_the_same_day_gives_the_same_demo():
    assert demo_placements(DAYS[0]) == demo_placements(DAYS[0])


def test_every_day_shows_the_published_figures(plan):
    today, plan = plan
    dorset = on_the_day(plan, "838")
    assert len(dorset) == 469
    assert sum(1 for w in dorset if w.la_code != "838") == 197
    kent_homes = [w for w in on_the_day(plan, "886") if w.place in {"K1", "K2"}]
    assert sum(1 for w in kent_homes if w.la_code == "886") == 42
    outside = [w.weekly_cost for w in kent_homes if w.la_code != "886"]
    assert (len(outside), sum(outside)) == (33, 33 * 4_557)
    stretches = spend.stretches(list(plan.children), *ssda903.last_financial_year(today))
    spent = defaultdict(int)  # pound-days: weekly cost x days in the last financial year
    for stretch in stretches:
        where = plan.children[stretch.plan].steps[stretch.first].where
        if plan.children[stretch.plan].la_code == "879" and where.place in {"K1", "K2"}:
            spent["block" if where.route == "block" else where.route] += \
                stretch.cost * stretch.days
        elif plan.children[stretch.plan].la_code == "879" \
                and where.place in {"U4", "U5", "U6"} and where.place_provider in {"PR4", "PR5"}:
            spent["agency"] += stretch.cost * stretch.days
    assert spent["agency"] == 7 * 8_040_000
    assert spent["block"] == 7 * 3_750_000
    assert spent["framework"] + spent["spot"] == 7 * 12_520_000
    assert spent["framework"] % 7 == spent["spot"] % 7 == 0  # each row in whole pounds
    for fact in facts.CARE:
        assert len(on_the_day(plan, fact.la_code)) == fact.in_care


def test_dorsets_children_placed_out_of_area_fell_47_42_36_percent(plan):
    """Excluding unaccompanied children, as Dorset reports it: the same day two years and a
    year before the day, then the day itself (issue 12)."""
    today, plan = plan
    children = list(plan.children)
    shares = []
    for years in (2, 1, 0):
        outside, counted = trend.share_outside(children, "838", add_years(today, -years))
        shares.append(round(100 * outside / counted))
    assert shares == [47, 42, 36]


def test_every_history_follows_the_placement_rules(plan):
    today, plan = plan
    actor = Actor.system()
    for n, child in enumerate(plan.children):
        placement = history(child, authority_id(child.la_code), f"C{n:012d}", today, actor)
        born = date.fromisoformat(child.birth_month + "-01")
        for episode in placement.episodes:
            assert episode["start"] < today
            last = episode["end"] or today
            assert (last - born).days < 18 * 365.25 + 31, child.child_id
            if episode["place"] in {"H5", "K3"}:
                assert (episode["start"] - born).days >= 16 * 365.25 - 31, child.child_id
