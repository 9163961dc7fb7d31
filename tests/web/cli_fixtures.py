"""The `portal` command line as the tests run it: on one database, with its instance folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner


def command_line(monkeypatch: pytest.MonkeyPatch, url: str, instance: Path) -> CliRunner:
    """A runner of `portal` commands on the database at ``url`` (DATABASE_URL), keeping its
    files (keys, witness copy) in ``instance`` (PORTAL_INSTANCE_DIR)."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(instance))
    monkeypatch.setenv("SECRET_KEY", "cli-test")
    return CliRunner()
