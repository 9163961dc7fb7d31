"""Invitations, activation, the second factor and password resets on the Account aggregate:
what each allows from each state, and that no event carries a secret."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actor import Actor
from domain.errors import AlreadyExists, DomainError, IllegalTransition
from portal.services.application import Portal

SYSTEM = Actor.system()
EXPIRES = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def kent(portal):
    authority, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=345_000,
        partnerships=["South East"], key_decision_threshold=1_000_000)
    return authority


def invite(portal, kent, roles=("council_officer",), email="new@kent.example.org"):
    return portal.invite_account(SYSTEM, email=email, display_name="New Starter",
                                 organisation_id=kent, roles=list(roles), expires_at=EXPIRES)


def test_an_invited_account_is_invited_until_activated(portal, kent):
    account_id, _ = invite(portal, kent)
    account = portal.get_account(account_id)
    assert (account.status, account.roles, account.invitation_expires_at) == (
        "invited", ["council_officer"], EXPIRES)
    assert [type(e).__name__ for e in portal.events.get(account_id)] == ["Created", "Invited"]
    portal.activate_account(account_id)
    assert portal.get_account(account_id).status == "active"
    activated = list(portal.events.get(account_id))[-1]
    assert activated.actor == Actor(account_id, kent)  # the person themselves


def test_inviting_again_before_acceptance_replaces_the_invitation(portal, kent):
    account_id, _ = invite(portal, kent)
    later = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    again, _ = portal.invite_account(SYSTEM, email="NEW@kent.example.org ",
                                     display_name="New Starter", organisation_id=kent,
                                     roles=["council_officer", "organisation_admin"],
                                     expires_at=later)
    assert again == account_id
    account = portal.get_account(account_id)
    assert account.invitation_expires_at == later
    assert account.roles == ["council_officer", "organisation_admin"]


def test_an_active_account_cannot_be_invited_again(portal, kent):
    account_id, _ = invite(portal, kent)
    portal.activate_account(account_id)
    with pytest.raises(AlreadyExists, match="already exists"):
        invite(portal, kent)


def test_an_invitation_to_another_organisation_is_refused(portal, kent):
    invite(portal, kent)
    other, _ = portal.register_authority(
        SYSTEM, la_code="878", ons_code="E10000008", name="Devon", population_0_17=150_000,
        partnerships=["Peninsula"], key_decision_threshold=500_000)
    with pytest.raises(DomainError, match="another organisation"):
        invite(portal, other)


@pytest.mark.parametrize(("roles", "field", "message"), [
    ((), "roles", "at least one role"),
    (("provider_user",), "role", "cannot belong"),
    (("platform_admin",), "role", "cannot belong"),
    (("wizard",), "role", "Choose a role"),
])
def test_invitations_with_bad_roles_store_nothing(portal, kent, roles, field, message):
    before = portal.last_position()
    with pytest.raises(DomainError, match=message) as error:
        invite(portal, kent, roles=roles)
    assert error.value.field == field
    assert portal.last_position() == before


def test_a_bad_email_address_is_refused(portal, kent):
    with pytest.raises(DomainError, match="correct format"):
        invite(portal, kent, email="not an address")


def test_an_organisation_administrator_belongs_to_authorities_and_providers_only(portal, kent):
    provider, _ = portal.register_provider(SYSTEM, name="Weald Homes",
                                           kind="childrens_home_operator")
    platform, _ = portal.register_platform_organisation(SYSTEM, name="Office")
    invite(portal, kent, roles=["organisation_admin"])
    portal.invite_account(SYSTEM, email="admin@weald.example.org", display_name="W",
                          organisation_id=provider, roles=["organisation_admin"],
                          expires_at=EXPIRES)
    with pytest.raises(DomainError, match="cannot belong"):
        portal.invite_account(SYSTEM, email="x@office.example.org", display_name="X",
                              organisation_id=platform, roles=["organisation_admin"],
                              expires_at=EXPIRES)


def test_activation_needs_a_second_factor_where_the_roles_require_one(portal, kent):
    account_id, _ = invite(portal, kent, roles=["organisation_admin"])
    with pytest.raises(IllegalTransition, match="second factor"):
        portal.activate_account(account_id)
    portal.enrol_second_factor(account_id)
    portal.activate_account(account_id)
    with pytest.raises(IllegalTransition, match="already active"):
        portal.activate_account(account_id)


def test_the_second_factor_life(portal, kent):
    account_id, _ = invite(portal, kent)
    with pytest.raises(IllegalTransition, match="no second factor"):
        portal.reset_second_factor(SYSTEM, account_id, reason="Lost phone")
    with pytest.raises(IllegalTransition, match="first"):
        portal.record_recovery_codes_regenerated(account_id)
    portal.enrol_second_factor(account_id)
    with pytest.raises(IllegalTransition, match="already set up"):
        portal.enrol_second_factor(account_id)
    portal.record_recovery_codes_regenerated(account_id)
    portal.record_recovery_code_used(account_id, remaining=9)
    portal.reset_second_factor(SYSTEM, account_id, reason="Lost phone")
    assert portal.get_account(account_id).second_factor is False
    portal.enrol_second_factor(account_id)
    assert portal.get_account(account_id).second_factor is True


def test_a_password_reset_needs_an_active_unsuspended_account(portal, kent):
    account_id, _ = invite(portal, kent)
    with pytest.raises(IllegalTransition, match="not been activated"):
        portal.record_password_reset(account_id)
    portal.activate_account(account_id)
    portal.record_password_reset(account_id)
    account = portal.get_account(account_id)
    account.suspend(actor=SYSTEM, reason="Left")
    portal.save(account)
    with pytest.raises(IllegalTransition, match="suspended"):
        portal.record_password_reset(account_id)


def test_no_account_event_carries_a_secret(portal, kent):
    account_id, _ = invite(portal, kent)
    portal.enrol_second_factor(account_id)
    portal.activate_account(account_id)
    portal.record_recovery_codes_regenerated(account_id)
    portal.record_recovery_code_used(account_id, remaining=9)
    portal.reset_second_factor(SYSTEM, account_id, reason="Lost phone")
    portal.record_password_reset(account_id)
    for event in portal.events.get(account_id):
        names = set(vars(event))
        assert not names & {"password", "password_hash", "secret", "code", "codes", "token"}
