"""Tender documents on PostgreSQL: the deployment's store is the ``document_blobs`` table, and
a document round-trips through it."""

from __future__ import annotations

import pytest

from portal.bootstrap import bootstrap
from portal.documents.store import TableStore, store_for

pytestmark = pytest.mark.postgres


def test_postgres_deployments_keep_documents_in_a_table(postgres_url):
    services = bootstrap(postgres_url)
    try:
        store = store_for(services)
        assert isinstance(store, TableStore)
        content = b"%PDF-1.7 " + bytes(range(256)) * 1000
        digest, new = store.put(content)
        assert new and store.put(content) == (digest, False)
        assert store.get(digest) == content
    finally:
        services.close()
