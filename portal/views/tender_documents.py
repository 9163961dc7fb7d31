"""A tender's documents: the lead attaches them (and may withdraw one, saying why); the lead,
the partners and (once published) eligible providers download them, and every download is
recorded as an event.

The type is read from the file's bytes (``portal/documents/sniff.py``), never from its name or
the browser's content type; the bytes are kept once per SHA-256 (``portal/documents/store.py``)
before the command that attaches them (``portal/documents/uploads.py``).
Downloads are always attachments with the sniffed type and ``nosniff``, so a browser never
renders an uploaded file as a page of the portal.
"""

from __future__ import annotations

import io
from uuid import UUID

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from domain.errors import DomainError, NotFound
from domain.tender_document import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_TEXT, clean_name
from portal.documents.sniff import TYPES
from portal.documents.store import DocumentMissing, DocumentStore, store_for
from portal.documents.uploads import attach_upload, read_upload
from portal.extensions import csrf
from portal.forms import FormResult, load
from portal.security import current_principal, requires, services
from portal.tender_schemas import WithdrawDocumentSchema
from portal.views.tender_helpers import kept, run
from projections import tender_documents as td
from projections import tender_queries as tq

bp = Blueprint("tender_documents", __name__, url_prefix="/tenders/<uuid:tender_id>/documents")

# One document at the limit and the form around it: for this route only (the portal's other
# forms keep the app's small MAX_CONTENT_LENGTH).
UPLOAD_LIMIT = MAX_DOCUMENT_BYTES + 256 * 1024
# Who sees a tender's documents (tender_queries.viewer_role): not other councils of the
# partnership, nor auditors (who read the events, names and hashes, in the audit log).
READERS = ("lead", "partner", "provider")
COUNCIL = ("lead", "partner")


@bp.record_once
def _setup(state) -> None:
    app = state.app
    app.extensions["documents"] = store_for(app.extensions["portal"])
    app.jinja_env.globals["tender_documents_for"] = documents_for


def _store() -> DocumentStore:
    return current_app.extensions["documents"]


def documents_for(tender: dict) -> dict:
    """What the documents panel of a tender page shows to the signed-in viewer."""
    role = tender.get("viewer_role")
    if role not in READERS:
        return {"shown": False}
    with services().engine.connect() as c:
        documents = td.documents(c, tender["id"])
        withdrawn = td.documents(c, tender["id"], withdrawn=True) if role in COUNCIL else []
    return {"shown": True, "documents": documents, "withdrawn": withdrawn, "types": TYPES,
            "can_attach": role == "lead" and tender["stage"] != "cancelled",
            "can_withdraw": role == "lead"}


def _tender(tender_id: UUID) -> dict:
    with services().engine.connect() as c:
        tender = tq.tender_detail(g.principal, c, tender_id)
    if tender["viewer_role"] not in READERS:
        raise NotFound("There is no such tender")
    return tender


def _page(tender_id: UUID, form: FormResult | None = None, status: int = 200):
    tender = _tender(tender_id)
    with services().engine.connect() as c:
        downloads = td.downloads(c, tender_id) if tender["viewer_role"] in COUNCIL else []
    return render_template("tender_documents/index.html", tender=tender,
                           panel=documents_for(tender), downloads=downloads,
                           form=form or FormResult(), max_size=MAX_DOCUMENT_TEXT), status


@bp.get("/")
@requires("tenders.view")
def index(tender_id: UUID):
    return _page(tender_id)


@bp.post("/")
@csrf.exempt  # checked below, once this route's own size limit is in force
@requires("tenders.lead")
def upload(tender_id: UUID):
    request.max_content_length = UPLOAD_LIMIT
    form = FormResult()
    try:
        csrf.protect()
        storage = request.files.get("document")
    except RequestEntityTooLarge:
        form.errors["document"] = f"The selected file must be smaller than {MAX_DOCUMENT_TEXT}"
        return _page(tender_id, form, 413)
    if _tender(tender_id)["viewer_role"] != "lead":
        abort(403)
    try:
        document = read_upload(storage)
        position = attach_upload(services(), _store(), g.principal.actor, tender_id, document)
    except DomainError as error:
        form.errors["document"] = error.message
        return _page(tender_id, form, 422)
    services().projections.wait_for(position)
    flash(f"{clean_name(document.name)} attached")
    return redirect(url_for("tender_documents.index", tender_id=tender_id), 303)


@bp.route("/<uuid:document_id>/withdraw", methods=["GET", "POST"])
@requires("tenders.lead")
def withdraw(tender_id: UUID, document_id: UUID):
    """The lead takes a document off the tender, saying why; it stays in the history."""
    tender = _tender(tender_id)
    if tender["viewer_role"] != "lead":
        abort(403 if tender["viewer_role"] == "partner" else 404)
    with services().engine.connect() as c:
        document = td.document(c, tender_id, document_id)
    if document is None:
        abort(404)
    form = FormResult()
    if request.method == "POST":
        form = load(WithdrawDocumentSchema(), request.form.to_dict())
        if form.ok:
            done = run(form, lambda: services().portal.withdraw_tender_document(
                g.principal.actor, tender_id, document_id, reason=form.data["reason"]),
                fields={"reason"}, default="reason",
                message=f"{document['name']} withdrawn",
                then=lambda _: url_for("tender_documents.index", tender_id=tender_id))
            if done:
                return done
        kept(form, request.form.to_dict())
    return render_template("tender_documents/withdraw.html", tender=tender, document=document,
                           form=form), 200 if form.ok else 422


@bp.get("/<uuid:document_id>")
@requires("tenders.view")
def download(tender_id: UUID, document_id: UUID):
    _tender(tender_id)
    with services().engine.connect() as c:
        document = td.document(c, tender_id, document_id)
    if document is None:
        abort(404)
    try:
        content = _store().get(document["sha256"])
    except DocumentMissing:
        current_app.logger.error("tender document missing or altered in the store",
                                 extra={"document_id": str(document_id)})
        abort(500)
    # Recorded before a byte is sent; the domain checks the reader may have it.
    position = services().portal.record_document_download(current_principal().actor,
                                                           tender_id, document_id)
    services().projections.wait_for(position)
    response = send_file(io.BytesIO(content), mimetype=TYPES[document["document_type"]]
                         .media_type, as_attachment=True, download_name=document["name"],
                         max_age=0, etag=document["sha256"], conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
