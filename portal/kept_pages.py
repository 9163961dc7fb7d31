"""Pages whose main content is kept rendered with the dashboard builds (issue 14).

A page's main content that depends only on the read models and on what its key names (scope,
filters, query, the reader's authority or roles), never on the viewer's session, is rendered
once, encoded, and kept by :func:`projections.sufficiency.builds.kept_or_built` until an event
moves the read models on. Each request renders only the layout for its viewer (name,
navigation, CSRF token, notices) around a mark, and the response is the layout's two halves
with the kept bytes between them: the content, megabytes for a region, is never decoded,
escaped or copied again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import govuk_frontend_jinja
from flask import Response, render_template
from markupsafe import Markup


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
    layout = render_template(template, body=BODY_MARK, **context)
    before, mark, after = layout.partition(BODY_MARK)
    if not mark:
        raise RuntimeError(f"{template} lost the place of its main content")
    # Sent as the three parts (a region's main content is megabytes: not copied again).
    return Response([before.encode(), content, after.encode()], mimetype="text/html")
