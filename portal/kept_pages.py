"""Pages whose main content is kept rendered with the dashboard builds (issue 14).

A page's main content that depends only on the read models and on what its key names (scope,
filters, query, the reader's authority or roles), never on the viewer's session, is rendered
once, encoded, and kept by :func:`projections.sufficiency.builds.kept_or_built` until an event
moves the read models on. Each request renders only the layout for its viewer (name,
navigation, CSRF token, notices) around a mark, and the response is the layout's two halves
with the kept bytes between them: the content, megabytes for a region, is never decoded,
escaped or copied again.

The layout itself is the rest of a kept page's cost, so each web process also remembers the
layout it rendered for a session (:func:`in_layout`): the same page asked again in the same
session, with the same principal, navigation (unread notices counted afresh each time), query
and form, is the remembered layout around the kept content, with a fresh CSP nonce written
where the old one was. Its key holds the session's own token and CSRF secret, so a layout is
never read by another session; a page with a flashed message or a "this view is behind"
banner is rendered afresh.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import govuk_frontend_jinja
from flask import Response, g, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.headers import csp_nonce
from portal.presenters import navigation
from portal.remembered import MISSING, Remembered


def _page_code() -> str:
    """A digest of the portal's templates and code and of the GOV.UK macros they call: a new
    release may render the same figures otherwise, so it never reads a page kept before it."""
    found = hashlib.sha256()
    for root in (Path(__file__).resolve().parent, Path(govuk_frontend_jinja.__file__).parent):
        for path in sorted([*root.rglob("*.py"), *root.rglob("*.html")]):
            found.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return found.hexdigest()


PAGE_CODE = _page_code()
# Where the kept content goes in the layout: an HTML comment, which nothing the layout writes
# from data can make (every value written there is escaped, so "<" never reaches the page).
BODY_MARK = Markup("<!--app-kept-body-->")


def in_layout(template: str, content: bytes, **context) -> Response:
    """``template`` (which writes ``body`` as its main content) rendered for this request,
    with ``content`` in the place of its main content."""
    nav = navigation(g.get("principal"), request.blueprint or "")
    key = _layout_key(template, nav, context)
    halves = _layouts.recalled(key) if key else MISSING
    if halves is MISSING:
        nonce = csp_nonce()
        layout = render_template(template, body=BODY_MARK, navigation=lambda *_: nav, **context)
        before, mark, after = layout.partition(BODY_MARK)
        if not mark:
            raise RuntimeError(f"{template} lost the place of its main content")
        halves = (nonce, before, after)
        if key:
            _layouts.remember(key, halves)
    else:  # the layout this session had: a fresh nonce where the old one was written
        old, new = halves[0], csp_nonce()
        halves = (new, halves[1].replace(old, new), halves[2].replace(old, new))
    # Sent as the three parts (the main content is not copied again), with their length, so
    # the server need not send them in chunks.
    parts = [halves[1].encode(), content, halves[2].encode()]
    response = Response(parts, mimetype="text/html")
    response.content_length = sum(len(part) for part in parts)
    return response


def _layout_key(template: str, nav: list[dict], context: dict) -> str | None:
    """What a layout is rendered from, for this session alone (None: render it afresh)."""
    principal = g.get("principal")
    token = getattr(session, "token_hash", None)
    if principal is None or token is None or "_flashes" in session \
            or g.get("stopped_projections"):
        return None
    if "csrf_token" not in session:
        generate_csrf()  # the layout writes the session's token: its secret is made by now
    secret = session["csrf_token"]
    return hashlib.sha256(repr((
        PAGE_CODE, template, token, secret, principal, request.blueprint, request.full_path,
        nav, sorted(context.items()))).encode()).hexdigest()


LAYOUTS = 1000  # layouts each process remembers (a dashboard's is about 7 kB: 7 MB at most)
_layouts = Remembered(LAYOUTS)
