"""Structural checks over the URL map, and the error pages."""

from __future__ import annotations

import re

import pytest


def test_every_route_declares_who_may_use_it(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "__permission__", None):
            missing.append(rule.rule)
    assert missing == []


def test_routes_taking_a_record_id_check_a_permission_and_type_it(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for argument, converter in rule._converters.items():
            if argument.endswith("_id"):
                assert type(converter).__name__ == "UUIDConverter", rule.rule
                permission = app.view_functions[rule.endpoint].__permission__
                assert permission not in ("public", "signed_in"), rule.rule


def test_paths_are_kebab_case(app):
    for rule in app.url_map.iter_rules():
        static_parts = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/\-.]*", static_parts), rule.rule


def test_unknown_pages_get_the_services_own_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_reference_and_no_stack_trace(app, client, caplog):
    def explode():
        raise RuntimeError("secret internal detail")

    explode.__permission__ = "public"
    app.add_url_rule("/boom", "boom", explode)
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "secret internal detail" not in page
    assert "Traceback" not in page
    assert re.search(r"Quote reference [0-9a-f]{12}", page)


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "auditor",
                                  "platform_admin"])
def test_every_role_can_read_the_directory(client, role):
    from tests.conftest import account_for

    client.sign_in(account_for(role))
    page = client.get("/directory/").get_data(as_text=True)
    assert "Kent" in page
    assert "E10000016" in page
    provider = re.search(r'href="/directory/providers/([0-9a-f-]{36})"', page).group(1)
    assert client.get(f"/directory/providers/{provider}").status_code == 200


def test_a_directory_link_to_a_non_provider_is_not_found(client, officer):
    from domain.organisation import authority_id

    client.sign_in(officer)
    assert client.get(f"/directory/providers/{authority_id('886')}").status_code == 404


def test_security_headers_and_a_fresh_nonce_on_every_page(client):
    first = client.get("/")
    second = client.get("/")
    policy = first.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in first.headers  # plain HTTP: no HSTS
    secure = client.get("/", base_url="https://portal.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in first.get_data(as_text=True)
    assert nonce not in second.headers["Content-Security-Policy"]
