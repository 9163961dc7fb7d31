"""An organisation's administrator sees and changes its own users, and nobody else's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from auth.session_store import active_sessions
from domain.actor import Actor
from domain.organisation import authority_id
from tests.conftest import account_for

KENT = authority_id("886")
DORSET = authority_id("838")
PASSWORD = "a long test password for admins"


@dataclass
class Person:
    email: str
    password: str
    id: UUID


def add_account(services, email: str, organisation: UUID, roles: list[str]) -> Person:
    account_id, position = services.portal.create_account(
        Actor.system(), email=email, display_name=email.split("@")[0].title(),
        organisation_id=organisation, roles=roles)
    services.credentials.set_password(account_id, PASSWORD)
    services.projections.wait_for(position)
    return Person(email, PASSWORD, account_id)


@pytest.fixture
def kent_admin(demo_services):
    return add_account(demo_services, "kim@kent.example.org", KENT,
                       ["organisation_admin", "council_officer"])


@pytest.fixture
def dorset_admin(demo_services):
    return add_account(demo_services, "dee@dorset.example.org", DORSET, ["organisation_admin"])


@pytest.fixture
def kent_officer(demo_services):
    return demo_services.portal.find_account(account_for("council_officer", "Kent").email).id


def sign_in(client, person_or_id) -> None:
    """A signed-in session for the account, as after its password and second factor (the
    sign-in steps themselves are tested with the session pages)."""
    account_id = getattr(person_or_id, "id", person_or_id)
    with client.session_transaction() as session:
        session["account_id"] = account_id.hex
        session["authenticated_by"] = ["password", "totp"]


def demo_id(services, role: str, organisation: str | None = None) -> UUID:
    return services.portal.find_account(account_for(role, organisation).email).id


def same_page(response) -> str:
    """The page without what differs on every response: the script nonce and the CSRF token,
    in form fields and in htmx's headers (a signed token changes with the second it is made)."""
    page = re.sub(r'(nonce="|value=")[^"]+"', r'\1"', response.get_data(as_text=True))
    return re.sub(r'(X-CSRFToken&#34;: &#34;)[^&]+&#34;', r'\1&#34;', page)


def post(client, account_id, action, **data):
    return client.post_form(f"/users/{account_id}/{action}", data)


def errors(page: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return re.findall(r'<a href="[^"]*">([^<]+)</a>', summary.group(1)) if summary else []


def test_an_organisation_admin_lists_only_their_own_organisations_users(client, kent_admin,
                                                                       dorset_admin):
    sign_in(client, kent_admin)
    page = client.get("/users/").get_data(as_text=True)
    assert "kim@kent.example.org" in page
    assert account_for("council_officer", "Kent").email in page
    assert "dee@dorset.example.org" not in page
    assert account_for("council_officer", "Dorset").email not in page
    assert 'name="organisation"' not in page  # no filter: one organisation only
    assert 'href="/users/invite"' in page
    # Asking for another organisation's users is refused and shows nothing of theirs.
    page = client.get(f"/users/?organisation={DORSET}").get_data(as_text=True)
    assert "Choose an organisation from the list" in page
    assert "dee@dorset.example.org" not in page


def test_the_list_shows_status_second_factor_and_last_sign_in(client, kent_admin,
                                                             demo_services):
    demo_services.projections.wait_for(
        demo_services.portal.record_sign_in(kent_admin.id, method="password+totp"))
    sign_in(client, kent_admin)
    page = client.get("/users/").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*kim@kent.example.org.*?</tr>", page, re.S).group(0)
    assert "Organisation administrator" in row and "Council officer" in row
    assert "Active" in row and "Not set up" in row
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", row)  # signed in just now
    officer_row = re.search(
        r"<tr[^>]*>(?:(?!</tr>).)*placements@kent.example.org.*?</tr>", page, re.S).group(0)
    assert "Never" in officer_row


def test_a_platform_admin_sees_everyone_and_filters_by_organisation(client, kent_admin,
                                                                    dorset_admin, demo_services):
    sign_in(client, demo_id(demo_services, "platform_admin"))
    page = client.get("/users/").get_data(as_text=True)
    assert "kim@kent.example.org" in page and "dee@dorset.example.org" in page
    page = client.get(f"/users/?organisation={DORSET}").get_data(as_text=True)
    assert "dee@dorset.example.org" in page and "kim@kent.example.org" not in page
    for bad in ["not-an-id", str(uuid4())]:
        response = client.get(f"/users/?organisation={bad}")
        assert response.status_code == 200
        assert "Choose an organisation from the list" in response.get_data(as_text=True)
    assert "Page must be a whole number" in client.get("/users/?page=x").get_data(as_text=True)


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "auditor"])
def test_other_roles_may_not_manage_users(client, role, kent_admin, demo_services):
    sign_in(client, demo_id(demo_services, role))
    assert client.get("/users/").status_code == 403
    assert client.get(f"/users/{kent_admin.id}").status_code == 403
    assert post(client, kent_admin.id, "suspend", reason="x").status_code == 403


def test_another_organisations_account_is_the_same_404_as_a_missing_one(
        client, kent_admin, dorset_admin, demo_services):
    sign_in(client, kent_admin)
    missing = client.get(f"/users/{uuid4()}")
    other = client.get(f"/users/{dorset_admin.id}")
    assert missing.status_code == other.status_code == 404
    assert same_page(other) == same_page(missing)
    for action, data in [("grant-role", {"role": "council_officer", "reason": "x"}),
                         ("revoke-role", {"role": "organisation_admin", "reason": "x"}),
                         ("suspend", {"reason": "x"}), ("reinstate", {"reason": "x"})]:
        assert post(client, dorset_admin.id, action, **data).status_code == 404
    account = demo_services.portal.get_account(dorset_admin.id)
    assert account.roles == ["organisation_admin"] and not account.suspended


def test_granting_and_taking_away_a_role_with_a_reason(client, kent_admin, kent_officer):
    sign_in(client, kent_admin)
    response = post(client, kent_officer, "grant-role", role="organisation_admin",
                    reason="Deputy for the team")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Role granted" in page
    history = page.split('id="history-heading"')[1]
    assert "Granted an account the role Organisation administrator" in history
    assert "Deputy for the team" in history and "Kim, Kent" in history
    response = post(client, kent_officer, "revoke-role", role="organisation_admin",
                    reason="Deputy no longer needed")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Took the role Organisation administrator from an account" in page
    assert "Deputy no longer needed" in page


def test_bad_role_changes_are_refused_with_a_clear_message(client, kent_admin, kent_officer,
                                                           demo_services):
    sign_in(client, kent_admin)
    cases = [
        ({"role": "", "reason": "r"}, "Choose a role"),
        ({"role": "wizard", "reason": "r"}, "Choose a role from the list"),
        ({"role": "council_officer"}, "Enter the reason"),
        ({"role": "council_officer", "reason": "   "}, "Enter the reason"),
        ({"role": "council_officer", "reason": "x" * 501},
         "Reason must be 500 characters or fewer"),
        ({"role": "council_officer", "reason": "r"}, "already has the role"),
        ({"role": "provider_user", "reason": "r"}, "cannot belong to this kind of organisation"),
        ({"role": "auditor", "reason": "r"}, "Only a platform administrator can grant"),
        ({"role": "platform_admin", "reason": "r"}, "Only a platform administrator can grant"),
    ]
    before = demo_services.portal.get_account(kent_officer).version
    for data, message in cases:
        response = post(client, kent_officer, "grant-role", **data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert any(message in e for e in errors(page)), (data, errors(page))
        assert "<title>Error: " in page
    assert demo_services.portal.get_account(kent_officer).version == before


def test_an_admin_cannot_take_away_their_own_last_admin_role(client, kent_admin,
                                                             demo_services):
    sign_in(client, kent_admin)
    response = post(client, kent_admin.id, "revoke-role", role="organisation_admin",
                    reason="Stepping down")
    assert response.status_code == 422
    assert "You cannot take away your own last administrator role" in " ".join(
        errors(response.get_data(as_text=True)))
    # Another role of their own is theirs to give up.
    assert post(client, kent_admin.id, "revoke-role", role="council_officer",
                reason="Not an officer").status_code == 302
    assert demo_services.portal.get_account(kent_admin.id).roles == ["organisation_admin"]


def test_suspending_ends_every_session_and_reinstating_lets_them_back(
        app, client, kent_admin, demo_services):
    kim_id = demo_services.portal.find_account(account_for("council_officer", "Kent").email).id
    officer = app.test_client()
    officer.sign_in(account_for("council_officer", "Kent"))
    assert active_sessions(demo_services.engine, kim_id) == 1
    sign_in(client, kent_admin)
    page = client.get(f"/users/{kim_id}").get_data(as_text=True)
    assert "Suspend account" in page
    response = post(client, kim_id, "suspend", reason="Left the council")
    assert response.status_code == 302
    assert active_sessions(demo_services.engine, kim_id) == 0
    assert officer.get("/placements/").status_code == 302  # signed out
    page = client.get(f"/users/{kim_id}").get_data(as_text=True)
    assert "Account suspended and signed out on every device" in page
    assert "Suspended an account" in page and "Left the council" in page
    assert "Reinstate account" in page
    assert "Suspended" in client.get("/users/").get_data(as_text=True)
    response = post(client, kim_id, "reinstate", reason="Came back")
    assert response.status_code == 302
    officer.sign_in(account_for("council_officer", "Kent"))
    assert officer.get("/placements/").status_code == 200


def test_an_admin_cannot_suspend_themselves_and_reasons_are_required(client, kent_admin,
                                                                     kent_officer):
    sign_in(client, kent_admin)
    page = client.get(f"/users/{kent_admin.id}").get_data(as_text=True)
    assert "You cannot suspend your own account" in page
    assert "Suspend account" not in page
    response = post(client, kent_admin.id, "suspend", reason="Testing")
    assert response.status_code == 422
    assert "You cannot suspend your own account" in " ".join(
        errors(response.get_data(as_text=True)))
    response = post(client, kent_officer, "suspend", reason="")
    assert response.status_code == 422
    assert errors(response.get_data(as_text=True)) == ["Enter the reason"]
    response = post(client, kent_officer, "reinstate", reason="Not suspended")
    assert response.status_code == 422
    assert "This account is not suspended" in " ".join(errors(response.get_data(as_text=True)))


def test_the_history_shows_sign_ins_and_refusals(client, kent_admin, kent_officer):
    officer = account_for("council_officer", "Kent")
    client.post_form("/sign-in", {"email": officer.email, "password": "wrong password!"})
    sign_in(client, kent_admin)
    page = client.get(f"/users/{kent_officer}").get_data(as_text=True)
    history = page.split('id="history-heading"')[1]
    assert "Refused a sign-in to an account" in history and "Wrong password" in history
    assert "Created an account for placements@kent.example.org" in history
    assert "The portal" in history
    assert client.get(f"/users/{kent_officer}?page=zero").status_code == 200


def test_a_platform_admin_grants_a_platform_role_to_a_council_account(client, kent_officer,
                                                                      demo_services):
    sign_in(client, demo_id(demo_services, "platform_admin"))
    page = client.get(f"/users/{kent_officer}").get_data(as_text=True)
    assert '<option value="auditor">' in page
    response = post(client, kent_officer, "grant-role", role="auditor", reason="Internal audit")
    assert response.status_code == 302
    assert "auditor" in demo_services.portal.get_account(kent_officer).roles


def test_state_changing_routes_need_a_csrf_token(client, kent_admin, kent_officer):
    sign_in(client, kent_admin)
    response = client.post(f"/users/{kent_officer}/suspend", data={"reason": "x"})
    assert response.status_code == 400


def test_an_account_with_a_second_factor_links_to_resetting_it(client, kent_admin,
                                                               demo_services):
    sam = add_account(demo_services, "sam@kent.example.org", KENT, ["council_officer"]).id
    sign_in(client, kent_admin)
    reset = f'href="/users/{sam}/reset-second-factor"'
    page = client.get(f"/users/{sam}").get_data(as_text=True)
    assert reset not in page and "Not set up" in page
    demo_services.projections.wait_for(demo_services.portal.enrol_second_factor(sam))
    page = client.get(f"/users/{sam}").get_data(as_text=True)
    assert reset in page
    assert "Set up a second factor (authenticator app)" in page  # in the history


def test_a_council_admin_sees_that_the_platform_acted_but_not_who(client, demo_services,
                                                                     kent_admin, kent_officer):
    """Found by the generated traffic of tests/isolation: a platform administrator's name is
    not a council's to know, even on the history of the council's own account."""
    platform_admin = demo_services.portal.find_account(account_for("platform_admin").email)
    demo_services.projections.wait_for(demo_services.portal.grant_role(
        Actor(user_id=platform_admin.id, organisation_id=platform_admin.organisation_id),
        kent_officer, role="organisation_admin", reason="Covering for Kim"))
    sign_in(client, kent_admin)
    page = client.get(f"/users/{kent_officer}").get_data(as_text=True)
    assert "Covering for Kim" in page
    assert platform_admin.display_name not in page
    assert platform_admin.email not in page
    assert "Someone at " in page
    sign_in(client, platform_admin.id)  # the platform's own administrators still see who
    assert platform_admin.display_name in client.get(f"/users/{kent_officer}").get_data(
        as_text=True)
