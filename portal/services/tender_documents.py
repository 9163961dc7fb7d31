"""Tender document commands (attach a document to a tender, withdraw it, record a download)
and deadline reminders.

A mixin of :class:`~portal.services.application.Portal`. Only the lead authority attaches documents
(the system actor, e.g. the demo loader, may too). A document may be read by the lead and the
partner authorities, and by providers eligible to answer the tender once it has been published
(any stage after draft); the same rule guards the download record, so no view can hand a
document to anyone else without the domain refusing to record it.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition, NotFound
from domain.organisation import Provider
from domain.tender import Tender
from domain.tender_document import DocumentDownload, TenderDocument, tender_document_id
from domain.tender_reminder import DeadlineReminder, reminder_due, reminder_id
from portal.services.clashes import retried_on_clash

ALREADY_ATTACHED = "This document is already attached to this tender"


class TenderDocumentCommands:
    """Needs ``_get``, ``_save``, ``_create``, ``exists``, ``get_tender``, ``_lead_tender`` and
    ``check_eligible`` (Portal and its TenderCommands)."""

    def document_attached(self, tender_id: UUID, sha256: str) -> bool:
        """Whether this content is attached to this tender now (checked before the bytes are
        stored, so a duplicate upload stores nothing). A withdrawn document is not."""
        ref = tender_document_id(tender_id, sha256)
        return self.exists(ref) and not self._get(ref, TenderDocument, "document").withdrawn

    @retried_on_clash
    def attach_tender_document(self, actor: Actor, tender_id: UUID, *, name: str,
                               document_type: str, size: int, sha256: str,
                               reason: str | None = None) -> tuple[UUID, int]:
        tender = self._lead_tender(actor, tender_id)
        if tender.stage == "cancelled":
            raise IllegalTransition("This tender has been cancelled: documents can no longer "
                                    "be attached", field="document")
        ref = tender_document_id(tender_id, sha256)
        if self.exists(ref):  # attached before: refused, or attached again if withdrawn
            document = self._get(ref, TenderDocument, "document")
            document.attach_again(name=name, actor=actor, reason=reason)
            return document.id, self._save(document)
        document = TenderDocument.attach(tender_id=tender_id,
                                         authority_id=tender.lead_authority_id, name=name,
                                         document_type=document_type, size=size,
                                         sha256=sha256, actor=actor, reason=reason)
        position = self._create(document, ALREADY_ATTACHED)
        return document.id, position

    @retried_on_clash
    def withdraw_tender_document(self, actor: Actor, tender_id: UUID, document_id: UUID, *,
                                 reason: str | None) -> int:
        """Only the lead withdraws a document; the reason is recorded with it."""
        self._lead_tender(actor, tender_id)
        document = self._get(document_id, TenderDocument, "document")
        if document.tender_id != tender_id:
            raise NotFound("There is no such document")
        document.withdraw(actor=actor, reason=reason)
        return self._save(document)

    def may_read_tender_documents(self, actor: Actor, tender: Tender) -> bool:
        """The lead and partners always; an eligible provider once the tender is published."""
        if actor.user_id is None:
            return True
        organisation = actor.organisation_id
        if organisation == tender.lead_authority_id or organisation in tender.partner_ids:
            return True
        if tender.stage == "draft" or organisation is None:
            return False
        try:
            provider = self._get(organisation, Provider, "provider")
            self.check_eligible(tender, provider)
        except DomainError:
            return False
        return True

    def get_tender_document(self, actor: Actor, tender_id: UUID,
                            document_id: UUID) -> TenderDocument:
        """The document, if ``actor`` may read it; NotFound otherwise (as for a missing one)."""
        document = self._get(document_id, TenderDocument, "document")
        if document.tender_id != tender_id or document.withdrawn:
            raise NotFound("There is no such document")
        if not self.may_read_tender_documents(actor, self.get_tender(tender_id)):
            raise NotFound("There is no such document")
        return document

    def record_document_download(self, actor: Actor, tender_id: UUID,
                                 document_id: UUID) -> int:
        """Audit one download: who downloaded which document, when (the event's time)."""
        document = self.get_tender_document(actor, tender_id, document_id)
        return self._save(DocumentDownload.record(document=document, actor=actor))


class TenderReminderCommands:
    """Issuing deadline reminders (see :mod:`domain.tender_reminder`)."""

    def issue_deadline_reminders(self, tender_ids: list[UUID]) -> tuple[int, int]:
        """Remind providers of every near deadline among these tenders (the candidates a read
        model offers; each is checked here against the tender itself and the server's clock).
        Returns how many reminders were issued and the position of the last event."""
        now = self._now()
        issued = 0
        for tender_id in tender_ids:
            tender = self.get_tender(tender_id)
            due = reminder_due(tender.stage, tender.timetable, now)
            if due is None:
                continue
            name, deadline = due
            ref = reminder_id(tender_id, name, deadline)
            if self.exists(ref):
                continue
            reminder = DeadlineReminder(id=ref, tender_id=tender_id,
                                        authority_id=tender.lead_authority_id,
                                        deadline_name=name, deadline=deadline,
                                        actor=Actor.system(), reason=None)
            try:
                self._save(reminder)
            except IntegrityError:  # another process issued it a moment ago
                continue
            issued += 1
        return issued, self.last_position()
