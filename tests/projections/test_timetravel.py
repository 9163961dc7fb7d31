"""Views as they stood: rebuilt from events up to a past position, with or without snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from projections.directory import Directory
from projections.timetravel import (
    HistoryError,
    position_at,
    rebuild_as_at,
    snapshot_if_due,
    take_snapshot,
)
from projections.vacancies import ProviderVacancies, VacancyBoard
from tests.projections.scenario import build_region, dump, random_history

NAMES = ["organisations", "partnership_members", "settings", "accounts", "vacancy_board",
         "provider_vacancies"]


def fresh():
    return [Directory(), VacancyBoard(), ProviderVacancies()]


@pytest.fixture
def history(services):
    _, settings = build_region(services.portal)
    random_history(services.portal, settings, steps=150, seed=11)
    return services


def state_at(svc, position):
    """The read models at ``position``, the slow sure way: live tables caught up only so far."""
    from portal.bootstrap import bootstrap

    url = svc.database.url.render_as_string(hide_password=False)
    other = bootstrap(url.replace("portal.db", f"truth-{position}.db"))
    # Copy the events: rebuild a separate store by replaying the same stored events.
    other.portal.recorder.insert_events(
        svc.portal.recorder.select_notifications(start=1, limit=position))
    other.projections.catch_up()
    result = dump(other.engine, NAMES)
    other.close()
    return result


@pytest.mark.parametrize("use_snapshots", [True, False])
def test_as_at_equals_the_live_read_models_at_that_position(history, use_snapshots):
    svc = history
    head = svc.portal.last_position()
    middle = head // 2
    svc.projections.catch_up(until=middle - 20)
    for projection in svc.projections.projections.values():
        take_snapshot(svc.engine, projection)  # snapshots behind the wanted position
    svc.projections.catch_up()
    expected = state_at(svc, middle)
    as_at = rebuild_as_at(svc.portal, svc.engine, fresh(), middle,
                          use_snapshots=use_snapshots)
    assert dump(as_at.engine, NAMES) == expected
    if use_snapshots:
        assert set(as_at.started_from.values()) == {middle - 20}
    else:
        assert set(as_at.started_from.values()) == {0}
    as_at.close()


def test_a_snapshot_after_the_wanted_position_is_not_used(history):
    svc = history
    svc.projections.catch_up()
    take_snapshot(svc.engine, VacancyBoard())
    as_at = rebuild_as_at(svc.portal, svc.engine, [VacancyBoard()], 10)
    assert as_at.started_from == {"vacancy_board": 0}
    as_at.close()


def test_snapshots_are_taken_when_enough_events_have_passed(history):
    svc = history
    svc.projections.catch_up()
    projections = list(svc.projections.projections.values())
    assert snapshot_if_due(svc.engine, projections, every=10_000) == []
    taken = snapshot_if_due(svc.engine, projections, every=50)
    # every projection but the verifiable log, which is never snapshotted
    assert len(taken) == len([p for p in projections if p.snapshots])
    assert snapshot_if_due(svc.engine, projections, every=50) == []


def test_position_at_finds_the_last_event_at_or_before_a_moment(history):
    svc = history
    head = svc.portal.last_position()
    stamps = {n.id: svc.portal.mapper.to_domain_event(n).timestamp
              for n in svc.portal.recorder.select_notifications(start=1, limit=head)}
    for position in (1, 2, head // 3, head // 2, head - 1, head):
        assert position_at(svc.portal, stamps[position]) == position
        between = stamps[position] + (stamps.get(position + 1, stamps[position]) -
                                      stamps[position]) / 2
        assert position_at(svc.portal, between) == position


def test_moments_outside_the_history_are_refused_clearly(history):
    svc = history
    with pytest.raises(HistoryError, match="is before it"):
        position_at(svc.portal, datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(HistoryError, match="is in the future"):
        position_at(svc.portal, datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(HistoryError, match="time zone"):
        position_at(svc.portal, datetime(2026, 1, 1))
    with pytest.raises(HistoryError, match="outside the history"):
        rebuild_as_at(svc.portal, svc.engine, fresh(), svc.portal.last_position() + 1)
