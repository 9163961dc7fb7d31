"""The vacancy's life and its invariants, without any I/O."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.organisation import Setting
from domain.vacancy import AVAILABLE, EXPIRED, FILLED, HELD, WITHDRAWN, Vacancy, VacancyRefused

ACTOR = Actor(user_id=uuid4(), organisation_id=uuid4())


def a_setting(setting_type: str = "childrens_home") -> Setting:
    return Setting(id=uuid4(), name="Harbour View", setting_type=setting_type,
                   ofsted_urn="SC123456", host_authority_id=uuid4(), postcode_district="DT1",
                   registered_places=4)


def publish(setting: Setting | None = None, **overrides) -> Vacancy:
    terms = dict(age_from=8, age_to=17, needs_met=["disability"], weekly_fee=4500,
                 available_from=date(2026, 12, 1), expires_on=None, description="")
    terms.update(overrides)
    return Vacancy.publish(provider_id=ACTOR.organisation_id, setting=setting or a_setting(),
                           actor=ACTOR, **terms)


def test_published_vacancy_copies_setting_and_records_actor():
    setting = a_setting()
    vacancy = publish(setting)
    assert vacancy.status == AVAILABLE
    assert vacancy.setting_type == "childrens_home"
    assert vacancy.host_authority_id == setting.host_authority_id
    (event,) = vacancy.collect_events()
    assert isinstance(event, Vacancy.Published)
    assert event.actor == ACTOR
    assert event.reason is None


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"age_from": 12, "age_to": 10}, "age_from", "Youngest age must not be more"),
    ({"age_from": -1}, "age_from", "Youngest age must be between"),
    ({"age_to": 26}, "age_to", "Oldest age must be between"),
    ({"weekly_fee": 0}, "weekly_fee", "Weekly fee must be between"),
    ({"weekly_fee": 50_001}, "weekly_fee", "Weekly fee must be between"),
    ({"needs_met": ["telepathy"]}, "needs_met", "Unknown needs: telepathy"),
    ({"expires_on": date(2026, 11, 30)}, "expires_on", "cannot expire before"),
])
def test_invalid_terms_are_refused_with_a_message_naming_the_field(overrides, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        publish(**overrides)
    assert refused.value.field == field


def test_supported_accommodation_is_for_16_and_over():
    with pytest.raises(DomainError, match="16 or over"):
        publish(a_setting("supported_accommodation"), age_from=15, age_to=17)
    assert publish(a_setting("supported_accommodation"), age_from=16, age_to=17).is_open


def test_update_records_only_what_changed_and_checks_the_merged_terms():
    setting = a_setting()
    vacancy = publish(setting)
    vacancy.collect_events()
    assert vacancy.update(setting, actor=ACTOR, weekly_fee=4500) is False
    assert vacancy.collect_events() == []
    assert vacancy.update(setting, actor=ACTOR, reason="annual uplift", weekly_fee=4700,
                          age_from=8)
    (event,) = vacancy.collect_events()
    assert event.changes == {"weekly_fee": 4700}
    assert event.reason == "annual uplift"
    with pytest.raises(DomainError, match="Youngest age"):
        vacancy.update(setting, actor=ACTOR, age_from=18)
    assert vacancy.age_from == 8


def test_hold_release_fill_life():
    vacancy = publish()
    vacancy.hold(home_search_ref="HS-1", actor=ACTOR)
    assert (vacancy.status, vacancy.held_for) == (HELD, "HS-1")
    with pytest.raises(IllegalTransition, match="already on hold"):
        vacancy.hold(home_search_ref="HS-2", actor=ACTOR)
    vacancy.release(actor=ACTOR)
    assert vacancy.status == AVAILABLE
    with pytest.raises(IllegalTransition, match="Only a vacancy on hold"):
        vacancy.release(actor=ACTOR)
    vacancy.hold(home_search_ref="HS-2", actor=ACTOR)
    vacancy.fill(placement_ref="P-1", actor=ACTOR)
    assert vacancy.status == FILLED


def test_a_hold_or_fill_for_a_councils_search_names_the_search_and_its_authority():
    search, council = uuid4(), uuid4()
    vacancy = publish()
    with pytest.raises(DomainError, match="names the search and its authority"):
        vacancy.hold(home_search_ref=str(search), home_search_id=search, actor=ACTOR)
    vacancy.hold(home_search_ref=str(search), home_search_id=search, authority_id=council,
                 actor=ACTOR)
    assert (vacancy.held_for_search, vacancy.holder_authority_id) == (search, council)
    vacancy.release(actor=ACTOR)
    assert (vacancy.held_for_search, vacancy.holder_authority_id) == (None, None)
    with pytest.raises(DomainError, match="names the search and its authority"):
        vacancy.fill(placement_ref="P-1", authority_id=council, actor=ACTOR)
    assert vacancy.status == AVAILABLE
    vacancy.fill(placement_ref="P-1", home_search_id=search, authority_id=council, actor=ACTOR)
    assert (vacancy.status, vacancy.holder_authority_id) == (FILLED, council)
    filled = vacancy.collect_events()[-1]
    assert (filled.home_search_id, filled.authority_id) == (search, council)


@pytest.mark.parametrize("close", ["fill", "withdraw"])
def test_a_closed_vacancy_cannot_be_held_changed_or_closed_again(close):
    setting = a_setting()
    vacancy = publish(setting)
    if close == "fill":
        vacancy.fill(placement_ref=None, actor=ACTOR)
    else:
        vacancy.withdraw(actor=ACTOR)
    with pytest.raises(IllegalTransition, match="cannot be held"):
        vacancy.hold(home_search_ref="HS-1", actor=ACTOR)
    with pytest.raises(IllegalTransition, match="cannot be changed"):
        vacancy.update(setting, actor=ACTOR, weekly_fee=1)
    with pytest.raises(IllegalTransition, match="cannot be withdrawn"):
        vacancy.withdraw(actor=ACTOR)
    assert vacancy.status in (FILLED, WITHDRAWN)


def test_expiry_only_after_the_date_and_never_while_held():
    vacancy = publish(expires_on=date(2026, 12, 31))
    assert vacancy.expire(today=date(2026, 12, 31), actor=ACTOR) is False
    vacancy.hold(home_search_ref="HS-9", actor=ACTOR)
    assert vacancy.expire(today=date(2027, 1, 1), actor=ACTOR) is False
    vacancy.release(actor=ACTOR)
    assert vacancy.expire(today=date(2027, 1, 1), actor=ACTOR) is True
    assert vacancy.status == EXPIRED
    assert vacancy.collect_events()[-1].reason == "Expiry date 31 December 2026 passed"


def test_every_broken_rule_is_named_at_once():
    with pytest.raises(VacancyRefused) as refused:
        publish(age_from=12, age_to=10, weekly_fee=0, needs_met=["telepathy"], places=9,
                available_from=date(2020, 1, 6), expires_on=date(2019, 12, 31),
                today=date(2026, 12, 6))
    assert refused.value.errors == {
        "age_from": "Youngest age must not be more than the oldest age",
        "needs_met": "Unknown needs: telepathy",
        "weekly_fee": "Weekly fee must be between £1 and £50,000",
        "places": "Harbour View is registered for 4 places, so a vacancy there cannot offer 9",
        "available_from": "The date the place is available from cannot be more than a week "
                          "ago: enter 29 November 2026 or later",
        "expires_on": "The vacancy cannot expire before it is available"}


def test_a_vacancy_offers_no_more_places_than_the_setting_is_registered_for():
    pair = Setting(id=uuid4(), name="Two Oaks", setting_type="childrens_home",
                   ofsted_urn="SC000002", host_authority_id=uuid4(), postcode_district="DT1",
                   registered_places=1)
    with pytest.raises(DomainError, match="Two Oaks is registered for 1 place, so a vacancy "
                                          "there cannot offer 2"):
        publish(pair, places=2)
    assert publish(pair, places=1).places == 1


def test_a_place_available_from_up_to_a_week_ago_is_accepted_and_no_earlier():
    today = date(2026, 12, 6)
    assert publish(available_from=date(2026, 11, 29), today=today).available_from == \
        date(2026, 11, 29)
    with pytest.raises(DomainError, match="enter 29 November 2026 or later"):
        publish(available_from=date(2026, 11, 28), today=today)


def test_an_old_available_from_date_stands_when_other_terms_change_but_cannot_be_moved_to():
    vacancy = publish(available_from=date(2026, 12, 1))
    later = date(2027, 1, 20)
    assert vacancy.update(a_setting(), actor=ACTOR, today=later, weekly_fee=4600) is True
    with pytest.raises(DomainError, match="enter 13 January 2027 or later"):
        vacancy.update(a_setting(), actor=ACTOR, today=later,
                       available_from=date(2026, 12, 2))

