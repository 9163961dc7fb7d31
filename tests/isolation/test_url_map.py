"""Proof of isolation, generated from the URL map (ASVS 4.1.1 and 4.2.1; NCSC cloud principle 3).

For every route, every role (every role in the vocabulary, in every kind of organisation it
fits) and every other organisation's record its arguments can name, the response is the page a
missing record gets, and nothing in it (body or headers) is another organisation's data the
viewer may not see. State-changing routes store nothing when they name another organisation's
record. The auditor is refused on every state-changing route and stores nothing.

How each route answers another organisation's record, and why:

- By default (every route not in ``VISIBLE``): exactly as a missing record of the same kind.
  To a role with the route's permission that is 404: the record's existence is secret (a
  council must not learn which children, contracts or imports another council has, nor a
  provider another provider's vacancies). To a role without it, 403, decided before any record
  is looked up, so it says nothing about the record either way.
- The routes in ``VISIBLE`` show records that are shared by design with roles whose grant of
  the route's permission reaches the whole region; to those roles another organisation's
  record of the tags listed there is shown, and only the marker check applies to it. (A role
  granted the same permission for its own organisation only still gets the 404.) Those roles'
  state-changing requests to such records are legitimate changes, so they are not sent here:
  the stateful test exercises them.
- The integration API's operations (``/api/v1``) let in only a key, never a cookie: to every
  signed-in person here they answer 401 and store nothing. Their proof with each
  organisation's own API client is ``test_api_routes.py``.
"""

from __future__ import annotations

import pytest

from domain.permissions import PERMISSIONS, REGION, can, scope_for
from domain.vocabulary import ROLES
from portal.api.blueprint import PUBLIC as PUBLIC_API
from tests.isolation.arguments import check_known, fillings, url_for_rule
from tests.isolation.checks import (
    METHODS,
    STATE_CHANGING,
    first_difference,
    leaked,
    page,
    response_text,
)

# endpoint: (tags of other organisations' records it shows by design, the action whose
# region-wide grant lets a role see them (None: the route's own permission), why)
VISIBLE: dict[str, tuple[frozenset[str], str | None, str]] = {
    "vacancies.detail": (frozenset({"board_vacancy", "held_for_viewer"}), None, (
        "The regional vacancy board shows every available vacancy to the roles that may "
        "search it (vacancies.search); a vacancy held for, or filled by, one of an "
        "authority's home searches stays readable by that authority only; other held, "
        "withdrawn and filled ones answer 404.")),
    "vacancies.ask": (frozenset({"board_vacancy"}), "vacancies.search", (
        "An officer asks the provider of any vacancy on the board for its place "
        "(vacancies.search, region scope) for one of their own authority's home searches; "
        "held, withdrawn and filled vacancies answer 404.")),
    "directory.provider": (frozenset({"provider"}), None, (
        "The directory of providers and their settings is shared with every partner "
        "(directory.view); an authority's id answers 404 like a missing provider.")),
    "admin.provider": (frozenset({"provider"}), None, (
        "Platform administrators register every provider's settings "
        "(organisations.manage, region scope).")),
    **{endpoint: (frozenset({"account"}), None, (
        "Platform administrators manage every organisation's accounts (accounts.manage, "
        "region scope); an organisation's own administrator (own scope) gets 404."))
       for endpoint in ("users.account", "users.change", "second_factor.reset")},
    **{endpoint: (frozenset({"identity provider"}), None, (
        "Platform administrators set up every organisation's single sign-on "
        "(identity_providers.manage, region scope)."))
       for endpoint in ("identity_providers.show", "identity_providers.change",
                        "identity_providers.disable", "identity_providers.enable")},
    **{endpoint: (frozenset({"identity provider"}), None, (
        "An organisation's single sign-on pages are public by design: anyone signing in "
        "chooses their organisation, and the page shows only its sign-in name."))
       for endpoint in ("oidc.organisation", "oidc.start", "oidc.callback")},
    **{endpoint: (frozenset({"tender", "notice"}), "tenders.view", (
        "Providers see every tender open to them, and its notices (tenders.view, region "
        "scope); their own bids and questions only, never another provider's."))
       for endpoint in ("opportunities.show", "opportunities.ask", "opportunities.bid",
                        "opportunities.withdraw", "opportunities.response", "notices.show")},
    **{endpoint: (frozenset({"tender", "document"}), "tenders.view", (
        "A tender's documents are for everyone who may read the tender: providers once it "
        "is open to them (tenders.view, region scope), auditors; councils only in the "
        "lead's partnership (404 otherwise)."))
       for endpoint in ("tender_documents.index", "tender_documents.download")},
    "audit.record": (frozenset({"audit_record"}), None, (
        "Auditors read every record's history (audit.read, region scope); child references "
        "stay pseudonymous.")),
    **{endpoint: (frozenset({"dashboard"}), None, (
        "Another council's or partnership's dashboard shows aggregates only, with counts "
        "below 5 suppressed (sufficiency.view_regional); child-level rows never."))
       for endpoint in ("sufficiency.authority", "sufficiency.authority_csv",
                        "sufficiency.partnership", "sufficiency.partnership_csv")},
}

# Routes about the signed-in person's own session: posting to them signs the client out or
# in, and they name no organisation's record. They are still fetched (GET) and searched.
SESSION_ENDPOINTS: dict[str, str] = {
    "session.sign_in": "signs in as whoever's credentials are given",
    "session.sign_out": "ends the caller's own session (public: a signed-out caller too)",
    "session.sign_out_everywhere": "ends the caller's own sessions on every device",
    "second_factor.verify": "the second step of signing in, for a half-signed-in session",
    "second_factor.recover": "the second step of signing in with a recovery code",
    "second_factor.enrol": "sets up the caller's own authenticator app",
    "second_factor.regenerate": "replaces the caller's own recovery codes",
    "invitations.accept": "accepts an invitation by its link (public, before sign-in)",
    "password_reset.request_link": "asks for a reset link (public, the same reply for anyone)",
    "password_reset.choose": "sets a new password by a reset link (public, before sign-in)",
}


def key_only(rule) -> bool:
    """An integration API operation: a key lets a call in, a cookie session never."""
    return rule.rule.startswith("/api/v1/") and rule.endpoint not in PUBLIC_API


def routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"),
                  key=lambda rule: (rule.rule, rule.endpoint))


def viewers(world) -> list[tuple[str, str]]:
    return [(role, org) for role in ROLES for org in sorted(world.accounts.get(role, {}))]


def send(client, method: str, url: str, token: str):
    if method in STATE_CHANGING:
        return client.open(url, method=method, data={"csrf_token": token})
    return client.open(url, method=method)


def test_every_role_of_the_vocabulary_has_accounts_in_the_world(portal):
    for role in ROLES:
        assert portal.world.accounts.get(role), role


def test_every_route_argument_is_known(portal):
    """A route added with an argument the table does not know fails here, by name."""
    unknown = []
    for rule in routes(portal.app):
        try:
            check_known(rule)
        except AssertionError as error:
            unknown.append(str(error))
    assert unknown == []


def test_every_decision_names_a_route_that_exists(portal):
    endpoints = {rule.endpoint for rule in portal.app.url_map.iter_rules()}
    assert set(VISIBLE) - endpoints == set()
    assert set(SESSION_ENDPOINTS) - endpoints == set()


def test_other_organisations_records_answer_like_missing_ones_and_leak_nothing(portal):
    world, app = portal.world, portal.app
    problems: list[str] = []
    requests = 0
    for rule in routes(app):
        permission = app.view_functions[rule.endpoint].__permission__
        methods = [m for m in METHODS if m in rule.methods]
        if rule.endpoint in SESSION_ENDPOINTS:
            methods = [m for m in methods if m not in STATE_CHANGING]
        for role, org in viewers(world):
            client, token = portal.client(role, org)
            principal = world.principal(role, org)
            tags, action, _why = VISIBLE.get(rule.endpoint, (frozenset(), None, ""))
            action = action or permission
            region_wide = scope_for(principal, action) == REGION \
                if action in PERMISSIONS else True  # public or any signed-in user
            visible_tags = tags if region_wide else frozenset()
            for filled in fillings(rule, world, org):
                visible = filled.other is not None and filled.other.tag in visible_tags
                for method in methods:
                    if visible and method in STATE_CHANGING:
                        continue
                    where = f"{method} {rule.rule} as {role} of {org}"
                    before = portal.position()
                    url = url_for_rule(rule, filled.values)
                    response = send(client, method, url, token)
                    requests += 1
                    shown = leaked(world, principal, org, response_text(response))
                    if shown:
                        problems.append(f"{where} with {filled.other and filled.other.label}: "
                                        f"shows {[m.text for m in shown]}")
                    if _signed_out(response):
                        problems.append(f"{where}: signed the client out")
                        portal.resign(role, org)
                        client, token = portal.client(role, org)
                    if filled.other is None:
                        continue
                    missing = send(client, method, url_for_rule(rule, filled.missing), token)
                    requests += 1
                    shown = leaked(world, principal, org, response_text(missing))
                    if shown:
                        problems.append(f"{where} with a missing {filled.argument}: shows "
                                        f"{[m.text for m in shown]}")
                    if visible:
                        continue
                    permitted = can(principal, permission) if permission in PERMISSIONS else True
                    problems += _same_as_missing(where, filled, response, missing,
                                                 401 if key_only(rule) else
                                                 404 if permitted else 403)
                    if method in STATE_CHANGING and portal.position() != before:
                        problems.append(f"{where} with {filled.other.label}: stored events")
    print(f"\nURL-map isolation: {requests} requests")
    assert problems == [], "\n".join(problems)


def _signed_out(response) -> bool:
    return response.status_code in (301, 302, 303) and \
        response.headers.get("Location", "").startswith("/sign-in")


def _same_as_missing(where: str, filled, response, missing, expected: int) -> list[str]:
    label = filled.other.label
    if (response.status_code, missing.status_code) != (expected, expected):
        return [f"{where} with {label}: answered {response.status_code}, a missing "
                f"{filled.argument} {missing.status_code}, expected {expected} for both"]
    other_page = page(response, filled.values[filled.argument])
    missing_page = page(missing, filled.missing[filled.argument])
    if other_page != missing_page:
        return [f"{where} with {label}: not the page a missing {filled.argument} gets, "
                f"{first_difference(other_page, missing_page)}"]
    return []


@pytest.mark.parametrize("auditor_of", ["A", "X"])
def test_the_auditor_is_refused_on_every_state_changing_route(portal, auditor_of):
    world, app = portal.world, portal.app
    client, token = portal.client("auditor", auditor_of)
    problems: list[str] = []
    checked = 0
    for rule in routes(app):
        if rule.endpoint in SESSION_ENDPOINTS:
            continue
        for method in sorted(STATE_CHANGING & rule.methods):
            for filled in fillings(rule, world, auditor_of):
                for values in filter(None, (filled.values, filled.missing)):
                    before = portal.position()
                    response = send(client, method, url_for_rule(rule, values), token)
                    checked += 1
                    refused = 401 if key_only(rule) else 403
                    if response.status_code != refused:
                        problems.append(f"{method} {url_for_rule(rule, values)}: answered "
                                        f"{response.status_code}, not {refused}")
                    if portal.position() != before:
                        problems.append(f"{method} {url_for_rule(rule, values)}: stored events")
    assert checked > 0
    assert problems == [], "\n".join(problems)
