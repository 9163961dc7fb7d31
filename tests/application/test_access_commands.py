"""Granting and taking away roles, suspending and reinstating: who may, to whom, and why."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition, NotFound, PermissionDenied
from portal.services.application import Portal

SYSTEM = Actor.system()


@pytest.fixture
def portal():
    return Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def world(portal):
    kent, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=345_000,
        partnerships=["South East"], key_decision_threshold=1_000_000)
    dorset, _ = portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_000,
        partnerships=["Dorset"], key_decision_threshold=500_000)
    platform, _ = portal.register_platform_organisation(SYSTEM, name="The partnership")

    def account(email, organisation, roles):
        account_id, _ = portal.create_account(SYSTEM, email=email, display_name=email,
                                              organisation_id=organisation, roles=roles)
        return account_id

    ids = {
        "kent_admin": account("admin@kent.example.org", kent, ["organisation_admin"]),
        "kent_officer": account("officer@kent.example.org", kent, ["council_officer"]),
        "dorset_officer": account("officer@dorset.example.org", dorset, ["council_officer"]),
        "platform_admin": account("admin@platform.example.org", platform, ["platform_admin"]),
    }
    actors = {name: Actor(ref, portal.get_account(ref).organisation_id)
              for name, ref in ids.items()}
    return ids, actors


def test_an_organisation_admin_changes_their_own_organisations_accounts(portal, world):
    ids, actors = world
    admin, officer = actors["kent_admin"], ids["kent_officer"]
    portal.grant_role(admin, officer, role="organisation_admin", reason=" Deputy ")
    portal.revoke_role(admin, officer, role="organisation_admin", reason="Not needed")
    portal.suspend_account(admin, officer, reason="Left")
    position = portal.reinstate_account(admin, officer, reason="Came back")
    account = portal.get_account(officer)
    assert account.roles == ["council_officer"] and not account.suspended
    assert position == portal.last_position()
    stored = [portal.mapper.to_domain_event(e)
              for e in portal.recorder.select_events(officer)][1:]
    assert [(type(e).__name__, e.reason, e.actor) for e in stored] == [
        ("RoleGranted", "Deputy", admin), ("RoleRevoked", "Not needed", admin),
        ("Suspended", "Left", admin), ("Reinstated", "Came back", admin)]


def test_another_organisations_account_is_no_such_account(portal, world):
    ids, actors = world
    target = ids["dorset_officer"]
    for command, kwargs in [("grant_role", {"role": "organisation_admin"}),
                            ("revoke_role", {"role": "council_officer"}),
                            ("suspend_account", {}), ("reinstate_account", {})]:
        with pytest.raises(NotFound, match="There is no such account"):
            getattr(portal, command)(actors["kent_admin"], target, reason="x", **kwargs)
    assert portal.get_account(target).version == 1


def test_an_organisation_admin_cannot_grant_or_take_away_platform_roles(portal, world):
    ids, actors = world
    for role in ("auditor", "platform_admin"):
        with pytest.raises(PermissionDenied, match="Only a platform administrator") as error:
            portal.grant_role(actors["kent_admin"], ids["kent_officer"], role=role, reason="x")
        assert error.value.field == "role"
    portal.grant_role(actors["platform_admin"], ids["kent_officer"], role="auditor",
                      reason="Internal audit")
    with pytest.raises(PermissionDenied):
        portal.revoke_role(actors["kent_admin"], ids["kent_officer"], role="auditor",
                           reason="x")
    assert "auditor" in portal.get_account(ids["kent_officer"]).roles


def test_a_platform_admin_manages_every_organisations_accounts(portal, world):
    ids, actors = world
    portal.suspend_account(actors["platform_admin"], ids["dorset_officer"], reason="Left")
    assert portal.get_account(ids["dorset_officer"]).suspended


def test_nobody_suspends_themselves_or_drops_their_own_last_admin_role(portal, world):
    ids, actors = world
    for name in ("kent_admin", "platform_admin"):
        with pytest.raises(DomainError, match="cannot suspend your own account"):
            portal.suspend_account(actors[name], ids[name], reason="x")
        role = portal.get_account(ids[name]).roles[0]
        with pytest.raises(DomainError, match="your own last administrator role"):
            portal.revoke_role(actors[name], ids[name], role=role, reason="x")
    # With a second administrator role, giving one up is allowed; the other stays.
    portal.grant_role(actors["platform_admin"], ids["kent_admin"], role="council_officer",
                      reason="Also an officer")
    portal.revoke_role(actors["kent_admin"], ids["kent_admin"], role="council_officer",
                       reason="Not an officer")
    assert portal.get_account(ids["kent_admin"]).roles == ["organisation_admin"]


def test_accounts_without_the_permission_change_nothing(portal, world):
    ids, actors = world
    with pytest.raises(PermissionDenied, match="permission to manage accounts"):
        portal.suspend_account(actors["kent_officer"], ids["kent_admin"], reason="x")
    # A suspended administrator can no longer act.
    portal.suspend_account(actors["platform_admin"], ids["kent_admin"], reason="Left")
    with pytest.raises(PermissionDenied):
        portal.suspend_account(actors["kent_admin"], ids["kent_officer"], reason="x")


def test_a_reason_is_required_and_illegal_steps_are_refused(portal, world):
    ids, actors = world
    for reason in ("", "   ", None):
        with pytest.raises(DomainError, match="Enter the reason") as error:
            portal.suspend_account(actors["kent_admin"], ids["kent_officer"], reason=reason)
        assert error.value.field == "reason"
    with pytest.raises(IllegalTransition):
        portal.reinstate_account(actors["kent_admin"], ids["kent_officer"], reason="x")
    with pytest.raises(IllegalTransition):
        portal.grant_role(actors["kent_admin"], ids["kent_officer"], role="council_officer",
                          reason="x")
    with pytest.raises(DomainError, match="cannot belong to this kind of organisation"):
        portal.grant_role(actors["kent_admin"], ids["kent_officer"], role="provider_user",
                          reason="x")
    with pytest.raises(NotFound):
        portal.grant_role(SYSTEM, uuid4(), role="auditor", reason="x")
    assert portal.get_account(ids["kent_officer"]).version == 1
