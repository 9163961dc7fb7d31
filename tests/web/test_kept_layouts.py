"""A kept page's layout (the viewer's name, navigation, CSRF token, notices) is remembered by
the web process for the session that had it rendered (issue 14): the same page asked again in
that session is not rendered again, but every response has a fresh CSP nonce, and another
session, another count of unread notices, another query or a flashed message renders it
afresh."""

from __future__ import annotations

import re

import pytest

from portal import kept_pages
from tests.conftest import account_for

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NONCE = re.compile(r'<script nonce="([^"]+)"')


@pytest.fixture
def layouts(monkeypatch) -> list:
    """Every layout rendered around kept content: its template."""
    found = []
    real = kept_pages.render_template

    def counted(template, **context):
        found.append(template)
        return real(template, **context)

    monkeypatch.setattr(kept_pages, "render_template", counted)
    kept_pages._layouts.forget()
    return found


def test_the_same_page_in_the_same_session_renders_its_layout_once(client, layouts):
    officer = account_for("council_officer", "Kent")
    client.sign_in(officer)
    first = client.get("/vacancies/")
    again = client.get("/vacancies/")
    assert layouts == ["vacancies/search.html"]
    one, two = first.get_data(as_text=True), again.get_data(as_text=True)
    assert NONCE.sub("", one) == NONCE.sub("", two)
    # Each response has its own nonce, the one its Content-Security-Policy allows.
    nonces = [NONCE.search(page).group(1) for page in (one, two)]
    assert nonces[0] != nonces[1]
    for response, nonce in zip((first, again), nonces, strict=True):
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert f">{officer.display_name}</a>" in two
    token = CSRF.search(two).group(1)
    assert client.post("/sign-out", data={"csrf_token": token}).status_code in (302, 303)


def test_another_session_gets_its_own_layout(client, layouts):
    kent = account_for("council_officer", "Kent")
    client.sign_in(kent)
    first = client.get("/sufficiency/region").get_data(as_text=True)
    client.post_form("/sign-out")
    dorset = account_for("council_officer", "Dorset")
    client.sign_in(dorset)
    second = client.get("/sufficiency/region").get_data(as_text=True)
    assert layouts == ["sufficiency/dashboard.html"] * 2
    assert kent.display_name not in second and f">{dorset.display_name}</a>" in second
    assert CSRF.search(first).group(1) != CSRF.search(second).group(1)
    client.post_form("/sign-out")
    client.sign_in(dorset)  # the same reader, a new session: a new layout and token
    third = client.get("/sufficiency/region").get_data(as_text=True)
    assert len(layouts) == 3 and CSRF.search(third).group(1) != CSRF.search(second).group(1)


def test_a_new_count_of_unread_notices_renders_the_layout_again(client, layouts, monkeypatch):
    from portal.views import notices

    client.sign_in(account_for("council_officer", "Kent"))
    monkeypatch.setattr(notices, "navigation_label", lambda principal: "Notices")
    before = client.get("/vacancies/").get_data(as_text=True)
    monkeypatch.setattr(notices, "navigation_label", lambda principal: "Notices (3 unread)")
    after = client.get("/vacancies/").get_data(as_text=True)
    assert len(layouts) == 2
    assert "Notices (3 unread)" not in before and "Notices (3 unread)" in after


def test_another_query_renders_its_own_layout_with_its_own_errors(client, layouts):
    client.sign_in(account_for("council_officer", "Kent"))
    wrong = client.get("/vacancies/?max_weekly_fee=lots").get_data(as_text=True)
    right = client.get("/vacancies/").get_data(as_text=True)
    assert len(layouts) == 2
    assert "There is a problem" in wrong and "There is a problem" not in right
    assert "<title>Error: " in wrong and "<title>Error: " not in right


def test_a_flashed_message_is_shown_once(client, app, layouts):
    client.sign_in(account_for("council_officer", "Kent"))
    client.get("/vacancies/")
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Saved")]
    shown = client.get("/vacancies/").get_data(as_text=True)
    after = client.get("/vacancies/").get_data(as_text=True)
    assert "Saved" in shown and "Saved" not in after
    assert len(layouts) == 2
