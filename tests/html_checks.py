"""Checks every HTML page a test fetches, so no page is ever broken in a way tests miss.

For each full page: it parses as HTML5 without errors, has exactly one <h1>, its <title>
starts with the <h1>'s text ("Error: " first when the form has errors), no two elements share
an id, every form has an action, every visible field has a label, and links into the page
(error summaries) point at ids that exist.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import html5lib
import pyotp
from flask.testing import FlaskClient

from auth.second_factor import STEP_SECONDS

NS = "{http://www.w3.org/1999/xhtml}"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PageProblem(AssertionError):
    pass


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def check_page(html: str, url: str) -> None:
    parser = html5lib.HTMLParser(strict=False)
    document = parser.parse(html)
    problems: list[str] = [
        f"HTML parse error {code} at {pos}" for pos, code, _ in parser.errors
        # html5lib reports the template's lone inline script as fine; anything else counts.
    ]
    h1s = list(document.iter(f"{NS}h1"))
    if len(h1s) != 1:
        problems.append(f"expected one <h1>, found {len(h1s)}")
    title = next(document.iter(f"{NS}title"), None)
    if title is None:
        problems.append("no <title>")
    elif h1s:
        heading = _text(h1s[0])
        title_text = _text(title).removeprefix("Error: ")
        if not title_text.startswith(heading):
            problems.append(f"title {title_text!r} does not start with h1 {heading!r}")
    ids: dict[str, int] = {}
    for element in document.iter():
        if isinstance(element.tag, str) and element.get("id"):
            ids[element.get("id")] = ids.get(element.get("id"), 0) + 1
    problems += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    for form in document.iter(f"{NS}form"):
        if not form.get("action"):
            problems.append("a form has no action")
    labels = {label.get("for") for label in document.iter(f"{NS}label")}
    for tag in ("input", "select", "textarea"):
        for field in document.iter(f"{NS}{tag}"):
            if field.get("type") in ("hidden", "submit", "button"):
                continue
            if field.get("id") not in labels and not field.get("aria-label"):
                problems.append(f"<{tag} name={field.get('name')!r}> has no label")
    for link in document.iter(f"{NS}a"):
        href = link.get("href") or ""
        if href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            problems.append(f"link to missing #{href[1:]}")
    if problems:
        raise PageProblem(f"{url}: " + "; ".join(problems))


class CheckedClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        is_partial = response.request.headers.get("HX-Request") == "true"
        if response.mimetype == "text/html" and not is_partial:
            check_page(response.get_data(as_text=True), response.request.path)
        return response

    def csrf(self) -> str:
        """A CSRF token valid for this client's session."""
        page = self.get("/sign-in").get_data(as_text=True)
        return CSRF.search(page).group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf())
        return self.post(url, data=data, **kwargs)

    def sign_in(self, account, password: str | None = None):
        """Sign in with the password and, where the account has an authenticator (every demo
        account has a fixed one), its current code."""
        response = self.post_form("/sign-in", {
            "email": account.email, "password": password or account.password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if urlsplit(response.headers["Location"]).path == "/sign-in/code" \
                and getattr(account, "totp_secret", None):
            response = self.enter_code(account)
        return response

    def enter_code(self, account):
        """The second step of signing in: the account's authenticator code."""
        response = self.post_form("/sign-in/code", {"code": self.totp_code(account)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def totp_code(self, account) -> str:
        return totp_code(self.application.extensions["portal"], account)


def totp_code(services, account) -> str:
    """The code ``account``'s authenticator app shows now; or, when its code for now has
    already been used (a test signing the same account in twice within 30 seconds), the next
    time step's, which the portal also accepts (clocks drift)."""
    from domain.account import account_id

    second_factors = services.second_factors
    last = second_factors.last_step(account_id(account.email)) or 0
    step = max(second_factors.step(), last + 1)
    return pyotp.TOTP(account.totp_secret).at(step * STEP_SECONDS)
