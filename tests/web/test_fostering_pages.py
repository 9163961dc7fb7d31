"""The in-house fostering pages: an officer records, corrects and imports their own
authority's monthly fostering returns; every error at once; a refused file imports nothing,
its rows listed by line; no other role reaches the pages; the dashboard shows the fostering
sections."""

from __future__ import annotations

import csv
import io
import re

import pytest

from domain.fostering import FIELDS
from portal.imports.fostering import COLUMNS
from tests.conftest import account_for
from tests.fostering_returns import figures

URL = "/fostering/"


@pytest.fixture
def officer(client):
    client.sign_in(account_for("council_officer", "Dorset"))
    return client


def form(month: str | None = "11", year: str = "2026", **changes) -> dict:
    data = {name: str(value) for name, value in figures(**changes).items()}
    if month is not None:
        data.update({"month-month": month, "month-year": year})
    return data


def returns_file(rows: list[tuple[str, dict]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for month, values in rows:
        writer.writerow([month, *[values[name] for name in FIELDS]])
    return out.getvalue().encode()


def upload(client, data: bytes, reason: str = ""):
    return client.post_form(URL + "import", {"file": (io.BytesIO(data), "returns.csv"),
                                             "reason": reason},
                            content_type="multipart/form-data")


def test_the_officer_sees_their_authoritys_demo_returns_and_the_layout(officer):
    page = officer.get(URL).get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">In-house fostering</h1>" in page
    assert "October 2026" in page and "November 2024" in page
    assert "from demo-fostering-returns.csv" in page
    layout = officer.get(URL + "layout.csv")
    assert layout.mimetype == "text/csv"
    header = layout.get_data(as_text=True).splitlines()[0].split(",")
    assert header == list(COLUMNS)


def test_a_bad_return_says_every_problem_at_once_and_stores_nothing(officer):
    response = officer.post_form(URL + "returns/new", form(
        enquiries=-4, assessments=1, approvals=2, households_kinship="ten",
        in_use_short_break=9))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    for message in ("Enquiries cannot be negative",
                    "Households approved cannot be more than the assessments completed in "
                    "the month",
                    "Kinship (connected persons) households must be a whole number",
                    "Short break places in use cannot be more than its approved places"):
        assert message in page
    assert 'value="ten"' in page  # what was typed stays in the form
    assert "November 2026" not in officer.get(URL).get_data(as_text=True)


def test_the_month_is_required_and_a_recorded_month_needs_a_correction(officer):
    page = officer.post_form(URL + "returns/new", form(month=None)).get_data(as_text=True)
    assert "Enter the month the return is for" in page
    page = officer.post_form(URL + "returns/new", form(month="10")).get_data(as_text=True)
    assert "The return for October 2026 is already recorded: correct it" in page


def test_a_month_is_recorded_then_corrected_with_a_reason(officer):
    saved = officer.post_form(URL + "returns/new", form())
    assert saved.status_code == 302 and saved.headers["Location"].endswith(URL)
    page = officer.get(URL).get_data(as_text=True)
    assert "Fostering return for November 2026 saved" in page
    correct = URL + "returns/2026/11/correct"
    shown = officer.get(correct).get_data(as_text=True)
    assert "Correct the fostering return for November 2026" in shown
    assert 'name="households_mainstream" type="text" value="40"' in shown \
        or re.search(r'name="households_mainstream"[^>]*value="40"', shown)
    refused = officer.post_form(correct, form(approvals=1, enquiries=-1)).get_data(as_text=True)
    assert "Enter the reason for the correction" in refused  # with the figures' errors
    assert "Enquiries cannot be negative" in refused
    done = officer.post_form(correct, {**form(approvals=1), "reason": "Panel moved"})
    assert done.status_code == 302
    assert officer.get(URL + "returns/2026/10/correct").status_code == 200
    assert officer.get(URL + "returns/2027/13/correct").status_code == 404
    assert officer.get(URL + "returns/2019/1/correct").status_code == 404


def test_a_file_with_bad_rows_imports_nothing_and_lists_them_by_line(officer):
    bad = returns_file([("2026-11", figures()), ("2026-12", figures(enquiries=-1)),
                        ("13/2026", figures(assessments=0, approvals=1))])
    response = upload(officer, bad)
    page = response.get_data(as_text=True)
    assert "returns.csv: nothing was imported" in page
    assert "Enquiries cannot be negative" in page
    assert "Households approved cannot be more than the assessments" in page
    assert re.search(r">3</td><td[^>]*>ENQUIRIES<", page)
    assert re.search(r">4</td><td[^>]*>MONTH<", page)
    assert "November 2026" not in officer.get(URL).get_data(as_text=True)


def test_a_good_file_imports_and_a_correction_in_it_needs_a_reason(officer):
    good = returns_file([("2026-11", figures()), ("2026-10", figures(approvals=0))])
    page = upload(officer, good).get_data(as_text=True)
    assert "The file changes the return already recorded for October 2026" in page
    assert "November 2026" not in officer.get(URL).get_data(as_text=True)
    page = upload(officer, good, reason="Approvals moved to November").get_data(as_text=True)
    assert "returns.csv: 1 month recorded, 1 corrected, 0 unchanged" in page
    assert "November 2026" in page


def test_no_file_or_a_file_in_another_layout_is_refused(officer):
    page = officer.post_form(URL + "import", {}, content_type="multipart/form-data")
    assert "Select a file of fostering returns (CSV)" in page.get_data(as_text=True)
    page = upload(officer, b"Month,Carers\n2026-11,4\n").get_data(as_text=True)
    assert "is missing the columns" in page and "nothing was imported" in page


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_no_other_role_reaches_the_fostering_pages(client, role):
    client.sign_in(account_for(role))
    for url in (URL, URL + "returns/new", URL + "layout.csv", URL + "returns/2026/10/correct"):
        assert client.get(url).status_code == 403
    assert client.post_form(URL + "returns/new", form()).status_code == 403


def test_the_dashboard_has_the_fostering_sections(officer):
    page = officer.get("/sufficiency/authorities/838").get_data(as_text=True)
    for title in ("In-house foster carers: approved households, places and utilisation",
                  "Foster carer recruitment and retention",
                  "Fostered children: with the authority&#39;s own carers or an agency&#39;s",
                  "Need in three years against local places, and what the pipeline adds"):
        assert title in page
    # Fostering is one of the capacity gap's kinds of home, beside homes and supported
    # accommodation.
    gap = page[page.index('id="capacity-gap"'):]
    assert ">Fostering<" in gap[:gap.index("</table>")]
