"""A provider publishes and manages its own vacancies; nobody else can touch them."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from projections.directory import settings as settings_table
from projections.vacancies import provider_vacancies

OWN_LINK = re.compile(r'href="/our-vacancies/([0-9a-f-]{36})"')


def own_setting_ids(app, organisation_name):
    from projections.directory import organisations

    engine = app.extensions["portal"].engine
    with engine.connect() as c:
        provider = c.execute(sa.select(organisations.c.id).where(
            organisations.c.name == organisation_name)).scalar_one()
        rows = c.execute(sa.select(settings_table.c.id, settings_table.c.setting_type)
                         .where(settings_table.c.provider_id == provider)).all()
        return provider, list(rows)


def a_home(settings):
    return next(s for s, kind in settings if kind == "childrens_home")


def vacancy_form(setting, **overrides):
    form = {"setting_id": str(setting), "age_from": "9", "age_to": "15",
            "needs_met": ["disability", "education_on_site"], "weekly_fee": "4321", "places": "1",
            "available_from-day": "4", "available_from-month": "1",
            "available_from-year": "2027", "description": "A calm home near the sea"}
    form.update(overrides)
    return form


def vacancy_count(app) -> int:
    with app.extensions["portal"].engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(provider_vacancies)).scalar_one()


def publish(client, app, provider_user):
    _, settings = own_setting_ids(app, provider_user.organisation)
    # Optional fields left blank, as a person would leave them.
    response = client.post_form("/our-vacancies/new", vacancy_form(
        a_home(settings), **{"expires_on-day": "", "expires_on-month": "",
                             "expires_on-year": ""}))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def test_publish_shows_the_new_vacancy_at_once(client, app, provider_user, officer):
    client.sign_in(provider_user)
    assert client.get("/our-vacancies/new").status_code == 200
    vacancy_id = publish(client, app, provider_user)
    page = client.get(f"/our-vacancies/{vacancy_id}").get_data(as_text=True)
    assert "Vacancy published" in page
    assert "£4,321" in page
    assert "Education on site" in page
    assert "4 January 2027" in page
    # A council officer finds it on the board straight away.
    client.post_form("/sign-out")
    client.sign_in(officer)
    board = client.get("/vacancies/?max_weekly_fee=4321&age=10").get_data(as_text=True)
    assert f"/vacancies/{vacancy_id}" in board


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"setting_id": ""}, "setting_id", "Choose the setting"),
    ({"age_from": ""}, "age_from", "Enter youngest age"),
    ({"age_from": "x"}, "age_from", "Youngest age must be a whole number"),
    ({"age_from": "16", "age_to": "10"}, "age_from", "Youngest age must not be more than"),
    ({"age_to": "40"}, "age_to", "Oldest age must be between 0 and 25"),
    ({"weekly_fee": ""}, "weekly_fee", "Enter weekly fee"),
    ({"weekly_fee": "0"}, "weekly_fee", "Weekly fee must be between £1 and £50,000"),
    ({"weekly_fee": "4,000.50"}, "weekly_fee",
     "Weekly fee must be in whole pounds: pence are not accepted"),
    ({"weekly_fee": "four thousand"}, "weekly_fee",
     "Weekly fee must be an amount in pounds, like £5,200"),
    ({"available_from-day": ""}, "available_from", "must include a day, month and year"),
    ({"available_from-day": "31", "available_from-month": "2"}, "available_from",
     "Available from must be a real date"),
    ({"available_from-day": "", "available_from-month": "", "available_from-year": ""},
     "available_from", "Enter the date the place is available from"),
    ({"expires_on-day": "1", "expires_on-month": "1", "expires_on-year": "2027"}, "expires_on",
     "cannot expire before it is available"),
    ({"needs_met": ["telepathy"]}, "needs_met", "Choose needs from the list"),
    ({"places": "0"}, "places", "Number of places must be between 1 and 10"),
    ({"places": ""}, "places", "Enter number of places"),
    ({"description": "x" * 1001}, "description", "1,000 characters or fewer"),
])
def test_each_bad_field_gets_its_message_and_nothing_is_stored(
        client, app, provider_user, overrides, field, message):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    before = vacancy_count(app)
    response = client.post_form("/our-vacancies/new", vacancy_form(a_home(settings), **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert "<title>Error: " in page
    assert vacancy_count(app) == before


def registered_places(app, setting) -> int:
    with app.extensions["portal"].engine.connect() as c:
        return c.execute(sa.select(settings_table.c.registered_places).where(
            settings_table.c.id == setting)).scalar_one()


def test_every_mistake_in_the_vacancy_form_is_reported_at_once(client, app, provider_user):
    """Four mistakes, four messages in one round trip: what the form alone can tell (pence in
    a fee, a description with a control character) beside what the setting and the date tell
    (more places than it is registered for, a date long gone)."""
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    home = a_home(settings)
    too_many = registered_places(app, home) + 1
    before = vacancy_count(app)
    response = client.post_form("/our-vacancies/new", vacancy_form(
        home, weekly_fee="5200.50", description="A calm\x00home", places=str(too_many),
        **{"available_from-year": "2020"}))
    page = response.get_data(as_text=True)
    assert page.count('class="govuk-error-message"') == 4
    for field in ("weekly_fee", "description", "places", "available_from"):
        assert f'href="#{field}"' in page
    assert "Weekly fee must be in whole pounds: pence are not accepted" in page
    assert f"is registered for {too_many - 1} place" in page
    assert f"so a vacancy there cannot offer {too_many}" in page
    assert "cannot be more than a week ago: enter " in page
    assert vacancy_count(app) == before


def test_fees_are_read_as_people_write_them(client, app, provider_user):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    for typed in ("5,200", "£5,200", "5200.00"):
        response = client.post_form("/our-vacancies/new", vacancy_form(
            a_home(settings), weekly_fee=typed))
        assert response.status_code == 302, response.get_data(as_text=True)
        assert "£5,200" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_optional_fields_may_be_left_blank(client, app, provider_user):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    response = client.post_form("/our-vacancies/new", vacancy_form(
        a_home(settings), description="", needs_met=[]))
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_provider_cannot_publish_at_another_providers_setting(
        client, app, provider_user, other_provider_user):
    client.sign_in(provider_user)
    _, theirs = own_setting_ids(app, other_provider_user.organisation)
    before = vacancy_count(app)
    page = client.post_form("/our-vacancies/new", vacancy_form(theirs[0][0])).get_data(
        as_text=True)
    assert "Choose one of your settings" in page
    assert vacancy_count(app) == before


def test_edit_hold_release_fill(client, app, provider_user):
    client.sign_in(provider_user)
    vacancy_id = publish(client, app, provider_user)
    edit = client.get(f"/our-vacancies/{vacancy_id}/edit").get_data(as_text=True)
    assert 'value="4321"' in edit
    _, settings = own_setting_ids(app, provider_user.organisation)
    response = client.post_form(f"/our-vacancies/{vacancy_id}/edit", vacancy_form(
        a_home(settings), weekly_fee="4500", reason="Annual uplift"))
    assert response.status_code == 302
    page = client.get(f"/our-vacancies/{vacancy_id}").get_data(as_text=True)
    assert "£4,500" in page
    assert "Annual uplift" in page

    missing_ref = client.post_form(f"/our-vacancies/{vacancy_id}/hold", {"home_search_ref": ""})
    assert missing_ref.status_code == 422
    assert "Enter the home search reference" in missing_ref.get_data(as_text=True)
    client.post_form(f"/our-vacancies/{vacancy_id}/hold", {"home_search_ref": "KENT-HS-77"})
    assert "On hold for home search KENT-HS-77" in client.get(
        f"/our-vacancies/{vacancy_id}").get_data(as_text=True)
    client.post_form(f"/our-vacancies/{vacancy_id}/release")
    client.post_form(f"/our-vacancies/{vacancy_id}/fill", {"reason": "Placement agreed"})
    page = client.get(f"/our-vacancies/{vacancy_id}").get_data(as_text=True)
    assert "Filled" in page
    assert "Change the terms" not in page
    # A filled vacancy cannot be withdrawn: a clear message, not an error page.
    refused = client.post_form(f"/our-vacancies/{vacancy_id}/withdraw")
    assert refused.status_code == 422
    assert "This vacancy is filled, so it cannot be withdrawn" in refused.get_data(as_text=True)
    assert client.get(f"/our-vacancies/{vacancy_id}/edit").status_code == 404


def test_withdrawn_vacancies_leave_the_board(client, app, provider_user, officer):
    client.sign_in(provider_user)
    vacancy_id = publish(client, app, provider_user)
    client.post_form(f"/our-vacancies/{vacancy_id}/withdraw", {"reason": "Home closing"})
    assert "Withdrawn" in client.get("/our-vacancies/").get_data(as_text=True)
    client.post_form("/sign-out")
    client.sign_in(officer)
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 404


def test_another_providers_vacancy_is_not_found(client, app, provider_user,
                                                other_provider_user):
    client.sign_in(provider_user)
    vacancy_id = publish(client, app, provider_user)
    client.post_form("/sign-out")
    client.sign_in(other_provider_user)
    assert f"/our-vacancies/{vacancy_id}" not in client.get("/our-vacancies/").get_data(
        as_text=True)
    for path in (f"/our-vacancies/{vacancy_id}", f"/our-vacancies/{vacancy_id}/edit"):
        assert client.get(path).status_code == 404
    for action in ("withdraw", "hold", "release", "fill"):
        assert client.post_form(f"/our-vacancies/{vacancy_id}/{action}",
                                {"home_search_ref": "X"}).status_code == 404
    _, settings = own_setting_ids(app, provider_user.organisation)
    assert client.post_form(f"/our-vacancies/{vacancy_id}/edit",
                            vacancy_form(a_home(settings))).status_code == 404
    assert client.get(f"/our-vacancies/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize("role", ["council_officer", "auditor", "platform_admin"])
def test_only_provider_users_manage_vacancies(client, role):
    from tests.conftest import account_for

    client.sign_in(account_for(role))
    assert client.get("/our-vacancies/").status_code == 403
    assert client.get("/our-vacancies/new").status_code == 403
    assert client.post_form("/our-vacancies/new", {}).status_code == 403


def test_closed_vacancies_are_paged_open_ones_all_shown(client, app, provider_user):
    from datetime import date

    from domain.actor import Actor

    services = app.extensions["portal"]
    provider, settings = own_setting_ids(app, provider_user.organisation)
    home = a_home(settings)
    for _ in range(30):
        vacancy, _ = services.portal.publish_vacancy(
            Actor.system(), provider_id=provider, setting_id=home, age_from=8, age_to=17,
            needs_met=[], weekly_fee=4000, available_from=date(2027, 1, 1))
        services.portal.withdraw_vacancy(Actor.system(), vacancy)
    client.sign_in(provider_user)
    first = client.get("/our-vacancies/").get_data(as_text=True)
    assert "Filled, withdrawn or expired (30)" in first
    assert first.count(">Withdrawn<") == 25
    second = client.get("/our-vacancies/?page=2").get_data(as_text=True)
    assert second.count(">Withdrawn<") == 5
    assert client.get("/our-vacancies/?page=x").status_code == 200
