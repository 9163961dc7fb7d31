"""Secret keys kept in files outside the database, created owner-only on first use."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet


def fernet_key_file(path: Path) -> bytes:
    """The Fernet key in ``path``, written there first if there is none (when two processes
    start together, the first to create the file wins and both read its key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(Fernet.generate_key())
    return path.read_bytes().strip()
