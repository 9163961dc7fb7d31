"""The monthly placement summary (projections/placement_summary.py) and the money measures that
read it (projections/sufficiency/summary.py).

Two oracles: the summary rows must equal the rows worked out afresh from the stored episodes
(so the incremental upkeep in the projection's batches, with changes, ends, corrections and
restarts, never drifts), and every figure read from the summary must equal the grouped query
over ``placement_episodes`` that the measures ran before it (kept here, and for a day within a
month in projections/sufficiency/money.py), for every authority, partnership and the whole
region, every placement type and many dates, on the demo region and on generated histories.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa

from domain import ssda903
from projections import runner as runner_module
from projections.placement_summary import (
    TABLES,
    placement_flows,
    placement_open,
    rows_from_episodes,
)
from projections.placements import placement_episodes
from projections.sufficiency import money, spend
from projections.sufficiency.common import counted, shared_queries
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.publication import month_end_on_or_before
from projections.sufficiency.selection import NOT_RECORDED, episodes
from projections.sufficiency.summary import (
    is_month_end,
    open_in_period,
    open_on_month_end,
)
from projections.sufficiency.tables import Filters, Scope
from tests.conftest import DEMO_TODAY
from tests.projections.placement_world import SYSTEM, World
from tests.projections.sufficiency_region import principal


def year_from_episodes(connection, ids, everyone, first: date, last: date,
                       place_group: str | None) -> list[tuple]:
    """The spend in a period as the spend measure worked it out before the summary: one
    grouped pass over the episodes open on a day of it (weekly cost times the days open)."""
    after_last = last + timedelta(days=1)
    since = sa.case((episodes.start > first, episodes.start), else_=first)
    until = sa.case((sa.and_(episodes.end.is_not(None), episodes.end < after_last),
                     episodes.end), else_=after_last)
    days = sa.func.julianday(until) - sa.func.julianday(since) \
        if connection.dialect.name == "sqlite" else until - since
    route = sa.func.coalesce(episodes.contract_route, NOT_RECORDED)
    filters = Filters(on=last, period_start=first, period_end=last, place_group=place_group)
    query = (sa.select(episodes.place_group, route, sa.func.count(),
                       sa.func.count(episodes.weekly_cost),
                       sa.func.coalesce(sa.func.sum(sa.cast(days, sa.Integer)
                                                    * episodes.weekly_cost), 0))
             .where(*counted(ids, filters, everyone=everyone), episodes.start <= last,
                    sa.or_(episodes.end.is_(None), episodes.end > first))
             .group_by(episodes.place_group, route))
    return sorted(tuple(int(v) if isinstance(v, int | float) else v for v in row)
                  for row in connection.execute(query))


def on_from_episodes(connection, ids, everyone, on: date, place_group: str | None) -> list:
    filters = Filters(on=on, period_start=on, period_end=on, place_group=place_group)
    return sorted(money.spend_from_episodes(connection, ids, everyone, filters))


def stored_rows(connection) -> dict[str, list[dict]]:
    return {name: sorted((dict(row) for row in connection.execute(sa.select(table))
                          .mappings()), key=lambda row: row["key"])
            for name, table in TABLES.items()}


def expected_rows(connection) -> dict[str, list[dict]]:
    return rows_from_episodes(connection.execute(sa.select(placement_episodes)).mappings())


def scopes(connection) -> list[tuple[list, bool]]:
    """(authorities, everyone) for each authority alone, each pair, and the whole region."""
    ids = sorted({row[0] for row in connection.execute(
        sa.select(placement_episodes.c.authority_id).distinct())}, key=str)
    found = [([i], False) for i in ids]
    found += [([a, b], False) for a, b in pairwise(ids)]
    return [*found, (ids, False), (ids, True)]


def assert_same_figures(connection, month_ends: list[date], years: list[date]) -> int:
    """Every figure from the summary equals the episodes' own, for every scope and placement
    type: returns how many comparisons were made (so a test can tell it compared something)."""
    compared = 0
    for ids, everyone in scopes(connection):
        for group in (None, *ssda903.GROUPS):
            for on in month_ends:
                assert sorted(open_on_month_end(connection, ids, everyone, on, group)) \
                    == on_from_episodes(connection, ids, everyone, on, group), (on, group)
                compared += 1
            for first in years:
                last = date(first.year + 1, 3, 31)
                assert sorted(open_in_period(connection, ids, everyone, first, last, group)) \
                    == year_from_episodes(connection, ids, everyone, first, last, group), \
                    (first, group)
                compared += 1
    return compared


# --- the demo region ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_reader):
    engine = sa.create_engine(demo_reader)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_the_demo_summary_is_the_sum_of_its_episodes(demo):
    stored = stored_rows(demo)
    assert stored == expected_rows(demo)
    assert len(stored["placement_flows"]) > 100 and stored["placement_open"]


def test_the_demo_figures_from_the_summary_equal_the_episodes(demo):
    month_ends = [month_end_on_or_before(DEMO_TODAY)]
    for _ in range(30):
        month_ends.append(month_end_on_or_before(month_ends[-1].replace(day=1)
                                                 - timedelta(days=1)))
    month_ends += [date(2019, 3, 31), date(2016, 2, 29), date(2030, 1, 31)]
    years = [date(y, 4, 1) for y in range(2017, 2027)]
    assert assert_same_figures(demo, month_ends, years) > 1000


def test_the_demo_money_tables_are_the_same_for_every_scope(demo, demo_reader):
    """The dashboards' money tables from the summary equal those from the episodes (the old
    query put back in place), suppression included, for an officer's own authority, a
    partnership and the region."""
    from projections.sufficiency.scope import resolve_scope

    keys = {"cost-by-type", "spend-by-route", "spend-by-type-and-route", "spend-in-year"}
    on = month_end_on_or_before(DEMO_TODAY)
    filters = Filters(on=on, period_start=date(on.year - 1, on.month, 1), period_end=on)
    dorset = principal("council_officer", _authority(demo, "838"))
    analyst = principal("council_officer", _authority(demo, "886"))
    views = [(dorset, resolve_scope(dorset, demo, "authority", "838")),
             (analyst, resolve_scope(analyst, demo, "region", None))]
    views += [(analyst, resolve_scope(analyst, demo, "partnership", name))
              for name in _partnerships(demo)[:2]]
    for viewer, scope in views:
        new = _money_tables(viewer, demo, scope, filters, keys)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(money, "open_on_month_end", lambda c, ids, everyone, day, group:
                          money.spend_from_episodes(c, ids, everyone, Filters(
                              on=day, period_start=day, period_end=day, place_group=group)))
            patch.setattr(spend, "open_in_period", year_from_episodes)
            old = _money_tables(viewer, demo, scope, filters, keys)
        assert new == old and len(new) == len(keys), scope.name


def _money_tables(viewer, connection, scope: Scope, filters: Filters, keys: set) -> list:
    from projections.sufficiency.builds import forget

    forget(connection.engine)
    with shared_queries():
        tables = build_dashboard(viewer, connection, scope, filters)
    return [(t.key, t.rows, t.total) for t in tables if t.key in keys]


def _authority(connection, la_code: str):
    from projections.directory import organisations
    return connection.execute(sa.select(organisations.c.id).where(
        organisations.c.la_code == la_code)).scalar_one()


def _partnerships(connection) -> list[str]:
    from projections.directory import partnership_members
    return sorted(connection.execute(
        sa.select(partnership_members.c.partnership).distinct()).scalars())


# --- generated histories, through the real commands ----------------------------------------------

TODAY = date(2026, 11, 23)
PLACES = [("U4", "PR1"), ("U6", "PR4"), ("K2", "PR4"), ("U1", None), ("K1", "PR4"),
          ("P1", None), ("A4", None)]
ROUTES = ["in_house", "block", "framework", "spot", None]


def _terms(rng: random.Random) -> dict:
    place, provider = rng.choice(PLACES)
    terms = {"place": place, "place_provider": provider,
             "legal_status": "V3" if rng.random() < 0.08 else "C2"}
    if rng.random() < 0.8:
        terms["weekly_cost"] = rng.choice([0, rng.randint(300, 9000)])
    if route := rng.choice(ROUTES):
        terms["contract_route"] = route
    return terms


def _day(rng: random.Random, after: date) -> date:
    # Month ends and first days often, where the counting rules turn.
    day = after + timedelta(days=rng.choice([0, 1, rng.randint(1, 400)]))
    if rng.random() < 0.3:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(
            days=rng.choice([0, 1]))
    return min(max(day, after), TODAY)


@pytest.fixture
def generated(services):
    """Three authorities' children started, moved, ended, restarted and corrected at random
    (a fixed seed), projected in several batches."""
    rng = random.Random(14)
    world = World(services, today=TODAY)
    ids = [world.authority(name, code, ons) for name, code, ons in (
        ("Dorset", "838", "E06000059"), ("Kent", "886", "E10000016"),
        ("Portsmouth", "851", "E06000044"))]
    portal = services.portal
    for n in range(60):
        authority = rng.choice(ids)
        day = _day(rng, date(2019, 1, 1) + timedelta(days=rng.randint(0, 2000)))
        ref = world.child(authority, day, **_terms(rng))
        for _ in range(rng.randint(0, 4)):
            day = _day(rng, day)
            if day >= TODAY:
                break
            roll = rng.random()
            if roll < 0.5:
                world.change(authority, ref, day, **_terms(rng))
            elif roll < 0.7:
                world.end(authority, ref, day)
                day = _day(rng, day + timedelta(days=1))
                if day >= TODAY:
                    break
                portal.start_placement(SYSTEM, authority_id=authority, child_ref=ref,
                                       birth_month="2012-01", sex="1", uasc=False, on=day,
                                       terms=_terms(rng), today=TODAY)
            else:
                placement = portal.get_placement(SYSTEM, authority, ref)
                number = rng.randint(1, len(placement.episodes))
                portal.correct_placement(
                    SYSTEM, authority, ref, episode_number=number, reason="Checked",
                    changes={"weekly_cost": rng.randint(100, 5000),
                             "contract_route": rng.choice(ROUTES[:4])}, today=TODAY)
        if n % 7 == 0:
            world.catch_up()  # several batches, each changing children already stored
    world.catch_up()
    return services


def test_generated_summary_is_kept_equal_to_its_episodes(generated):
    with generated.engine.connect() as c:
        stored = stored_rows(c)
        assert stored == expected_rows(c)
        assert stored["placement_flows"] and stored["placement_open"]


def test_generated_figures_from_the_summary_equal_the_episodes(generated):
    month_ends, day = [], date(2018, 12, 31)
    while day < TODAY:
        month_ends.append(day)
        day = month_end_on_or_before(day + timedelta(days=40))
    years = [date(y, 4, 1) for y in range(2018, 2026)]
    with generated.engine.connect() as c:
        assert assert_same_figures(c, month_ends, years) > 1000


def test_a_rebuild_gives_the_same_summary(generated):
    with generated.engine.connect() as c:
        before = stored_rows(c)
    generated.projections.rebuild()
    with generated.engine.connect() as c:
        assert stored_rows(c) == before


def test_a_rebuild_in_small_batches_one_rolled_back_gives_the_same_summary(generated,
                                                                          monkeypatch):
    """A rebuild adds the summary up in memory as each batch commits and writes it once: with
    children spread over many batches, and one batch rolled back (another projection of the
    group fails as it ends, once) and fed again, it still adds every episode once."""
    with generated.engine.connect() as c:
        before = stored_rows(c)
    monkeypatch.setattr(runner_module, "REBUILD_BATCH_SIZE", 25)
    audit = generated.projections.projections["audit_index"]
    end_batch, calls = audit.end_batch, []

    def end_batch_failing_once(c):
        calls.append(c)
        if len(calls) == 3:
            raise ValueError("refused once")
        end_batch(c)

    monkeypatch.setattr(audit, "end_batch", end_batch_failing_once)
    generated.projections.rebuild(["placements", "audit_index"])
    assert len(calls) > 4 and generated.projections.failures() == {}
    with generated.engine.connect() as c:
        assert stored_rows(c) == before == expected_rows(c)


def test_the_summary_refuses_a_date_within_a_month(generated):
    with generated.engine.connect() as c:
        with pytest.raises(ValueError, match="not the last day"):
            open_on_month_end(c, [], True, date(2026, 3, 30), None)
        with pytest.raises(ValueError, match="whole months"):
            open_in_period(c, [], True, date(2025, 4, 2), date(2026, 3, 31), None)
    assert is_month_end(date(2024, 2, 29)) and not is_month_end(date(2023, 2, 28) - timedelta(1))


def test_every_summary_table_belongs_to_the_placements_projection():
    from projections.placements import Placements
    assert {placement_flows, placement_open} <= set(Placements.tables)
