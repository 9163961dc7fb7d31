"""A child's placements with one authority: episodes, their invariants, corrections and
reconciling with an SSDA903 return, without any I/O."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain import ssda903
from domain.actor import Actor
from domain.child_ref import ChildReferences
from domain.errors import DomainError, IllegalTransition
from domain.placement import Placement, episode, placement_id

ACTOR = Actor(user_id=uuid4(), organisation_id=uuid4())
TODAY = date(2026, 11, 23)
FOSTER = dict(legal_status="C2", place="U4", place_provider="PR1", weekly_cost=450,
              contract_route="in_house", home_postcode="DT1 1", placement_postcode="DT4")


def start(on=date(2024, 5, 1), **overrides) -> Placement:
    return Placement.start(authority_id=ACTOR.organisation_id, child_ref="CABCDEFGHJKLM",
                           birth_month="2012-05", sex="1", uasc=False,
                           terms={**FOSTER, **overrides}, on=on, today=TODAY, actor=ACTOR)


def test_a_first_placement_is_a_new_period_of_care_with_one_open_episode():
    placement = start()
    assert placement.id == placement_id(ACTOR.organisation_id, "CABCDEFGHJKLM")
    assert placement.is_open
    assert placement.current["rne"] == "S"
    assert placement.current["start"] == date(2024, 5, 1)
    (event,) = placement.collect_events()
    assert isinstance(event, Placement.Started)
    assert event.actor == ACTOR


def test_a_change_closes_the_episode_with_x1_and_carries_what_did_not_change():
    placement = start()
    placement.change(on=date(2024, 9, 1), terms=dict(rne="P", place="K2", place_provider="PR4",
                                                      weekly_cost=5100,
                                                      reason_place_change="CARPL"),
                     today=TODAY, actor=ACTOR)
    first, second = placement.episodes
    assert (first["end"], first["rec"]) == (date(2024, 9, 1), "X1")
    assert second["start"] == date(2024, 9, 1)
    assert second["legal_status"] == "C2"  # carried over
    assert second["home_postcode"] == "DT1 1"
    assert (second["place"], second["weekly_cost"]) == ("K2", 5100)


def test_a_change_needs_a_reason_for_the_new_episode():
    with pytest.raises(DomainError) as error:
        start().change(on=date(2024, 9, 1), terms=dict(place="K2"), today=TODAY, actor=ACTOR)
    assert error.value.field == "rne"


def test_ending_and_starting_again_makes_a_new_period_of_care():
    placement = start()
    placement.end(on=date(2025, 3, 1), rec="E13", today=TODAY, actor=ACTOR)
    assert not placement.is_open
    with pytest.raises(IllegalTransition):
        placement.end(on=date(2025, 4, 1), rec="E13", today=TODAY, actor=ACTOR)
    with pytest.raises(IllegalTransition):
        placement.change(on=date(2025, 4, 1), terms=dict(rne="P"), today=TODAY, actor=ACTOR)
    placement.restart(on=date(2025, 6, 1), terms=dict(legal_status="V2", place="U6"),
                      today=TODAY, actor=ACTOR)
    assert placement.current["rne"] == "S"
    with pytest.raises(IllegalTransition):
        placement.restart(on=date(2025, 7, 1), terms=dict(legal_status="V2", place="U6"),
                          today=TODAY, actor=ACTOR)


def test_x1_is_not_a_reason_to_end_a_period_of_care():
    with pytest.raises(DomainError) as error:
        start().end(on=date(2025, 3, 1), rec="X1", today=TODAY, actor=ACTOR)
    assert error.value.field == "rec"


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(on=date(2027, 1, 1)), "start"),  # the future
    (dict(on=date(2010, 1, 1)), "start"),  # before the child was born
    (dict(place="Q9"), "place"),
    (dict(legal_status="C9"), "legal_status"),
    (dict(place_provider="PR9"), "place_provider"),
    (dict(home_postcode="DT1 1AA"), "home_postcode"),  # a full postcode is never kept
    (dict(weekly_cost=-5), "weekly_cost"),
    (dict(weekly_cost=60_000), "weekly_cost"),
    (dict(contract_route="grant"), "contract_route"),
    (dict(contract_id=uuid4(), contract_route="spot"), "contract_id"),
])
def test_bad_facts_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(DomainError) as error:
        start(**kwargs)
    assert error.value.field == field


def test_codes_are_checked_against_the_collection_year_the_episode_started_in():
    start(on=date(2025, 3, 31), place="H5")  # 2024-25: still valid
    with pytest.raises(DomainError, match="not a valid placement type code for 2025-26"):
        start(on=date(2025, 4, 1), place="H5")
    with pytest.raises(DomainError, match="for 2023-24"):
        start(on=date(2024, 3, 1), place="K3")  # registered supported accommodation: 2024-25 on
    assert ssda903.collection_year(date(2025, 3, 31)) == 2024


def test_dates_must_be_in_order():
    placement = start()
    with pytest.raises(DomainError) as error:
        placement.end(on=date(2024, 4, 1), rec="E13", today=TODAY, actor=ACTOR)
    assert error.value.field == "end"
    placement.end(on=date(2025, 3, 1), rec="E13", today=TODAY, actor=ACTOR)
    with pytest.raises(DomainError, match="overlap"):
        placement.restart(on=date(2025, 2, 1), terms=dict(legal_status="V2", place="U6"),
                          today=TODAY, actor=ACTOR)


def test_a_correction_needs_a_reason_and_keeps_every_rule():
    placement = start()
    placement.change(on=date(2024, 9, 1), terms=dict(rne="P", place="K2"), today=TODAY,
                     actor=ACTOR)
    with pytest.raises(DomainError) as error:
        placement.correct(episode_number=2, changes={"weekly_cost": 5000}, today=TODAY,
                          actor=ACTOR, reason=" ")
    assert error.value.field == "reason"
    with pytest.raises(DomainError, match="overlap"):
        placement.correct(episode_number=2, changes={"start": date(2024, 4, 1)}, today=TODAY,
                          actor=ACTOR, reason="Typo")
    with pytest.raises(DomainError, match="no such episode"):
        placement.correct(episode_number=3, changes={"weekly_cost": 1}, today=TODAY,
                          actor=ACTOR, reason="Typo")
    assert placement.correct(episode_number=2, changes={"weekly_cost": 5000}, today=TODAY,
                             actor=ACTOR, reason="Invoice") is True
    assert placement.correct(episode_number=2, changes={"weekly_cost": 5000}, today=TODAY,
                             actor=ACTOR, reason="Invoice") is False  # nothing changed
    assert placement.correct(episode_number=None, changes={"sex": "2"}, today=TODAY,
                             actor=ACTOR, reason="Recorded wrongly") is True
    with pytest.raises(DomainError, match="born"):
        placement.correct(episode_number=None, changes={"birth_month": "2025-01"},
                          today=TODAY, actor=ACTOR, reason="Typo")
    events = placement.collect_events()
    corrected = [e for e in events if isinstance(e, Placement.Corrected)]
    assert [e.reason for e in corrected] == ["Invoice", "Recorded wrongly"]
    assert placement.episodes[1]["weekly_cost"] == 5000 and placement.sex == "2"


def test_reconcile_replaces_episodes_from_the_returns_first_and_is_idempotent():
    placement = start(on=date(2023, 5, 1))
    placement.change(on=date(2024, 9, 1), terms=dict(rne="P", place="K2"), today=TODAY,
                     actor=ACTOR)
    kept = dict(placement.episodes[0])
    returned = [
        episode(**{**placement.episodes[1], "weekly_cost": 4800}),
        episode(start=date(2025, 2, 1), end=date(2025, 10, 1), rec="E13", rne="P",
                legal_status="C2", place="U6", place_provider="PR4"),
    ]
    returned[0].update(end=date(2025, 2, 1), rec="X1")
    assert placement.reconcile(episodes=returned, today=TODAY, actor=ACTOR, reason="import")
    assert placement.episodes[0] == kept
    assert [e["place"] for e in placement.episodes] == ["U4", "K2", "U6"]
    assert not placement.is_open
    assert not placement.reconcile(episodes=returned, today=TODAY, actor=ACTOR,
                                   reason="import again")


def test_a_reconcile_that_breaks_a_rule_is_refused_and_changes_nothing():
    placement = start()
    before = [dict(e) for e in placement.episodes]
    bad = [episode(start=date(2024, 6, 1), end=date(2024, 5, 1), rec="E13", rne="S",
                   legal_status="C2", place="U4")]
    with pytest.raises(DomainError):
        placement.reconcile(episodes=bad, today=TODAY, actor=ACTOR, reason="import")
    assert placement.episodes == before


def test_child_references_are_keyed_per_authority_and_never_echo_the_id():
    refs = ChildReferences(b"k" * 32)
    first = refs.reference("838", "LCS-000123")
    assert first == refs.reference("838", " LCS-000123 ")
    assert first != refs.reference("886", "LCS-000123")
    assert first != ChildReferences(b"j" * 32).reference("838", "LCS-000123")
    assert first.startswith("C") and len(first) == 13 and "123" not in first[1:4]
    for bad in ("", "   ", "a b", "x" * 65):
        with pytest.raises(DomainError):
            refs.reference("838", bad)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        ChildReferences(b"short")
