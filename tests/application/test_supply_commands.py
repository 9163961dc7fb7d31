"""Supply commands: the council's own homes (their pipeline, their vacancies, closing them)
and places in development, acted on only by the authority's own officers; a refusal saves
nothing. On eventsourcing's in-memory persistence."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, NotFound, PermissionDenied, Refused
from domain.in_house import in_house_provider_id
from portal.services.application import Portal

SYSTEM = Actor.system()
TODAY = date(2026, 1, 5)


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def region(portal):
    ids = {}
    for la, ons, name in [("886", "E10000016", "Kent"), ("838", "E06000059", "Dorset")]:
        ids[name], _ = portal.register_authority(
            SYSTEM, la_code=la, ons_code=ons, name=name, population_0_17=60_000,
            partnerships=["P"], key_decision_threshold=500_000)
    ids["officer"] = Actor(uuid4(), ids["Dorset"])
    ids["kent_officer"] = Actor(uuid4(), ids["Kent"])
    return ids


def add_home(portal, region, stage="open", actor=None, **extra):
    return portal.add_in_house_setting(
        actor or region["officer"], authority_id=region["Dorset"], name=extra.pop(
            "name", "Hillside"), setting_type="childrens_home", postcode_district="DT1",
        registered_places=4, stage=stage, on=date(2025, 6, 2), reason="Recorded",
        today=TODAY, **extra)[0]


def publish(portal, actor, region, home):
    return portal.publish_vacancy(
        actor, provider_id=in_house_provider_id(region["Dorset"]), setting_id=home,
        age_from=10, age_to=17, needs_met=[], weekly_fee=3900, available_from=TODAY,
        today=TODAY)[0]


def test_an_officer_runs_the_authoritys_own_home_and_offers_its_places(portal, region):
    home = add_home(portal, region)
    provider = portal.in_house_provider(region["Dorset"])
    assert provider.owner_authority_id == region["Dorset"] and provider.stage(home) == "open"
    vacancy = publish(portal, region["officer"], region, home)
    assert portal.get_vacancy(vacancy).is_open
    # Another authority's officer can neither offer its places nor move its pipeline.
    with pytest.raises(PermissionDenied):
        publish(portal, region["kent_officer"], region, home)
    with pytest.raises(PermissionDenied):
        portal.change_in_house_stage(region["kent_officer"], authority_id=region["Dorset"],
                                     setting_id=home, stage="closed", on=TODAY, reason="x")
    # Closing the home withdraws its open vacancies in the same save, with the reason.
    portal.change_in_house_stage(region["officer"], authority_id=region["Dorset"],
                                 setting_id=home, stage="closed", on=TODAY,
                                 reason="Building unsafe", open_vacancies=[vacancy],
                                 today=TODAY)
    assert not portal.get_vacancy(vacancy).is_open
    withdrawn = list(portal.events.get(vacancy))[-1]
    assert type(withdrawn).__name__ == "Withdrawn"
    assert withdrawn.reason == "The council closed Hillside: it no longer takes children"


def test_a_home_not_yet_open_offers_no_places(portal, region):
    home = add_home(portal, region, stage="planned")
    with pytest.raises(DomainError, match="planned: it can offer places once it is open"):
        publish(portal, region["officer"], region, home)


def test_a_bad_home_is_refused_whole_and_nothing_is_saved(portal, region):
    before = portal.last_position()
    with pytest.raises(Refused) as refused:
        portal.add_in_house_setting(
            region["officer"], authority_id=region["Dorset"], name=" ",
            setting_type="independent_fostering_agency", postcode_district="DT1",
            registered_places=4, stage="someday", on=date(2026, 3, 1), reason="",
            today=TODAY)
    assert set(refused.value.errors) == {"name", "setting_type", "stage", "on", "reason"}
    assert portal.last_position() == before
    assert portal.in_house_provider(region["Dorset"]) is None


def test_places_in_development_are_recorded_changed_and_kept_to_the_authority(portal, region):
    officer = region["officer"]
    scheme, _ = portal.record_development(
        officer, authority_id=region["Dorset"], name="Council home, Bridport",
        development_type="council_home", setting_type="childrens_home", places=4,
        expected_opening=date(2026, 9, 1), confidence="high", today=TODAY)
    portal.change_development(officer, authority_id=region["Dorset"], development_id=scheme,
                              reason="Builder delayed", expected_opening=date(2026, 12, 1),
                              today=TODAY)
    assert portal.get_development(officer, region["Dorset"], scheme).expected_opening == \
        date(2026, 12, 1)
    with pytest.raises(PermissionDenied):
        portal.change_development(region["kent_officer"], authority_id=region["Dorset"],
                                  development_id=scheme, reason="x", places=9)
    with pytest.raises(NotFound):  # Kent's officer acting for Kent finds no such scheme
        portal.get_development(region["kent_officer"], region["Kent"], scheme)


def test_a_scheme_links_only_the_authoritys_own_contract(portal, region):
    provider, _ = portal.register_provider(SYSTEM, name="Homes Ltd",
                                           kind="childrens_home_operator")
    kents, _ = portal.record_contract(
        SYSTEM, authority_id=region["Kent"], provider_id=provider, route="block",
        title="Kent block", setting_type="childrens_home", places=4, weekly_price=4200,
        start=date(2025, 4, 1), end=date(2029, 3, 31))
    before = portal.last_position()
    with pytest.raises(Refused) as refused:
        portal.record_development(
            region["officer"], authority_id=region["Dorset"], name="New build",
            development_type="block_new_build", setting_type="childrens_home", places=0,
            expected_opening=date(2026, 9, 1), confidence="high", contract_id=kents,
            tender_id=uuid4(), today=TODAY)
    assert refused.value.errors == {
        "places": "Places must be a whole number between 1 and 200",
        "tender_id": "Choose one of your authority's tenders",
        "contract_id": "Choose one of your authority's contracts"}
    assert portal.last_position() == before


def test_a_child_in_the_authoritys_own_home_is_placed_in_house(portal, region):
    home = add_home(portal, region)
    provider = in_house_provider_id(region["Dorset"])
    portal.start_placement(
        region["officer"], authority_id=region["Dorset"], child_ref="CAAAAAAAAAAA3",
        birth_month="2011-05", sex="1", uasc=False, on=date(2025, 9, 1), today=TODAY,
        terms=dict(legal_status="C2", place="K2", place_provider="PR1", provider_id=provider,
                   setting_id=home, weekly_cost=3800))
    episode = portal.get_placement(region["officer"], region["Dorset"],
                                   "CAAAAAAAAAAA3").episodes[-1]
    assert episode["contract_route"] == "in_house"
    assert (episode["placement_postcode"], episode["placement_authority_id"]) == (
        "DT1", region["Dorset"])
