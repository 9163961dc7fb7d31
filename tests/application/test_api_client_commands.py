"""Creating and revoking API clients: only an organisation's own administrator, for their own
organisation, with roles of its kind; and the commands a client calls treat it as itself,
never as the system."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
import sqlalchemy as sa

from auth.api_clients import ApiClients
from domain.actor import Actor
from domain.errors import DomainError, NotFound, PermissionDenied
from portal.services.application import Portal

SYSTEM = Actor.system()


@pytest.fixture
def portal():
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    portal.api_clients = ApiClients(sa.create_engine("sqlite://"))
    portal.api_clients.setup()
    return portal


@pytest.fixture
def world(portal):
    kent, _ = portal.register_authority(
        SYSTEM, la_code="886", ons_code="E10000016", name="Kent", population_0_17=345_000,
        partnerships=["South East"], key_decision_threshold=1_000_000)
    dorset, _ = portal.register_authority(
        SYSTEM, la_code="838", ons_code="E06000059", name="Dorset", population_0_17=66_000,
        partnerships=["Dorset"], key_decision_threshold=500_000)

    def account(email, organisation, roles):
        account_id, _ = portal.create_account(SYSTEM, email=email, display_name=email,
                                              organisation_id=organisation, roles=roles)
        return Actor(account_id, organisation)

    return {"kent": kent, "dorset": dorset,
            "kent_admin": account("admin@kent.example.org", kent, ["organisation_admin"]),
            "kent_officer": account("officer@kent.example.org", kent, ["council_officer"]),
            "dorset_admin": account("admin@dorset.example.org", dorset, ["organisation_admin"])}


def test_an_administrator_creates_a_client_of_their_own_organisation(portal, world):
    client_id, key = portal.create_api_client(world["kent_admin"], name="  Mosaic   live ",
                                              roles=["council_officer"])
    client = portal.api_clients.authenticate(key)
    assert (client.id, client.organisation_id, client.name, client.roles) == (
        client_id, world["kent"], "Mosaic live", frozenset({"council_officer"}))
    listed = portal.api_clients_of(world["kent_admin"])
    assert [c["id"] for c in listed] == [client_id]
    assert "key_hash" not in listed[0]
    assert portal.api_clients_of(world["dorset_admin"]) == []


@pytest.mark.parametrize(("roles", "message"), [
    ([], "Choose what the client may do"),
    (["organisation_admin"], "Choose what the client may do from the list"),
    (["auditor"], "Only a platform administrator can give a client the auditor's role"),
    (["platform_admin"], "Choose what the client may do from the list"),
    (["provider_user"], "A provider user cannot belong to this kind of organisation"),
])
def test_a_client_gets_only_roles_of_its_organisations_kind(portal, world, roles, message):
    with pytest.raises(DomainError) as refused:
        portal.create_api_client(world["kent_admin"], name="Mosaic", roles=roles)
    assert (refused.value.field, refused.value.message) == ("roles", message)


def test_only_an_administrator_who_is_a_person_manages_clients(portal, world):
    with pytest.raises(PermissionDenied):
        portal.create_api_client(world["kent_officer"], name="Mosaic", roles=["council_officer"])
    with pytest.raises(PermissionDenied):
        portal.create_api_client(SYSTEM, name="Mosaic", roles=["council_officer"])
    client_id, _key = portal.create_api_client(world["kent_admin"], name="Mosaic",
                                               roles=["council_officer"])
    as_client = Actor.api_client(client_id, world["kent"])
    with pytest.raises(PermissionDenied):
        portal.create_api_client(as_client, name="Another", roles=["council_officer"])
    pretending = Actor(world["kent_admin"].user_id, world["dorset"])
    with pytest.raises(PermissionDenied):
        portal.create_api_client(pretending, name="Mosaic", roles=["council_officer"])


def test_another_organisations_client_cannot_be_revoked(portal, world):
    client_id, key = portal.create_api_client(world["kent_admin"], name="Mosaic",
                                              roles=["council_officer"])
    with pytest.raises(NotFound):
        portal.revoke_api_client(world["dorset_admin"], client_id)
    assert portal.api_clients.authenticate(key).id == client_id
    portal.revoke_api_client(world["kent_admin"], client_id)
    with pytest.raises(NotFound):  # already revoked
        portal.revoke_api_client(world["kent_admin"], client_id)


def test_a_client_acts_as_itself_never_as_the_system(portal, world):
    """A command's "the system may act for anyone" never applies to a client: a client of
    Dorset cannot record a placement for Kent."""
    as_client = Actor.api_client(uuid4(), world["dorset"])
    with pytest.raises(PermissionDenied):
        portal.start_placement(as_client, authority_id=world["kent"], child_ref="C" + "A" * 12,
                               birth_month="2010-05", sex="1", uasc=False,
                               on=date(2020, 1, 1), terms={}, today=date(2026, 1, 1))
    assert as_client.as_dict()["client_id"] == as_client.client_id.hex
    assert Actor.from_dict(as_client.as_dict()) == as_client
    assert "client_id" not in world["kent_admin"].as_dict()  # events without one, as before
