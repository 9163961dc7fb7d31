"""The home search aggregate: its referral terms, every refusal at once, and each state change."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.home_search import (
    CANCELLED,
    CLOSED_UNFILLED,
    DRAFT,
    OPEN_STATES,
    STATUS_LABELS,
    TRANSITIONS,
    UNFILLED_REASONS,
    HomeSearch,
    SearchRefused,
    problems,
)

TODAY = date(2026, 11, 23)
OFFICER = Actor(user_id=uuid4(), organisation_id=uuid4())
CHILD = "CAAAAAAAAAAA1"


def terms(**overrides):
    return {"urgency": "planned", "needed_by": TODAY + timedelta(days=14),
            "latest_start": TODAY + timedelta(days=28), "placement_types": ["childrens_home"],
            "age": 13, "sex": "2", "siblings": 0, "needs": ["emotional_behavioural"],
            "family_district": "me14", "school_district": "ME15", "stay_near_school": False,
            "areas_to_avoid": ["ct1", "ME4"], "legal_status": "C2", **overrides}


def draft(**overrides) -> HomeSearch:
    return HomeSearch.draft(authority_id=OFFICER.organisation_id, child_ref=CHILD,
                            terms=terms(**overrides), today=TODAY, actor=OFFICER)


def test_a_draft_holds_the_referral_terms_cleaned():
    search = draft(needs=["exploitation_risk", "emotional_behavioural", "exploitation_risk"])
    assert search.status == DRAFT and search.is_open
    assert search.child_ref == CHILD
    assert search.family_district == "ME14"
    assert search.areas_to_avoid == ["CT1", "ME4"]
    assert search.needs == ["emotional_behavioural", "exploitation_risk"]
    assert search.places_needed == 1
    event = search.collect_events()[0]
    assert type(event).__name__ == "Drafted"
    assert event.actor == OFFICER and event.reason is None
    assert event.authority_id == OFFICER.organisation_id


def test_every_bad_term_is_refused_at_once_field_by_field():
    with pytest.raises(SearchRefused) as refused:
        draft(needed_by=TODAY + timedelta(days=10), latest_start=TODAY + timedelta(days=3),
              age=26, placement_types=["castle"], needs=["telepathy"], sex="9",
              siblings=12, family_district="not a district", legal_status="ZZ",
              areas_to_avoid=["ME14", "nowhere"], urgency="whenever")
    errors = refused.value.errors
    assert set(errors) == {"latest_start", "age", "placement_types", "needs", "sex",
                           "siblings", "family_district", "legal_status", "areas_to_avoid",
                           "urgency"}
    assert errors["latest_start"].startswith("The latest start must not be before the date")
    assert errors["age"] == "The child's age must be between 0 and 25"
    assert errors["placement_types"] == "Unknown kinds of placement: castle"
    assert errors["needs"] == "Unknown needs: telepathy"
    assert "between 0 and 9" in errors["siblings"]
    assert "nowhere".upper() in errors["areas_to_avoid"]


@pytest.mark.parametrize("age", [-1, 26])
def test_an_age_outside_0_to_25_is_refused(age):
    with pytest.raises(SearchRefused) as refused:
        draft(age=age)
    assert set(refused.value.errors) == {"age"}


def test_missing_terms_are_named_each_one():
    with pytest.raises(SearchRefused) as refused:
        HomeSearch.draft(authority_id=OFFICER.organisation_id, child_ref="not-a-ref",
                         terms={"needs": []}, today=TODAY, actor=OFFICER)
    assert set(refused.value.errors) == {"child_ref", "urgency", "needed_by", "latest_start",
                                         "placement_types", "age", "sex", "siblings",
                                         "legal_status"}


def test_dates_rules_the_past_and_the_order():
    assert problems(terms(needed_by=TODAY - timedelta(days=1),
                          latest_start=TODAY), today=TODAY) == {
        "needed_by": "The date the home is needed by cannot be in the past"}
    # Needed and latest start on the same day is fine (an emergency today).
    assert problems(terms(needed_by=TODAY, latest_start=TODAY), today=TODAY) == {}


def test_a_sibling_group_larger_than_any_setting_is_refused_when_the_directory_is_known():
    assert problems(terms(siblings=4), largest_group=5) == {}
    assert problems(terms(siblings=5), largest_group=5) == {
        "siblings": "No setting in the directory has 6 registered places: the largest has 5"}


def test_staying_near_school_needs_the_schools_district():
    assert problems(terms(stay_near_school=True, school_district=None)) == {
        "school_district": "Enter the school's postcode district: the child must stay near "
                           "their school"}


def test_supported_accommodation_is_only_for_16_and_over():
    assert set(problems(terms(placement_types=["supported_accommodation"], age=15))) == {
        "placement_types"}
    assert problems(terms(placement_types=["supported_accommodation"], age=16)) == {}


def test_a_partial_form_is_checked_only_for_what_it_holds():
    assert problems({"age": 30}, complete=False) == {
        "age": "The child's age must be between 0 and 25"}


def test_a_draft_is_edited_and_an_unchanged_edit_stores_nothing():
    search = draft()
    assert search.edit(changes={"age": 14, "needs": ["emotional_behavioural"]}, today=TODAY,
                       actor=OFFICER)
    assert search.age == 14
    edited = search.collect_events()[-1]
    assert type(edited).__name__ == "Edited" and edited.changes == {"age": 14}
    assert not search.edit(changes={"age": 14}, today=TODAY, actor=OFFICER)
    with pytest.raises(SearchRefused) as refused:
        search.edit(changes={"latest_start": TODAY, "age": 40}, today=TODAY, actor=OFFICER)
    assert set(refused.value.errors) == {"latest_start", "age"}
    with pytest.raises(DomainError):
        search.edit(changes={"child_ref": "CBBBBBBBBBBB2"}, today=TODAY, actor=OFFICER)


def test_an_old_draft_can_still_be_corrected_though_its_date_has_passed():
    search = draft(needed_by=TODAY, latest_start=TODAY + timedelta(days=2))
    later = TODAY + timedelta(days=5)
    assert search.edit(changes={"age": 12}, today=later, actor=OFFICER)
    with pytest.raises(SearchRefused):
        search.edit(changes={"needed_by": TODAY + timedelta(days=1)}, today=later,
                    actor=OFFICER)


def test_cancel_needs_a_reason_and_ends_the_search():
    search = draft()
    with pytest.raises(DomainError) as missing:
        search.cancel(actor=OFFICER, reason="  ")
    assert missing.value.field == "reason"
    search.cancel(actor=OFFICER, reason="Stays with her aunt")
    assert search.status == CANCELLED and not search.is_open
    event = search.collect_events()[-1]
    assert event.reason == "Stays with her aunt" and event.actor == OFFICER
    with pytest.raises(IllegalTransition):
        search.cancel(actor=OFFICER, reason="Again")
    with pytest.raises(IllegalTransition):
        search.close_unfilled(unfilled_reason="no_match", actor=OFFICER)
    with pytest.raises(IllegalTransition):
        search.edit(changes={"age": 12}, today=TODAY, actor=OFFICER)


def test_close_unfilled_takes_a_reason_from_the_list():
    search = draft()
    with pytest.raises(DomainError) as unknown:
        search.close_unfilled(unfilled_reason="bored", actor=OFFICER)
    assert unknown.value.field == "unfilled_reason"
    search.close_unfilled(unfilled_reason="too_far", actor=OFFICER,
                          reason="Nearest home 80 miles away")
    assert search.status == CLOSED_UNFILLED and search.unfilled_reason == "too_far"
    event = search.collect_events()[-1]
    assert type(event).__name__ == "ClosedUnfilled"
    assert event.unfilled_reason == "too_far" and event.reason == "Nearest home 80 miles away"
    with pytest.raises(IllegalTransition):
        search.cancel(actor=OFFICER, reason="Too late")


def test_the_life_table_names_every_state_and_ends_in_final_ones():
    assert set(TRANSITIONS) == set(STATUS_LABELS)
    for targets in TRANSITIONS.values():
        assert targets <= set(STATUS_LABELS)
    finals = {s for s, targets in TRANSITIONS.items() if not targets}
    assert finals == {"placed", CANCELLED, CLOSED_UNFILLED}
    assert set(STATUS_LABELS) - finals == OPEN_STATES
    # Nothing can be cancelled or closed once an offer is accepted: it becomes a placement.
    assert CANCELLED not in TRANSITIONS["accepted"]
    assert set(UNFILLED_REASONS) >= {"no_match", "no_offers"}


def test_every_event_carries_actor_and_reason():
    base = {"originator_id", "originator_version", "timestamp", "originator_topic"}
    classes = [v for v in vars(HomeSearch).values()
               if isinstance(v, type) and issubclass(v, HomeSearch.Event)
               and v is not HomeSearch.Event]
    assert {c.__name__ for c in classes} >= {"Drafted", "Edited", "Cancelled",
                                             "ClosedUnfilled"}
    for event_class in classes:
        own = set(event_class.__dataclass_fields__) - base
        if own:
            assert {"actor", "reason"} <= own, event_class
