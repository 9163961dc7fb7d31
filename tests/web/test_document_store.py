"""The content-addressed document store: bytes kept once per SHA-256, checked on every read,
in a folder (SQLite deployments) or a table (PostgreSQL; the table store also runs on SQLite,
so both are tested here, and on the real PostgreSQL server in tests/postgres)."""

from __future__ import annotations

import hashlib
import stat

import pytest
import sqlalchemy as sa

from portal.documents.store import DocumentMissing, FolderStore, TableStore, document_blobs


@pytest.fixture(params=["folder", "table"])
def store(request, tmp_path):
    if request.param == "folder":
        yield FolderStore(tmp_path / "documents")
        return
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'blobs.db'}")
    yield TableStore(engine)
    engine.dispose()


def test_bytes_are_kept_once_by_their_hash(store):
    content = b"%PDF-1.7 specification"
    digest = hashlib.sha256(content).hexdigest()
    assert store.put(content) == (digest, True)
    assert store.put(content) == (digest, False)
    assert store.get(digest) == content
    store.discard(digest)
    with pytest.raises(DocumentMissing):
        store.get(digest)


def test_a_missing_or_malformed_hash_is_missing(store):
    with pytest.raises(DocumentMissing):
        store.get("0" * 64)
    with pytest.raises(DocumentMissing):
        store.get("../../etc/passwd")


def test_an_altered_file_is_never_served(tmp_path):
    store = FolderStore(tmp_path / "documents")
    digest, _ = store.put(b"original")
    path = tmp_path / "documents" / digest[:2] / digest
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_bytes(b"altered")
    with pytest.raises(DocumentMissing):
        store.get(digest)


def test_an_altered_row_is_never_served(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'blobs.db'}")
    store = TableStore(engine)
    digest, _ = store.put(b"original")
    with engine.begin() as c:
        c.execute(document_blobs.update().values(content=b"altered"))
    with pytest.raises(DocumentMissing):
        store.get(digest)
    engine.dispose()
