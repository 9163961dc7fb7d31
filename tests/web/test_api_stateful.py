"""The OpenAPI links between the integration API's operations: an answer naming a record (its
id, and its ETag into If-Match) links to the operations on that record (publish, read, change,
withdraw a vacancy; start, change, end a placement; draft, change, send, close a home search;
read, offer on or decline a referral; answer a tender, bid and withdraw the bid), as
schemathesis' stateful runs (tests/web/test_api_schemathesis.py) and client generators read
them."""

from __future__ import annotations


def _links(description: dict) -> list[tuple[dict, dict]]:
    return [(op, link) for path in description["paths"].values() for op in path.values()
            for answer in op["responses"].values()
            for link in answer.get("links", {}).values()]


def test_the_description_links_records_to_the_operations_on_them(client):
    description = client.get("/api/v1/openapi.json").get_json()
    pairs = {(op["operationId"], link["operationId"]) for op, link in _links(description)}
    assert {("publish_vacancy", "update_vacancy"), ("start_placement", "end_placement"),
            ("draft_home_search", "send_home_search"), ("home_search", "accept_offer"),
            ("send_home_search", "close_to_offers"), ("referral", "make_offer"),
            ("make_offer", "referral"), ("tender", "engagement_response"),
            ("submit_bid", "withdraw_bid")} <= pairs


def test_every_link_names_a_real_operation_and_its_parameters(client):
    description = client.get("/api/v1/openapi.json").get_json()
    operations = {op["operationId"]: op for path in description["paths"].values()
                  for op in path.values()}
    for source, link in _links(description):
        target = operations[link["operationId"]]
        names = {(p["in"], p["name"]) for p in target["parameters"]}
        for parameter, expression in link["parameters"].items():
            where, _, name = parameter.rpartition(".")
            assert ((where or "path"), name) in names, (source["operationId"], parameter)
            if expression.startswith("$request.path."):
                own = {p["name"] for p in source["parameters"] if p["in"] == "path"}
                assert expression.removeprefix("$request.path.") in own
            elif expression.startswith("$response.body#/"):
                body = source["responses"][next(s for s in source["responses"]
                                                if s.startswith("2"))]
                schema = body["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
                field = expression.removeprefix("$response.body#/")
                assert field in description["components"]["schemas"][schema]["properties"]
            else:
                assert expression == "$response.header.ETag"

