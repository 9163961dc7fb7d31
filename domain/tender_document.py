"""Tender documents and their downloads.

A document's bytes live in a content-addressed store (``portal/documents/store.py``); the
events record what was attached to which tender (its name, type, size and SHA-256) and who
downloaded it when. A document's id comes from its tender and its hash, so the event store
itself refuses the same file attached twice to one tender. Each download is its own record
(one event each), so downloads never contend with each other or with the document.
"""

from __future__ import annotations

import re
import unicodedata
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import AlreadyExists, DomainError, IllegalTransition

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_DOCUMENT_TEXT = "20 MB"
MAX_NAME_LENGTH = 200
MAX_REASON_LENGTH = 500
DOCUMENT_TYPES = ("pdf", "docx", "xlsx", "odt", "csv")
SHA256 = re.compile(r"[0-9a-f]{64}")
_NAMESPACE = uuid5(NAMESPACE_URL, "https://sufficiency-portal.example/tender-documents")


def tender_document_id(tender_id: UUID, sha256: str) -> UUID:
    return uuid5(_NAMESPACE, f"{tender_id.hex}:{sha256}")


def clean_name(name: str) -> str:
    """The name a document is shown and downloaded under: the last part of what the browser
    sent (some send a whole Windows path), without control characters, at most 200
    characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_NAME_LENGTH - len(extension) - 1
        name = f"{stem[:keep]}.{extension}" if dot and 0 < len(extension) < 10 else \
            name[:MAX_NAME_LENGTH]
    return name


class TenderDocument(PortalAggregate):
    id: UUID

    @event("Attached")
    def __init__(self, *, tender_id: UUID, authority_id: UUID, name: str, document_type: str,
                 size: int, sha256: str, actor: Actor, reason: str | None) -> None:
        self.tender_id = tender_id
        self.authority_id = authority_id
        self.name = name
        self.document_type = document_type
        self.size = size
        self.sha256 = sha256
        self.withdrawn = False

    @classmethod
    def attach(cls, *, tender_id: UUID, authority_id: UUID, name: str, document_type: str,
               size: int, sha256: str, actor: Actor,
               reason: str | None = None) -> TenderDocument:
        name = clean_name(name)
        if not name:
            raise DomainError("The selected file needs a name", field="document")
        if document_type not in DOCUMENT_TYPES:
            raise DomainError("The selected file must be a PDF, Word (DOCX), Excel (XLSX), "
                              "OpenDocument text (ODT) or CSV file", field="document")
        if size <= 0:
            raise DomainError("The selected file is empty", field="document")
        if size > MAX_DOCUMENT_BYTES:
            raise DomainError(f"The selected file must be smaller than {MAX_DOCUMENT_TEXT}",
                              field="document")
        if not SHA256.fullmatch(sha256):
            raise DomainError("The document's SHA-256 must be 64 hexadecimal characters")
        return cls(id=tender_document_id(tender_id, sha256), tender_id=tender_id,
                   authority_id=authority_id, name=name, document_type=document_type,
                   size=size, sha256=sha256, actor=actor, reason=reason)


    def withdraw(self, *, actor: Actor, reason: str | None) -> None:
        """Take the document off its tender (attached in error, or superseded): nobody can
        download it any more, while its record and every download stay in the history."""
        if self.withdrawn:
            raise IllegalTransition("This document has already been withdrawn", field="reason")
        reason = " ".join((reason or "").split())
        if not reason:
            raise DomainError("Say why the document is being withdrawn", field="reason")
        if len(reason) > MAX_REASON_LENGTH:
            raise DomainError(f"The reason must be {MAX_REASON_LENGTH} characters or fewer",
                              field="reason")
        self._withdrawn(actor=actor, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, *, actor: Actor, reason: str) -> None:
        self.withdrawn = True

    def attach_again(self, *, name: str, actor: Actor, reason: str | None = None) -> None:
        """The same content attached again after it was withdrawn (under the name it now
        has): downloadable once more."""
        if not self.withdrawn:
            raise AlreadyExists("This document is already attached to this tender",
                                field="document")
        name = clean_name(name)
        if not name:
            raise DomainError("The selected file needs a name", field="document")
        self._attached_again(name=name, actor=actor, reason=reason)

    @event("AttachedAgain")
    def _attached_again(self, *, name: str, actor: Actor, reason: str | None) -> None:
        self.name = name
        self.withdrawn = False


class DocumentDownload(PortalAggregate):
    """One download of one tender document: who, which, when (the event's timestamp)."""

    id: UUID

    @event("Recorded")
    def __init__(self, *, document_id: UUID, tender_id: UUID, authority_id: UUID, name: str,
                 actor: Actor, reason: str | None) -> None:
        self.document_id = document_id
        self.name = name
        self.tender_id = tender_id
        self.authority_id = authority_id

    @classmethod
    def record(cls, *, document: TenderDocument, actor: Actor) -> DocumentDownload:
        return cls(id=uuid4(), document_id=document.id, tender_id=document.tender_id,
                   authority_id=document.authority_id, name=document.name, actor=actor,
                   reason=None)
