"""The application's commands, on eventsourcing's in-memory persistence (no I/O)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import AlreadyExists, NotFound, PermissionDenied
from portal.services.application import Portal

SYSTEM = Actor.system()


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def region(portal):
    authority, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=345_000,
        partnerships=["South East"], key_decision_threshold=1_000_000)
    provider, _ = portal.register_provider(SYSTEM, name="Weald Homes",
                                           kind="childrens_home_operator")
    setting, _ = portal.add_setting(
        SYSTEM, provider, name="Oast House", setting_type="childrens_home",
        ofsted_urn="SC100001", host_authority_id=authority, postcode_district="TN27",
        registered_places=4)
    return authority, provider, setting


def terms(**overrides):
    return {"age_from": 10, "age_to": 17, "needs_met": [], "weekly_fee": 5200,
            "available_from": date(2027, 1, 4), "expires_on": None, "description": "",
            **overrides}


def test_commands_return_the_notification_id_of_their_last_event(portal, region):
    _, provider, setting = region
    head = portal.last_position()
    vacancy, position = portal.publish_vacancy(SYSTEM, provider_id=provider, setting_id=setting,
                                               **terms())
    assert position == head + 1
    assert portal.update_vacancy(SYSTEM, vacancy, weekly_fee=5300) == head + 2
    # Nothing changed: no event, and the position stays where it was.
    assert portal.update_vacancy(SYSTEM, vacancy, weekly_fee=5300) == head + 2


def test_an_authority_cannot_be_registered_twice(portal, region):
    with pytest.raises(AlreadyExists, match="LA code 886 is already registered"):
        portal.register_authority(
            SYSTEM, la_code="886", ons_code="E10000016", name="Kent again",
            population_0_17=1, partnerships=[], key_decision_threshold=1)


def test_a_provider_user_acts_only_for_their_own_provider(portal, region):
    _, provider, setting = region
    vacancy, _ = portal.publish_vacancy(SYSTEM, provider_id=provider, setting_id=setting,
                                        **terms())
    own = Actor(user_id=uuid4(), organisation_id=provider)
    other = Actor(user_id=uuid4(), organisation_id=uuid4())
    portal.hold_vacancy(own, vacancy, home_search_ref="HS-1")
    for command, kwargs in [
        (portal.release_vacancy, {}),
        (portal.withdraw_vacancy, {}),
        (portal.fill_vacancy, {}),
        (portal.update_vacancy, {"weekly_fee": 1}),
    ]:
        with pytest.raises(PermissionDenied):
            command(other, vacancy, **kwargs)
    with pytest.raises(PermissionDenied):
        portal.publish_vacancy(other, provider_id=provider, setting_id=setting, **terms())
    assert portal.get_vacancy(vacancy).status == "held"


def test_unknown_records_are_not_found(portal, region):
    authority, provider, _ = region
    with pytest.raises(NotFound, match="no such vacancy"):
        portal.withdraw_vacancy(SYSTEM, uuid4())
    with pytest.raises(NotFound, match="no such setting"):
        portal.publish_vacancy(SYSTEM, provider_id=provider, setting_id=uuid4(), **terms())
    with pytest.raises(NotFound, match="no such host authority"):
        portal.add_setting(SYSTEM, provider, name="Elsewhere", setting_type="childrens_home",
                           ofsted_urn=None, host_authority_id=uuid4(), postcode_district="TN1",
                           registered_places=2)
    # An authority's id is not a vacancy's, even though both exist.
    with pytest.raises(NotFound):
        portal.get_vacancy(authority)


def test_accounts_belong_to_an_organisation_of_the_right_kind(portal, region):
    authority, _provider, _ = region
    account, _ = portal.create_account(SYSTEM, email="sam@kent.example.org", display_name="Sam",
                                       organisation_id=authority, roles=["council_officer"])
    assert portal.find_account("SAM@kent.example.org").id == account
    with pytest.raises(AlreadyExists):
        portal.create_account(SYSTEM, email="sam@kent.example.org", display_name="Sam",
                              organisation_id=authority, roles=["council_officer"])
    with pytest.raises(NotFound, match="no such organisation"):
        portal.create_account(SYSTEM, email="x@y.org", display_name="X",
                              organisation_id=uuid4(), roles=["provider_user"])


def test_expiry_runs_as_the_system(portal, region):
    _, provider, setting = region
    vacancy, _ = portal.publish_vacancy(SYSTEM, provider_id=provider, setting_id=setting,
                                        **terms(expires_on=date(2027, 2, 1)))
    portal.expire_vacancies([vacancy], date(2027, 2, 2))
    assert portal.get_vacancy(vacancy).status == "expired"
