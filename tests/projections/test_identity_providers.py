"""The identity-provider read model: events in, rows out; a rebuild equals the incremental rows;
the administrator's queries are for platform administrators only; the sign-in lookups."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.account import account_id
from domain.actor import Actor
from domain.permissions import Forbidden
from domain.principal import Principal
from projections.identity_providers import (
    all_identity_providers,
    domains_claimed_elsewhere,
    identity_provider,
    linked_account,
    organisations_without_provider,
    provider_for_sign_in,
    providers_for_domain,
)
from tests.projections.scenario import dump

TABLES = {"identity_providers", "identity_provider_domains", "identity_links"}
DISCOVERY = "https://login.microsoftonline.com/{}/v2.0/.well-known/openid-configuration"


def world(portal) -> dict:
    system = Actor.system()
    platform, _ = portal.register_platform_organisation(system, name="Office")
    admin_id, _ = portal.create_account(system, email="admin@office.example.org",
                                        display_name="Alex Admin", organisation_id=platform,
                                        roles=["platform_admin"])
    admin = Actor(admin_id, platform)
    kent, _ = portal.register_authority(system, la_code="886", ons_code="E10000016",
                                        name="Kent", population_0_17=300_000,
                                        partnerships=[], key_decision_threshold=1_000_000)
    dorset, _ = portal.register_authority(system, la_code="838", ons_code="E06000059",
                                          name="Dorset", population_0_17=70_000,
                                          partnerships=[], key_decision_threshold=500_000)
    kent_idp, _ = portal.register_identity_provider(
        admin, organisation_id=kent, display_name="Kent County Council",
        discovery_url=DISCOVERY.format("kent"), client_id="kent-1",
        client_secret_ref="env:KENT_SECRET", allowed_domains=["kent.gov.uk", "kent.example.org"])
    portal.change_identity_provider(admin, kent_idp, allowed_domains=["kent.gov.uk"],
                                    discovery_url=DISCOVERY.format("kent-2"))
    dorset_idp, _ = portal.register_identity_provider(
        admin, organisation_id=dorset, display_name="Dorset Council",
        discovery_url=DISCOVERY.format("dorset"), client_id="dorset-1",
        client_secret_ref="file:/run/secrets/dorset", allowed_domains=["dorsetcouncil.gov.uk"])
    portal.disable_identity_provider(admin, dorset_idp, reason="Moving tenant")
    portal.disable_identity_provider(admin, kent_idp)
    portal.enable_identity_provider(admin, kent_idp)
    portal.sign_in_creating_account(provider_ref=kent_idp, subject="oid-1",
                                    email="new@kent.gov.uk", display_name="New Person")
    return {"admin": admin, "platform": platform, "kent": kent, "dorset": dorset,
            "kent_idp": kent_idp, "dorset_idp": dorset_idp}


def admin_principal(made: dict, roles=("platform_admin",)) -> Principal:
    return Principal(user_id=made["admin"].user_id, email="admin@office.example.org",
                     display_name="Alex Admin", organisation_id=made["platform"],
                     organisation_kind="platform", organisation_name="Office",
                     roles=frozenset(roles))


def test_rows_follow_the_events_and_a_rebuild_equals_them(services):
    made = world(services.portal)
    services.projections.catch_up()
    viewer = admin_principal(made)
    with services.engine.connect() as c:
        kent = identity_provider(viewer, c, made["kent_idp"])
        assert kent["issuer"] == "https://login.microsoftonline.com/kent-2/v2.0"
        assert kent["allowed_domains"] == ["kent.gov.uk"] and not kent["disabled"]
        assert kent["organisation_name"] == "Kent" and kent["version"] == 4
        assert provider_for_sign_in(c, made["dorset_idp"])["disabled"]
        assert [p["display_name"] for p in all_identity_providers(viewer, c)] == [
            "Dorset Council", "Kent County Council"]
        assert [p["id"] for p in providers_for_domain(c, "kent.gov.uk")] == [made["kent_idp"]]
        assert providers_for_domain(c, "kent.example.org") == []  # removed by the change
        assert linked_account(c, kent["issuer"], "oid-1") == account_id("new@kent.gov.uk")
        assert linked_account(c, kent["issuer"], "oid-2") is None
        assert domains_claimed_elsewhere(viewer, c, made["dorset"], ["kent.gov.uk", "x.org"]) \
            == {"kent.gov.uk": "Kent"}
        assert domains_claimed_elsewhere(viewer, c, made["kent"], ["kent.gov.uk"]) == {}
        assert {o["name"] for o in organisations_without_provider(viewer, c)} == {"Office"}
    incremental = dump(services.engine, names=TABLES)
    services.projections.rebuild(["identity_providers"])
    assert dump(services.engine, names=TABLES) == incremental
    assert all(incremental[name] for name in TABLES)


def test_the_administrators_queries_are_for_platform_administrators_only(services):
    made = world(services.portal)
    services.projections.catch_up()
    for roles in (("council_officer",), ("auditor",), ()):
        viewer = admin_principal(made, roles)
        with services.engine.connect() as c, pytest.raises(Forbidden):
            all_identity_providers(viewer, c)


def test_only_a_platform_administrator_runs_the_commands(services):
    made = world(services.portal)
    officer_id, _ = services.portal.create_account(
        Actor.system(), email="officer@kent.gov.uk", display_name="Officer",
        organisation_id=made["kent"], roles=["council_officer"])
    for actor in (Actor(officer_id, made["kent"]), Actor.system(), Actor(uuid4(), None)):
        with pytest.raises(Exception, match="Only a platform administrator"):
            services.portal.disable_identity_provider(actor, made["kent_idp"])
