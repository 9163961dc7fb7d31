"""The Ofsted register upload page: administrators only; what an import changed, the rows a
refused file cannot read, URNs the directory lacks; judgements on the board (with its "Good or
better" filter), a vacancy's page and the directory."""

from __future__ import annotations

import io
import re

import pytest

from portal.demo.ofsted import SAMPLE
from tests.conftest import account_for
from tests.ofsted_files import register_text, row

URL = "/admin/ofsted-register/"


@pytest.fixture
def admin_client(client):
    client.sign_in(account_for("platform_admin"))
    return client


def upload(client, data: bytes, name: str = "register.csv"):
    return client.post_form(URL, {"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")


def test_the_page_is_for_platform_administrators_only(client):
    client.sign_in(account_for("council_officer"))
    assert client.get(URL).status_code == 403
    assert upload(client, SAMPLE.read_bytes()).status_code == 403


def test_provider_users_and_auditors_cannot_import_either(client):
    for role in ("provider_user", "auditor"):
        client.sign_in(account_for(role))
        assert client.get(URL).status_code == 403
        assert upload(client, SAMPLE.read_bytes()).status_code == 403


def test_the_demo_sample_imports_and_again_changes_nothing(admin_client):
    page = admin_client.get(URL).get_data(as_text=True)
    assert "The portal holds 337 registrations" in page
    assert "1 setting of the directory has no registration in it" in page
    first = upload(admin_client, SAMPLE.read_bytes(), "ofsted_register.csv")
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    # The demo loader imported the sample already: nothing changes, two candidates offered.
    assert "339 rows read: 337 match a setting of the directory, 2 do not." in text
    assert "0 registrations changed (0 new facts); 337 unchanged." in text
    assert "SC899001" in text and "Sorrel Barn" in text and "Not in the directory" in text


def test_a_changed_judgement_is_imported(admin_client):
    sample = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, first = sample[0], sample[1].split(",")
    first[10], first[11], first[12] = "02/09/2026", "30/09/2026", "4"
    response = upload(admin_client, "\n".join([header, ",".join(first)]).encode())
    text = response.get_data(as_text=True)
    assert "1 registration changed (1 new fact)" in text


def test_a_file_with_bad_rows_is_refused_row_by_row(admin_client):
    data = register_text([row("SC900001"), row("SC12", judgement="8"),
                          row("SC900002", inspected="2025-13-01")]).encode()
    response = upload(admin_client, data)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.count("Error: ") >= 1 or "There is a problem" in text
    assert "nothing was imported. 2 rows cannot be read" in text
    assert re.search(r">3</td><td class=\"govuk-table__cell\">URN</td>", text)
    assert "must be Ofsted&#39;s code 1 (Outstanding)" in text
    assert re.search(r">4</td><td class=\"govuk-table__cell\">Inspection date</td>", text)


def test_a_file_with_the_wrong_columns_is_refused(admin_client):
    response = upload(admin_client, b"URN,Name\nSC900001,Somewhere\n")
    text = response.get_data(as_text=True)
    assert "is not in the layout of Ofsted&#39;s register" in text
    assert "nothing was imported" in text


def test_no_file_is_a_field_error(admin_client):
    response = admin_client.post_form(URL, {}, content_type="multipart/form-data")
    assert "Select Ofsted&#39;s register as a CSV file" in response.get_data(as_text=True)


def test_the_board_shows_judgements_and_filters_good_or_better(client):
    client.sign_in(account_for("council_officer"))
    everything = client.get("/vacancies/").get_data(as_text=True)
    good = client.get("/vacancies/?quality=good_or_better").get_data(as_text=True)
    assert "Ofsted" in everything
    total = int(re.search(r"([\d,]+) vacanc", everything).group(1).replace(",", ""))
    shown = int(re.search(r"([\d,]+) vacanc", good).group(1).replace(",", ""))
    assert 0 < shown < total
    judged = re.findall(r'data-judgement="(\w+)"', good)
    assert judged and set(judged) <= {"outstanding", "good"}
    assert "requires_improvement" in re.findall(r'data-judgement="(\w+)"', everything) or \
        "inadequate" in re.findall(r'data-judgement="(\w+)"', everything)


def test_a_vacancy_page_and_the_directory_show_the_judgement_and_its_date(client):
    client.sign_in(account_for("council_officer"))
    board = client.get("/vacancies/").get_data(as_text=True)
    link = re.search(r'href="(/vacancies/[0-9a-f-]{36})"', board).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Ofsted judgement" in page
    assert re.search(r"(Outstanding|Good|Requires improvement to be good|Inadequate)", page)
    assert re.search(r"inspected \d{1,2} \w+ 20\d\d", page)
    directory = client.get("/directory/").get_data(as_text=True)
    provider = re.search(r'href="(/directory/providers/[0-9a-f-]{36})"', directory).group(1)
    settings_page = client.get(provider).get_data(as_text=True)
    assert re.search(r"inspected \d{1,2} \w+ 20\d\d", settings_page)


def test_a_candidate_is_added_as_a_setting_from_its_link_and_imported_next_time(
        admin_client):
    text = upload(admin_client, SAMPLE.read_bytes()).get_data(as_text=True)
    link = re.search(r'href="(/admin/providers/[0-9a-f-]{36}\?[^"]*ofsted_urn=SC899001[^"]*)"',
                     text).group(1).replace("&amp;", "&")
    page = admin_client.get(link).get_data(as_text=True)
    assert "Moorlark Homes Ltd" in page
    assert 'value="Sorrel Barn"' in page and 'value="SC899001"' in page
    assert re.search(r'<option value="childrens_home" selected>', page)
    form = dict(re.findall(r'name="(name|registered_places|ofsted_urn)"[^>]*value="([^"]*)"',
                           page))
    host = re.search(r'<option value="([0-9a-f-]{36})" selected>Dorset', page).group(1)
    added = admin_client.post_form(link.split("?")[0], {
        **form, "setting_type": "childrens_home", "host_authority_id": host,
        "postcode_district": "DT1"})
    assert added.status_code == 302
    again = upload(admin_client, SAMPLE.read_bytes()).get_data(as_text=True)
    assert "338 match a setting of the directory, 1 does not." in again
    assert "1 registration changed (5 new facts); 337 unchanged." in again
