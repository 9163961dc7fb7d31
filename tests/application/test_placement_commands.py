"""Placement, contract and target commands: who may act, links checked, one open placement
per child, on eventsourcing's in-memory persistence."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.contract import Contract
from domain.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from portal.services.application import Portal

SYSTEM = Actor.system()
TODAY = date(2026, 11, 23)
TERMS = dict(legal_status="C2", place="U4", place_provider="PR1")


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
    ids["provider"], _ = portal.register_provider(SYSTEM, name="Weald Homes",
                                                  kind="childrens_home_operator",
                                                  ofsted_urn="SC800001")
    ids["other_provider"], _ = portal.register_provider(SYSTEM, name="Other Homes",
                                                        kind="childrens_home_operator")
    ids["setting"], _ = portal.add_setting(
        SYSTEM, ids["provider"], name="Oast House", setting_type="childrens_home",
        ofsted_urn="SC900001", host_authority_id=ids["Kent"], postcode_district="ME14",
        registered_places=4)
    return ids


def officer(authority) -> Actor:
    return Actor(user_id=uuid4(), organisation_id=authority)


def start(portal, authority, actor=None, ref="CAAAAAAAAAAA1", **terms):
    return portal.start_placement(actor or officer(authority), authority_id=authority,
                                  child_ref=ref, birth_month="2011-01", sex="2", uasc=False,
                                  on=date(2025, 1, 6), terms={**TERMS, **terms}, today=TODAY)


def test_an_officer_records_only_their_own_authoritys_placements(portal, region):
    kent = officer(region["Kent"])
    start(portal, region["Kent"], kent)
    with pytest.raises(PermissionDenied):
        start(portal, region["Dorset"], kent, ref="CAAAAAAAAAAA2")
    with pytest.raises(PermissionDenied):
        portal.get_placement(kent, region["Dorset"], "CAAAAAAAAAAA1")
    with pytest.raises(PermissionDenied):
        portal.end_placement(officer(region["Dorset"]), region["Kent"], "CAAAAAAAAAAA1",
                             on=date(2025, 2, 1), rec="E13", today=TODAY)


def test_a_child_has_at_most_one_open_placement_in_an_authority(portal, region):
    start(portal, region["Kent"])
    with pytest.raises(IllegalTransition):
        start(portal, region["Kent"])
    # The same reference in another authority is another child's record.
    start(portal, region["Dorset"])


def test_a_setting_fills_in_where_the_placement_is(portal, region):
    kent = officer(region["Kent"])
    start(portal, region["Kent"], kent)
    portal.change_placement(kent, region["Kent"], "CAAAAAAAAAAA1", on=date(2025, 3, 3),
                            today=TODAY, terms=dict(rne="P", place="K2", place_provider="PR4",
                                                    provider_id=region["provider"],
                                                    setting_id=region["setting"]))
    current = portal.get_placement(kent, region["Kent"], "CAAAAAAAAAAA1").current
    assert current["placement_authority_id"] == region["Kent"]
    assert current["placement_postcode"] == "ME14"
    assert current["urn"] == "SC900001"


def test_another_providers_setting_or_authoritys_contract_is_refused(portal, region):
    kent = officer(region["Kent"])
    with pytest.raises(NotFound):
        start(portal, region["Kent"], kent, provider_id=region["other_provider"],
              setting_id=region["setting"])
    dorset = officer(region["Dorset"])
    contract, _ = portal.record_contract(
        dorset, authority_id=region["Dorset"], provider_id=region["provider"], route="block",
        title="Dorset block", setting_type="childrens_home", places=4, weekly_price=4000,
        start=date(2024, 4, 1), end=date(2027, 3, 31))
    with pytest.raises(NotFound):
        start(portal, region["Kent"], kent, contract_route="block", contract_id=contract)
    with pytest.raises(DomainError, match="different provider"):
        start(portal, region["Dorset"], dorset, ref="CAAAAAAAAAAA3", contract_route="block",
              contract_id=contract, provider_id=region["other_provider"])
    with pytest.raises(NotFound):
        portal.get_contract(kent, contract)
    assert portal.get_contract(Actor(uuid4(), region["provider"]), contract).places == 4


def test_contracts_are_varied_and_terminated_with_reasons(portal, region):
    dorset = officer(region["Dorset"])
    with pytest.raises(DomainError) as error:
        portal.record_contract(dorset, authority_id=region["Dorset"],
                               provider_id=region["provider"], route="block", title="Block",
                               setting_type="childrens_home", places=0, weekly_price=4000,
                               start=date(2024, 4, 1), end=date(2027, 3, 31))
    assert error.value.field == "places"
    contract, _ = portal.record_contract(
        dorset, authority_id=region["Dorset"], provider_id=region["provider"], route="block",
        title="Block", setting_type="childrens_home", places=4, weekly_price=4000,
        start=date(2024, 4, 1), end=date(2027, 3, 31))
    with pytest.raises(PermissionDenied):
        portal.vary_contract(officer(region["Kent"]), contract, reason="x", places=2)
    with pytest.raises(DomainError, match="why"):
        portal.vary_contract(dorset, contract, reason="", places=6)
    portal.vary_contract(dorset, contract, reason="Two more beds", places=6)
    with pytest.raises(DomainError, match="within the contract's term"):
        portal.terminate_contract(dorset, contract, on=date(2028, 1, 1), reason="x")
    portal.terminate_contract(dorset, contract, on=date(2026, 3, 31), reason="Provider left")
    record = portal.repository.get(contract)
    assert isinstance(record, Contract)
    assert (record.places, record.terminated_on) == (6, date(2026, 3, 31))
    with pytest.raises(IllegalTransition):
        portal.vary_contract(dorset, contract, reason="Again", places=7)


def test_targets_are_set_by_the_authority_itself_within_range(portal, region):
    dorset = officer(region["Dorset"])
    portal.set_targets(dorset, region["Dorset"],
                       targets={"children_per_10k": 60, "out_of_area_pct": 30})
    assert portal.get_authority(region["Dorset"]).targets == {"children_per_10k": 60,
                                                              "out_of_area_pct": 30}
    with pytest.raises(DomainError) as error:
        portal.set_targets(dorset, region["Dorset"], targets={"out_of_area_pct": 130})
    assert error.value.field == "out_of_area_pct"
    with pytest.raises(PermissionDenied):
        portal.set_targets(officer(region["Kent"]), region["Dorset"],
                           targets={"children_per_10k": 1})
    portal.set_targets(dorset, region["Dorset"], targets={"out_of_area_pct": None})
    assert portal.get_authority(region["Dorset"]).targets == {"children_per_10k": 60}


def test_correcting_the_setting_moves_the_placement_with_it(portal, region):
    kent = officer(region["Kent"])
    start(portal, region["Kent"], kent, placement_postcode="DT1", urn="SC111111")
    portal.correct_placement(kent, region["Kent"], "CAAAAAAAAAAA1", episode_number=1,
                             changes={"provider_id": region["provider"],
                                      "setting_id": region["setting"],
                                      "place_provider": "PR4", "place": "K2"},
                             reason="Wrong home recorded", today=TODAY)
    episode = portal.get_placement(kent, region["Kent"], "CAAAAAAAAAAA1").episodes[0]
    assert (episode["placement_postcode"], episode["urn"]) == ("ME14", "SC900001")
    assert episode["placement_authority_id"] == region["Kent"]


def test_a_change_or_end_before_the_current_episode_started_says_so(portal, region):
    kent = officer(region["Kent"])
    start(portal, region["Kent"], kent)
    with pytest.raises(DomainError, match="before the current episode started") as error:
        portal.change_placement(kent, region["Kent"], "CAAAAAAAAAAA1", on=date(2024, 12, 1),
                                terms=dict(rne="P", place="U6"), today=TODAY)
    assert error.value.field == "start"
    with pytest.raises(DomainError, match="before the current episode started"):
        portal.end_placement(kent, region["Kent"], "CAAAAAAAAAAA1", on=date(2024, 12, 1),
                             rec="E13", today=TODAY)
