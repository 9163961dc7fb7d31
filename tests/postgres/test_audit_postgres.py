"""Every tampering case of the verifiable log, on the real PostgreSQL server."""

from __future__ import annotations

import pytest

# Imported as a module, so pytest does not collect the SQLite class here again.
from tests.projections import test_audit_log as base

pytestmark = pytest.mark.postgres


class TestAuditOnPostgres(base.AuditScenario):
    @pytest.fixture
    def database_url(self, postgres_url):
        return postgres_url
