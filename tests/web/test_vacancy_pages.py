"""Vacancies through the real views: the board for councils, publishing for providers."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from portal.demo import region
from tests.conftest import DEMO_TODAY

VACANCY_LINK = re.compile(r'href="/vacancies/([0-9a-f-]{36})"')


def results_count(page: str) -> int:
    match = re.search(r'id="results-heading"[^>]*>\s*([\d,]+) vacanc', page)
    return int(match.group(1).replace(",", ""))


def test_the_board_shows_every_available_demo_vacancy(client, officer):
    client.sign_in(officer)
    page = client.get("/vacancies/").get_data(as_text=True)
    assert results_count(page) == len(region.VACANCIES)
    assert "Showing 1 to 20 of 78." in page


def test_filters_narrow_the_results_and_agree_with_the_data(client, officer):
    client.sign_in(officer)
    expected = [v for v in region.VACANCIES
                if v.age_from <= 12 <= v.age_to and v.weekly_fee <= 5000]
    page = client.get("/vacancies/?age=12&max_weekly_fee=5000").get_data(as_text=True)
    assert results_count(page) == len(expected) > 0

    kent_homes = [v for v in region.VACANCIES if _setting(v).host_la_code == "886"
                  and _setting(v).setting_type == "childrens_home"]
    kent = _authority_id("886")
    page = client.get(f"/vacancies/?setting_type=childrens_home&area=authority:{kent}"
                      ).get_data(as_text=True)
    assert results_count(page) == len(kent_homes) > 0

    peninsula = {a.la_code for a in region.AUTHORITIES if "Peninsula" in a.partnerships}
    in_peninsula = [v for v in region.VACANCIES if _setting(v).host_la_code in peninsula]
    page = client.get("/vacancies/?area=partnership:Peninsula").get_data(as_text=True)
    assert results_count(page) == len(in_peninsula) > 0

    with_needs = [v for v in region.VACANCIES
                  if {"disability", "complex_needs"} <= set(v.needs_met)]
    page = client.get("/vacancies/?needs=disability&needs=complex_needs").get_data(as_text=True)
    assert results_count(page) == len(with_needs)

    soon = [v for v in region.VACANCIES if v.available_in_days <= 10]
    by = DEMO_TODAY + timedelta(days=10)
    page = client.get(f"/vacancies/?available_by-day={by.day}&available_by-month={by.month}"
                      f"&available_by-year={by.year}").get_data(as_text=True)
    assert results_count(page) == len(soon) > 0


def test_blank_filters_as_a_plain_form_sends_them_are_ignored(client, officer):
    client.sign_in(officer)
    response = client.get("/vacancies/?setting_type=&area=&age=&max_weekly_fee="
                          "&available_by-day=&available_by-month=&available_by-year="
                          "&sort=&page=")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be used" not in page
    assert results_count(page) == len(region.VACANCIES)


def test_sorting_by_fee_orders_the_rows(client, officer):
    client.sign_in(officer)
    page = client.get("/vacancies/?sort=-fee").get_data(as_text=True)
    fees = [int(f.replace(",", "")) for f in re.findall(r"numeric\">£([\d,]+)</td>", page)]
    assert fees == sorted(fees, reverse=True)
    assert fees[0] == max(v.weekly_fee for v in region.VACANCIES)


def test_paging_walks_every_row_once(client, officer):
    client.sign_in(officer)
    seen = []
    for number in (1, 2, 3, 4):
        seen += VACANCY_LINK.findall(client.get(f"/vacancies/?page={number}").get_data(
            as_text=True))
    assert len(seen) == len(set(seen)) == len(region.VACANCIES)
    # A page past the end shows the last page rather than nothing.
    last = client.get("/vacancies/?page=999").get_data(as_text=True)
    assert "Showing 61 to 78 of 78." in last


def test_htmx_gets_only_the_results_fragment(client, officer):
    client.sign_in(officer)
    response = client.get("/vacancies/?age=12", headers={"HX-Request": "true",
                                                         "HX-Target": "results"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment
    assert "<h1" not in fragment
    assert 'id="results-heading"' in fragment
    # The page's permanent status region is updated out of band, so the count is announced.
    assert 'id="results-status"' in fragment and 'hx-swap-oob="true"' in fragment
    full = client.get("/vacancies/?age=12").get_data(as_text=True)
    assert results_count(full) == results_count(fragment)


@pytest.mark.parametrize(("query", "message"), [
    ("age=abc", "Age must be a whole number"),
    ("age=99", "Age must be between 0 and 25"),
    ("max_weekly_fee=-1", "Maximum weekly fee must be between £1 and £50,000"),
    ("setting_type=castle", "Choose a setting type from the list"),
    ("area=somewhere", "Choose an area from the list"),
    ("area=authority:not-a-uuid", "Choose an area from the list"),
    ("available_by-day=30&available_by-month=2&available_by-year=2027",
     "Available by must be a real date"),
    ("available_by-day=3&available_by-year=2027", "Available by must include a day, month"),
    ("needs=telepathy", "Choose needs from the list"),
    ("sort=random", "Choose a sort order"),
    ("page=x", "Page must be a whole number"),
])
def test_bad_filters_get_a_clear_message_not_an_error(client, officer, query, message):
    client.sign_in(officer)
    response = client.get(f"/vacancies/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert results_count(page) == len(region.VACANCIES)  # the bad filter is left out


def test_vacancy_detail_and_unknown_vacancy(client, officer):
    client.sign_in(officer)
    vacancy_id = VACANCY_LINK.search(client.get("/vacancies/").get_data(as_text=True)).group(1)
    page = client.get(f"/vacancies/{vacancy_id}").get_data(as_text=True)
    assert "Weekly fee" in page
    assert "excluding VAT" in page
    assert client.get(f"/vacancies/{uuid.uuid4()}").status_code == 404
    assert client.get("/vacancies/not-a-uuid").status_code == 404


def test_the_board_is_for_councils_not_providers(client, provider_user):
    client.sign_in(provider_user)
    assert client.get("/vacancies/").status_code == 403
    assert client.get("/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/vacancies/?age=3")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def _setting(fact):
    provider = next(p for p in region.PROVIDERS if p.name == fact.provider_name)
    return next(s for s in provider.settings if s.name == fact.setting_name)


def _authority_id(la_code):
    from domain.organisation import authority_id

    return authority_id(la_code)


def test_events_stored_by_another_process_show_without_a_write_here(app, client, officer):
    from datetime import date

    from domain.actor import Actor
    from portal.bootstrap import bootstrap

    client.sign_in(officer)
    before = results_count(client.get("/vacancies/").get_data(as_text=True))
    other = bootstrap(app.extensions["portal"].database.url.render_as_string(False))
    try:
        fact = region.VACANCIES[0]
        from domain.organisation import setting_id
        from portal.demo.loader import provider_id

        pid = provider_id(fact.provider_name)
        other.portal.publish_vacancy(
            Actor.system(), provider_id=pid, setting_id=setting_id(pid, fact.setting_name),
            age_from=fact.age_from, age_to=fact.age_to, needs_met=[], weekly_fee=999,
            available_from=date(2027, 1, 1), expires_on=None, description="")
    finally:
        other.close()
    assert results_count(client.get("/vacancies/").get_data(as_text=True)) == before + 1


def test_the_board_downloads_every_matching_vacancy_as_csv(client, officer):
    import csv
    import io

    client.sign_in(officer)
    page = client.get("/vacancies/?age=12&sort=-fee").get_data(as_text=True)
    assert 'href="/vacancies/results.csv?age=12&amp;sort=-fee"' in page
    response = client.get("/vacancies/results.csv?age=12&sort=-fee")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    # Every matching row, not one page of them; the page's order; ages that take a 12-year-old.
    assert len(rows) == results_count(page) > 20
    fees = [int(r["Weekly fee (£)"]) for r in rows]
    assert fees == sorted(fees, reverse=True)
    assert all(int(r["Youngest age"]) <= 12 <= int(r["Oldest age"]) for r in rows)
    assert all(r["Setting type"] and r["Provider"] and r["Available from"] for r in rows)
    everything = client.get("/vacancies/results.csv").get_data(as_text=True)
    assert everything.count("\r\n") - 1 == results_count(client.get("/vacancies/").get_data(
        as_text=True))


def test_the_board_download_is_for_councils_and_neutralises_formulas(app, client, officer,
                                                                     provider_user):
    from projections.directory import settings
    from projections.vacancies import vacancy_board

    client.sign_in(provider_user)
    assert client.get("/vacancies/results.csv").status_code == 403
    client.post_form("/sign-out")
    svc = app.extensions["portal"]
    with svc.engine.begin() as c:  # a setting named like a formula (as a provider could type)
        some = c.execute(vacancy_board.select().limit(1)).mappings().first()
        c.execute(settings.update().where(settings.c.id == some["setting_id"])
                  .values(name="=HYPERLINK(\"http://x\")"))
    client.sign_in(officer)
    text = client.get("/vacancies/results.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_pages_print_without_navigation_or_expanded_links(client):
    css = client.get("/static/app/app.css").get_data(as_text=True)
    print_rules = css[css.index("@media print"):]
    for selector in (".govuk-service-navigation", ".govuk-footer", ".govuk-pagination"):
        assert selector in print_rules.split("display: none")[0], selector
    assert "[href].govuk-link::after" in print_rules and "content: none" in print_rules
