"""An uploaded tender document, from the request's file to a document attached to the tender:
its type read from its bytes (``sniff``), its bytes kept once in the store (``store``), and the
application's one command that attaches it.

Bytes are stored before the event that names them, so a reader never meets an event whose
document is missing; bytes stored for an attachment the domain then refuses are discarded
again, unless a document of another tender has the same content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from werkzeug.datastructures import FileStorage

from domain.actor import Actor
from domain.errors import DomainError
from domain.tender_document import MAX_DOCUMENT_BYTES, MAX_DOCUMENT_TEXT, clean_name
from portal.documents.sniff import sniff
from portal.documents.store import DocumentStore, sha256
from portal.services.tender_documents import ALREADY_ATTACHED
from projections import tender_documents as td

if TYPE_CHECKING:
    from portal.bootstrap import Services


@dataclass(frozen=True)
class UploadedDocument:
    """A file as the lead uploaded it: the name the browser sent, the bytes (read to one byte
    over the limit) and the type its content shows."""

    name: str
    content: bytes
    document_type: str

    @property
    def sha256(self) -> str:
        return sha256(self.content)


def read_upload(storage: FileStorage | None) -> UploadedDocument:
    """The uploaded file and its type; a refusal (no file, an empty or too large one, a name
    that does not match the content) says what is wrong, beside the document field."""
    if storage is None or not storage.filename:
        raise DomainError("Select a document", field="document")
    content = storage.read(MAX_DOCUMENT_BYTES + 1)
    return UploadedDocument(name=storage.filename, content=content,
                            document_type=document_type(content, storage.filename))


def document_type(content: bytes, filename: str) -> str:
    """The document's type code, from its content; refusals say what is wrong."""
    if not content:
        raise DomainError("The selected file is empty", field="document")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError(f"The selected file must be smaller than {MAX_DOCUMENT_TEXT}",
                          field="document")
    found = sniff(content)
    name = clean_name(filename).lower()
    if not name.endswith(found.extensions):
        raise DomainError(f"The selected file is {found.described} but its name does not end "
                          f"{found.extensions[0]}: rename it and upload it again",
                          field="document")
    return found.code


def attach_upload(services: Services, store: DocumentStore, actor: Actor, tender_id: UUID,
                  document: UploadedDocument) -> int:
    """Keep the document's bytes and attach it to the tender (``attach_tender_document``);
    returns the notification id of the attachment. The same content attached to the tender
    already is refused before a byte is stored."""
    digest = document.sha256
    portal = services.portal
    if portal.document_attached(tender_id, digest):
        raise DomainError(ALREADY_ATTACHED, field="document")
    _, new = store.put(document.content)
    try:
        _, position = portal.attach_tender_document(
            actor, tender_id, name=document.name, document_type=document.document_type,
            size=len(document.content), sha256=digest)
    except Exception:
        if new and not td.hash_in_use(services.engine, digest):
            store.discard(digest)
        raise
    return position
