"""Structural checks over the URL map, and the error pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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


# Routes that take a record id yet are public on purpose: signing in through an organisation's
# identity provider happens before anyone is signed in. They show only the provider's name
# (tests/web/test_oidc_admin.py checks an unknown id is the usual 404).
PUBLIC_WITH_ID = {"oidc.organisation", "oidc.start", "oidc.callback"}


def test_routes_taking_a_record_id_check_a_permission_and_type_it(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for argument, converter in rule._converters.items():
            if argument.endswith("_id"):
                assert type(converter).__name__ == "UUIDConverter", rule.rule
                if rule.endpoint in PUBLIC_WITH_ID:
                    continue
                permission = app.view_functions[rule.endpoint].__permission__
                assert permission not in ("public", "signed_in"), rule.rule



def _sample_arguments(rule) -> dict:
    """A value of the right type for each of the rule's arguments (none names a real record)."""
    from uuid import uuid4

    from werkzeug.routing import AnyConverter, UUIDConverter

    from tests.isolation.arguments import missing_child_ref

    arguments = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, UUIDConverter):
            arguments[name] = uuid4()
        elif isinstance(converter, AnyConverter):
            arguments[name] = sorted(converter.items)[0]
        elif name == "child_ref":
            arguments[name] = missing_child_ref()
        else:
            arguments[name] = converter.to_python("1")
    return arguments


def test_every_permission_check_runs_and_refuses_before_the_view_does_anything(app):
    """A declared ``__permission__`` is not enough: call each view as principals whose roles
    lack its permission (no roles at all, then each role without it) and check the view refuses
    with 403 before it looks anything up. A view whose check was lost (a decorator dropped, an
    attribute set by hand) would run, or answer 404 for the made-up record, and fail here."""
    from uuid import uuid4

    from flask import g
    from werkzeug.exceptions import HTTPException

    from domain.errors import PermissionDenied
    from domain.permissions import PERMISSIONS, Forbidden
    from domain.principal import Principal
    from domain.vocabulary import ROLES

    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        permission = view.__permission__
        if permission not in PERMISSIONS:
            continue  # public or any signed-in user: nothing to refuse
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        for roles in [(), *((role,) for role in ROLES if role not in PERMISSIONS[permission])]:
            principal = Principal(user_id=uuid4(), email="nobody@example.org",
                                  display_name="Nobody", organisation_id=uuid4(),
                                  organisation_kind="authority", organisation_name="Nowhere",
                                  roles=frozenset(roles))
            arguments = _sample_arguments(rule)
            with app.test_request_context(rule.rule, method=method):
                g.principal = principal
                try:
                    view(**arguments)
                except (Forbidden, PermissionDenied):
                    checked += 1
                except HTTPException as error:
                    if error.code == 403:
                        checked += 1
                    else:
                        problems.append(f"{rule.rule} ({rule.endpoint}) for roles {roles}: "
                                        f"{error.code} instead of 403")
                except Exception as error:  # any other outcome is the failure
                    problems.append(f"{rule.rule} ({rule.endpoint}) for roles {roles}: raised "
                                    f"{type(error).__name__} instead of refusing")
                else:
                    problems.append(f"{rule.rule} ({rule.endpoint}) ran for roles {roles}")
    assert problems == []
    assert checked > 0

def test_paths_are_kebab_case(app):
    for rule in app.url_map.iter_rules():
        static_parts = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/\-.]*", static_parts), rule.rule


VIEWS = Path(__file__).resolve().parents[2] / "portal" / "views"
API = Path(__file__).resolve().parents[2] / "portal" / "api"  # the integration API's views
MAX_VIEW_LINES = 25
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
def _route_views() -> dict[str, int]:
    """Every view a blueprint routes (``@bp.route``, ``@bp.get``, ``@bp.post``...), as
    ``module.function``, with its length from ``def`` to its last line (decorators apart)."""
    found = {}
    for path in sorted([*VIEWS.glob("*.py"), *API.glob("*.py")]):
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                    and d.func.attr in ROUTE_DECORATORS for d in node.decorator_list):
                module = f"api.{path.stem}" if path.parent == API else path.stem
                found[f"{module}.{node.name}"] = node.end_lineno - node.lineno + 1
    return found


def test_no_view_is_longer_than_25_lines():
    """Views only translate the request, call one use case or query and render: parsing lives
    in the schemas and forms, use cases in portal/services, shaping for templates in
    presenters."""
    views = _route_views()
    assert len(views) > 100 and "vacancies.search" in views  # the walk found the views
    too_long = sorted(
        f"{name}: {length} lines (at most {MAX_VIEW_LINES})"
        for name, length in views.items()
        if length > MAX_VIEW_LINES)
    assert too_long == []


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
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in first.get_data(as_text=True)
    assert nonce not in second.headers["Content-Security-Policy"]
