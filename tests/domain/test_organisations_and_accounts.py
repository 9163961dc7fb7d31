"""Authorities, providers, settings and accounts: their rules, without I/O."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.account import Account, account_id
from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.organisation import Authority, Provider, authority_id

SYSTEM = Actor.system()
DORSET = dict(la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_100,
              partnerships=["Dorset"], key_decision_threshold=500_000)


def test_authority_id_comes_from_its_la_code_so_it_cannot_be_registered_twice():
    authority = Authority.register(actor=SYSTEM, **DORSET)
    assert authority.id == authority_id("838")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("la_code", "83", "3-digit DfE LA code"),
    ("ons_code", "W06000001", "English authority"),
    ("population_0_17", 0, "more than 0"),
    ("key_decision_threshold", -5, "more than £0"),
    ("name", "  ", "Enter the authority's name"),
])
def test_authority_details_are_checked(field, value, message):
    with pytest.raises(DomainError, match=message) as refused:
        Authority.register(actor=SYSTEM, **{**DORSET, field: value})
    assert refused.value.field == field


def test_authority_update_records_only_changes():
    authority = Authority.register(actor=SYSTEM, **DORSET)
    authority.collect_events()
    authority.update_details(actor=SYSTEM, name="Dorset", population_0_17=67_000)
    (event,) = authority.collect_events()
    assert event.changes == {"population_0_17": 67_000}
    with pytest.raises(DomainError, match="cannot be changed"):
        authority.update_details(actor=SYSTEM, la_code="839")


def test_provider_settings_are_unique_by_name_and_validated():
    provider = Provider.register(name="Coastline Care", kind="childrens_home_operator",
                                 ofsted_urn=None, actor=SYSTEM)
    host = uuid4()
    details = dict(setting_type="childrens_home", ofsted_urn="SC654321", host_authority_id=host,
                   postcode_district="dt1", registered_places=3, actor=SYSTEM)
    first = provider.add_setting(name="Harbour  View", **details)
    assert provider.setting(first).postcode_district == "DT1"
    assert provider.setting(first).name == "Harbour View"
    with pytest.raises(DomainError, match="already has a setting called"):
        provider.add_setting(name="harbour view", **details)
    with pytest.raises(DomainError, match="postcode district"):
        provider.add_setting(name="Elm House", **{**details, "postcode_district": "DT 1"})
    with pytest.raises(DomainError, match="Registered places"):
        provider.add_setting(name="Elm House", **{**details, "registered_places": 0})
    with pytest.raises(DomainError, match="Ofsted URN"):
        provider.add_setting(name="Elm House", **{**details, "ofsted_urn": "12"})


def test_account_roles_must_fit_the_organisation_kind():
    with pytest.raises(DomainError, match="cannot belong to this kind"):
        Account.create(email="a@b.org", display_name="A", organisation_id=uuid4(),
                       organisation_kind="provider", roles=["council_officer"], actor=SYSTEM)
    with pytest.raises(DomainError, match="email address in the correct format"):
        Account.create(email="not-an-email", display_name="A", organisation_id=uuid4(),
                       organisation_kind="authority", roles=["council_officer"], actor=SYSTEM)


def test_account_life_and_id_from_email():
    account = Account.create(email=" Officer@Dorset.Example.org ", display_name="Sam",
                             organisation_id=uuid4(), organisation_kind="authority",
                             roles=["council_officer"], actor=SYSTEM)
    assert account.email == "officer@dorset.example.org"
    assert account.id == account_id("OFFICER@dorset.example.org")
    account.grant_role("auditor", "authority", actor=SYSTEM)
    assert account.roles == ["auditor", "council_officer"]
    with pytest.raises(IllegalTransition):
        account.grant_role("auditor", "authority", actor=SYSTEM)
    account.revoke_role("auditor", actor=SYSTEM)
    account.suspend(actor=SYSTEM, reason="left the council")
    with pytest.raises(IllegalTransition):
        account.suspend(actor=SYSTEM)
    account.reinstate(actor=SYSTEM)
    assert not account.suspended


def test_every_event_of_every_aggregate_carries_actor_and_reason():
    from domain.organisation import PlatformOrganisation
    from domain.vacancy import Vacancy

    for aggregate in (Authority, Provider, PlatformOrganisation, Account, Vacancy):
        event_classes = [v for v in vars(aggregate).values()
                         if isinstance(v, type) and issubclass(v, aggregate.Event)
                         and v is not aggregate.Event]
        assert event_classes, aggregate
        base = {"originator_id", "originator_version", "timestamp", "originator_topic"}
        for event_class in event_classes:
            own_fields = set(event_class.__dataclass_fields__) - base
            if not own_fields:
                continue  # eventsourcing's generic "Created", unused where __init__ is decorated
            assert {"actor", "reason"} <= own_fields, event_class
