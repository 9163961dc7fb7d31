"""Proof of isolation for the integration API, generated from the URL map: every API operation,
called by the API client of every authority and provider with every other organisation's record
its arguments can name, answers exactly as for a missing record (404 to a client whose roles
allow the operation, 403, decided before any look-up, to one whose roles do not), shows none of
another organisation's markers in its body or headers, and stores nothing.

A client's principal is built from its key alone, with the same permission table and tenancy as
a person of its organisation with its role (``world.may_see`` decides what it may be shown).
"""

from __future__ import annotations

from domain.permissions import REGION, can, scope_for
from domain.principal import Principal
from tests.isolation.arguments import fillings, url_for_rule
from tests.isolation.checks import (
    METHODS,
    STATE_CHANGING,
    first_difference,
    leaked,
    page,
    response_text,
)
from tests.isolation.test_url_map import key_only, routes
from tests.isolation.world import ORGANISATION_KINDS, World, api_client_role

# A body and an If-Match each state-changing operation is sent (the record is looked up first,
# so another organisation's answers 404 whatever the body says).
BODY = {"reason": "isolation"}
IF_MATCH = '"1"'

# endpoint: (tags of other organisations' records it shows by design to a client whose roles
# grant the action region-wide (None: the operation's own permission), why), as
# tests/isolation/test_url_map.py VISIBLE. Such a record is read, never changed, by this proof.
VISIBLE: dict[str, tuple[frozenset[str], str | None, str]] = {
    **{endpoint: (frozenset({"dashboard"}), None, (
        "Another council's or partnership's measures are aggregates only, with the pages' "
        "disclosure control (sufficiency.view_regional); child-level rows never."))
       for endpoint in ("api.sufficiency_authority", "api.sufficiency_partnership")},
    **{endpoint: (frozenset({"tender"}), "tenders.view", (
        "Providers read every tender open to them (tenders.view, region scope) and their own "
        "answers and bids on it, never another provider's; councils only their "
        "partnership's (404 otherwise)."))
       for endpoint in ("api.tender", "api.own_answers", "api.engagement_response",
                        "api.submit_bid", "api.withdraw_bid")},
}


def client_principal(world: World, org: str) -> Principal:
    return Principal(user_id=world.api_clients[org], email="", display_name="",
                     organisation_id=world.organisations[org],
                     organisation_kind=ORGANISATION_KINDS[org], organisation_name="",
                     roles=frozenset({api_client_role(org)}), client_id=world.api_clients[org])


def call(http, key: str, method: str, url: str):
    headers = {"Authorization": f"Bearer {key}", "If-Match": IF_MATCH}
    if method in STATE_CHANGING:
        return http.open(url, method=method, json=BODY, headers=headers)
    return http.open(url, method=method, headers=headers)


def test_every_api_operation_is_known_to_this_proof(portal):
    api_rules = [rule for rule in routes(portal.app) if key_only(rule)]
    assert len(api_rules) >= 7
    assert {"api.vacancy", "api.update_vacancy", "api.placement", "api.end_placement"} <= {
        rule.endpoint for rule in api_rules}


def test_other_organisations_records_answer_like_missing_ones_through_the_api(portal):
    world, app = portal.world, portal.app
    http = app.test_client()
    problems: list[str] = []
    requests = 0
    for rule in (r for r in routes(app) if key_only(r)):
        permission = app.view_functions[rule.endpoint].__permission__
        for org in sorted(world.api_keys):
            key, principal = world.api_keys[org], client_principal(world, org)
            expected = 404 if can(principal, permission) else 403
            tags, action, _why = VISIBLE.get(rule.endpoint, (frozenset(), None, ""))
            if scope_for(principal, action or permission) != REGION:
                tags = frozenset()
            for filled in fillings(rule, world, org):
                visible = filled.other is not None and filled.other.tag in tags
                for method in (m for m in METHODS if m in rule.methods):
                    if visible and method in STATE_CHANGING:
                        continue
                    where = f"{method} {rule.rule} as the API client of {org}"
                    before = portal.position()
                    response = call(http, key, method, url_for_rule(rule, filled.values))
                    requests += 1
                    shown = leaked(world, principal, org, response_text(response))
                    if shown:
                        problems.append(f"{where}: shows {[m.text for m in shown]}")
                    if response.status_code >= 500:
                        problems.append(f"{where}: answered {response.status_code}")
                    if filled.other is None or visible:
                        continue
                    missing = call(http, key, method, url_for_rule(rule, filled.missing))
                    requests += 1
                    problems += _same_as_missing(where, filled, response, missing, expected)
                    if method in STATE_CHANGING and portal.position() != before:
                        problems.append(f"{where} with {filled.other.label}: stored events")
    print(f"\nAPI isolation: {requests} requests")
    assert requests > 0
    assert problems == [], "\n".join(problems)


def _same_as_missing(where, filled, response, missing, expected: int) -> list[str]:
    label = filled.other.label
    if (response.status_code, missing.status_code) != (expected, expected):
        return [f"{where} with {label}: answered {response.status_code}, a missing "
                f"{filled.argument} {missing.status_code}, expected {expected} for both"]
    other_page = page(response, filled.values[filled.argument])
    missing_page = page(missing, filled.missing[filled.argument])
    if other_page != missing_page:
        return [f"{where} with {label}: not the answer a missing {filled.argument} gets, "
                f"{first_difference(other_page, missing_page)}"]
    return []


def test_own_records_are_reachable_through_the_api(portal):
    """The proof above is not vacuous: each client reads its own records."""
    world, http = portal.world, portal.app.test_client()
    for org, vacancy_path in (("P", "/api/v1/vacancies"), ("A", "/api/v1/placements")):
        response = http.get(vacancy_path, query_string={"status": "all"} if org == "A" else {},
                            headers={"Authorization": f"Bearer {world.api_keys[org]}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["items"], org
