"""Property-based tests of the integration API against its own live OpenAPI description
(schemathesis): at least 100 generated requests per operation, each sent with a valid key of an
organisation whose roles allow the operation. No answer is a 5xx, and every answer's status,
content type, headers and body match what the description says.

A generated body the domain refuses (a setting that is not the provider's, a code not valid in
its year) is a documented 422 problem; a generated If-Match is a documented 412.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import account_for
from tests.web.api_fixtures import key_for

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def api_keys(demo_services) -> dict[str, str]:
    provider = account_for("provider_user")
    officer = account_for("council_officer", "Kent")
    return {"provider": key_for(demo_services, provider.organisation_id, ["provider_user"])[1],
            "council": key_for(demo_services, officer.organisation_id, ["council_officer"])[1]}


@pytest.fixture
def api_schema(app):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_description_is_served_and_names_every_operation(client):
    description = client.get("/api/v1/openapi.json").get_json()
    assert description["openapi"].startswith("3.")
    operations = {op["operationId"] for path in description["paths"].values()
                  for op in path.values()}
    assert operations == {
        "vacancies", "publish_vacancy", "vacancy", "update_vacancy", "withdraw_vacancy",
        "vacancy_board", "placements", "start_placement", "placement", "change_placement",
        "end_placement"}


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_never_a_5xx(case, api_keys):
    path = case.operation.path
    who = "provider" if path.startswith("/vacancies") else "council"
    case.call_and_validate(headers={"Authorization": f"Bearer {api_keys[who]}"},
                           checks=CHECKS)
