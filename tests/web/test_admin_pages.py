"""Platform administrators register authorities, providers and settings."""

from __future__ import annotations

import re

import pytest

from tests.conftest import account_for


@pytest.fixture
def admin_client(client):
    client.sign_in(account_for("platform_admin"))
    return client


def test_register_an_authority_and_see_it_in_the_directory(admin_client):
    response = admin_client.post_form("/admin/authorities/new", {
        "name": "Cornwall", "la_code": "908", "ons_code": "E06000052",
        "population_0_17": "110000", "partnerships": "Peninsula, South West",
        "key_decision_threshold": "500000"})
    assert response.status_code == 302
    directory = admin_client.get("/directory/").get_data(as_text=True)
    assert "Cornwall" in directory and "Peninsula, South West" in directory


@pytest.mark.parametrize(("overrides", "message"), [
    ({"la_code": ""}, "Enter the DfE LA code"),
    ({"la_code": "9x8"}, "Enter a 3-digit DfE LA code, like 838"),
    ({"la_code": "838"}, "An authority with LA code 838 is already registered"),
    ({"ons_code": "S12000033"}, "Enter an ONS code for an English authority"),
    ({"population_0_17": "lots"}, "Population aged 0 to 17 must be a whole number"),
    ({"key_decision_threshold": "0"}, "Key-decision threshold must be between £1"),
])
def test_bad_authority_details_are_refused(admin_client, overrides, message):
    form = {"name": "Cornwall", "la_code": "908", "ons_code": "E06000052",
            "population_0_17": "110000", "partnerships": "", "key_decision_threshold": "1"}
    response = admin_client.post_form("/admin/authorities/new", {**form, **overrides})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_register_a_provider_and_add_a_setting(admin_client):
    from domain.organisation import authority_id

    response = admin_client.post_form("/admin/providers/new", {
        "name": "Moorland Homes", "kind": "childrens_home_operator", "ofsted_urn": ""})
    assert response.status_code == 302
    provider_page = response.headers["Location"]
    refused = admin_client.post_form(provider_page, {
        "name": "Tor View", "setting_type": "childrens_home", "postcode_district": "PL 1",
        "host_authority_id": str(authority_id("879")), "registered_places": "4"})
    assert "Enter a postcode district, like DT1 or BH20" in refused.get_data(as_text=True)
    added = admin_client.post_form(provider_page, {
        "name": "Tor View", "setting_type": "childrens_home", "postcode_district": "pl1",
        "host_authority_id": str(authority_id("879")), "registered_places": "4"})
    assert added.status_code == 302
    page = admin_client.get(provider_page).get_data(as_text=True)
    assert "Tor View" in page and "Plymouth, PL1" in page
    again = admin_client.post_form(provider_page, {
        "name": "tor view", "setting_type": "childrens_home", "postcode_district": "PL1",
        "host_authority_id": str(authority_id("879")), "registered_places": "4"})
    assert "already has a setting called" in again.get_data(as_text=True)


def test_only_platform_administrators_administer(client):
    for role in ("council_officer", "provider_user", "auditor"):
        client.sign_in(account_for(role))
        assert client.get("/admin/").status_code == 403
        assert client.post_form("/admin/providers/new", {"name": "X", "kind": "mixed"}
                                ).status_code == 403
        client.post_form("/sign-out")


def test_an_unknown_provider_is_not_found(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert re.search(r"/admin/providers/[0-9a-f-]{36}", page)
    assert admin_client.get("/admin/providers/00000000-0000-0000-0000-000000000000"
                            ).status_code == 404
