"""Accepting offers on PostgreSQL: twenty concurrent acceptances of offers of one one-place
vacancy, in threads saving through the pool's own connections; exactly one succeeds and the
rest are told the vacancy was taken meanwhile (see
tests/application/test_offer_acceptance_concurrency.py for the SQLite file)."""

from __future__ import annotations

import pytest

from portal.services.application import Portal
from projections.database import Database
from tests.application.test_offer_acceptance_concurrency import twenty_acceptances_of_one_place

pytestmark = pytest.mark.postgres


def test_twenty_concurrent_acceptances_of_a_one_place_vacancy(postgres_url):
    portal = Portal(env=Database.from_url(postgres_url).event_store_env())
    try:
        twenty_acceptances_of_one_place(portal)
    finally:
        portal.close()
