"""Tender documents through the real views: the lead attaches them (type from content, 20 MB,
no duplicates), the lead, partners and eligible providers download them as attachments, and
every download is an event; anyone else gets the same 404 as a missing tender."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.tender_document import DocumentDownload, TenderDocument
from portal.documents.store import document_blobs
from tests import document_files as files
from tests.web.tender_fixtures import (
    FOSTERING,
    Clock,
    as_user,
    draft,
    officer,
    open_engagement,
    provider_accounts,
)
from tests.web.test_placement_pages import field_error

PDF = files.pdf("Service specification")


@pytest.fixture
def svc(app):
    return app.extensions["portal"]


@pytest.fixture
def clock(svc) -> Clock:
    clock = Clock()
    svc.portal.clock = clock
    return clock


@pytest.fixture
def kent(client, clock):
    client.sign_in(officer("Kent"))
    return client


def upload(client, tender_id, content: bytes, name: str):
    return client.post(f"/tenders/{tender_id}/documents/", data={
        "csrf_token": client.csrf(), "document": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def events_of(svc, kind) -> list:
    portal = svc.portal
    suffix = f"{kind.__qualname__}.{'Attached' if kind is TenderDocument else 'Recorded'}"
    return [portal.mapper.to_domain_event(n)
            for n in portal.recorder.select_notifications(start=1, limit=1_000_000)
            if n.topic.endswith(suffix)]


def stored_files(svc) -> set[str]:
    """The digests of the documents held: files beside a SQLite database, rows on PostgreSQL."""
    if not svc.database.is_sqlite:
        with svc.engine.connect() as c:
            return set(c.execute(sa.select(document_blobs.c.sha256)).scalars())
    folder = Path(svc.database.url.database).parent / "documents"
    return {p.name for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def document_link(page: str, tender_id) -> str:
    return re.search(rf'href="(/tenders/{tender_id}/documents/[0-9a-f-]{{36}})"', page).group(1)


def test_the_lead_attaches_and_every_download_is_recorded(kent, svc):
    tender_id = draft(svc)
    page = kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "No documents have been attached" in page and "Attach a document" in page
    response = upload(kent, tender_id, PDF, "Specification.pdf")
    assert response.status_code == 303
    page = kent.get(response.headers["Location"]).get_data(as_text=True)
    assert "Specification.pdf attached" in page and "Specification.pdf" in page
    assert "Nobody has downloaded" in page
    [attached] = events_of(svc, TenderDocument)
    assert (attached.name, attached.document_type, attached.size) == (
        "Specification.pdf", "pdf", len(PDF))
    assert stored_files(svc) == {attached.sha256}

    download = kent.get(document_link(page, tender_id))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Specification.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    [recorded] = events_of(svc, DocumentDownload)
    assert recorded.document_id == attached.originator_id
    assert recorded.actor.organisation_id == officer("Kent").organisation_id
    page = kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "Kent placements officer" in page  # the download log


def test_every_accepted_type_and_more_than_the_apps_two_megabytes(kent, svc):
    tender_id = draft(svc)
    big_csv = b"lot,places\n" + b"Kent homes,10\n" * 250_000  # 3.5 MB
    for content, name in ((files.docx(), "Specification.docx"), (files.xlsx(), "Prices.xlsx"),
                          (files.odt(), "Terms.odt"), (big_csv, "Places.csv")):
        assert upload(kent, tender_id, content, name).status_code == 303, name
    assert [e.document_type for e in events_of(svc, TenderDocument)] == [
        "docx", "xlsx", "odt", "csv"]


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"", "Empty.pdf", "The selected file is empty"),
    (files.exe(), "Specification.pdf", "must be a PDF, Word (DOCX), Excel (XLSX)"),
    (files.docm(), "Macros.docx", "must be a PDF, Word (DOCX), Excel (XLSX)"),
    (files.png(), "Chart.pdf", "must be a PDF, Word (DOCX), Excel (XLSX)"),
    (PDF, "Specification.docx", "is a PDF but its name does not end .pdf"),
    (b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024), "Huge.pdf", "must be smaller than 20 MB"),
    (b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024), "Huger.pdf", "must be smaller than 20 MB"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(kent, svc, content, name, message):
    tender_id = draft(svc)
    before = svc.portal.last_position()
    response = upload(kent, tender_id, content, name)
    assert response.status_code in (413, 422)
    page = response.get_data(as_text=True)
    assert message in field_error(page, "document")
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert svc.portal.last_position() == before
    assert stored_files(svc) == set()


def test_no_file_and_a_duplicate_are_refused(kent, svc):
    tender_id = draft(svc)
    response = kent.post(f"/tenders/{tender_id}/documents/", data={
        "csrf_token": kent.csrf()}, content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "document") == "Select a document"
    assert upload(kent, tender_id, PDF, "Specification.pdf").status_code == 303
    before = svc.portal.last_position()
    again = upload(kent, tender_id, PDF, "Specification (copy).pdf")
    assert field_error(again.get_data(as_text=True), "document") == \
        "This document is already attached to this tender"
    assert svc.portal.last_position() == before
    # The same file for another tender is attached, and its bytes kept once.
    other = draft(svc, title="Another tender")
    assert upload(kent, other, PDF, "Specification.pdf").status_code == 303
    assert len(stored_files(svc)) == 1


def test_the_upload_needs_a_csrf_token(kent, svc):
    tender_id = draft(svc)
    response = kent.post(f"/tenders/{tender_id}/documents/", data={
        "document": (io.BytesIO(PDF), "Specification.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert events_of(svc, TenderDocument) == []


def test_who_may_see_and_download(kent, svc, clock):
    tender_id = draft(svc)
    assert upload(kent, tender_id, PDF, "Specification.pdf").status_code == 303
    link = document_link(kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True),
                         tender_id)
    client = kent
    # A partner reads and downloads, sees the log, but cannot attach.
    as_user(client, officer("Portsmouth"))
    page = client.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "Specification.pdf" in page and "Attach a document" not in page
    assert "Downloads" in page
    assert client.get(link).status_code == 200
    assert upload(client, tender_id, files.docx(), "Other.docx").status_code == 403
    # A council outside the partnership, and a provider while the tender is a draft: 404.
    as_user(client, officer("Dorset"))
    assert client.get(f"/tenders/{tender_id}/documents/").status_code == 404
    assert client.get(link).status_code == 404
    provider = provider_accounts()[0]
    as_user(client, provider)
    assert client.get(f"/tenders/{tender_id}/documents/").status_code == 404
    assert client.get(link).status_code == 404
    assert len(events_of(svc, DocumentDownload)) == 1
    # Once published, an eligible provider downloads; it never sees who else did.
    open_engagement(svc, tender_id)
    page = client.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "Specification.pdf" in page and "Downloads" not in page
    assert "placements officer" not in page
    assert client.get(link).data == PDF
    downloads = events_of(svc, DocumentDownload)
    assert [d.actor.organisation_id for d in downloads][-1] == provider.organisation_id


def test_a_provider_not_eligible_gets_nothing(client, svc, clock):
    fostering = draft(svc, lots=[FOSTERING], title="Kent fostering framework")
    kent_client = as_user(client, officer("Kent"))
    assert upload(kent_client, fostering, PDF, "Specification.pdf").status_code == 303
    link = document_link(kent_client.get(f"/tenders/{fostering}/documents/")
                         .get_data(as_text=True), fostering)
    open_engagement(svc, fostering)
    as_user(client, provider_accounts()[0])  # a children's home operator
    assert client.get(f"/tenders/{fostering}/documents/").status_code == 404
    assert client.get(link).status_code == 404
    assert events_of(svc, DocumentDownload) == []


def test_the_tender_pages_list_the_documents(kent, svc):
    tender_id = draft(svc)
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert 'id="documents"' in page and "No documents have been attached" in page
    assert "Attach documents and see who downloaded them" in page
    assert upload(kent, tender_id, PDF, "Specification.pdf").status_code == 303
    page = kent.get(f"/tenders/{tender_id}").get_data(as_text=True)
    assert document_link(page, tender_id) and "Specification.pdf" in page
    open_engagement(svc, tender_id)
    as_user(kent, provider_accounts()[0])
    page = kent.get(f"/opportunities/{tender_id}").get_data(as_text=True)
    assert "Specification.pdf" in page and "All documents" in page
    assert kent.get(document_link(page, tender_id)).data == PDF


def withdraw(client, tender_id, link: str, reason: str):
    return client.post(f"{link}/withdraw", data={"csrf_token": client.csrf(), "reason": reason})


def test_the_lead_withdraws_a_document_saying_why_and_may_attach_it_again(kent, svc, clock):
    tender_id = draft(svc)
    assert upload(kent, tender_id, PDF, "Specification.pdf").status_code == 303
    open_engagement(svc, tender_id)
    link = document_link(kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True),
                         tender_id)
    page = kent.get(f"{link}/withdraw").get_data(as_text=True)
    assert "Withdraw Specification.pdf" in page
    before = svc.portal.last_position()
    refused = withdraw(kent, tender_id, link, "  ")
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "reason") == \
        "Say why the document is being withdrawn"
    assert svc.portal.last_position() == before

    response = withdraw(kent, tender_id, link, "Replaced by version 2")
    assert response.status_code == 302
    page = kent.get(response.headers["Location"]).get_data(as_text=True)
    assert "Specification.pdf withdrawn" in page
    assert "Withdrawn documents" in page and "Replaced by version 2" in page
    assert "Every document attached to this tender has been withdrawn" in page
    assert link not in page.replace(f"{link}/withdraw", "")
    assert kent.get(link).status_code == 404
    assert kent.get(f"{link}/withdraw").status_code == 404  # already withdrawn
    # A partner sees why; an eligible provider no longer sees it at all.
    as_user(kent, officer("Portsmouth"))
    page = kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "Replaced by version 2" in page and "/withdraw" not in page
    as_user(kent, provider_accounts()[0])
    page = kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert "Specification.pdf" not in page and "Withdrawn documents" not in page
    assert kent.get(link).status_code == 404
    assert events_of(svc, DocumentDownload) == []
    # The same file attached again is downloadable again, under its new name.
    as_user(kent, officer("Kent"))
    assert upload(kent, tender_id, PDF, "Specification v2.pdf").status_code == 303
    page = kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True)
    assert document_link(page, tender_id) == link and "Specification v2.pdf" in page
    assert "Withdrawn documents" not in page
    as_user(kent, provider_accounts()[0])
    assert kent.get(link).data == PDF
    assert len(stored_files(svc)) == 1


def test_only_the_lead_withdraws(kent, svc, clock):
    tender_id = draft(svc)
    assert upload(kent, tender_id, PDF, "Specification.pdf").status_code == 303
    open_engagement(svc, tender_id)
    link = document_link(kent.get(f"/tenders/{tender_id}/documents/").get_data(as_text=True),
                         tender_id)
    for account, status in ((officer("Portsmouth"), 403), (officer("Dorset"), 404),
                            (provider_accounts()[0], 403)):
        as_user(kent, account)
        assert kent.get(f"{link}/withdraw").status_code == status, account.organisation
        assert withdraw(kent, tender_id, link, "Not mine").status_code == status
    notifications = svc.portal.recorder.select_notifications(start=1, limit=1_000_000)
    assert not [n for n in notifications if n.topic.endswith("TenderDocument.Withdrawn")]
    assert kent.get(link).data == PDF  # still there for the provider
