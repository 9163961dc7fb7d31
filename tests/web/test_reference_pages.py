"""Platform administrators add postcode districts by CSV: a report of every refused line,
nothing stored from an unusable file, and the added districts used afterwards."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from projections.audit.index import audit_events
from projections.gazetteer import district, district_distance, postcode_districts
from tests.conftest import account_for

URL = "/admin/postcode-districts/"
HEADER = "district,easting,northing,la_ons_code\n"


@pytest.fixture
def admin_client(client):
    client.sign_in(account_for("platform_admin"))
    return client


def upload(client, data: bytes, name: str = "districts.csv", reason: str = ""):
    return client.post_form(URL, {"file": (io.BytesIO(data), name), "reason": reason},
                            content_type="multipart/form-data")


def added_rows(services) -> dict:
    with services.engine.connect() as c:
        return {r.district: r for r in c.execute(sa.select(postcode_districts).where(
            postcode_districts.c.source == "added"))}


def test_the_page_shows_the_shipped_count_and_the_upload_form(admin_client):
    page = admin_client.get(URL).get_data(as_text=True)
    assert "The portal ships 3,078 districts from the ONS postcode directory" in page
    assert 'enctype="multipart/form-data"' in page
    assert "None yet." in page
    assert URL in admin_client.get("/admin/").get_data(as_text=True)


def test_an_upload_adds_good_lines_and_reports_every_refused_one(admin_client, demo_services):
    data = (HEADER + "ME21,577000,155000,E10000016\n"
            + "ME22,five,155000,E10000016\n"
            + "DT1,368000,90000,E06000059\n").encode()
    response = upload(admin_client, data, "kent-new.csv", reason="New estates")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 postcode districts added from kent-new.csv; 1 line not added" in page
    assert "Lines not added" in page
    assert ('<td class="govuk-table__cell govuk-table__cell--numeric">3</td>'
            '<td class="govuk-table__cell">Easting must be a whole number of metres') in page
    assert "Kent (E10000016)" in page and "Dorset (E06000059)" in page
    rows = added_rows(demo_services)
    assert sorted(rows) == ["DT1", "ME21"]
    assert (rows["ME21"].easting, rows["ME21"].la_ons_code) == (577_000, "E10000016")
    # Used afterwards: a postcode in ME21 finds its centroid and authority, and a distance.
    with demo_services.engine.connect() as c:
        me21, dt1 = district(c, "me21 1aa"), district(c, "DT1 1AB")
        assert (me21.la_ons_code, me21.source, dt1.easting) == ("E10000016", "added", 368_000)
        # sqrt(209,000^2 + 65,000^2) = 218,874 m; / 1000 / 1.6093 = 136.0 miles.
        assert district_distance(me21, dt1) == 136.0
        audit = c.execute(sa.select(audit_events).where(
            audit_events.c.event_type == "DistrictsAdded")).one()
    assert audit.summary == "Added 2 postcode districts from kent-new.csv: ME21, DT1"
    assert audit.reason == "New estates"
    assert audit.actor_user_id is not None


@pytest.mark.parametrize(("data", "message"), [
    (b"postcode,east,north,authority\nME21,1,1,E10000016\n",
     "The first line must name the columns district, easting, northing, la_ons_code: "
     "district, easting, northing, la_ons_code are missing"),
    ((HEADER + "ME21,1.5,1,E10000016\nME22,1,north,E10000016\n").encode(),
     "No line of the file could be used"),
    (b"", "The file is empty"),
    ((HEADER + "ME21,577000,155000,E10000016,\u00a3\n").encode("utf-16"),
     "The file is not UTF-8 text"),
    ((HEADER + "ME21,577000,155000,\u00c9\n").encode("latin-1"), "The file is not UTF-8 text"),
])
def test_an_unusable_file_is_refused_whole(admin_client, demo_services, data, message):
    before = demo_services.portal.last_position()
    response = upload(admin_client, data, "bad.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Postcode districts" in page
    assert 'href="#file"' in page and message in page
    assert "Nothing was added" in page
    assert demo_services.portal.last_position() == before
    assert added_rows(demo_services) == {}


def test_every_line_of_an_all_bad_file_is_still_listed(admin_client):
    data = (HEADER + "ME21,1.5,1,E10000016\n\nME22,1,north,E07000110\n").encode()
    page = upload(admin_client, data).get_data(as_text=True)
    assert "2 lines were not added" in page
    assert "E07000110 is a district council" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">4</td>' in page


def test_no_file_is_a_field_error(admin_client):
    response = admin_client.post_form(URL, {"reason": "x"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Choose a CSV file of postcode districts" in page
    assert "<title>Error: " in page


def test_only_platform_administrators_manage_postcode_districts(client):
    for role in ("council_officer", "provider_user", "auditor"):
        client.sign_in(account_for(role))
        assert client.get(URL).status_code == 403
        assert upload(client, (HEADER + "ME21,1,1,E10000016\n").encode()).status_code == 403
        client.post_form("/sign-out")
    assert client.get(URL).status_code == 302  # signed out: to the sign-in page
