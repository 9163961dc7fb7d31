"""Tender documents and deadline reminders in the domain: who may attach and read, the
duplicate refused by the event store, and reminders issued once per deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eventsourcing.application import Application

from domain.errors import AlreadyExists, DomainError, NotFound, PermissionDenied
from domain.tender_document import MAX_DOCUMENT_BYTES, DocumentDownload, clean_name
from domain.tender_reminder import DeadlineReminder, reminder_id
from portal.services.application import Portal
from tests.application.tender_world import (
    BID_DEADLINE,
    CLARIFICATION_DEADLINE,
    ENGAGEMENT_CLOSES,
    LOTS,
    build_world,
    draft,
    run_to,
)

SHA = "ab" * 32
SPEC = dict(name="Specification.pdf", document_type="pdf", size=1234, sha256=SHA)


@pytest.fixture
def world():
    portal = Portal(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield build_world(portal)
    portal.close()


def events(portal: Application) -> int:
    return portal.recorder.max_notification_id() or 0


def test_the_lead_attaches_a_document_once(world):
    tender = draft(world)
    document, _ = world.portal.attach_tender_document(world.lead, tender, **SPEC)
    stored = world.portal.get_tender_document(world.lead, tender, document)
    assert (stored.name, stored.document_type, stored.size, stored.sha256) == (
        "Specification.pdf", "pdf", 1234, SHA)
    assert stored.authority_id == world.kent
    before = events(world.portal)
    with pytest.raises(AlreadyExists, match="already attached to this tender"):
        world.portal.attach_tender_document(world.lead, tender, **{**SPEC, "name": "Copy.pdf"})
    assert events(world.portal) == before
    # The same bytes may be attached to another tender.
    other = draft(world, title="Another tender")
    world.portal.attach_tender_document(world.lead, other, **SPEC)


def test_only_the_lead_attaches(world):
    tender = draft(world)
    with pytest.raises(PermissionDenied, match="Only the lead authority"):
        world.portal.attach_tender_document(world.officer(world.portsmouth), tender, **SPEC)
    with pytest.raises(NotFound):
        world.portal.attach_tender_document(world.officer(world.dorset), tender, **SPEC)
    with pytest.raises(NotFound):
        world.portal.attach_tender_document(world.provider(world.weald), tender, **SPEC)


@pytest.mark.parametrize(("changes", "message"), [
    ({"size": 0}, "The selected file is empty"),
    ({"size": MAX_DOCUMENT_BYTES + 1}, "must be smaller than 20 MB"),
    ({"document_type": "exe"}, "must be a PDF, Word (DOCX)"),
    ({"name": "  "}, "needs a name"),
    ({"sha256": "xyz"}, "SHA-256"),
])
def test_bad_documents_are_refused_and_nothing_is_stored(world, changes, message):
    tender = draft(world)
    before = events(world.portal)
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        world.portal.attach_tender_document(world.lead, tender, **{**SPEC, **changes})
    assert events(world.portal) == before


def test_a_cancelled_tender_takes_no_documents(world):
    tender = draft(world)
    world.portal.cancel_tender(world.lead, tender, reason="Budget withdrawn")
    with pytest.raises(DomainError, match="cancelled"):
        world.portal.attach_tender_document(world.lead, tender, **SPEC)


def test_the_lead_withdraws_a_document_with_a_reason_and_may_attach_it_again(world):
    tender = draft(world)
    document, _ = world.portal.attach_tender_document(world.lead, tender, **SPEC)
    before = events(world.portal)
    with pytest.raises(PermissionDenied, match="Only the lead authority"):
        world.portal.withdraw_tender_document(world.officer(world.portsmouth), tender,
                                              document, reason="Not ours")
    with pytest.raises(NotFound):
        world.portal.withdraw_tender_document(world.officer(world.dorset), tender, document,
                                              reason="Not ours")
    with pytest.raises(NotFound):
        world.portal.withdraw_tender_document(world.lead, draft(world, title="Other"),
                                              document, reason="Wrong tender")
    for reason, message in ((None, "Say why"), ("   ", "Say why"),
                            ("x" * 501, "500 characters or fewer")):
        with pytest.raises(DomainError, match=message):
            world.portal.withdraw_tender_document(world.lead, tender, document, reason=reason)
    assert events(world.portal) == before + 1  # the other tender's draft only
    world.portal.withdraw_tender_document(world.lead, tender, document,
                                          reason="  Replaced   by version 2 ")
    with pytest.raises(NotFound):
        world.portal.get_tender_document(world.lead, tender, document)
    with pytest.raises(NotFound):
        world.portal.record_document_download(world.lead, tender, document)
    with pytest.raises(DomainError, match="already been withdrawn"):
        world.portal.withdraw_tender_document(world.lead, tender, document, reason="Again")
    withdrawn = [e for e in world.portal.events.get(document)
                 if type(e).__name__ == "Withdrawn"]
    assert [e.reason for e in withdrawn] == ["Replaced by version 2"]
    assert not world.portal.document_attached(tender, SHA)
    again, _ = world.portal.attach_tender_document(world.lead, tender,
                                                   **{**SPEC, "name": "Specification v2.pdf"})
    assert again == document
    assert world.portal.get_tender_document(world.lead, tender, document).name == \
        "Specification v2.pdf"
    with pytest.raises(AlreadyExists, match="already attached to this tender"):
        world.portal.attach_tender_document(world.lead, tender, **SPEC)


def test_names_keep_only_the_file_name():
    assert clean_name("C:\\Users\\kent\\Spec v2.pdf") == "Spec v2.pdf"
    assert clean_name("../../etc/passwd\x00.pdf") == "passwd.pdf"
    long = clean_name("a" * 300 + ".docx")
    assert len(long) == 200 and long.endswith(".docx")


def test_who_may_read_and_every_download_is_recorded(world):
    tender = draft(world)
    document, _ = world.portal.attach_tender_document(world.lead, tender, **SPEC)
    portal = world.portal
    # The lead and partners always; providers not while the tender is a draft.
    portal.record_document_download(world.lead, tender, document)
    portal.record_document_download(world.officer(world.west_sussex), tender, document)
    with pytest.raises(NotFound):
        portal.record_document_download(world.provider(world.weald), tender, document)
    with pytest.raises(NotFound):
        portal.record_document_download(world.officer(world.dorset), tender, document)
    run_to(world, "market_engagement", tender=tender)
    weald = world.provider(world.weald)
    position = portal.record_document_download(weald, tender, document)
    download = portal.repository.get(
        portal.notification_log.select(position, 1)[0].originator_id)
    assert isinstance(download, DocumentDownload)
    assert (download.document_id, download.tender_id, download.name) == (
        document, tender, "Specification.pdf")
    # The document under another tender's address is no document at all.
    other = draft(world, title="Another tender")
    with pytest.raises(NotFound):
        portal.record_document_download(world.lead, other, document)


def test_a_provider_not_eligible_never_reads(world):
    tender = draft(world, lots=[LOTS[0]])  # children's homes only
    document, _ = world.portal.attach_tender_document(world.lead, tender, **SPEC)
    run_to(world, "market_engagement", tender=tender)
    with pytest.raises(NotFound):
        world.portal.record_document_download(world.provider(world.coast), tender, document)
    world.portal.record_document_download(world.provider(world.summit), tender, document)


def test_deadline_reminders_are_issued_once_per_deadline(world):
    made = run_to(world, "market_engagement")
    tender, portal = made["tender"], world.portal
    assert portal.issue_deadline_reminders([tender])[0] == 0  # four weeks away
    world.clock.set(ENGAGEMENT_CLOSES - timedelta(days=3))
    assert portal.issue_deadline_reminders([tender])[0] == 1
    world.clock.set(ENGAGEMENT_CLOSES - timedelta(days=1))
    assert portal.issue_deadline_reminders([tender, tender])[0] == 0
    reminder = portal.repository.get(reminder_id(tender, "engagement_closes",
                                                 ENGAGEMENT_CLOSES))
    assert isinstance(reminder, DeadlineReminder)
    assert (reminder.deadline_name, reminder.deadline) == ("engagement_closes",
                                                           ENGAGEMENT_CLOSES)
    world.clock.set(ENGAGEMENT_CLOSES + timedelta(minutes=1))  # passed: nothing to remind
    assert portal.issue_deadline_reminders([tender])[0] == 0
    portal.set_tender_timetable(world.lead, tender, timetable={
        "clarification_deadline": CLARIFICATION_DEADLINE, "bid_deadline": BID_DEADLINE})
    portal.publish_invitation(world.lead, tender)
    world.clock.set(BID_DEADLINE - timedelta(days=2))
    assert portal.issue_deadline_reminders([tender])[0] == 1
    assert portal.issue_deadline_reminders([tender])[0] == 0
