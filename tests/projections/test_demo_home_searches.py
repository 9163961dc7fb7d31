"""The demo's home searches: loaded through the commands, in every state this release
supports, each with matches ranked against the demo board."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from domain.organisation import authority_id
from domain.principal import Principal
from portal.demo.home_searches import SEARCHES, home_search_id
from projections.home_searches import home_searches
from projections.matching import match_vacancies
from tests.conftest import DEMO_TODAY


def officer(la_code: str) -> Principal:
    return Principal(user_id=None, email="", display_name="",
                     organisation_id=authority_id(la_code), organisation_kind="authority",
                     organisation_name="", roles=frozenset({"council_officer"}))


def test_the_demo_searches_are_in_each_state(demo_services):
    with demo_services.engine.connect() as c:
        rows = c.execute(sa.select(home_searches)).mappings().all()
    assert {r["id"] for r in rows} == {home_search_id(s) for s in SEARCHES}
    assert Counter(r["status"] for r in rows) == {"draft": 3, "closed_unfilled": 2,
                                                 "cancelled": 1}
    assert {r["urgency"] for r in rows} == {"planned", "emergency"}
    assert all(r["child_ref"].startswith("C") and len(r["child_ref"]) == 13 for r in rows)


def test_kents_planned_search_finds_homes_on_the_demo_board(demo_services):
    kent = next(s for s in SEARCHES if s.la_code == "886" and s.number == 1)
    with demo_services.engine.connect() as c:
        found = match_vacancies(officer("886"), c, home_search_id(kent), today=DEMO_TODAY)
    assert found.considered > 0 and found.matches
    scores = [m.score for m in found.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(m.vacancy["setting_type"] == "childrens_home" for m in found.matches)
