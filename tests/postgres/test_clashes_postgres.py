"""Version clashes on PostgreSQL: twenty concurrent commands on one record, in threads (each
saving through the pool's own connections), are saved, refused by the domain or answered with
a Conflict; never the event store's integrity error. See tests/web/test_version_clashes.py."""

from __future__ import annotations

from collections import Counter

import pytest

from domain.actor import Actor
from domain.errors import Conflict, IllegalTransition
from portal.bootstrap import bootstrap
from tests.web.test_version_clashes import (
    CONCURRENT,
    all_at_once,
    another_process,
    clash_before_saving,
    publish_vacancy,
    region,
)

pytestmark = pytest.mark.postgres

SYSTEM = Actor.system()


@pytest.fixture
def services(postgres_url):
    svc = bootstrap(postgres_url)
    yield svc
    svc.close()


def test_twenty_concurrent_fills_of_a_one_place_vacancy(services):
    vacancy = publish_vacancy(services.portal, region(services.portal))
    outcomes = Counter(type(r).__name__ for r in all_at_once(
        CONCURRENT, lambda i: services.portal.fill_vacancy(SYSTEM, vacancy, reason=f"{i}")))
    assert outcomes == {"int": 1, "IllegalTransition": CONCURRENT - 1}, outcomes
    assert services.portal.get_vacancy(vacancy).version == 2


def test_twenty_concurrent_edits(services):
    vacancy = publish_vacancy(services.portal, region(services.portal))
    outcomes = Counter(type(r).__name__ for r in all_at_once(
        CONCURRENT, lambda i: services.portal.update_vacancy(SYSTEM, vacancy,
                                                             weekly_fee=5000 + i)))
    assert set(outcomes) <= {"int", "Conflict"}, outcomes
    assert services.portal.get_vacancy(vacancy).version == 1 + outcomes["int"]


def test_a_clash_forced_between_load_and_save(services, monkeypatch):
    vacancy = publish_vacancy(services.portal, region(services.portal))
    other = another_process(services)  # not the SQLite tests' fixture: this is PostgreSQL
    try:
        clash_before_saving(monkeypatch, services.portal,
                            lambda: other.fill_vacancy(SYSTEM, vacancy, reason="theirs"))
        with pytest.raises(IllegalTransition, match="is filled"):
            services.portal.fill_vacancy(SYSTEM, vacancy, reason="ours")
        edited = publish_vacancy(services.portal, services.portal.get_vacancy(vacancy)
                                 .provider_id)
        fees = iter([4100, 4200])
        clash_before_saving(monkeypatch, services.portal, lambda: other.update_vacancy(
            SYSTEM, edited, weekly_fee=next(fees)), times=2)
        with pytest.raises(Conflict):
            services.portal.update_vacancy(SYSTEM, edited, description="Ours")
        assert services.portal.get_vacancy(edited).weekly_fee == 4200
    finally:
        other.close()
