"""The permission table as a page every signed-in user can read."""

from __future__ import annotations

import re

from domain.permissions import ACTION_DESCRIPTIONS, PERMISSIONS
from domain.vocabulary import ROLES
from tests.conftest import account_for


def test_signing_in_is_required(client):
    response = client.get("/help/permissions")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert 'href="/help/permissions"' not in client.get("/").get_data(as_text=True)


def test_every_page_links_to_it_once_signed_in(client, officer):
    client.sign_in(officer)
    assert 'href="/help/permissions"' in client.get("/").get_data(as_text=True)


def test_the_page_shows_every_action_every_role_and_each_scope(client, officer):
    client.sign_in(officer)
    page = client.get("/help/permissions").get_data(as_text=True)
    headers = re.findall(r'<th scope="col" class="govuk-table__header">([^<]+)</th>', page)
    assert headers == ["Action", *(label.replace("'", "&#39;") for label in ROLES.values())]
    rows = re.findall(r'<tr class="govuk-table__row">\s*<th scope="row".*?</tr>', page, re.S)
    assert len(rows) == len(PERMISSIONS)
    for action, row in zip(PERMISSIONS, rows, strict=True):
        assert ACTION_DESCRIPTIONS[action].replace("'", "&#39;") in row
        assert f"<code class=\"govuk-body-s\">{action}</code>" in row
    pipeline = next(r for r in rows if "tenders.pipeline" in r)
    assert "Own partnership" in pipeline
    assert "open tenders only" in next(r for r in rows if ">tenders.view<" in r)
    assert "Your roles: Council officer" in page


def test_each_user_sees_which_actions_are_theirs(client):
    client.sign_in(account_for("auditor"))
    page = client.get("/help/permissions").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row">\s*<th scope="row".*?</tr>', page, re.S)
    mine = {re.search(r"<code[^>]*>([^<]+)</code>", r).group(1) for r in rows if ">You<" in r}
    assert mine == {a for a, grants in PERMISSIONS.items() if "auditor" in grants}


def test_a_signed_in_principal_carries_its_organisations_partnerships(app, demo_services):
    from portal.security import principal_for

    kent = demo_services.portal.find_account(account_for("council_officer", "Kent").email)
    platform = demo_services.portal.find_account(account_for("platform_admin").email)
    with app.app_context():
        assert principal_for(kent.id).partnerships == frozenset({"South East"})
        assert principal_for(platform.id).partnerships == frozenset()
