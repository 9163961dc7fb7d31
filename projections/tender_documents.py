"""Tender documents and their download log, as read models.

Which documents a tender has (name, type, size, hash, who attached them and when, and for a
withdrawn one who withdrew it, when and why) and every download (who, which, when). Who may
read them is the tender's business: views check the viewer may see the tender's documents
(``domain`` rules via the tender's read model) before calling these, and the download log
and withdrawn documents are only for the lead and partner authorities.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.tender_document import DocumentDownload, TenderDocument
from projections.base import Projection, handles
from projections.database import metadata
from projections.directory import accounts, organisations

tender_documents = sa.Table(
    "tender_documents",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tender_id", sa.Uuid, nullable=False, index=True),
    sa.Column("authority_id", sa.Uuid, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("document_type", sa.String(8), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attached_by", sa.Uuid),
    sa.Column("downloads", sa.Integer, nullable=False),
    # Set while the lead has withdrawn the document: then nobody may download it.
    sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    sa.Column("withdrawn_by", sa.Uuid),
    sa.Column("withdrawal_reason", sa.Text),
)

document_downloads = sa.Table(
    "document_downloads",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("document_id", sa.Uuid, nullable=False),
    sa.Column("tender_id", sa.Uuid, nullable=False),
    sa.Column("user_id", sa.Uuid),
    sa.Column("organisation_id", sa.Uuid),
    sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_document_downloads_document", "document_id", "downloaded_at"),
)


class TenderDocuments(Projection):
    name = "tender_documents"
    tables = (tender_documents, document_downloads)

    @handles(TenderDocument.Attached)
    def attached(self, c: sa.Connection, e) -> None:
        c.execute(tender_documents.insert().values(
            id=e.originator_id, tender_id=e.tender_id, authority_id=e.authority_id,
            name=e.name, document_type=e.document_type, size=e.size, sha256=e.sha256,
            attached_at=e.timestamp, attached_by=e.actor.user_id, downloads=0))

    @handles(TenderDocument.Withdrawn)
    def withdrawn(self, c: sa.Connection, e) -> None:
        c.execute(tender_documents.update().where(tender_documents.c.id == e.originator_id)
                  .values(withdrawn_at=e.timestamp, withdrawn_by=e.actor.user_id,
                          withdrawal_reason=e.reason))

    @handles(TenderDocument.AttachedAgain)
    def attached_again(self, c: sa.Connection, e) -> None:
        c.execute(tender_documents.update().where(tender_documents.c.id == e.originator_id)
                  .values(name=e.name, attached_at=e.timestamp, attached_by=e.actor.user_id,
                          withdrawn_at=None, withdrawn_by=None, withdrawal_reason=None))

    @handles(DocumentDownload.Recorded)
    def downloaded(self, c: sa.Connection, e) -> None:
        c.execute(document_downloads.insert().values(
            id=e.originator_id, document_id=e.document_id, tender_id=e.tender_id,
            user_id=e.actor.user_id, organisation_id=e.actor.organisation_id,
            downloaded_at=e.timestamp))
        c.execute(tender_documents.update().where(tender_documents.c.id == e.document_id)
                  .values(downloads=tender_documents.c.downloads + 1))


def documents(c: sa.Connection, tender_id: UUID, withdrawn: bool = False) -> list[dict]:
    """A tender's documents that may be downloaded (or, with ``withdrawn``, those the lead
    has withdrawn, with who, when and why), oldest first. The caller has checked the viewer
    may see them; only the lead and partners are shown withdrawn ones."""
    shown = (tender_documents.c.withdrawn_at.is_not(None) if withdrawn
             else tender_documents.c.withdrawn_at.is_(None))
    query = (sa.select(tender_documents, accounts.c.display_name.label("withdrawn_by_name"))
             .outerjoin(accounts, accounts.c.id == tender_documents.c.withdrawn_by)
             .where(tender_documents.c.tender_id == tender_id, shown)
             .order_by(tender_documents.c.attached_at, tender_documents.c.name))
    return [dict(row) for row in c.execute(query).mappings()]


def document(c: sa.Connection, tender_id: UUID, document_id: UUID) -> dict | None:
    """One document that may be downloaded (not a withdrawn one)."""
    row = c.execute(sa.select(tender_documents).where(
        tender_documents.c.id == document_id, tender_documents.c.tender_id == tender_id,
        tender_documents.c.withdrawn_at.is_(None))).mappings().first()
    return dict(row) if row else None


def downloads(c: sa.Connection, tender_id: UUID, limit: int = 200) -> list[dict]:
    """The latest downloads of a tender's documents, newest first, with who and which. Only
    for the lead and partner authorities (the caller checks): providers never see who else
    downloaded."""
    query = (sa.select(document_downloads.c.downloaded_at, tender_documents.c.name,
                       accounts.c.display_name, organisations.c.name.label("organisation"))
             .join(tender_documents, tender_documents.c.id == document_downloads.c.document_id)
             .outerjoin(accounts, accounts.c.id == document_downloads.c.user_id)
             .outerjoin(organisations,
                        organisations.c.id == document_downloads.c.organisation_id)
             .where(document_downloads.c.tender_id == tender_id)
             .order_by(document_downloads.c.downloaded_at.desc()).limit(limit))
    return [dict(row) for row in c.execute(query).mappings()]


def hash_in_use(engine: sa.Engine, sha256: str) -> bool:
    """Whether any attached document has this content (so its bytes must be kept)."""
    with engine.connect() as c:
        return c.execute(sa.select(tender_documents.c.id)
                         .where(tender_documents.c.sha256 == sha256).limit(1)).first() \
            is not None
