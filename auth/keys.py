"""Secret keys kept in files outside the database, created owner-only on first use."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def secret_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret in ``path``, written there first (readable by its owner only) from ``make``
    if there is none. When two processes start together, the first to create the file wins
    and both read its secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(make())
    return path.read_bytes()


def fernet_key_file(path: Path) -> bytes:
    """The Fernet key in ``path``, generated on first use."""
    return secret_file(path, Fernet.generate_key).strip()
