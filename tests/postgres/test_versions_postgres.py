"""Versioned rebuilds of read models (a bump, a schema change without one, tables from before
versions were recorded, a new projection) on the real PostgreSQL server, where the shadow
tables are another schema moved into place."""

from __future__ import annotations

import pytest

# Imported as a module, not by name, so pytest does not collect the SQLite class here again.
from tests.projections import test_versions as base

pytestmark = pytest.mark.postgres


class TestVersionsOnPostgres(base.VersionScenario):
    @pytest.fixture
    def database_url(self, postgres_url):
        return postgres_url
