"""A region's dashboard works out each partnership's views after its own (disclosure control
weighs them together): what is counted authority by authority is cut from the region's
counts, never read again (issue 14). The cut equals each partnership's own reading, on the
demo region and on a small one."""

from __future__ import annotations

from datetime import date

from projections.sufficiency import dashboard
from projections.sufficiency.builds import forget
from projections.sufficiency.common import shared_queries
from projections.sufficiency.dashboard import filters_from
from projections.sufficiency.history import monthly_series_each
from projections.sufficiency.publication import reporting_filters
from projections.sufficiency.scope import widest_scopes
from projections.sufficiency.snapshot import in_care_on
from tests.conftest import DEMO_TODAY
from tests.projections.sufficiency_region import Region, filters


def test_each_partnerships_measures_cut_from_the_regions_equal_their_own(demo_services):
    with demo_services.engine.connect() as c:
        region, *partnerships = widest_scopes(c)
        assert partnerships
        on = reporting_filters(filters_from({}, DEMO_TODAY, region).filters)
        alone = {}
        for scope in partnerships:
            forget(demo_services.engine)  # the forecast too is worked out, not read
            with shared_queries():
                alone[scope.key] = dashboard._tables(c, scope, on)
        forget(demo_services.engine)
        with shared_queries():
            dashboard._tables(c, region, on)
            cut = {scope.key: dashboard._tables(c, scope, on) for scope in partnerships}
    assert cut == alone


def test_counts_cut_from_the_whole_region_are_those_of_the_authorities_asked_for(services):
    world = Region(services)
    world.children("Dorset", 3, home_postcode="DT1", placement_postcode="BH1")
    kent = world.children("Kent", 7, on=date(2023, 5, 1))
    world.end("Kent", kent[0], date(2025, 6, 30))
    world.children("Portsmouth", 2, on=date(2025, 1, 1))
    world.catch_up()
    south_east = [world.ids["Kent"], world.ids["Portsmouth"]]
    everyone = list(world.ids.values())
    with services.engine.connect() as c:
        own = (in_care_on(c, south_east, filters()),
               monthly_series_each(c, south_east, filters()))
        with shared_queries():
            in_care_on(c, everyone, filters(), everyone=True)
            monthly_series_each(c, everyone, filters(), everyone=True)
            cut = (in_care_on(c, south_east, filters()),
                   monthly_series_each(c, south_east, filters()))
    assert sorted(map(repr, cut[0])) == sorted(map(repr, own[0])) and own[0]
    assert cut[1] == own[1]
