"""Local capacity, the forecast and its method, the children's home gap and progress against
targets, from events built through the real commands, each figure checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import NotFound
from projections.sufficiency import planning
from projections.sufficiency.common import shared_queries
from projections.sufficiency.disclosure import suppress
from projections.sufficiency.tables import HIDDEN, Scope
from projections.sufficiency.trend import add_months, fit, t_quantile_975
from tests.projections.placement_world import SYSTEM, World, filters, rows_by

ON = date(2025, 4, 10)
HOMES = "Children's home"


@pytest.fixture
def world(services):
    """Kent: 10 children's home places and 5 supported places in its area; its children in
    and out of them. Dorset: 3 children's home places."""
    w = World(services, today=date(2025, 6, 1))
    w.kent = kent = w.authority("Kent", "886", "E10000016", population=10_000)
    w.dorset = dorset = w.authority("Dorset", "838", "E06000059", population=20_000)
    homes = w.provider("Homes Ltd")
    house_a = w.setting(homes, "Kent House A", "childrens_home", kent, "ME14", 6)
    house_b = w.setting(homes, "Kent House B", "childrens_home", kent, "CT1", 4)
    supported = w.setting(homes, "Kent Lodgings", "supported_accommodation", kent, "ME15", 5)
    dorset_house = w.setting(homes, "Dorset House", "childrens_home", dorset, "DT1", 3)
    begin = date(2024, 9, 1)
    home = dict(place="K2", place_provider="PR4", home_postcode="ME14")
    for _ in range(2):  # in a Kent home named in the directory
        w.child(kent, begin, **home, provider_id=homes, setting_id=house_a, weekly_cost=4000)
    w.child(kent, begin, **home, placement_postcode="ME14 5")  # no setting, a Kent district
    w.child(kent, begin, **home, provider_id=homes, setting_id=dorset_house, weekly_cost=5000)
    w.child(kent, begin, **home, placement_postcode="DT1", weekly_cost=4000)  # in Dorset
    w.child(kent, begin, place="K2", place_provider="PR4")  # where is not recorded
    w.child(kent, begin, **home, provider_id=homes, setting_id=dorset_house)  # cost unknown
    w.child(kent, begin, place="K3", place_provider="PR4", provider_id=homes,
            setting_id=supported, home_postcode="ME15", weekly_cost=1500)
    w.child(kent, begin, place="U4", place_provider="PR1", weekly_cost=400)
    w.child(kent, begin, **home, legal_status="V3", provider_id=homes, setting_id=house_b)
    ref = w.child(kent, begin, **home, provider_id=homes, setting_id=house_b)
    w.end(kent, ref, date(2025, 4, 10))  # left care on the day: not counted
    w.child(dorset, begin, place="K2", place_provider="PR4", provider_id=homes,
            setting_id=house_a, weekly_cost=6000)
    w.portal.set_targets(SYSTEM, kent, targets={
        "children_per_10k": 60, "out_of_area_pct": 30, "over_20_miles_pct": 10,
        "local_residential_share_pct": 25})
    w.catch_up()
    return w


def test_local_capacity_against_our_children(world):
    with world.services.engine.connect() as c:
        table = planning.local_capacity(c, world.scope(world.kent), filters(ON))
    rows = rows_by(table, "setting")
    assert list(rows) == [HOMES, "Supported accommodation (16+)"]  # children's homes first
    homes = {k: v for k, v in rows[HOMES].items() if not k.startswith("_")}
    # Two in Kent House A and one unlinked in ME14 (Kent); two in Dorset House and one in DT1;
    # one with no location; outside costs 5,000 and 4,000 (one unknown): average 4,500.
    assert homes == {"setting": HOMES, "places": 10, "in_house": 0, "here": 3, "share": 30.0,
                     "outside": 3, "outside_average": 4500, "unknown": 1}
    assert rows["Supported accommodation (16+)"]["places"] == 5
    assert rows["Supported accommodation (16+)"]["here"] == 1
    assert rows["Supported accommodation (16+)"]["share"] == 20.0
    assert rows["Supported accommodation (16+)"]["outside_average"] is None
    assert "host authority" in table.definition and "short breaks" in table.definition


def test_local_capacity_across_authorities_and_filters(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        everyone = planning.local_capacity(c, both, filters(ON))
        kent = planning.local_capacity(c, both, filters(ON, area=world.kent))
        supported = planning.local_capacity(c, both, filters(ON, place_group="supported"))
    rows = rows_by(everyone, "setting")
    assert list(rows) == [f"Dorset: {HOMES}", f"Kent: {HOMES}",
                          "Kent: Supported accommodation (16+)"]
    dorset = rows[f"Dorset: {HOMES}"]
    # Kent's children in Dorset House are not Dorset's; Dorset's child is in Kent.
    assert (dorset["places"], dorset["here"], dorset["share"], dorset["outside"],
            dorset["outside_average"]) == (3, 0, 0.0, 1, 6000)
    assert dorset["_authority_id"] == world.dorset
    assert [r["setting"] for r in kent.rows] == [HOMES, "Supported accommodation (16+)"]
    assert [r["setting"] for r in supported.rows] == ["Kent: Supported accommodation (16+)"]


def test_area_outside_the_scope_is_refused(world):
    with world.services.engine.connect() as c, pytest.raises(NotFound):
        planning.local_capacity(c, world.scope(world.kent), filters(ON, area=world.dorset))


def test_targets_progress(world):
    with world.services.engine.connect() as c:
        table = planning.targets_progress(c, world.scope(world.kent), filters(ON))
    got = {r["measure"]: (r["aim"], r["target"], r["present"], r["children"], r["status"])
           for r in table.rows}
    # Nine children in care (the short break and the child who left that day are not); three
    # placed outside Kent (one more not known), all three over 20 miles from home (ME14 to DT1).
    assert got == {
        "Children in care per 10,000 children": ("At most", "60", 9.0, 9, "Met"),
        "Percentage placed outside the authority's area": ("At most", "30", 33.3, 3, "Not met"),
        "Percentage placed more than 20 miles from home": ("At most", "10", 33.3, 3, "Not met"),
        "Percentage of children's homes places in the area used by the authority": (
            "At least", "25", 30.0, 3, "Met"),
    }


def test_targets_of_several_authorities(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        table = planning.targets_progress(c, both, filters(ON))
    dorset = [r for r in table.rows if r["_authority_id"] == world.dorset]
    assert len(dorset) == 4 and {r["status"] for r in dorset} == {"No target set"}
    assert {r["target"] for r in dorset} == {"No target set"}  # never "unknown"
    assert dorset[0]["measure"] == "Dorset: Children in care per 10,000 children"
    assert dorset[0]["present"] == 0.5  # one child per 20,000


# --- the forecast ------------------------------------------------------------------------------


def test_a_straight_line_forecasts_itself_with_no_band():
    line = fit([10 + 2 * k for k in range(13)])
    assert line.slope == pytest.approx(2) and line.intercept == pytest.approx(10)
    assert line.interval(24) == pytest.approx((58, 58, 58))


def test_noise_widens_the_band_and_more_so_further_ahead():
    noisy = fit([10 + 2 * k + (1 if k % 2 else -1) for k in range(13)])
    low, centre, high = noisy.interval(24)
    assert centre == pytest.approx(58, abs=0.5)
    assert high - low > 0
    near_low, _, near_high = noisy.interval(13)
    assert near_high - near_low < high - low
    noisier = fit([10 + 2 * k + (3 if k % 2 else -3) for k in range(13)])
    assert noisier.interval(24)[2] - noisier.interval(24)[0] > high - low


def test_t_quantiles_match_the_tables():
    for df, table in ((5, 2.571), (11, 2.201), (20, 2.086), (34, 2.032)):
        assert t_quantile_975(df) == pytest.approx(table, abs=0.001)


def test_months_step_back_to_shorter_months():
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), -13) == date(2023, 12, 15)


@pytest.fixture
def growing(services):
    """Dorset takes one more child into care each month for two years, and none leave: 18 in
    children's homes (6 of them in Dorset's own, of 10 places) and 6 with council carers."""
    w = World(services, today=date(2025, 6, 1))
    w.dorset = dorset = w.authority("Dorset", "838", "E06000059")
    homes = w.provider("Homes Ltd")
    house = w.setting(homes, "Dorset House", "childrens_home", dorset, "DT1", 10)
    for i in range(24):
        start = add_months(ON, -(23 - i))
        if i < 6:
            w.child(dorset, start, place="K2", place_provider="PR4", provider_id=homes,
                    setting_id=house)
        elif i < 18:
            w.child(dorset, start, place="K2", place_provider="PR4")
        else:
            w.child(dorset, start, place="U4", place_provider="PR1")
    w.catch_up()
    return w


def test_forecast_of_a_steady_rise(growing):
    with growing.services.engine.connect() as c:
        table = planning.forecast(c, growing.scope(growing.dorset), filters(ON))
    counted = [r for r in table.rows if r["basis"] == "Counted"]
    ahead = [r for r in table.rows if r["basis"] == "Forecast"]
    assert [r["children"] for r in counted] == list(range(1, 25))  # May 2023 to April 2025
    assert counted[0]["month"] == "May 2023" and counted[-1]["month"] == "April 2025"
    assert len(ahead) == 36 and ahead[0]["month"] == "May 2025"
    assert (ahead[11]["children"], ahead[-1]["children"]) == (36, 60)
    assert (ahead[-1]["low"], ahead[-1]["high"]) == (60, 60)  # a straight line: no band
    assert table.chart.kind == "line" and (table.chart.low, table.chart.high) == ("low", "high")
    assert "23 children started to be looked after and 0 periods of care ended" in \
        table.notes[0]
    assert "least squares" in table.definition and "95%" in table.definition


def test_need_by_type_and_the_childrens_home_gap(growing):
    scope = growing.scope(growing.dorset)
    with growing.services.engine.connect() as c:
        need = planning.forecast_need(c, scope, filters(ON))
        gap = planning.capacity_gap(c, scope, filters(ON))
        adoption = planning.capacity_gap(c, scope, filters(ON, place_group="adoption"))
    rows = rows_by(need, "group")
    homes = rows["Children's homes (including secure)"]
    # 60 in three years, 36 in one; 18 of 24 (75%) are in children's homes now.
    assert (homes["children"], homes["share"], homes["year_1"], homes["year_3"]) == (
        18, 75.0, 27.0, 45.0)
    assert rows["Foster care, council carers"]["year_3"] == 15.0
    assert need.total["year_3"] == 60.0
    row, fostering, supported = gap.rows
    # Need 45 children's home places in three years; 6 of Dorset's own homes' places used now.
    assert {k: row[k] for k in ("kind", "in_now", "need", "low", "high", "places", "counted",
                                "more", "pipeline_3", "closed_3", "left")} == {
        "kind": "Children's homes", "in_now": 18, "need": 45, "low": 45, "high": 45,
        "places": 10, "counted": 6, "more": 39, "pipeline_3": 0, "closed_3": 0, "left": 39}
    # 6 with council carers: need 15 in three years; with no fostering return recorded, its
    # own approved places are not known, so neither is the gap.
    assert {k: fostering[k] for k in ("kind", "in_now", "need", "places", "counted", "more",
                                      "left")} == {
        "kind": "Fostering", "in_now": 6, "need": 15, "places": None, "counted": None,
        "more": None, "left": None}
    # Nobody in supported accommodation now: no need, no places.
    assert (supported["kind"], supported["in_now"], supported["need"], supported["more"]) == (
        "Supported accommodation", 0, 0, 0)
    assert adoption.rows == [] and adoption.notes


def test_too_short_a_history_gives_no_forecast(services):
    w = World(services, today=date(2025, 6, 1))
    dorset = w.authority("Dorset", "838", "E06000059")
    for months in range(6):
        w.child(dorset, add_months(ON, -months), place="U4", place_provider="PR1")
    w.catch_up()
    with services.engine.connect() as c:
        table = planning.forecast(c, w.scope(dorset), filters(ON))
        gap = planning.capacity_gap(c, w.scope(dorset), filters(ON))
    assert [r["basis"] for r in table.rows] == ["Counted"] * 6
    assert "cannot be made" in table.notes[0] and "12 months" in table.notes[0]
    assert gap.rows[0]["need"] is None and gap.rows[0]["more"] is None


def test_records_begin_with_the_year_of_the_first_recorded_end(services):
    """A council that imported only 2024-25's return holds older starts but no earlier ends:
    counts before 1 April 2024 would miss children who had already left care."""
    w = World(services, today=date(2025, 6, 1))
    dorset = w.authority("Dorset", "838", "E06000059")
    w.child(dorset, date(2015, 5, 1), place="U4", place_provider="PR1")
    ref = w.child(dorset, date(2020, 5, 1), place="U4", place_provider="PR1")
    w.end(dorset, ref, date(2024, 6, 30))
    w.catch_up()
    with services.engine.connect() as c:
        table = planning.forecast(c, w.scope(dorset), filters(ON))
    counted = [r["children"] for r in table.rows if r["basis"] == "Counted"]
    assert table.rows[0]["month"] == "April 2024"  # not 36 months back, to April 2022
    assert counted == [2, 2, 2] + [1] * 10
    assert any(r["basis"] == "Forecast" for r in table.rows)  # 12 months: just enough


def test_noisy_history_gives_a_band(services):
    w = World(services, today=date(2025, 6, 1))
    dorset = w.authority("Dorset", "838", "E06000059")
    refs = [w.child(dorset, add_months(ON, -(23 - i)), place="U4", place_provider="PR1")
            for i in range(24)]
    for i in range(0, 24, 3):  # every third child leaves a month after starting
        w.end(dorset, refs[i], add_months(ON, -(22 - i)))
    w.catch_up()
    with services.engine.connect() as c:
        table = planning.forecast(c, w.scope(dorset), filters(ON))
    ahead = [r for r in table.rows if r["basis"] == "Forecast"]
    assert ahead[0]["high"] - ahead[0]["low"] > 0
    assert ahead[-1]["high"] - ahead[-1]["low"] > ahead[0]["high"] - ahead[0]["low"]
    assert "8 periods of care ended" in table.notes[0]


def test_every_planning_table_survives_disclosure_control_across_authorities(world):
    both = world.scope(world.dorset, world.kent)
    with world.services.engine.connect() as c:
        tables = [measure(c, both, filters(ON)) for measure in planning.MEASURES]
    for table in tables:
        keys = {col.key for col in table.columns}
        assert all(set(row) - keys <= {"_authority_id"} for row in table.rows), table.key
    by_key = {t.key: suppress(t) for t in tables}
    kent = rows_by(by_key["local-capacity"], "setting")[f"Kent: {HOMES}"]
    assert (kent["places"], kent["here"], kent["share"]) == (10, HIDDEN, HIDDEN)
    assert kent["outside_average"] == HIDDEN  # two children's costs
    targets = rows_by(by_key["targets-progress"], "measure")
    # Worked out from Kent's children in care as published across authority lines (rounded
    # to the nearest 5, issue 17 finding 5), as the children in care table beside it shows.
    assert targets["Kent: Children in care per 10,000 children"]["present"] == 10.0
    assert targets["Kent: Percentage placed outside the authority's area"]["present"] == HIDDEN


def test_forecast_of_one_placement_type(growing):
    with growing.services.engine.connect() as c:
        table = planning.forecast(c, growing.scope(growing.dorset),
                                  filters(ON, place_group="childrens_home"))
    counted = [r["children"] for r in table.rows if r["basis"] == "Counted"]
    assert counted == [*range(1, 19), *[18] * 6]  # the last six children went to carers
    assert "children's homes" in table.definition
    assert "Moves between placement types" in table.notes[0]


def test_several_authorities_are_counted_from_where_all_records_are_complete(services):
    w = World(services, today=date(2025, 6, 1))
    dorset = w.authority("Dorset", "838", "E06000059")
    kent = w.authority("Kent", "886", "E10000016")
    for months in range(30):  # Dorset: complete records, one start a month
        w.child(dorset, add_months(ON, -months), place="U4", place_provider="PR1")
    ref = w.child(kent, date(2020, 5, 1), place="U4", place_provider="PR1")
    w.end(kent, ref, date(2024, 6, 30))  # Kent's records only go back to April 2024
    w.catch_up()
    with services.engine.connect() as c:
        both = planning.forecast(c, w.scope(dorset, kent), filters(ON))
        alone = planning.forecast(c, w.scope(dorset, kent), filters(ON, area=dorset))
    assert both.rows[0]["month"] == "April 2024"
    assert alone.rows[0]["month"] == "November 2022"  # Dorset's own: 29 months back
    kent_then = [1, 1, 1] + [0] * 10  # Kent's child left on 30 June 2024
    dorset_then = [r["children"] for r in alone.rows if r["basis"] == "Counted"][-13:]
    assert [r["children"] for r in both.rows if r["basis"] == "Counted"] == [
        d + k for d, k in zip(dorset_then, kent_then, strict=True)]


def test_the_whole_region_and_a_shared_pass_give_the_same_figures(world):
    both = world.scope(world.dorset, world.kent)
    region = Scope("region", "Region", both.authority_ids, disclose=False)
    with world.services.engine.connect() as c:
        separately = [m(c, both, filters(ON)) for m in planning.MEASURES]
        with shared_queries():
            together = [m(c, region, filters(ON)) for m in planning.MEASURES]
            again = [m(c, region, filters(ON)) for m in planning.MEASURES]
    assert [(t.rows, t.total) for t in together] == [(t.rows, t.total) for t in separately]
    assert [(t.rows, t.total) for t in again] == [(t.rows, t.total) for t in separately]
