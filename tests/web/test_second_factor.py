"""The second factor at sign-in: codes, replays, recovery codes, mandatory set-up, resets."""

from __future__ import annotations

import re

import pyotp
import pytest

from auth.second_factor import STEP_SECONDS
from domain.account import account_id
from tests.conftest import account_for

CODE_PAGE = "/sign-in/code"


def code_at(account, step: int) -> str:
    return pyotp.TOTP(account.totp_secret).at(step * STEP_SECONDS)


def password_step(client, account, next_url: str | None = None):
    url = f"/sign-in?next={next_url}" if next_url else "/sign-in"
    response = client.post_form(url, {"email": account.email, "password": account.password})
    assert response.status_code == 302
    return response


def events_of(app, account, kind: str) -> list:
    portal = app.extensions["portal"].portal
    return [e for e in portal.events.get(account_id(account.email))
            if type(e).__name__ == kind]


def test_a_right_password_only_half_signs_in(app, client, provider_user):
    response = password_step(client, provider_user)
    assert response.headers["Location"] == CODE_PAGE
    with client.session_transaction() as session:
        assert "account_id" not in session
    assert events_of(app, provider_user, "SignedIn") == []
    page = client.get(CODE_PAGE).get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page


@pytest.mark.parametrize("path", ["/", "/vacancies/", "/account", "/our-vacancies/",
                                  "/users/invite", "/directory/", "/privacy"])
def test_a_half_signed_in_session_reaches_only_the_second_factor_pages(client, provider_user,
                                                                       path):
    password_step(client, provider_user)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == CODE_PAGE
    assert client.get(CODE_PAGE).status_code == 200
    assert client.get("/sign-in/recovery-code").status_code == 200


def test_a_half_signed_in_session_may_take_another_way_in_instead(client, provider_user):
    """Without their phone, a person may sign in through their organisation or reset their
    password; neither page signs them in, and the rest stays closed."""
    password_step(client, provider_user)
    choose = client.get("/sign-in/organisation")
    assert choose.status_code == 200
    assert "<h1" in choose.get_data(as_text=True)
    assert client.get("/password-reset/").status_code == 200
    assert client.get("/vacancies/").headers["Location"] == CODE_PAGE
    with client.session_transaction() as session:
        assert "account_id" not in session


def test_the_right_code_signs_in_and_follows_next(app, client, provider_user):
    password_step(client, provider_user, next_url="/our-vacancies/")
    response = client.enter_code(provider_user)
    assert response.headers["Location"] == "/our-vacancies/"
    assert client.get("/our-vacancies/").status_code == 200
    (signed_in,) = events_of(app, provider_user, "SignedIn")
    assert signed_in.method == "password+totp"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_malformed_codes_are_refused_with_the_reason(client, provider_user, code):
    password_step(client, provider_user)
    response = client.post_form(CODE_PAGE, {"code": code})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Enter the code" in page
    assert "Enter the 6-digit code from your authenticator app" in page
    with client.session_transaction() as session:
        assert "account_id" not in session


def in_script(code: str, zero: str) -> str:
    """``code`` written with the digits of the script whose zero is ``zero``."""
    return "".join(chr(ord(zero) + int(digit)) for digit in code)


# Full-width (what a Japanese or Chinese keyboard types), Arabic-Indic and Devanagari digits.
SCRIPTS = {"full-width": "\uff10", "Arabic-Indic": "\u0660", "Devanagari": "\u0966"}


@pytest.mark.parametrize("zero", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_a_code_in_another_scripts_digits_is_the_same_code(app, client, provider_user, zero):
    """Issue 17, finding 6: a code typed in full-width digits answered 500."""
    password_step(client, provider_user)
    wrong = client.post_form(CODE_PAGE, {"code": in_script(a_wrong_code(app, provider_user),
                                                           zero)})
    assert wrong.status_code == 200
    assert "not right, or has already been used" in wrong.get_data(as_text=True)
    right = in_script(client.totp_code(provider_user), zero)
    response = client.post_form(CODE_PAGE, {"code": f"{right[:3]} {right[3:]}"})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "account_id" in session


def test_the_outside_testers_full_width_zeros_are_a_wrong_code_not_an_error(client,
                                                                            provider_user):
    password_step(client, provider_user)
    response = client.post_form(CODE_PAGE, {"code": "\uff10" * 6})
    assert response.status_code == 200
    assert "not right, or has already been used" in response.get_data(as_text=True)


def a_wrong_code(app, account) -> str:
    step = app.extensions["portal"].second_factors.step()
    right = {code_at(account, step + d) for d in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


def test_a_wrong_code_is_refused_and_recorded(app, client, provider_user):
    password_step(client, provider_user)
    response = client.post_form(CODE_PAGE, {"code": a_wrong_code(app, provider_user)})
    assert response.status_code == 200
    assert "not right, or has already been used" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "account_id" not in session
    failed = events_of(app, provider_user, "SignInFailed")
    assert [e.reason for e in failed] == ["Wrong second-factor code"]


def test_five_wrong_codes_lock_the_account_for_this_address(app, client, provider_user):
    password_step(client, provider_user)
    wrong = a_wrong_code(app, provider_user)
    for _ in range(5):
        client.post_form(CODE_PAGE, {"code": wrong})
    page = client.post_form(CODE_PAGE, {"code": client.totp_code(provider_user)}
                            ).get_data(as_text=True)
    assert "Too many wrong passwords or codes for this email address" in page
    with client.session_transaction() as session:
        assert "account_id" not in session


def test_a_code_is_refused_when_used_again(app, client, provider_user):
    svc = app.extensions["portal"]
    step = svc.second_factors.step()
    password_step(client, provider_user)
    assert client.post_form(CODE_PAGE, {"code": code_at(provider_user, step)}
                            ).status_code == 302
    client.post_form("/sign-out")
    password_step(client, provider_user)
    for used in (step, step - 1):  # the same code, or an earlier step's
        response = client.post_form(CODE_PAGE, {"code": code_at(provider_user, used)})
        assert response.status_code == 200
        assert "already been used" in response.get_data(as_text=True)
    # The next step's code (an app a little ahead) still works.
    assert client.post_form(CODE_PAGE, {"code": code_at(provider_user, step + 1)}
                            ).status_code == 302


def test_codes_two_steps_away_are_refused(app, client, provider_user, monkeypatch):
    factors = app.extensions["portal"].second_factors
    frozen = factors.clock()  # a step boundary passing mid-test would move "two away" to one
    monkeypatch.setattr(factors, "clock", lambda: frozen)
    step = factors.step()
    password_step(client, provider_user)
    for far in (step - 2, step + 2):
        response = client.post_form(CODE_PAGE, {"code": code_at(provider_user, far)})
        assert response.status_code == 200


def test_the_code_page_without_a_password_goes_to_sign_in(client):
    for path in (CODE_PAGE, "/sign-in/recovery-code"):
        response = client.get(path)
        assert response.headers["Location"].startswith("/sign-in")
        assert response.headers["Location"] != path
    response = client.post_form(CODE_PAGE, {"code": "123456"})
    assert response.status_code == 302


def test_a_council_officer_without_a_second_factor_signs_in_with_a_password(app, client):
    officer = account_for("council_officer", "Kent")
    svc = app.extensions["portal"]
    aid = account_id(officer.email)
    svc.second_factors.reset(aid)
    svc.projections.wait_for(svc.portal.reset_second_factor(_system(), aid, reason="test"))
    response = password_step(client, officer)
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200
    assert "Set up an authenticator app" in client.get("/account").get_data(as_text=True)


def _system():
    from domain.actor import Actor

    return Actor.system()


def enrol(client, account, page: str) -> list[str]:
    """Set up an authenticator from the set-up page's key; the recovery codes shown."""
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post_form("/set-up-authenticator",
                                {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    codes_page = response.get_data(as_text=True)
    assert "shown only once" in codes_page
    account.secret = secret
    return re.findall(r"<li><code>([0-9a-f-]{23})</code></li>", codes_page)


class Person:
    """An account the test sets up itself (not a demo account)."""

    def __init__(self, email: str, password: str) -> None:
        self.email, self.password, self.secret = email, password, None


def test_mandatory_set_up_cannot_be_skipped_then_recovery_codes_work_once(app, client):
    svc = app.extensions["portal"]
    user = account_for("provider_user")
    aid = account_id(user.email)
    svc.second_factors.reset(aid)
    svc.projections.wait_for(svc.portal.reset_second_factor(_system(), aid, reason="test"))
    response = password_step(client, user)
    assert response.headers["Location"] == "/set-up-authenticator"
    for path in ("/", "/our-vacancies/", "/account", CODE_PAGE, "/users/invite"):
        assert client.get(path).headers["Location"] in ("/set-up-authenticator", "/sign-in")
    page = client.get("/set-up-authenticator").get_data(as_text=True)
    assert "<svg" in page and "You need to set it up before you can continue" in page
    wrong = client.post_form("/set-up-authenticator", {"code": "000001"})
    assert "does not match" in wrong.get_data(as_text=True)
    person = Person(user.email, user.password)
    codes = enrol(client, person, client.get("/set-up-authenticator").get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/our-vacancies/").status_code == 200  # signed in now
    assert [type(e).__name__ for e in svc.portal.events.get(aid)][-2:] == [
        "SecondFactorEnrolled", "SignedIn"]
    # The secret is stored encrypted, never as it is.
    from auth.second_factor import second_factors
    with svc.engine.connect() as c:
        stored = c.execute(second_factors.select()).mappings().all()
    assert all(person.secret not in row["secret_encrypted"] for row in stored)
    client.post_form("/sign-out")

    password_step(client, user)
    response = client.post_form("/sign-in/recovery-code", {"recovery_code": codes[0].upper()})
    assert response.status_code == 302
    (used,) = [e for e in svc.portal.events.get(aid) if type(e).__name__ == "RecoveryCodeUsed"]
    assert used.remaining == 9
    signed = [e for e in svc.portal.events.get(aid) if type(e).__name__ == "SignedIn"]
    assert signed[-1].method == "password+recovery_code"
    client.post_form("/sign-out")
    password_step(client, user)
    again = client.post_form("/sign-in/recovery-code", {"recovery_code": codes[0]})
    assert again.status_code == 200
    assert "already been used" in again.get_data(as_text=True)
    assert client.post_form("/sign-in/recovery-code", {"recovery_code": ""}).status_code == 200


def test_recovery_codes_can_be_replaced_from_the_account_page(app, client, provider_user):
    client.sign_in(provider_user)
    page = client.get("/account").get_data(as_text=True)
    assert "Get new recovery codes" in page
    response = client.post_form("/account/recovery-codes")
    codes = re.findall(r"<li><code>([0-9a-f-]{23})</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    assert "10 unused recovery codes" in client.get("/account").get_data(as_text=True)
    svc = app.extensions["portal"]
    aid = account_id(provider_user.email)
    assert svc.second_factors.use_recovery_code(aid, codes[3]) == 9
    assert svc.second_factors.use_recovery_code(aid, codes[3]) is None
    assert events_of(app, provider_user, "RecoveryCodesRegenerated")
    newer = client.post_form("/account/recovery-codes").get_data(as_text=True)
    assert "earlier recovery codes no longer work" in newer
    assert svc.second_factors.use_recovery_code(aid, codes[4]) is None


def test_an_officer_may_choose_to_set_up_an_authenticator(app, client):
    officer = account_for("council_officer", "Kent")
    svc = app.extensions["portal"]
    aid = account_id(officer.email)
    svc.second_factors.reset(aid)
    svc.projections.wait_for(svc.portal.reset_second_factor(_system(), aid, reason="test"))
    password_step(client, officer)
    page = client.get("/set-up-authenticator").get_data(as_text=True)
    assert "You need to set it up" not in page
    person = Person(officer.email, officer.password)
    enrol(client, person, page)
    assert svc.second_factors.is_enrolled(aid)
    assert client.get("/account").status_code == 200  # still signed in, now with both
    client.post_form("/sign-out")
    assert password_step(client, officer).headers["Location"] == CODE_PAGE


def test_a_role_needing_a_second_factor_granted_mid_session_sends_to_set_up(app, client):
    officer = account_for("council_officer", "Kent")
    svc = app.extensions["portal"]
    aid = account_id(officer.email)
    svc.second_factors.reset(aid)
    svc.portal.reset_second_factor(_system(), aid, reason="test")
    password_step(client, officer)
    assert client.get("/account").status_code == 200
    account = svc.portal.get_account(aid)
    account.grant_role("organisation_admin", "authority", actor=_system())
    svc.projections.wait_for(svc.portal._save(account))
    response = client.get("/placements/")
    assert response.headers["Location"] == "/set-up-authenticator"


def test_an_administrator_resets_a_second_factor_and_ends_the_sessions(app, client,
                                                                       provider_user):
    svc = app.extensions["portal"]
    aid = account_id(provider_user.email)
    owner = app.test_client()  # the account's owner, on another device
    owner.sign_in(provider_user)
    admin = account_for("platform_admin")
    client.sign_in(admin)
    url = f"/users/{aid}/reset-second-factor"
    page = client.get(url).get_data(as_text=True)
    assert "Reset the second factor of" in page
    refused = client.post_form(url, {"reason": ""})
    assert "Say why" in refused.get_data(as_text=True)
    assert svc.second_factors.is_enrolled(aid)
    done = client.post_form(url, {"reason": "Lost phone, identity checked by phone call"})
    assert done.status_code == 302
    assert not svc.second_factors.is_enrolled(aid)
    (reset,) = events_of(app, provider_user, "SecondFactorReset")
    assert reset.reason == "Lost phone, identity checked by phone call"
    assert owner.get("/our-vacancies/").status_code == 302  # signed out everywhere
    assert "has no second factor set up" in client.get(url).get_data(as_text=True)
    assert client.post_form(url, {"reason": "again"}).status_code == 302  # nothing to reset
    assert len(events_of(app, provider_user, "SecondFactorReset")) == 1
    # Next sign-in: set up a new one.
    owner.post_form("/sign-out")
    assert owner.post_form("/sign-in", {"email": provider_user.email,
                                        "password": provider_user.password}
                           ).headers["Location"] == "/set-up-authenticator"


def test_only_administrators_of_the_account_reset_its_second_factor(app, client,
                                                                    provider_user, officer):
    aid = account_id(provider_user.email)
    client.sign_in(officer)
    assert client.get(f"/users/{aid}/reset-second-factor").status_code == 403
    client.post_form("/sign-out")
    # An organisation's administrator of another organisation: as if there were no account.
    svc = app.extensions["portal"]
    kent_admin = account_for("council_officer", "Kent")
    account = svc.portal.get_account(account_id(kent_admin.email))
    account.grant_role("organisation_admin", "authority", actor=_system())
    svc.projections.wait_for(svc.portal._save(account))
    client.sign_in(kent_admin)
    assert client.get(f"/users/{aid}/reset-second-factor").status_code == 404
    assert client.get(f"/users/{account_id('nobody@x.org')}/reset-second-factor"
                      ).status_code == 404
    assert svc.second_factors.is_enrolled(aid)


def test_setting_up_with_a_full_width_code_and_a_full_width_recovery_code(app, client):
    svc = app.extensions["portal"]
    user = account_for("provider_user")
    aid = account_id(user.email)
    svc.second_factors.reset(aid)
    svc.projections.wait_for(svc.portal.reset_second_factor(_system(), aid, reason="test"))
    password_step(client, user)
    page = client.get("/set-up-authenticator").get_data(as_text=True)
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    response = client.post_form("/set-up-authenticator",
                                {"code": in_script(pyotp.TOTP(secret).now(), "\uff10")})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]{23})</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    client.post_form("/sign-out")
    password_step(client, user)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in codes[0])
    assert client.post_form("/sign-in/recovery-code",
                            {"recovery_code": full_width}).status_code == 302
