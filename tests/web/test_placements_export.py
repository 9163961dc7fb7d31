"""A council officer downloads their own authority's placements in the Placements Data
Standard layout; nobody else's, and nobody but an officer."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from domain.actor import Actor
from domain.organisation import authority_id
from portal.cli import main
from projections.placements_standard import FIELDS, GROUPS
from tests.conftest import account_for
from tests.web.cli_fixtures import command_line

CSV_URL = "/placements/export/placements-standard.csv"
JSON_URL = "/placements/export/placements-standard.json"
KENT_CHILD, DORSET_CHILD = "CKENTKENTKEN1", "CDORSETDORSE1"


def place(portal, la_code: str, child_ref: str, place: str, cost: int, postcode: str) -> None:
    portal.start_placement(Actor.system(), authority_id=authority_id(la_code),
                           child_ref=child_ref, birth_month="2011-04", sex="1", uasc=False,
                           on=date(2025, 1, 6), terms=dict(
                               legal_status="C2", place=place, place_provider="PR4",
                               weekly_cost=cost, placement_postcode=postcode))


@pytest.fixture
def placed(demo_services):
    place(demo_services.portal, "886", KENT_CHILD, "K2", 4557, "CT1 2")
    place(demo_services.portal, "838", DORSET_CHILD, "U5", 950, "BH20 4")
    demo_services.projections.catch_up()
    return demo_services


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_an_officer_downloads_their_own_placements_as_csv_and_json(client, placed):
    client.sign_in(account_for("council_officer", "Kent"))
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="placements-standard-886-')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).splitlines()[0] == ",".join(FIELDS)
    kent = rows(response)
    ours = [r for r in kent if r["childId"] == KENT_CHILD]
    assert len(ours) == 1
    assert (ours[0]["totalWeeklyCost"], ours[0]["placementLocation"],
            ours[0]["placementType"], ours[0]["siblingsPlacedTogether"]) == (
        "4557", "CT1", "Residential", "")
    assert DORSET_CHILD not in response.get_data(as_text=True)

    document = client.get(JSON_URL).get_json()
    assert document["version"] == "v2"
    assert len(document["placements"]) == len(kent)
    mine = [p for p in document["placements"]
            if p["PlacementAvailability"]["childId"] == KENT_CHILD]
    assert list(mine[0]) == list(GROUPS)
    assert mine[0]["ActualPlacement"]["totalWeeklyCost"] == 4557


def test_another_authoritys_officer_gets_nothing_of_yours(client, placed):
    client.sign_in(account_for("council_officer", "Dorset"))
    text = client.get(CSV_URL).get_data(as_text=True)
    assert DORSET_CHILD in text and KENT_CHILD not in text
    assert KENT_CHILD not in json.dumps(client.get(JSON_URL).get_json())


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_only_council_officers_may_export(client, placed, role):
    client.sign_in(account_for(role))
    assert client.get(CSV_URL).status_code == 403
    assert client.get(JSON_URL).status_code == 403


def test_signed_out_goes_to_sign_in(client):
    response = client.get(CSV_URL)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_command_line_exports_one_authority(placed, tmp_path, monkeypatch):
    runner = command_line(monkeypatch, placed.database.url.render_as_string(
        hide_password=False), tmp_path)
    out = tmp_path / "dorset.json"
    result = runner.invoke(main, ["export", "placements-standard", "--authority", "838",
                                  "--format", "json", str(out)])
    assert result.exit_code == 0, result.output
    placements = json.loads(out.read_text())["placements"]
    children = {p["PlacementAvailability"]["childId"] for p in placements}
    assert DORSET_CHILD in children and KENT_CHILD not in children
    assert f"{len(placements):,} placements written" in result.output
    result = runner.invoke(main, ["export", "placements-standard", "--authority", "838", "-"])
    assert result.stdout.splitlines()[0] == ",".join(FIELDS)
    unknown = runner.invoke(main, ["export", "placements-standard", "--authority", "999",
                                   str(tmp_path / "x.csv")])
    assert unknown.exit_code == 2
    assert "no partner authority has the DfE LA code '999'" in unknown.output
    assert not (tmp_path / "x.csv").exists()


def test_the_download_links_partial_points_at_both_exports(app):
    from flask import render_template

    with app.test_request_context("/placements/"):
        html = render_template("placements_export/_links.html")
    assert f'href="{CSV_URL}"' in html and f'href="{JSON_URL}"' in html
