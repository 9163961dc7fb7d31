"""The projection process on PostgreSQL: ``ProjectionRunner.follow`` wakes on the recorder's
LISTEN/NOTIFY subscription, applies events written by another process, and stops when told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa

from domain.actor import Actor
from portal.bootstrap import bootstrap
from projections.vacancies import vacancy_board
from tests.projections.scenario import build_region

pytestmark = pytest.mark.postgres

SYSTEM = Actor.system()
STOP_WITHIN = 5.0  # seconds


def eventually(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout}s")
        time.sleep(0.05)


class Follower:
    """``follow(stop)`` in a daemon thread (a stuck one must not hang the test run)."""

    def __init__(self, runner) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(runner,), daemon=True,
                                       name="projection-follower")

    def _run(self, runner) -> None:
        try:
            runner.follow(self.stop)
        except BaseException as error:  # pragma: no cover - reported by the test
            self.errors.append(error)

    def start(self) -> Follower:
        self.thread.start()
        return self

    def stop_and_join(self) -> float:
        started = time.monotonic()
        self.stop.set()
        self.thread.join(STOP_WITHIN)
        return time.monotonic() - started


@pytest.fixture
def writer(postgres_url):
    """The web process: writes events, projects nothing itself."""
    svc = bootstrap(postgres_url, projections_inline=False)
    yield svc
    svc.close()


@pytest.fixture
def projector(postgres_url):
    """The projection process."""
    svc = bootstrap(postgres_url, projections_inline=False)
    yield svc
    svc.close()


@pytest.fixture
def follower(projector):
    follower = Follower(projector.projections)
    yield follower
    if follower.thread.is_alive():
        follower.stop_and_join()


def subscription_threads() -> list[str]:
    """eventsourcing's LISTEN and pull threads, named after their targets."""
    return [t.name for t in threading.enumerate()
            if t.name.endswith(("(_listen)", "(_loop_on_pull)"))]


def publish(portal, provider, setting, fee: int):
    return portal.publish_vacancy(
        SYSTEM, provider_id=provider, setting_id=setting, age_from=16, age_to=18,
        needs_met=[], weekly_fee=fee, available_from=date(2027, 2, 1), expires_on=None,
        description="")


def on_board(svc, vacancy) -> bool:
    with svc.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).where(vacancy_board.c.id == vacancy)
                         ).scalar_one() == 1


def test_follow_applies_events_from_another_process_and_stops_when_asked(
        writer, projector, follower, postgres_server, postgres_database):
    _, settings = build_region(writer.portal, providers=1, settings_per_provider=2)
    provider, setting, _ = next(s for s in settings if s[2] == "supported_accommodation")
    follower.start()

    # It catches up with what was there before it started...
    head = writer.portal.last_position()
    eventually(lambda: set(projector.projections.positions().values()) == {head}, 10,
               "follow did not catch up with the existing log")
    # ...then waits on LISTEN rather than polling. (Waiting for the LISTEN also keeps this
    # test clear of eventsourcing's start-up window: an event stored after the subscription's
    # first read but before its LISTEN is only noticed when the next event arrives.)
    eventually(lambda: postgres_server.listening(postgres_database) >= 1, 10,
               "follow did not LISTEN for new events")
    assert subscription_threads(), "follow should be iterating an eventsourcing subscription"

    vacancy, position = publish(writer.portal, provider, setting, fee=2100)
    # The web process waits (bounded) for the projection process: read your own write.
    assert writer.projections.wait_for(position, timeout=10)
    assert on_board(writer, vacancy)

    # A burst of writes: every one is applied, none is left waiting for a later event.
    burst = [publish(writer.portal, provider, setting, fee=2200 + i) for i in range(5)]
    assert writer.projections.wait_for(burst[-1][1], timeout=10)
    assert all(on_board(writer, v) for v, _ in burst)

    took = follower.stop_and_join()
    assert not follower.thread.is_alive(), f"follow did not stop within {STOP_WITHIN}s"
    assert took < STOP_WITHIN
    assert follower.errors == []
    eventually(lambda: not subscription_threads(), 5,
               "follow left its subscription's threads running")


def test_follow_stops_promptly_while_idle(projector, follower):
    follower.start()
    eventually(lambda: follower.thread.is_alive(), 1, "follow did not start")
    eventually(subscription_threads, 5, "follow did not subscribe")
    time.sleep(0.3)  # let it settle into waiting on the subscription, with no events at all
    took = follower.stop_and_join()
    assert not follower.thread.is_alive(), f"follow did not stop within {STOP_WITHIN}s"
    assert took < 2
    assert follower.errors == []
    eventually(lambda: not subscription_threads(), 5,
               "follow left its subscription's threads running")


def test_follow_returns_at_once_when_already_stopped(projector):
    follower = Follower(projector.projections)
    follower.stop.set()
    follower.start().thread.join(STOP_WITHIN)
    assert not follower.thread.is_alive()
