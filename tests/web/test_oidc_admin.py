"""A platform administrator registers, changes, turns off and on organisations' identity
providers; nobody else can; the secret itself is never asked for or shown."""

from __future__ import annotations

import pytest

from domain.account import account_id
from domain.identity_provider import identity_provider_id
from tests.conftest import account_for

DISCOVERY = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0/" \
            ".well-known/openid-configuration"


@pytest.fixture
def admin_client(client):
    client.sign_in(account_for("platform_admin"))
    return client


def form_for(organisation, **overrides) -> dict:
    return {"organisation_id": str(organisation.organisation_id),
            "display_name": "Kent County Council", "discovery_url": DISCOVERY,
            "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
            "client_secret_ref": "env:KENT_ENTRA_SECRET",
            "allowed_domains": "kent.example.org, @KENT-CC.example.org", "reason": "",
            **overrides}


def test_register_change_turn_off_and_on(admin_client, demo_services):
    kent = account_for("council_officer", "Kent")
    idp = identity_provider_id(kent.organisation_id)
    assert "Identity providers" in admin_client.get("/admin/").get_data(as_text=True)
    page = admin_client.get("/admin/identity-providers/new").get_data(as_text=True)
    assert "Kent" in page and "Where the client secret is kept" in page

    response = admin_client.post_form("/admin/identity-providers/new", form_for(
        kent, reason="Kent moves to Entra ID"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/identity-providers/{idp}"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"http://localhost/sign-in/organisation/{idp}/callback" in page  # to register
    assert "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0" in page
    assert "kent-cc.example.org, kent.example.org" in page
    assert "env:KENT_ENTRA_SECRET" in page
    listing = admin_client.get("/admin/identity-providers/").get_data(as_text=True)
    assert "Kent County Council" in listing
    # Kent no longer appears among organisations to register a provider for.
    assert f'value="{kent.organisation_id}"' not in admin_client.get(
        "/admin/identity-providers/new").get_data(as_text=True)

    page = admin_client.get(f"/admin/identity-providers/{idp}/change").get_data(as_text=True)
    assert 'value="kent-cc.example.org, kent.example.org"' in page
    response = admin_client.post_form(f"/admin/identity-providers/{idp}/change", {
        **form_for(kent), "allowed_domains": "kent.example.org", "reason": "Old domain retired"})
    assert response.status_code == 302
    provider = demo_services.portal.get_identity_provider(idp)
    assert provider.allowed_domains == ["kent.example.org"]

    response = admin_client.post_form(f"/admin/identity-providers/{idp}/disable",
                                      {"reason": "Tenant migration"})
    assert response.status_code == 302
    assert demo_services.portal.get_identity_provider(idp).disabled
    assert "Off" in admin_client.get("/admin/identity-providers/").get_data(as_text=True)
    # Turning it off twice is refused with a clear message.
    response = admin_client.post_form(f"/admin/identity-providers/{idp}/disable", {})
    assert response.status_code == 400
    assert "already turned off" in response.get_data(as_text=True)
    response = admin_client.post_form(f"/admin/identity-providers/{idp}/enable", {})
    assert response.status_code == 302
    assert not demo_services.portal.get_identity_provider(idp).disabled

    actor = account_id(account_for("platform_admin").email)
    events = demo_services.portal.recorder.select_events(idp)
    kinds = [demo_services.portal.mapper.to_domain_event(e) for e in events]
    assert [type(e).__qualname__ for e in kinds] == [
        "IdentityProvider.Registered", "IdentityProvider.Changed",
        "IdentityProvider.Disabled", "IdentityProvider.Enabled"]
    assert {e.actor.user_id for e in kinds} == {actor}
    assert [e.reason for e in kinds] == ["Kent moves to Entra ID", "Old domain retired",
                                         "Tenant migration", None]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"organisation_id": ""}, "organisation_id", "Choose the organisation"),
    ({"display_name": ""}, "display_name", "Enter the name users will see"),
    ({"discovery_url": "https://login.microsoftonline.com/tenant/v2.0"}, "discovery_url",
     "Enter the discovery URL, ending /.well-known/openid-configuration"),
    ({"discovery_url": "http://idp.kent.example.org/.well-known/openid-configuration"},
     "discovery_url", "The discovery URL must start https://"),
    ({"discovery_url": DISCOVERY + "?x=1"}, "discovery_url", "Enter the discovery URL"),
    ({"client_id": "has spaces in it"}, "client_id", "with no spaces"),
    ({"client_secret_ref": "Zx8Q~actual-secret-value"}, "client_secret_ref",
     "Enter where the client secret is kept: env:"),
    ({"client_secret_ref": "file:relative/path"}, "client_secret_ref",
     "Enter where the client secret is kept"),
    ({"allowed_domains": ""}, "allowed_domains", "Enter at least one email domain"),
    ({"allowed_domains": "kent.example.org, not_a_domain"}, "allowed_domains",
     "not_a_domain is not an email domain"),
    ({"reason": "x" * 501}, "reason", "Reason must be 500 characters or fewer"),
])
def test_bad_settings_are_refused_with_the_error_summary(admin_client, demo_services, overrides,
                                                          field, message):
    kent = account_for("council_officer", "Kent")
    before = demo_services.portal.last_position()
    response = admin_client.post_form("/admin/identity-providers/new",
                                      form_for(kent, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Register an identity provider" in page
    assert "There is a problem" in page and f'href="#{field}"' in page
    assert message in page
    assert "Zx8Q~actual-secret-value" not in page  # a pasted secret is not sent back
    assert demo_services.portal.last_position() == before


def test_a_domain_another_organisations_provider_has_is_refused(admin_client, demo_services):
    kent, dorset = account_for("council_officer", "Kent"), account_for("council_officer",
                                                                        "Dorset")
    assert admin_client.post_form("/admin/identity-providers/new",
                                  form_for(kent)).status_code == 302
    before = demo_services.portal.last_position()
    response = admin_client.post_form("/admin/identity-providers/new", form_for(
        dorset, display_name="Dorset Council", allowed_domains="dorset.example.org, "
        "kent.example.org"))
    page = response.get_data(as_text=True)
    assert "kent.example.org already signs in through Kent&#39;s identity provider" in page
    assert demo_services.portal.last_position() == before
    # A second provider for the same organisation is refused too.
    response = admin_client.post_form("/admin/identity-providers/new", form_for(
        kent, allowed_domains="other.example.org"))
    assert "already has an identity provider" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "auditor"])
def test_only_platform_administrators_may_manage_identity_providers(client, demo_services, role):
    kent = account_for("council_officer", "Kent")
    client.sign_in(account_for(role))
    before = demo_services.portal.last_position()
    assert client.get("/admin/identity-providers/").status_code == 403
    assert client.post_form("/admin/identity-providers/new", form_for(kent)).status_code == 403
    idp = identity_provider_id(kent.organisation_id)
    assert client.post_form(f"/admin/identity-providers/{idp}/disable", {}).status_code == 403
    assert demo_services.portal.last_position() == before


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/identity-providers/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_unknown_identity_provider_is_404(admin_client):
    missing = identity_provider_id(account_id("nobody@example.org"))
    assert admin_client.get(f"/admin/identity-providers/{missing}").status_code == 404
    assert admin_client.get(f"/admin/identity-providers/{missing}/change").status_code == 404
    assert admin_client.post_form(f"/admin/identity-providers/{missing}/disable",
                                  {}).status_code == 404
