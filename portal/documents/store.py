"""Where tender documents' bytes live: a content-addressed store, keyed by SHA-256.

The events say which document (name, type, size, hash) is attached to which tender; the bytes
are kept once per hash however many tenders attach them, and are checked against their hash
whenever they are read, so a file altered on disk or in the table is refused, never served.

- SQLite (one process, `make run`): a folder beside the database, ``documents/ab/abcdef…``,
  each file written to a temporary name and renamed into place, readable by the portal's user
  only. ``DOCUMENT_STORE_DIR`` moves it.
- PostgreSQL: a table, ``document_blobs``. Production runs several web processes and a
  projection process, possibly on several hosts; the database is the one store they already
  share, back up and replicate, so a folder would need a shared volume beside it. Documents
  are at most 20 MB and few, which PostgreSQL's ``bytea`` holds comfortably.

The store is not a projection: a rebuild leaves it alone, and nothing in it is derived.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from projections.database import schema_lock

# Its own metadata: the projection runner's ``create_all`` and rebuilds never touch it.
blob_metadata = sa.MetaData()
document_blobs = sa.Table(
    "document_blobs",
    blob_metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)


class DocumentMissing(LookupError):
    """The store has no (intact) copy of a document the events name."""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class DocumentStore(Protocol):
    def put(self, content: bytes) -> tuple[str, bool]:
        """Keep ``content``; return its SHA-256 and whether it was new to the store."""

    def get(self, digest: str) -> bytes:
        """The content with this SHA-256 (DocumentMissing if absent or altered)."""

    def discard(self, digest: str) -> None:
        """Remove content that no event refers to (an upload whose event was refused)."""


def _checked(digest: str) -> str:
    if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise DocumentMissing("Not a SHA-256")
    return digest


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        digest = _checked(digest)
        return self.root / digest[:2] / digest

    def put(self, content: bytes) -> tuple[str, bool]:
        digest = sha256(content)
        path = self._path(digest)
        if path.exists():
            return digest, False
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest, True

    def get(self, digest: str) -> bytes:
        try:
            content = self._path(digest).read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(digest) from None
        if sha256(content) != digest:
            raise DocumentMissing(digest)
        return content

    def discard(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)


class TableStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        with schema_lock(engine):  # web processes starting together create it once
            blob_metadata.create_all(engine)

    def put(self, content: bytes) -> tuple[str, bool]:
        digest = sha256(content)
        with self.engine.begin() as c:
            if c.execute(sa.select(document_blobs.c.sha256)
                         .where(document_blobs.c.sha256 == digest)).first():
                return digest, False
            try:
                with c.begin_nested():
                    c.execute(document_blobs.insert().values(sha256=digest, size=len(content),
                                                             content=content))
            except sa.exc.IntegrityError:  # another process stored the same bytes just now
                return digest, False
        return digest, True

    def get(self, digest: str) -> bytes:
        with self.engine.connect() as c:
            content = c.execute(sa.select(document_blobs.c.content)
                                .where(document_blobs.c.sha256 == _checked(digest))).scalar()
        if content is None or sha256(bytes(content)) != digest:
            raise DocumentMissing(digest)
        return bytes(content)

    def discard(self, digest: str) -> None:
        with self.engine.begin() as c:
            c.execute(document_blobs.delete().where(document_blobs.c.sha256 == _checked(digest)))


def store_for(services) -> DocumentStore:
    """The deployment's store: a table on PostgreSQL, a folder beside a SQLite database."""
    database = services.database
    if not database.is_sqlite:
        return TableStore(services.engine)
    folder = os.environ.get("DOCUMENT_STORE_DIR")
    root = (Path(folder) if folder
            else Path(database.url.database).expanduser().resolve().parent / "documents")
    return FolderStore(root)
