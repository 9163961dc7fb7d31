"""An officer's saved search of the vacancy board, without any store: every problem at once,
the board's own matching rules, and deletion."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.board_search import BoardSearch, BoardSearchRefused, matches
from domain.errors import IllegalTransition

OFFICER = Actor(user_id=uuid4(), organisation_id=uuid4())
KENT = uuid4()


def save(name="Kent homes", **filters) -> BoardSearch:
    return BoardSearch.save(account_id=OFFICER.user_id, authority_id=OFFICER.organisation_id,
                            name=name, filters=filters, actor=OFFICER)


def vacancy(**overrides) -> dict:
    return {"setting_type": "childrens_home", "host_authority_id": KENT,
            "host_partnerships": {"South East"}, "age_from": 10, "age_to": 17,
            "needs_met": ["emotional_behavioural", "solo_placement"], "weekly_fee": 5_000,
            "available_from": date(2026, 12, 1), **overrides}


def test_a_saved_search_keeps_the_boards_filters_cleaned():
    search = save("  Kent   homes ", setting_type="childrens_home", host_authority_id=KENT,
                  age=14, needs=["solo_placement", "emotional_behavioural", "solo_placement"],
                  max_weekly_fee=6_000, available_by=date(2026, 12, 31))
    assert search.name == "Kent homes" and search.account_id == OFFICER.user_id
    assert search.needs == ["emotional_behavioural", "solo_placement"]
    assert matches(search.filters(), **vacancy())
    state = None
    for e in search.collect_events():
        state = e.mutate(state)
    assert state.__dict__ == search.__dict__


def test_every_problem_is_named_at_once():
    with pytest.raises(BoardSearchRefused) as refused:
        save("", setting_type="castle", host_authority_id=KENT, partnership="South East",
             age=30, needs=["flying"], max_weekly_fee=0, quality="splendid")
    assert refused.value.errors == {
        "name": "Enter a name for the saved search",
        "setting_type": "Choose a setting type from the list",
        "area": "Choose one area: an authority or a partnership",
        "age": "Age must be between 0 and 25", "needs": "Choose needs from the list",
        "max_weekly_fee": "Maximum weekly fee must be between £1 and £50,000",
        "quality": "Choose an Ofsted judgement from the list"}
    with pytest.raises(BoardSearchRefused, match="100 characters"):
        save("x" * 101)


@pytest.mark.parametrize("filters", [
    {"setting_type": "supported_accommodation"}, {"host_authority_id": uuid4()},
    {"partnership": "South West"}, {"age": 9}, {"needs": ["disability"]},
    {"max_weekly_fee": 4_999}, {"available_by": date(2026, 11, 30)},
])
def test_each_filter_excludes_what_the_board_would(filters):
    assert not matches({**filters}, **vacancy())
    assert matches({}, **vacancy())  # no filters: every new vacancy


def test_a_partnership_matches_a_vacancy_hosted_by_any_member():
    assert matches({"partnership": "South East"}, **vacancy())
    assert matches({"age": 17, "max_weekly_fee": 5_000,
                    "available_by": date(2026, 12, 1)}, **vacancy())


@pytest.mark.parametrize(("judgement", "matched"), [
    ("outstanding", True), ("good", True), ("requires_improvement", False),
    ("inadequate", False), (None, False),
])
def test_the_quality_filter_matches_homes_judged_good_or_better(judgement, matched):
    search = save(quality="good_or_better")
    assert matches(search.filters(), **vacancy(), judgement=judgement) is matched
    assert matches(save().filters(), **vacancy(), judgement=judgement)


def test_deleting_twice_is_refused():
    search = save()
    search.delete(actor=OFFICER)
    assert search.deleted
    with pytest.raises(IllegalTransition):
        search.delete(actor=OFFICER)
