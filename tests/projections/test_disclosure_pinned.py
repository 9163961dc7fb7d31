"""Disclosure control made faster hides exactly what it hid before (issue 14).

Every suppression a dashboard build asks for (the region, a partnership and an authority,
read by someone with no council and by a council officer) is worked out twice on the same
tables: by :mod:`projections.sufficiency.disclosure` and by the code it replaced, kept as
:mod:`tests.projections.disclosure_reference`. The complete disclosed tables must be equal,
cell for cell, on the demo region and on a generated history of small authorities, where
most counts are small and secondary suppression runs across many linked tables, and on
random regions of a few authorities.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from hypothesis import given, settings

from projections.directory import organisations, partnership_members
from projections.placement_summary import TABLES as summary_tables
from projections.placement_summary import rows_from_episodes
from projections.placements import placement_episodes
from projections.sufficiency import dashboard, disclosure
from projections.sufficiency.scope import widest_scopes
from projections.sufficiency.tables import Filters, Scope
from tests.benchmarks.test_sufficiency_dashboard import _authorities, _child_episodes
from tests.projections import disclosure_reference
from tests.projections.test_sufficiency_disclosure_views import region_and_partnership, regions

# The demo's last month end, and a year to 31 March for the generated history.
DEMO = Filters(on=date(2026, 10, 31), period_start=date(2025, 11, 1),
               period_end=date(2026, 10, 31))
GENERATED = Filters(on=date(2026, 3, 31), period_start=date(2025, 4, 1),
                    period_end=date(2026, 3, 31))


def _builds(connection: sa.Connection, filters: Filters) -> list[tuple]:
    """The dashboards to pin: the region, every partnership and one authority of each, read
    by someone with no council and by an officer of the partnership's first authority."""
    builds = []
    for scope in widest_scopes(connection):
        first = scope.authority_ids[0]
        authority = Scope("authority", "One authority", (first,), False, "one")
        builds += [(scope, filters, None), (scope, filters, first),
                   (authority, filters, None)]
    return builds


def _assert_same_as_before(connection: sa.Connection, filters: Filters, monkeypatch) -> int:
    """Build each dashboard with both implementations; returns how many cells were hidden."""
    compared = []
    faster = dashboard.suppress_views

    def both(views, viewer_authority=None, wanted=None):
        now = faster(views, viewer_authority, wanted=wanted)
        before = disclosure_reference.suppress_views(views, viewer_authority, wanted=wanted)
        compared.append((now, before))
        return now

    monkeypatch.setattr(dashboard, "suppress_views", both)
    builds = _builds(connection, filters)
    assert len(builds) >= 6
    for scope, filters, viewer_authority in builds:
        dashboard._build(connection, scope, filters, viewer_authority)
    assert len(compared) == len(builds)
    hidden = 0
    for now, before in compared:
        assert len(now) == len(before)
        for tables_now, tables_before in zip(now, before, strict=True):
            for table_now, table_before in zip(tables_now, tables_before, strict=True):
                assert table_now.key == table_before.key
                assert table_now.total == table_before.total, table_now.key
                assert table_now.rows == table_before.rows, table_now.key
                assert table_now == table_before
                hidden += sum(value == "c" for row in [*table_now.rows, table_now.total or {}]
                              for value in row.values())
    return hidden


def test_the_demo_regions_dashboards_hide_what_they_hid_before(demo_reader, monkeypatch):
    engine = sa.create_engine(demo_reader)
    try:
        with engine.connect() as connection:
            assert _assert_same_as_before(connection, DEMO, monkeypatch) > 0
    finally:
        engine.dispose()


@pytest.fixture
def small_counts(services):
    """Twenty authorities in three partnerships with about thirty children each (a fixed
    seed): most counts of a placement type or a month are 1 to 4."""
    rng = random.Random(1414)
    authorities = _authorities(rng)[:20]
    everywhere = [d for a in authorities for d in a["districts"]]
    episodes = []
    for number in range(1, 601):
        episodes.extend(_child_episodes(rng, rng.choice(authorities), everywhere, number))
    now = datetime.now(UTC)
    with services.engine.begin() as c:
        c.execute(organisations.insert(), [
            {**{k: v for k, v in a.items() if k != "districts"}, "registered_at": now}
            for a in authorities])
        c.execute(partnership_members.insert(), [
            {"partnership": f"Partnership {n % 3 + 1}", "authority_id": a["id"]}
            for n, a in enumerate(authorities)])
        c.execute(placement_episodes.insert(), episodes)
        for name, rows in rows_from_episodes(episodes).items():
            c.execute(summary_tables[name].insert(), rows)
    return services


def test_a_generated_history_of_small_counts_hides_what_it_hid_before(small_counts,
                                                                      monkeypatch):
    with small_counts.engine.connect() as connection:
        assert _assert_same_as_before(connection, GENERATED, monkeypatch) > 100


@settings(max_examples=300, deadline=None)
@given(regions())
def test_random_regions_hide_what_they_hid_before(case):
    """A region and a partnership of 2 to 6 authorities with counts small or not, read by
    someone with no council or by an officer of one of them."""
    counts, partnership, viewer = case
    views = region_and_partnership(counts, partnership)
    assert disclosure.suppress_views(views, viewer) == \
        disclosure_reference.suppress_views(views, viewer)
