"""The vacancy board's main content (filters and results) and its htmx results are kept
rendered with the dashboard builds (issue 14): the next reader of the same query reads them as
they were rendered, inside the layout rendered for them; a vacancy's event, another query or a
reader of other roles render them again."""

from __future__ import annotations

import pytest

from portal.views import vacancies as views
from tests.conftest import account_for
from tests.web.test_referral_pages import open_vacancy, signed_in

HTMX = {"HX-Request": "true", "HX-Target": "results"}


@pytest.fixture
def rendered(monkeypatch) -> list:
    """Every time the board's content is rendered: whether it was the results alone."""
    found = []
    real = views._board

    def counted(c, query, form, fragment):
        found.append(fragment)
        return real(c, query, form, fragment)

    monkeypatch.setattr(views, "_board", counted)
    return found


def main_content(html: str) -> str:
    return html[html.index('<h1 class="govuk-heading-l">'):html.index('<footer')]


def test_the_board_is_rendered_once_for_readers_of_the_same_query(app, rendered):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    first = kent.get("/vacancies/?sort=fee").get_data(as_text=True)
    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    again = dorset.get("/vacancies/?sort=fee").get_data(as_text=True)
    assert rendered == [False]
    assert main_content(again) == main_content(first)
    assert "Kent placements officer" in first and "Kent placements officer" not in again
    assert "Dorset placements officer" in again


def test_an_htmx_request_gets_the_kept_results_alone(app, rendered):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    page = kent.get("/vacancies/?page=2").get_data(as_text=True)
    partial = kent.get("/vacancies/?page=2", headers=HTMX)
    again = kent.get("/vacancies/?page=2", headers=HTMX).get_data(as_text=True)
    fragment = partial.get_data(as_text=True)
    assert partial.mimetype == "text/html" and "<html" not in fragment
    assert "govuk-service-navigation" not in fragment and 'id="results-heading"' in fragment
    assert again == fragment and fragment.split('id="results-heading"')[1] in page
    assert rendered == [False, True]


def test_a_new_vacancy_is_never_answered_with_the_board_kept_before_it(app, rendered):
    provider = account_for("provider_user")
    kent = signed_in(app, account_for("council_officer", "Kent"))
    before = kent.get("/vacancies/?sort=-fee").get_data(as_text=True)
    kent.get("/vacancies/?sort=-fee", headers=HTMX)
    vacancy, _ = open_vacancy(app, provider)
    after = kent.get("/vacancies/?sort=newest").get_data(as_text=True)
    assert vacancy not in before and vacancy in after
    partial = kent.get("/vacancies/?sort=newest", headers=HTMX).get_data(as_text=True)
    assert vacancy in partial and rendered == [False, True, False, True]


def test_readers_of_other_roles_get_their_own_board(app, rendered):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    officers = kent.get("/vacancies/").get_data(as_text=True)
    auditor = signed_in(app, account_for("auditor"))
    audited = auditor.get("/vacancies/").get_data(as_text=True)
    assert rendered == [False, False]
    # Only an officer may save a search of the board.
    assert "Save this search" in officers and "Save this search" not in audited


def test_a_query_beyond_the_filters_is_rendered_but_not_kept(app, rendered):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    for _ in range(2):
        kent.get("/vacancies/?utm_source=mail")
    assert rendered == [False, False]
