"""A council officer downloads their own authority's home searches, offers and outcomes in the
Placements Data Standard layout; nobody else's, and nobody but an officer."""

from __future__ import annotations

import csv
import io
import json

import pytest

from portal.cli import main
from projections.home_searches_standard import CSV_FIELDS
from projections.placements_standard import GROUPS
from tests.conftest import account_for
from tests.web.cli_fixtures import command_line

CSV_URL = "/home-searches/export/home-searches-standard.csv"
JSON_URL = "/home-searches/export/home-searches-standard.json"


def child_refs(services, la_code: str) -> set[str]:
    import sqlalchemy as sa

    from domain.organisation import authority_id
    from projections.home_searches import home_searches

    with services.engine.connect() as c:
        return set(c.execute(sa.select(home_searches.c.child_ref).where(
            home_searches.c.authority_id == authority_id(la_code))).scalars())


def test_an_officer_downloads_their_own_searches_as_csv_and_json(client, demo_services):
    kent, dorset = child_refs(demo_services, "886"), child_refs(demo_services, "838")
    assert kent and dorset
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get("/home-searches/").get_data(as_text=True)
    assert f'href="{CSV_URL}"' in page and f'href="{JSON_URL}"' in page
    response = client.get(CSV_URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="home-searches-standard-886-')
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(CSV_FIELDS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["childId"] for r in rows} == kent
    assert not any(ref in text for ref in dorset)
    document = client.get(JSON_URL).get_json()
    assert document["version"] == "v2" and len(document["homeSearches"]) == len(rows)
    assert list(document["homeSearches"][0]) == [*GROUPS, "HomeSearch", "Offers"]
    assert not any(ref in json.dumps(document) for ref in dorset)


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_only_council_officers_may_export(client, role):
    client.sign_in(account_for(role))
    assert client.get(CSV_URL).status_code == 403
    assert client.get(JSON_URL).status_code == 403


def test_the_command_line_exports_one_authority(demo_services, tmp_path, monkeypatch):
    runner = command_line(monkeypatch, demo_services.database.url.render_as_string(
        hide_password=False), tmp_path)
    out = tmp_path / "dorset.json"
    result = runner.invoke(main, ["export", "home-searches", "--authority", "838",
                                  "--format", "json", str(out)])
    assert result.exit_code == 0, result.output
    searches = json.loads(out.read_text())["homeSearches"]
    children = {s["PlacementAvailability"]["childId"] for s in searches}
    assert children == child_refs(demo_services, "838")
    assert f"{len(searches):,} home searches written" in result.output
    result = runner.invoke(main, ["export", "home-searches", "--authority", "838", "-"])
    assert result.stdout.splitlines()[0] == ",".join(CSV_FIELDS)
    unknown = runner.invoke(main, ["export", "home-searches", "--authority", "999",
                                   str(tmp_path / "x.csv")])
    assert unknown.exit_code == 2 and "no partner authority has the DfE LA code" in unknown.output
