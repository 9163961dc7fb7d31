"""An organisation's identity provider: its settings' rules, its life, and the account link."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.account import Account
from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition
from domain.identity_provider import IdentityProvider, identity_provider_id, issuer_of

ENTRA = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
ADMIN = Actor(uuid4(), uuid4())


def settings(**overrides) -> dict:
    return {"display_name": "Kent County Council", "discovery_url": ENTRA.format(tenant="t1"),
            "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
            "client_secret_ref": "env:KENT_ENTRA_SECRET",
            "allowed_domains": ["kent.gov.uk"], **overrides}


def test_the_id_follows_from_the_organisation_and_the_issuer_from_the_discovery_url():
    organisation = uuid4()
    provider = IdentityProvider.register(organisation_id=organisation, actor=ADMIN, **settings())
    assert provider.id == identity_provider_id(organisation)
    assert provider.issuer == "https://login.microsoftonline.com/t1/v2.0"
    assert issuer_of("http://localhost:8080/.well-known/openid-configuration") == \
        "http://localhost:8080"


def test_domains_are_normalised():
    provider = IdentityProvider.register(organisation_id=uuid4(), actor=ADMIN, **settings(
        allowed_domains=" Kent.GOV.uk, @kent-cc.gov.uk kent.gov.uk."))
    assert provider.allowed_domains == ["kent-cc.gov.uk", "kent.gov.uk"]


@pytest.mark.parametrize(("change", "field"), [
    ({"display_name": " "}, "display_name"),
    ({"discovery_url": "https://login.microsoftonline.com/t1/v2.0"}, "discovery_url"),
    ({"discovery_url": "http://login.example.org/.well-known/openid-configuration"},
     "discovery_url"),
    ({"discovery_url": "https://user:pw@login.example.org/.well-known/openid-configuration"},
     "discovery_url"),
    ({"discovery_url": ENTRA.format(tenant="t1") + "#x"}, "discovery_url"),
    ({"client_id": ""}, "client_id"),
    ({"client_secret_ref": "s3cr3t-value"}, "client_secret_ref"),
    ({"client_secret_ref": "env:lower-case"}, "client_secret_ref"),
    ({"client_secret_ref": "file:run/secrets/x"}, "client_secret_ref"),
    ({"allowed_domains": []}, "allowed_domains"),
    ({"allowed_domains": ["kent"]}, "allowed_domains"),
    ({"allowed_domains": ["kent.gov.uk/evil"]}, "allowed_domains"),
    ({"allowed_domains": [f"d{i}.gov.uk" for i in range(21)]}, "allowed_domains"),
])
def test_bad_settings_are_refused_naming_the_field(change, field):
    with pytest.raises(DomainError) as refused:
        IdentityProvider.register(organisation_id=uuid4(), actor=ADMIN, **settings(**change))
    assert refused.value.field == field


def test_plain_http_only_on_this_machine():
    for host in ("localhost:9000", "127.0.0.1:9000"):
        provider = IdentityProvider.register(organisation_id=uuid4(), actor=ADMIN, **settings(
            discovery_url=f"http://{host}/.well-known/openid-configuration"))
        assert provider.issuer == f"http://{host}"


def test_changes_record_only_what_differs_and_the_life_is_on_and_off():
    provider = IdentityProvider.register(organisation_id=uuid4(), actor=ADMIN, **settings())
    assert provider.change(actor=ADMIN, client_id=provider.client_id) is False
    assert provider.change(actor=ADMIN, reason="New tenant",
                           discovery_url=ENTRA.format(tenant="t2"), client_id=provider.client_id)
    changed = provider.collect_events()[-1]
    assert changed.changes == {"discovery_url": ENTRA.format(tenant="t2")}
    assert changed.reason == "New tenant" and changed.actor == ADMIN
    with pytest.raises(DomainError):
        provider.change(actor=ADMIN, client_secret="the secret itself")
    provider.disable(actor=ADMIN, reason="Tenant migration")
    with pytest.raises(IllegalTransition):
        provider.disable(actor=ADMIN)
    provider.enable(actor=ADMIN)
    with pytest.raises(IllegalTransition):
        provider.enable(actor=ADMIN)


def test_an_account_links_an_identity_once_and_not_while_suspended():
    account = Account.create(email="a@kent.gov.uk", display_name="A", organisation_id=uuid4(),
                             organisation_kind="authority", roles=[], actor=ADMIN)
    account.link_identity(issuer="https://idp", subject="sub-1", actor=ADMIN)
    assert account.identities == [("https://idp", "sub-1")]
    with pytest.raises(IllegalTransition):
        account.link_identity(issuer="https://idp", subject="sub-1", actor=ADMIN)
    account.suspend(actor=ADMIN)
    with pytest.raises(IllegalTransition):
        account.link_identity(issuer="https://other", subject="sub-1", actor=ADMIN)


def test_every_event_carries_actor_and_reason():
    classes = [v for v in vars(IdentityProvider).values()
               if isinstance(v, type) and issubclass(v, IdentityProvider.Event)
               and v is not IdentityProvider.Event and v.__name__ != "Created"]
    assert {c.__name__ for c in classes} == {"Registered", "Changed", "Disabled", "Enabled"}
    for event_class in [*classes, Account.IdentityLinked]:
        assert {"actor", "reason"} <= set(event_class.__dataclass_fields__), event_class
