"""Optimistic concurrency through forms: a form that edits a record carries the version it was
opened at, and saving over a change made since is refused with "changed by someone else since
you opened it; review and try again", the form shown again with what was typed and the record
as it now is. Sequentially, in threads and in two processes on one SQLite file."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from domain.actor import Actor
from tests.web.form_races import CHANGED_VACANCY, KEY, edit_form, save_in_two_processes
from tests.web.test_version_clashes import all_at_once, publish_one_place, signed_in_clients

VERSION = re.compile(r'name="version" value="(\d+)"')


def unescaped(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def opened(client, vacancy) -> tuple[int, str]:
    """The edit form as opened now: its version and idempotency key."""
    page = client.get(f"/our-vacancies/{vacancy}/edit").text
    return int(VERSION.search(page).group(1)), KEY.search(page).group(1)


def test_saving_over_a_change_made_since_opening_is_refused_and_loses_nothing(
        app, client, provider_user):
    svc = app.extensions["portal"]
    vacancy = publish_one_place(svc, provider_user.organisation_id)
    setting = str(svc.portal.get_vacancy(vacancy).setting_id)
    client.sign_in(provider_user)
    version, key = opened(client, vacancy)
    assert version == 1
    # Someone else changes the fee after this form was opened.
    svc.projections.wait_for(svc.portal.update_vacancy(
        Actor.system(), vacancy, weekly_fee=5555, description="Changed by a colleague"))
    response = client.post_form(f"/our-vacancies/{vacancy}/edit",
                                edit_form(setting, 6100, version, key))
    page = unescaped(response)
    assert response.status_code == 200 and "<title>Error: " in page
    assert CHANGED_VACANCY in page
    assert 'href="#record-as-it-is-now"' in page and 'id="record-as-it-is-now"' in page
    assert "£5,555" in page and "Changed by a colleague" in page  # the vacancy as it is now
    assert 'value="6100"' in page and "Saved with a fee of 6100" in page  # what was typed
    assert VERSION.search(page).group(1) == "2"  # sending it again saves over what was seen
    now = svc.portal.get_vacancy(vacancy)
    assert (now.weekly_fee, now.version) == (5555, 2)

    again = client.post_form(f"/our-vacancies/{vacancy}/edit", edit_form(
        setting, 6100, 2, KEY.search(page).group(1)))
    assert again.status_code == 302
    now = svc.portal.get_vacancy(vacancy)
    assert (now.weekly_fee, now.version) == (6100, 3)  # both changes are in the history


def test_a_status_change_from_a_page_opened_before_a_change_is_refused(
        app, client, provider_user):
    svc = app.extensions["portal"]
    vacancy = publish_one_place(svc, provider_user.organisation_id)
    client.sign_in(provider_user)
    page = client.get(f"/our-vacancies/{vacancy}").text
    version, key = VERSION.search(page).group(1), KEY.search(page).group(1)
    svc.projections.wait_for(svc.portal.update_vacancy(Actor.system(), vacancy,
                                                       weekly_fee=5555))
    response = client.post_form(f"/our-vacancies/{vacancy}/withdraw", {
        "reason": "No longer offered", "version": version, "idempotency_key": key})
    assert response.status_code == 422 and CHANGED_VACANCY in unescaped(response)
    assert svc.portal.get_vacancy(vacancy).status == "available"
    assert VERSION.search(response.text).group(1) == "2"


def test_a_version_that_is_not_a_number_is_refused(app, client, provider_user):
    svc = app.extensions["portal"]
    vacancy = publish_one_place(svc, provider_user.organisation_id)
    client.sign_in(provider_user)
    response = client.post_form(f"/our-vacancies/{vacancy}/withdraw",
                                {"reason": "x", "version": "three"})
    assert response.status_code == 400
    assert svc.portal.get_vacancy(vacancy).status == "available"


def test_five_people_saving_one_form_at_once_one_wins_in_threads(app, client, provider_user):
    svc = app.extensions["portal"]
    vacancy = publish_one_place(svc, provider_user.organisation_id)
    setting = str(svc.portal.get_vacancy(vacancy).setting_id)
    clients, csrf = signed_in_clients(app, client, provider_user, 5)
    responses = all_at_once(5, lambda i: clients[i].post(
        f"/our-vacancies/{vacancy}/edit",
        data={**edit_form(setting, 6000 + i, 1, f"thread-{i}"), "csrf_token": csrf}))
    assert not [r for r in responses if isinstance(r, Exception)]
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {302: 1, 200: 4}, statuses
    for i, response in enumerate(responses):
        if response.status_code == 200:
            page = unescaped(response)
            assert CHANGED_VACANCY in page and f'value="{6000 + i}"' in page
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    now = svc.portal.get_vacancy(vacancy)
    assert (now.version, now.weekly_fee) == (2, 6000 + winner)


def test_two_processes_saving_one_vacancy_at_once(app, provider_user):
    svc = app.extensions["portal"]
    vacancy = publish_one_place(svc, provider_user.organisation_id)
    setting = str(svc.portal.get_vacancy(vacancy).setting_id)
    database = svc.database.url.render_as_string(hide_password=False)
    outcomes = save_in_two_processes(app, provider_user, database,
                                     str(svc.checkpoints.witness_file.parent),  # its keys
                                     str(vacancy), setting, version=1)
    assert sorted((status, told, kept) for _fee, status, told, kept in outcomes) == [
        (200, True, True), (302, False, False)], outcomes
    winner = next(fee for fee, status, *_ in outcomes if status == 302)
    now = svc.portal.get_vacancy(vacancy)
    assert (now.version, now.weekly_fee) == (2, winner)
    assert now.available_from == date(2027, 1, 4)


def test_ending_a_placement_changed_since_the_form_was_opened_is_refused(client, officer):
    from tests.web.test_placement_pages import date_fields, error_text, record

    client.sign_in(officer)
    ref = record(client, "KT-VERSION-1", date(2017, 2, 6))
    end_page = client.get(f"/placements/children/{ref}/end").text
    version, key = VERSION.search(end_page).group(1), KEY.search(end_page).group(1)
    # In another tab, the same record's placement changes (a new episode).
    changed = client.post_form(f"/placements/children/{ref}/change", {
        **date_fields("on", date(2018, 6, 1)), "rne": "P", "reason_place_change": "CARPL",
        "legal_status": "C2", "place": "U4", "place_provider": "PR1", "provider": "in_house",
        "setting_id": "", "placement_area": "", "home_postcode": "ME14 1",
        "weekly_cost": "420", "contract_route": "", "contract_id": ""})
    assert changed.status_code == 302, error_text(changed)
    ended = client.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date(2019, 3, 31)), "rec": "E13", "version": version,
        "idempotency_key": key})
    page = unescaped(ended)
    assert ended.status_code == 200
    assert "This child's placement record has been changed by someone else since you " \
           "opened it; review and try again" in page
    assert 'value="31"' in page and 'value="E13" selected' in page  # what was typed
    assert 'id="record-as-it-is-now"' in page and "U4" in page  # the episode as it now is
    newer = VERSION.search(page).group(1)
    assert int(newer) > int(version)
    again = client.post_form(f"/placements/children/{ref}/end", {
        **date_fields("on", date(2019, 3, 31)), "rec": "E13", "version": newer,
        "idempotency_key": KEY.search(page).group(1)})
    assert again.status_code == 302, error_text(again)


def test_changing_a_home_search_changed_since_the_form_was_opened_is_refused(client, officer):
    from tests.web.test_home_search_pages import draft, search_form

    client.sign_in(officer)
    search_id = draft(client, child_id="KT-VERSION-2")
    edit_page = client.get(f"/home-searches/{search_id}/edit").text
    version, key = VERSION.search(edit_page).group(1), KEY.search(edit_page).group(1)
    theirs = client.post_form(f"/home-searches/{search_id}/edit", search_form(age="15"))
    assert theirs.status_code == 302
    ours = client.post_form(f"/home-searches/{search_id}/edit", {
        **search_form(age="13"), "version": version, "idempotency_key": key})
    page = unescaped(ours)
    assert ours.status_code == 200 and "<title>Error: " in page
    assert "This home search has been changed by someone else since you opened it; review " \
           "and try again" in page
    assert 'id="age"' in page and 'value="13"' in page  # what was typed
    assert 'id="record-as-it-is-now"' in page
    again = client.post_form(f"/home-searches/{search_id}/edit", {
        **search_form(age="13"), "version": VERSION.search(page).group(1),
        "idempotency_key": KEY.search(page).group(1)})
    assert again.status_code == 302
