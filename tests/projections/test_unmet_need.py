"""Unmet need: each figure worked out by hand for the example in
tests/projections/unmet_need_world.py, the searches as they stood at a period's end, the
forecast's observed unmet demand, disclosure control across authority lines through the
dashboard, and incremental equals a rebuild."""

from __future__ import annotations

from datetime import date

import pytest

from domain.actor import Actor
from domain.principal import Principal
from projections.sufficiency.dashboard import build_dashboard
from projections.sufficiency.forecast import forecast_need
from projections.sufficiency.tables import HIDDEN, ROW_AUTHORITY, Filters, Scope
from projections.sufficiency.unmet_need import (
    figures,
    percentile,
    unmet_need,
    unmet_need_by_age,
    unmet_need_by_kind,
    unmet_need_reasons,
)
from projections.unmet_need import SEVERAL, unmet_need_searches
from tests.projections.home_search_world import build, worked_example_search
from tests.projections.scenario import dump
from tests.projections.unmet_need_world import build_example

NOVEMBER = Filters(on=date(2026, 11, 30), period_start=date(2026, 11, 1),
                   period_end=date(2026, 11, 30))


@pytest.fixture
def example(services, monkeypatch):
    built = build_example(services.portal, monkeypatch)
    services.projections.catch_up()
    return built


def kent_scope(world) -> Scope:
    return Scope(kind="authority", name="Kent", authority_ids=(world.kent,), disclose=True,
                 key="886")


def region_scope(world) -> Scope:
    return Scope(kind="region", name="The region", authority_ids=(world.kent, world.dorset),
                 disclose=False, key="region")


def test_each_unmet_need_figure_for_kent_worked_by_hand(services, example):
    with services.engine.connect() as c:
        row, = unmet_need(c, kent_scope(example.world), NOVEMBER).rows
    assert {k: row[k] for k in ("opened", "placed", "closed_unfilled", "cancelled",
                                "still_open", "sent", "far")} == {
        "opened": 5, "placed": 2, "closed_unfilled": 1, "cancelled": 1, "still_open": 1,
        "sent": 2, "far": 1}  # K2 only: K1 was offered A, in Kent 5 miles from home
    assert row["pct_unfilled"] == 20.0  # 1 of 5
    assert row["approached"] == 1.5  # (2 + 1) providers over 2 searches sent
    assert row["offers"] == 1.5  # (2 + 1) offers over 2 searches sent
    assert row["median_days"] == 3.5  # placed after 2 and 5 days
    assert row["p90_days"] == 5.0  # nearest rank: the 2nd of 2 (ceil(0.9 x 2))


def test_reasons_kind_and_age_band(services, example):
    scope = region_scope(example.world)
    with services.engine.connect() as c:
        reasons = unmet_need_reasons(c, scope, NOVEMBER)
        kinds = unmet_need_by_kind(c, scope, NOVEMBER)
        ages = unmet_need_by_age(c, scope, NOVEMBER)
    by_name = {r["name"]: r for r in reasons.rows}
    assert (by_name["Kent"]["reason_too_far"], by_name["Dorset"]["reason_no_offers"]) == (1, 1)
    assert reasons.total["closed_unfilled"] == 2
    kind = {r["name"]: (r["opened"], r["closed_unfilled"], r["placed"]) for r in kinds.rows}
    assert kind["Children's home"] == (5, 1, 2)  # K1, K2, K4, K5 and D1
    assert kind["More than one kind recommended"] == (1, 1, 0)  # K3
    assert kinds.total["opened"] == 6
    age = {r["name"]: r["opened"] for r in ages.rows}
    assert (age["1 to 4"], age["10 to 15"], age["16 and 17"]) == (1, 4, 1)


def test_a_search_counts_as_it_stood_at_the_periods_end(services, example):
    # To 24 November: every search opened, none placed yet (K1 was placed on the 25th).
    early = Filters(on=date(2026, 11, 24), period_start=date(2026, 11, 1),
                    period_end=date(2026, 11, 24))
    with services.engine.connect() as c:
        row, = unmet_need(c, kent_scope(example.world), early).rows
        before = unmet_need(c, kent_scope(example.world), Filters(
            on=date(2026, 10, 31), period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31))).rows[0]
    assert (row["opened"], row["placed"], row["still_open"], row["far"]) == (5, 0, 3, 0)
    assert row["median_days"] is None and row["offers"] == 1.5
    assert before["opened"] == 0 and before["approached"] is None


def test_the_forecast_adds_observed_unmet_demand_by_placement_type(services, example):
    with services.engine.connect() as c:
        table = forecast_need(c, region_scope(example.world), NOVEMBER)
    homes, = [r for r in table.rows if r["group"].startswith("Children's homes")]
    # D1 sought a children's home; K3 sought two kinds, so it is left out.
    assert (homes["children"], homes["unmet"]) == (2, 1)
    assert table.total["unmet"] == 1
    assert "Observed unmet need is added on the need side" in table.definition


def officer(authority) -> Principal:
    return Principal(user_id=None, email="", display_name="", organisation_id=authority,
                     organisation_kind="authority", organisation_name="",
                     roles=frozenset({"council_officer"}))


def test_across_authority_lines_small_counts_are_suppressed(services, example):
    world = example.world
    with services.engine.connect() as c:
        tables = {t.key: t for t in build_dashboard(officer(world.kent), c,
                                                    region_scope(world), NOVEMBER)}
    table = tables["unmet-need"]
    assert table.suppressed
    kent, = [r for r in table.rows if r.get(ROW_AUTHORITY) == world.kent]
    dorset, = [r for r in table.rows if r.get(ROW_AUTHORITY) == world.dorset]
    assert kent["opened"] == 5  # their own figure
    assert (dorset["opened"], dorset["closed_unfilled"], dorset["pct_unfilled"]) == (
        HIDDEN, HIDDEN, HIDDEN)
    # The total less Kent's own figures would give Dorset's: hidden, here and wherever the
    # same figure appears (the totals of the tables by kind and by age band).
    assert table.total["opened"] == HIDDEN
    assert tables["unmet-need-by-kind"].total["opened"] == HIDDEN
    assert tables["unmet-need-by-age"].total["opened"] == HIDDEN
    assert tables["unmet-need-reasons"].total["closed_unfilled"] == HIDDEN
    assert any("secondary suppression" in n for n in table.notes)


def test_worked_percentiles():
    assert percentile([], 0.9) is None
    assert percentile([4.0, 1.0, 3.0, 2.0, 10.0, 5.0, 6.0, 7.0, 8.0, 9.0], 0.9) == 9.0
    assert percentile([4.0, 1.0, 3.0, 2.0, 10.0, 5.0, 6.0, 7.0, 8.0, 9.0, 11.0], 0.9) == 10.0
    assert figures([])["median_days"] is None and figures([])["pct_unfilled"] is None


def test_incremental_equals_a_rebuild(services, monkeypatch):
    from projections import runner

    monkeypatch.setattr(runner, "BATCH_SIZE", 3)
    build_example(services.portal, monkeypatch)
    services.projections.catch_up()
    names = {"unmet_need_searches", "unmet_need_offers"}
    incremental = dump(services.engine, names=names)
    assert (len(incremental["unmet_need_searches"]), len(incremental["unmet_need_offers"])) \
        == (6, 3)
    assert services.projections.rebuild() > 0
    assert dump(services.engine, names=names) == incremental


def test_a_changed_draft_is_counted_as_changed(services):
    world = build(services.portal)
    search = worked_example_search(services.portal, world)
    services.portal.edit_home_search(
        Actor.system(), search, changes={"age": 16, "placement_types": [
            "childrens_home", "supported_accommodation"]}, today=date(2026, 11, 23))
    services.projections.catch_up()
    with services.engine.connect() as c:
        row = c.execute(unmet_need_searches.select()).mappings().one()
    assert (row["age"], row["kind_sought"], row["placement_types"]) == (
        16, SEVERAL, "|childrens_home|supported_accommodation|")
    assert (row["outcome"], row["sent_at"], row["providers_approached"]) == (None, None, 0)
