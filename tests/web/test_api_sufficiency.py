"""The integration API's sufficiency figures: the dashboards' own measures, a council's own
authority in full, every other view as aggregates with the pages' disclosure control (the same
hidden cells as the page), never a child-level row."""

from __future__ import annotations

from datetime import date

from domain.principal import Principal
from projections.sufficiency.dashboard import build_dashboard, filters_from
from projections.sufficiency.scope import resolve_scope
from projections.sufficiency.tables import HIDDEN


def _views(api) -> dict:
    response = api.get("/sufficiency")
    assert response.status_code == 200, response.get_json()
    return {(v["kind"], v["key"]): v for v in response.get_json()["items"]}


def test_a_council_reads_its_own_authority_in_full_and_others_suppressed(council_api):
    views = _views(council_api)
    own = [v for v in views.values() if v["in_full"]]
    assert [(v["kind"], v["key"]) for v in own] == [("authority", "886")]
    assert ("region", "region") in views
    mine = council_api.get("/sufficiency/authorities/886").get_json()
    assert mine["scope"]["in_full"] is True
    assert not any(t["suppressed"] for t in mine["tables"])
    other_code = next(k for (kind, k), v in views.items()
                      if kind == "authority" and not v["in_full"])
    other = council_api.get(f"/sufficiency/authorities/{other_code}").get_json()
    assert other["scope"]["in_full"] is False
    assert all(t["suppressed"] for t in other["tables"] if t["rows"])
    assert other["filters"]["on"].endswith(("-28", "-29", "-30", "-31"))  # a month end


def test_the_region_hides_the_cells_the_page_hides(council_api):
    answer = council_api.get("/sufficiency/region", query_string={"on": "2025-03-31"})
    assert answer.status_code == 200, answer.get_json()
    tables = {t["key"]: t for t in answer.get_json()["tables"]}
    services = council_api.services
    with services.engine.connect() as c:
        principal = Principal(user_id=council_api.client_id, email="", display_name="",
                              organisation_id=council_api.organisation_id,
                              organisation_kind="authority", organisation_name="",
                              roles=frozenset({"council_officer"}),
                              client_id=council_api.client_id)
        scope = resolve_scope(principal, c, "region", None)
        choice = filters_from({"on": "2025-03-31"}, date.today(), scope)
        page_tables = build_dashboard(principal, c, scope, choice.filters)
    hidden_somewhere = False
    for table in page_tables:
        ours = tables[table.key]
        for row, theirs in zip(table.rows, ours["rows"], strict=True):
            for column in table.columns:
                hidden = row.get(column.key) == HIDDEN
                assert (theirs[column.key] == "c") == hidden, (table.key, column.key)
                hidden_somewhere |= hidden
    assert hidden_somewhere  # the demo region has small counts to hide


def test_bad_filters_are_named_and_a_provider_reads_aggregates_only(council_api, provider_api):
    wrong = council_api.get("/sufficiency/region", query_string={
        "on": "2999-01-01", "type": "castles"})
    assert wrong.status_code == 400
    assert {e["field"] for e in wrong.get_json()["errors"]} == {"type"}
    future = council_api.get("/sufficiency/region", query_string={"on": "2999-01-01"})
    assert future.status_code == 400
    assert future.get_json()["errors"][0]["field"] == "on"
    views = _views(provider_api)
    assert views and not any(v["in_full"] for v in views.values())
    kent = provider_api.get("/sufficiency/authorities/886").get_json()
    assert kent["scope"]["in_full"] is False
    assert provider_api.get("/sufficiency/authorities/999").status_code == 404
    assert provider_api.get("/sufficiency/partnerships/no-such").status_code == 404

