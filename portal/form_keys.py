"""The hidden fields every form that creates or changes a record carries: its CSRF token and an
idempotency key, and, when it edits an existing record, the version it was opened at.

A form that edits an existing record carries the version it showed (``{{ version_field(v) }}``,
or ``opened_version(form, v, href, what)`` from ``_opened_version.html``, which also links to
the record as it now is after a refusal; ``v`` from the projection or
``Portal.version_of``, read before the page's other data) and its view passes
:func:`opened_version` to the command as ``expected_version``: the same
check an API client's If-Match gets (:func:`domain.errors.check_version`). A save over a change
made since the form was opened is refused (:class:`~domain.errors.StaleVersion`), and
:func:`changed_since_opened` shows the form again with what was typed, the record as it now
is and its new version, so reviewing and sending it again saves it.

An idempotency key is made when the form is rendered (``{{ form_keys() }}``). A signed-in
person's POST that carries one is claimed in the application's store of keys
(:mod:`auth.idempotency`, shared with the API) before its view runs, so a submission sent
again after its reply was lost runs once: the retry is answered as the first was (the same
redirect, with the same messages), and nothing is created twice. A submission that stored
nothing (the form had errors, or the command was refused) gives its key back, so the corrected
form runs when sent. A page shown once after it created something (201, e.g. a new API key)
is never kept: a retry is sent to that address's page instead.

Sign-in, second-factor and sign-out forms carry only the CSRF token (``{{ csrf_field() }}``):
their answer is the session itself, which a replayed redirect would not give.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from auth.idempotency import IdempotencyRefused, StoredResponse, created_id
from domain.errors import AlreadyExists, StaleVersion
from portal.forms import FormResult
from portal.schemas import FormSchema
from portal.security import services

FIELD = "idempotency_key"
VERSION_FIELD = "version"
KEY = re.compile(r"[\x21-\x7e]{1,255}")
NOT_FINGERPRINTED = ("csrf_token", FIELD)
CHANGED = "{what} has been changed by someone else since you opened it; review and try again"
TITLE = "This form was sent before"
IN_PROGRESS = ("This form is still being sent. Wait a moment, then open the page again to "
               "see whether it was saved.")
REUSED = ("This form was already sent with other answers, and saved then. Open the page "
          "again to see what was saved, then make any further change from there.")


class AlreadySent(Exception):
    """A retry that cannot be answered as the first submission was (409): the first is still
    running, or the key came with other answers."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def own_size_limit(view):
    """Mark a view that sets its own request size limit (a large upload): its form is not
    parsed before it runs, so its key is not claimed (the upload's own job guards it)."""
    view.own_size_limit = True
    return view


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def form_keys() -> Markup:
    """The CSRF token and a new idempotency key, for a form that creates or changes a record."""
    return csrf_field() + Markup(
        '<input type="hidden" name="{}" value="{}">').format(FIELD, uuid4())


def version_field(version: int | str | None) -> Markup:
    """The version of the record a form edits, as the page was opened (see
    :func:`portal.forms.opened_version`)."""
    if version is None or version == "":
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(VERSION_FIELD, version)


class OpenedVersionSchema(FormSchema):
    version = fields.Integer(strict=False, load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=10**9,
                                                     error="Version must be a whole number"),
                             error_messages={"invalid": "Version must be a whole number"})


def opened_version() -> int | None:
    """The version of the record the posted form was opened at (None: it carries none)."""
    try:
        return OpenedVersionSchema().load(request.form.to_dict())["version"]
    except ValidationError:
        abort(400, "The form was not sent as this service gave it. Go back, reload the page "
                   "and try again.")


def changed_since_opened(form: FormResult, error: StaleVersion, what: str) -> None:
    """Show ``form`` again, first saying that ``what`` (e.g. "This vacancy") changed since it
    was opened, with what was typed and the record's present version."""
    form.errors = {VERSION_FIELD: CHANGED.format(what=what), **form.errors}
    form.anchors = {**form.anchors, VERSION_FIELD: "record-as-it-is-now"}
    data = form.data.copy() if isinstance(form.data, MultiDict) else dict(form.data)
    data[VERSION_FIELD] = error.current_version  # a MultiDict keeps every checkbox's value
    form.data = data


def _fingerprint() -> str:
    """What the request asks for: its address and every field but the keys (the CSRF token is
    the session's, not the request's), and any file sent."""
    digest = hashlib.sha256(f"{request.method} {request.path}".encode())
    for name, value in sorted(request.form.items(multi=True)):
        if name not in NOT_FINGERPRINTED:
            digest.update(json.dumps([name, value]).encode())
    for name, upload in sorted(request.files.items(multi=True)):
        digest.update(json.dumps([name, upload.filename]).encode())
        digest.update(upload.stream.read())
        upload.stream.seek(0)
    return digest.hexdigest()


def claim():
    """Before the view: claim the form's key, or answer as its first submission was."""
    principal = g.get("principal")
    if request.method != "POST" or principal is None or principal.client_id is not None:
        return None
    if getattr(current_app.view_functions.get(request.endpoint), "own_size_limit", False):
        return None  # parsing the body here would apply the app's limit, not the view's own
    try:
        key = request.form.get(FIELD)
    except RequestEntityTooLarge:
        return None  # the view says the upload is too large; nothing is stored
    if key is None:
        return None
    if not KEY.fullmatch(key):
        abort(400, "The form was not sent as this service gave it. Go back, reload the page "
                   "and try again.")
    store = services().portal.idempotency
    try:
        stored = store.begin(principal.user_id, key, _fingerprint())
    except IdempotencyRefused as refused:
        raise AlreadySent(IN_PROGRESS if refused.reason == "in_progress" else REUSED) from None
    if stored is not None:
        return _replay(stored)
    g.form_key = (principal.user_id, key, len(session.get("_flashes", [])))
    g.created_id = created_id(principal.user_id, key)
    return None


def created_once(create: Callable[[UUID | None], tuple[UUID, int]]) -> tuple[UUID, int]:
    """Run a creating command with the id the request's idempotency key gives (a form's hidden
    key or an API client's header; none without a key). When a record with that id exists, an
    earlier run of this very request (same caller, key and answers) stored it and died before
    replying: answer with that record, as the first reply would have, rather than refuse."""
    wanted = g.get("created_id")
    try:
        return create(wanted)
    except AlreadyExists:
        if wanted is None:
            raise
        return wanted, services().portal.last_position()


def settle(response):
    """After the view: keep a redirect (what a retry is answered with), else give the key
    back."""
    claimed = g.pop("form_key", None)
    if claimed is None:
        return response
    caller, key, flashes_before = claimed
    store = services().portal.idempotency
    location = response.headers.get("Location")
    if response.status_code == 201:
        location, status = request.path, 303
    else:
        status = response.status_code
    if 300 <= status < 400 and location:
        flashed = session.get("_flashes", [])[flashes_before:]
        store.finish(caller, key, StoredResponse(status=status, body=json.dumps(flashed),
                                                 headers={"Location": location}))
    else:
        store.abandon(caller, key)
    return response


def release(_error: BaseException | None = None) -> None:
    """A request that ended without a response (an error no handler answered) stored nothing
    a retry should be given: its key goes back."""
    claimed = g.pop("form_key", None)
    if claimed is not None:
        services().portal.idempotency.abandon(claimed[0], claimed[1])


def _replay(stored: StoredResponse):
    """The first submission's answer: its redirect, and its messages unless they still wait
    to be shown."""
    waiting = session.get("_flashes", [])
    for category, message in json.loads(stored.body or "[]"):
        if [category, message] not in [list(f) for f in waiting]:
            flash(message, category)
    response = redirect(stored.headers["Location"], stored.status)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _already_sent(error: AlreadySent):
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.path.startswith("/")
    return render_template("errors/error.html", status=409, title=TITLE, detail=error.detail,
                           reload=referrer.path if same_site else None), 409


def init_app(app: Flask) -> None:
    app.register_error_handler(AlreadySent, _already_sent)
    app.before_request(claim)
    app.after_request(settle)
    app.teardown_request(release)
    app.jinja_env.globals.update(form_keys=form_keys, csrf_field=csrf_field,
                                 version_field=version_field)

